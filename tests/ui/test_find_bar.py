"""Ctrl+F: find words in the conversation, ignoring case and accents, and see them marked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from pytestqt.qtbot import QtBot

from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.message_delegate import CURRENT_MATCH_COLOUR
from confide.ui.chat.transcript_model import TranscriptEntry
from tests.ui.conftest import find_anchor, pixels_in_colour


@pytest.fixture
def page(qtbot: QtBot, bare_page: ChatPage) -> ChatPage:
    bare_page.activateWindow()
    qtbot.waitExposed(bare_page)
    bare_page.transcript.reset_entries(
        [
            TranscriptEntry(role="user", content="Where is the office in Łódź?"),
            TranscriptEntry(role="assistant", content="On **Piotrkowska** street.", model="m"),
            TranscriptEntry(role="user", content="And the one in Warsaw?"),
            TranscriptEntry(role="assistant", content="Closed. Go to LODZ instead.", model="m"),
        ]
    )
    bare_page._show_transcript()
    return bare_page


def marked_pixels(page: ChatPage, row: int | None = None) -> int:
    """How many pixels of the transcript (or of one row) wear the colours find marks words
    with: the highlight colour, and amber for the match it is on."""
    current = QColor(CURRENT_MATCH_COLOUR)
    return pixels_in_colour(page, QPalette.ColorRole.Highlight, row) + pixels_in_colour(
        page, current, row
    )


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


def test_each_match_in_a_long_answer_is_counted_and_brought_into_view(
    qtbot: QtBot, bare_page: ChatPage
) -> None:
    # Counting and showing whole messages left the user at the middle of a long answer,
    # which is taller than the window, with the words found nowhere on screen.
    page = bare_page
    paragraphs = [f"Paragraph {i} of the analysis: nothing of note here." for i in range(300)]
    paragraphs[120] = "The deposit (kaucja) is returned within 14 days of the keys."
    paragraphs[280] = "A second kaucja covers the parking space."
    page.transcript.reset_entries(
        [
            TranscriptEntry(role="user", content="Analyse the lease, and the kaucja in it"),
            TranscriptEntry(role="assistant", content="\n\n".join(paragraphs), model="m"),
        ]
    )
    page._show_transcript()
    qtbot.waitExposed(page)
    qtbot.keyClick(page.composer.edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.find_bar.field, "kaucja")
    # Every occurrence counts; the newest is shown first.
    qtbot.waitUntil(lambda: page.find_bar.count_label.text() == "3 of 3", timeout=3000)
    answer = page.view.visualRect(page.transcript.index(1))
    assert answer.height() > 5 * page.view.viewport().height()  # far taller than the window
    seen: dict[str, int] = {}
    for label in ("3 of 3", "2 of 3", "1 of 3"):
        assert page.find_bar.count_label.text() == label
        assert marked_pixels(page) > 50, label  # the word found is on screen, marked
        seen[label] = page.view.verticalScrollBar().value()
        qtbot.keyClick(page.find_bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    # Three different places: the end of the answer, its middle, and the question.
    assert seen["3 of 3"] > seen["2 of 3"] > seen["1 of 3"]
    assert page.find_bar.count_label.text() == "3 of 3"  # round again, from the first


def test_the_words_of_a_code_box_header_are_not_found(qtbot: QtBot, bare_page: ChatPage) -> None:
    # "Copy" and the language above a code block are Confide's, not the message's: found,
    # they were marked and stepped to although the count left them out.
    page = bare_page
    page.transcript.reset_entries(
        [
            TranscriptEntry(role="user", content="How do I keep the notice?"),
            TranscriptEntry(
                role="assistant",
                content="Keep a copy of it.\n\n```python\nnotice = load()\n```",
                model="m",
            ),
        ]
    )
    page._show_transcript()
    qtbot.waitExposed(page)
    copy_link = find_anchor(page, 1, "confide-copy:0")
    qtbot.keyClick(page.composer.edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.find_bar.field, "copy")
    qtbot.waitUntil(lambda: page.find_bar.count_label.text() == "1 of 1", timeout=3000)
    page.view.viewport().repaint()
    image = page.view.viewport().grab().toImage()
    highlight = page.view.palette().color(QPalette.ColorRole.Highlight)
    around_link = [
        image.pixelColor(copy_link.x() + dx, copy_link.y() + dy)
        for dx in range(-20, 21, 2)
        for dy in range(-6, 7, 2)
    ]
    assert highlight not in around_link  # the Copy link is not marked
    assert marked_pixels(page, 1) > 50  # "copy" in the text is
    # Nor is the language, written after the fence: it is not in what the message shows.
    page.find_bar.field.setText("python")
    qtbot.waitUntil(lambda: page.find_bar.count_label.text() == "No matches", timeout=3000)


def current_mark_centre(page: ChatPage) -> tuple[float, float] | None:
    """Where, on screen, the match the find bar is on is marked (the middle of its pixels)."""
    page.view.viewport().repaint()
    image = page.view.viewport().grab().toImage()
    wanted = QColor(CURRENT_MATCH_COLOUR).rgb()
    points = [
        (x, y)
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixel(x, y) == wanted
    ]
    if len(points) < 10:
        return None
    return (sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points))


def test_the_match_the_find_bar_is_on_is_marked_apart_from_the_others(
    qtbot: QtBot, page: ChatPage
) -> None:
    assert current_mark_centre(page) is None
    qtbot.keyClick(page.composer.edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.find_bar.field, "lodz")
    qtbot.waitUntil(lambda: page.find_bar.count_label.text() == "2 of 2", timeout=3000)
    last = current_mark_centre(page)
    assert last is not None  # the newest: "LODZ" in the last answer
    assert page.view.visualRect(page.transcript.index(3)).contains(int(last[0]), int(last[1]))
    qtbot.keyClick(page.find_bar.field, Qt.Key.Key_Return)
    assert page.find_bar.count_label.text() == "1 of 2"
    first = current_mark_centre(page)
    assert first is not None  # now "Łódź" in the first question, and only there
    assert page.view.visualRect(page.transcript.index(0)).contains(int(first[0]), int(first[1]))
    qtbot.keyClick(page.find_bar.field, Qt.Key.Key_Escape)
    assert current_mark_centre(page) is None
