"""Long conversations: scrolling slides the window without moving what the user reads,
height corrections stay put, and an answer streaming in only costs its own row."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QSize
from PySide6.QtWidgets import QAbstractItemView, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.message_delegate import MessageDelegate
from confide.ui.chat.transcript_model import EntryStatus, TranscriptEntry


class CountingDelegate(MessageDelegate):
    """Counts the heights the view asks for: each layout asks every row once."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.asked = 0

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        self.asked += 1
        size: QSize = super().sizeHint(option, index)
        return size


@pytest.fixture
def page(bare_page: ChatPage) -> ChatPage:
    bare_page.delegate = CountingDelegate(bare_page.view)
    bare_page.view.setItemDelegate(bare_page.delegate)
    return bare_page


def conversation(count: int) -> list[TranscriptEntry]:
    entries = []
    for i in range(count):
        if i % 2 == 0:
            entries.append(
                TranscriptEntry(role="user", content=f"Question {i}: " + "word " * (i % 40))
            )
        else:
            body = "\n\n".join(
                f"Answer {i}, part {p}: " + "clause " * (10 + 7 * p) for p in range(i % 5 + 1)
            )
            entries.append(TranscriptEntry(role="assistant", content=body, model="llama3.2"))
    return entries


def open_long(qtbot: QtBot, page: ChatPage, count: int = 600) -> list[TranscriptEntry]:
    entries = conversation(count)
    page.transcript.reset_entries(entries)
    page._show_transcript()
    page.view.scrollToBottom()
    qtbot.wait(100)
    return entries


def top_message(page: ChatPage) -> tuple[TranscriptEntry, int]:
    """The message at the top of the screen and where its top edge is."""
    index = page.view.indexAt(QPoint(1, 1))
    assert index.isValid()
    return page.transcript.entry_at(index.row()), page.view.visualRect(index).top()


def screen_top_of(page: ChatPage, entry: TranscriptEntry) -> int:
    row = page.transcript.row_of(entry)
    assert row is not None, "the message left the window"
    return int(page.view.visualRect(page.transcript.index(row)).top())


def test_scrolling_up_slides_the_window_without_moving_the_text(
    qtbot: QtBot, page: ChatPage
) -> None:
    entries = open_long(qtbot, page)
    assert page.transcript.rowCount() < len(entries)  # only a window of it is shown
    bar = page.view.verticalScrollBar()
    first_shown = page.transcript.entry_at(0)
    slides = 0
    for _ in range(400):  # scroll up a wheel notch at a time until the window moves
        reading, top = top_message(page)
        bar.setValue(max(0, bar.value() - 120))
        moved_by = 120 if bar.value() > 0 else None
        qtbot.wait(5)
        if page.transcript.entry_at(0) is not first_shown:
            slides += 1
            first_shown = page.transcript.entry_at(0)
            # Earlier messages came in above; the one being read moved down by the scroll only.
            if moved_by is not None:
                assert abs(screen_top_of(page, reading) - (top + moved_by)) <= 2
        if slides == 2:
            break
    assert slides == 2
    assert page.transcript.has_later  # the end dropped out of the window as it slid


def test_height_corrections_above_the_screen_do_not_move_what_is_read(
    qtbot: QtBot, page: ChatPage
) -> None:
    open_long(qtbot, page)
    bar = page.view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    # What the user then sees: the rows on screen are measured as they are painted (at
    # once here, as on a display; a busy machine may not paint within the wait alone).
    page.view.viewport().repaint()
    qtbot.wait(20)
    reading, top = top_message(page)
    # Rows around the screen are rendered ahead in idle time; their real heights replace
    # the estimates, above the screen too.
    qtbot.wait(300)
    assert top_message(page)[0] is reading
    assert abs(screen_top_of(page, reading) - top) <= 1


def test_a_view_at_the_bottom_stays_at_the_bottom_as_heights_are_corrected(
    qtbot: QtBot, page: ChatPage
) -> None:
    open_long(qtbot, page)
    qtbot.wait(300)
    bar = page.view.verticalScrollBar()
    assert bar.value() == bar.maximum()
    last = page.view.visualRect(page.transcript.index(page.transcript.rowCount() - 1))
    assert last.bottom() <= page.view.viewport().height() + 1


def test_refreshing_every_shown_message_lays_the_list_out_once_not_per_message(
    qtbot: QtBot, page: ChatPage
) -> None:
    # What loading the rest of a conversation does: every shown message gets its versions.
    open_long(qtbot, page)
    qtbot.wait(200)
    delegate = page.delegate
    assert isinstance(delegate, CountingDelegate)
    delegate.asked = 0
    rows = page.transcript.rowCount()
    for entry in page.transcript.entries()[-rows:]:
        page.transcript.entry_changed(entry)
    qtbot.wait(200)
    assert delegate.asked <= 3 * rows  # was a full layout per message: rows * rows


def test_streaming_relays_out_the_list_only_when_the_answer_grows_a_line(
    qtbot: QtBot, page: ChatPage
) -> None:
    page.transcript.append(TranscriptEntry(role="user", content="Question"))
    page.transcript.append(
        TranscriptEntry(role="assistant", content="", model="m", status=EntryStatus.STREAMING)
    )
    page._show_transcript()
    page.transcript.extend_last("The notice period")
    qtbot.wait(50)
    delegate = page.delegate
    assert isinstance(delegate, CountingDelegate)
    index = page.transcript.index(1)
    before = page.view.visualRect(index).height()
    # Same line, same height: the list is not laid out again, only the row repaints.
    with qtbot.assertNotEmitted(delegate.sizeHintChanged, wait=100):
        page.transcript.extend_last(" is")
    assert page.view.visualRect(index).height() == before
    page.transcript.extend_last("\n\nThree months, counted from the end of the month.")
    qtbot.waitUntil(lambda: page.view.visualRect(index).height() > before, timeout=1000)
    option = QStyleOptionViewItem()
    page.view.initViewItemOption(option)
    # The view has the real height, and the view still shows the end of the answer.
    assert page.view.visualRect(index).height() == delegate.sizeHint(option, index).height()
    bar = page.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=1000)
