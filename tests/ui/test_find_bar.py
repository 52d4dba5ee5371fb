"""Ctrl+F: find words in the conversation, ignoring case and accents, and see them marked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPalette
from pytestqt.qtbot import QtBot

from confide.core.async_loop import LoopThread
from confide.core.settings import PreferencesStore
from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.transcript_model import TranscriptEntry
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskRunner


@pytest.fixture
def page(qtbot: QtBot, tmp_path: Path) -> Iterator[ChatPage]:
    runner = TaskRunner(LoopThread("test-find"))
    gateway = StoreGateway(runner)  # no store: the transcript is filled directly
    chat = ChatPage(runner, gateway, lambda: None, PreferencesStore(tmp_path / "settings.json"))
    qtbot.addWidget(chat)
    chat.resize(900, 700)
    chat.show()
    chat.activateWindow()
    qtbot.waitExposed(chat)
    chat.transcript.reset_entries(
        [
            TranscriptEntry(role="user", content="Where is the office in Łódź?"),
            TranscriptEntry(role="assistant", content="On **Piotrkowska** street.", model="m"),
            TranscriptEntry(role="user", content="And the one in Warsaw?"),
            TranscriptEntry(role="assistant", content="Closed. Go to LODZ instead.", model="m"),
        ]
    )
    chat._show_transcript()
    yield chat
    gateway.close()
    runner.shutdown()


def marked_pixels(page: ChatPage, row: int | None = None) -> int:
    """How many pixels of the transcript (or of one row) wear the highlight colour, which is
    what find marks words with."""
    page.view.viewport().repaint()
    image = page.view.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    if row is not None:
        image = image.copy(page.view.visualRect(page.transcript.index(row)))
    colour = page.view.palette().color(QPalette.ColorRole.Highlight)
    pixel = bytes([colour.blue(), colour.green(), colour.red(), 0xFF])  # RGB32, little-endian
    return bytes(image.constBits()).count(pixel)


def test_ctrl_f_finds_words_whatever_their_accents_and_marks_them(
    qtbot: QtBot, page: ChatPage
) -> None:
    before = marked_pixels(page)
    rows_before = [marked_pixels(page, row) for row in range(4)]
    qtbot.keyClick(page.composer.edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.find_bar.isVisible() and page.find_bar.field.hasFocus()

    qtbot.keyClicks(page.find_bar.field, "lodz")
    qtbot.waitUntil(lambda: page.find_bar.count_label.text() == "2 of 2", timeout=3000)
    # "Łódź" in the question and "LODZ" in the answer are both marked on screen.
    rows_after = [marked_pixels(page, row) for row in range(4)]
    gained = [after - earlier for after, earlier in zip(rows_after, rows_before, strict=True)]
    assert gained[0] > 50 and gained[3] > 50  # the two messages that have the word
    assert gained[1] <= 0 and gained[2] <= 0  # and only those

    qtbot.keyClick(page.find_bar.field, Qt.Key.Key_Return)
    assert page.find_bar.count_label.text() == "1 of 2"

    qtbot.keyClick(page.find_bar.field, Qt.Key.Key_Escape)
    assert not page.find_bar.isVisible()
    assert marked_pixels(page) <= before


def test_a_word_that_is_nowhere_says_so(qtbot: QtBot, page: ChatPage) -> None:
    qtbot.keyClick(page.composer.edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.find_bar.field, "Krakow")
    qtbot.waitUntil(lambda: page.find_bar.count_label.text() == "No matches", timeout=3000)


def test_a_word_pasted_with_its_accents_finds_it_written_without(
    qtbot: QtBot, page: ChatPage
) -> None:
    qtbot.keyClick(page.composer.edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    page.find_bar.field.insert("ŁÓDŹ")  # as a paste would (QTest types ASCII only)
    qtbot.waitUntil(lambda: page.find_bar.count_label.text() == "2 of 2", timeout=3000)
