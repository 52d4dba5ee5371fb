"""The conversation sidebar, driven like a user: clicks, keys, typing, the context menu."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from confide.core.store.models import ConversationSummary
from confide.ui.chat.conversation_delegate import TitleEditor
from confide.ui.chat.conversation_list import ConversationListModel, ConversationRole, Group
from confide.ui.chat.sidebar import MIN_WIDTH, Sidebar

# Noon, local time: whole days back from here never cross midnight, whatever the zone.
NOON = datetime(2025, 3, 15, 12, 0).astimezone()


class Clock:
    def __init__(self, now: datetime = NOON) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def conv(
    cid: str,
    title: str | None = None,
    *,
    at: datetime | None = None,
    days_ago: float = 0,
    pinned: bool = False,
    model: str | None = "llama3.2:3b",
    deleted: bool = False,
) -> ConversationSummary:
    moment = at if at is not None else NOON - timedelta(days=days_ago)
    return ConversationSummary(
        id=cid,
        title=title if title is not None else f"Chat {cid}",
        model=model,
        pinned=pinned,
        created_at=moment - timedelta(hours=1),
        updated_at=moment,
        deleted_at=moment if deleted else None,
    )


def shown(sidebar: Sidebar) -> list[str]:
    """The rows as the user sees them: '# Heading' or the title."""
    model = sidebar.model
    rows = []
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        rows.append(f"# {text}" if index.data(ConversationRole.IS_HEADER) else text)
    return rows


def row_center(sidebar: Sidebar, conversation_id: str) -> QPoint:
    index = sidebar.model.index_of(conversation_id)
    assert index.isValid(), conversation_id
    sidebar.view.scrollTo(index)
    return sidebar.view.visualRect(index).center()


def highlighted(sidebar: Sidebar) -> list[str]:
    return [
        index.data(ConversationRole.ID) for index in sidebar.view.selectionModel().selectedIndexes()
    ]


def editor_of(sidebar: Sidebar) -> TitleEditor | None:
    editors = [e for e in sidebar.view.findChildren(TitleEditor) if e.isVisible()]
    return editors[0] if editors else None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sidebar(qtbot: QtBot, clock: Clock) -> Iterator[Sidebar]:
    model = ConversationListModel(now=clock)
    widget = Sidebar(model)
    qtbot.addWidget(widget)
    widget.resize(280, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


SAMPLE = [
    conv("p", "Contract review", days_ago=40, pinned=True),
    conv("t1", "Quarterly report", at=NOON.replace(hour=0, minute=5)),
    conv("t2", "Lunch menu", days_ago=0.1),
    conv("y1", "Łódź trip", at=(NOON - timedelta(days=1)).replace(hour=23, minute=55)),
    conv("w1", "Tax letter", days_ago=2),
    conv("w7", "Court dates", days_ago=7),
    conv("o8", "Old notes", days_ago=8),
]


def test_groups_by_pinned_and_local_date(sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    assert shown(sidebar) == [
        "# Pinned",
        "Contract review",
        "# Today",
        "Lunch menu",  # most recent first
        "Quarterly report",  # 00:05 today is today
        "# Yesterday",
        "Łódź trip",  # 23:55 yesterday is yesterday
        "# Previous 7 days",
        "Tax letter",
        "Court dates",
        "# Older",
        "Old notes",
    ]
    # Headings cannot be selected; conversations can.
    heading = sidebar.model.index(0, 0)
    assert not heading.flags() & Qt.ItemFlag.ItemIsSelectable
    assert sidebar.model.index(1, 0).flags() & Qt.ItemFlag.ItemIsSelectable


def test_conversations_in_the_trash_are_not_listed(sidebar: Sidebar) -> None:
    sidebar.model.set_conversations([conv("a"), conv("b", deleted=True)])
    assert shown(sidebar) == ["# Today", "Chat a"]
    sidebar.model.upsert(conv("a", deleted=True))  # deleted elsewhere
    assert shown(sidebar) == []
    assert "a" not in sidebar.model


def test_pinned_is_said_in_words_not_only_drawn(sidebar: Sidebar) -> None:
    sidebar.model.set_conversations([conv("p", "Contract review", pinned=True), conv("u", "Memo")])
    pinned = sidebar.model.index_of("p")
    tooltip = pinned.data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip.splitlines()[0] == "Contract review"
    assert "Model: llama3.2:3b" in tooltip
    assert "Pinned" in tooltip
    assert "today at" in tooltip
    spoken = pinned.data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken.startswith("Conversation: Contract review, pinned, updated today at")
    plain = sidebar.model.index_of("u").data(Qt.ItemDataRole.AccessibleTextRole)
    assert plain.startswith("Conversation: Memo, updated today at")
    assert "pinned" not in plain
    assert sidebar.model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole) == ("Section: Pinned")


def test_untitled_conversations_get_a_readable_name(sidebar: Sidebar) -> None:
    sidebar.model.set_conversations([conv("a", "   ")])
    assert shown(sidebar) == ["# Today", "Untitled conversation"]


def test_typing_a_filter_hides_other_titles_and_empty_groups(
    qtbot: QtBot, sidebar: Sidebar
) -> None:
    sidebar.model.set_conversations(SAMPLE)
    qtbot.keyClicks(sidebar.filter_edit, "LODZ")  # no accents, other case
    assert shown(sidebar) == ["# Yesterday", "Łódź trip"]

    sidebar.filter_edit.clear()
    qtbot.keyClicks(sidebar.filter_edit, "re")
    assert shown(sidebar) == ["# Pinned", "Contract review", "# Today", "Quarterly report"]

    # Every word must be in the title, in any order.
    sidebar.filter_edit.clear()
    qtbot.keyClicks(sidebar.filter_edit, "report quar")
    assert shown(sidebar) == ["# Today", "Quarterly report"]

    sidebar.filter_edit.clear()
    qtbot.keyClicks(sidebar.filter_edit, "zebra")
    assert shown(sidebar) == []
    assert sidebar.empty_label.isVisible()
    assert sidebar.empty_label.text() == "No conversation titles match “zebra”."
    assert not sidebar.view.isVisible()

    qtbot.keyClick(sidebar.filter_edit, Qt.Key.Key_Escape)  # clears the filter
    assert sidebar.filter_edit.text() == ""
    assert len(shown(sidebar)) == 12
    assert sidebar.view.isVisible() and not sidebar.empty_label.isVisible()


def test_filter_follows_changes_to_the_list(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    qtbot.keyClicks(sidebar.filter_edit, "trip")
    assert shown(sidebar) == ["# Yesterday", "Łódź trip"]
    # New activity moves it to Today: the Yesterday heading goes, Today appears.
    sidebar.model.upsert(conv("y1", "Łódź trip", days_ago=0))
    assert shown(sidebar) == ["# Today", "Łódź trip"]
    # A new matching conversation in another group brings its heading.
    sidebar.model.upsert(conv("n", "Road trip", days_ago=30))
    assert shown(sidebar) == ["# Today", "Łódź trip", "# Older", "Road trip"]
    # Renamed so it no longer matches: gone, and so is its heading.
    sidebar.model.upsert(conv("y1", "Łódź visit", days_ago=0))
    assert shown(sidebar) == ["# Older", "Road trip"]
    sidebar.model.remove("n")
    assert shown(sidebar) == []
    assert sidebar.empty_label.text() == "No conversation titles match “trip”."


def test_empty_list_says_how_to_start(sidebar: Sidebar) -> None:
    assert sidebar.empty_label.isVisible()
    assert "New chat" in sidebar.empty_label.text()
    sidebar.model.upsert(conv("a"))
    assert not sidebar.empty_label.isVisible()
    assert sidebar.view.isVisible()


def test_new_chat_button(qtbot: QtBot, sidebar: Sidebar) -> None:
    with qtbot.waitSignal(sidebar.newChatRequested, timeout=1000):
        qtbot.mouseClick(sidebar.new_chat_button, Qt.MouseButton.LeftButton)
    assert sidebar.new_chat_button.accessibleName() == "New chat"


def test_clicking_a_conversation_opens_it_and_highlights_it(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    opened: list[str] = []
    sidebar.conversationActivated.connect(opened.append)
    qtbot.mouseClick(
        sidebar.view.viewport(), Qt.MouseButton.LeftButton, pos=row_center(sidebar, "w1")
    )
    assert opened == ["w1"]
    assert highlighted(sidebar) == ["w1"]
    assert sidebar.selected_id() == "w1"

    # A heading is not a conversation: clicking it does nothing, the highlight stays.
    heading = sidebar.model.index(0, 0)
    qtbot.mouseClick(
        sidebar.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=sidebar.view.visualRect(heading).center(),
    )
    assert opened == ["w1"]
    assert highlighted(sidebar) == ["w1"]


def test_double_click_opens_once(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    opened: list[str] = []
    sidebar.conversationActivated.connect(opened.append)
    where = row_center(sidebar, "t2")
    qtbot.mouseClick(sidebar.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(sidebar.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert opened == ["t2"]


def test_keyboard_browses_without_opening_and_enter_opens(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    sidebar.select("p")
    opened: list[str] = []
    sidebar.conversationActivated.connect(opened.append)
    sidebar.view.setFocus()
    view = sidebar.view
    qtbot.keyClick(view, Qt.Key.Key_Down)  # skips the "Today" heading
    assert view.currentIndex().data(ConversationRole.ID) == "t2"
    assert highlighted(sidebar) == ["p"]  # still the open conversation
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Down)  # skips "Yesterday"
    assert view.currentIndex().data(ConversationRole.ID) == "y1"
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.currentIndex().data(ConversationRole.ID) == "t1"
    qtbot.keyClick(view, Qt.Key.Key_Home)  # the first row is a heading: the first chat
    assert view.currentIndex().data(ConversationRole.ID) == "p"
    qtbot.keyClick(view, Qt.Key.Key_Up)  # nothing above but a heading: stays
    assert view.currentIndex().data(ConversationRole.ID) == "p"
    assert opened == []
    qtbot.keyClick(view, Qt.Key.Key_End)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened == ["o8"]
    assert highlighted(sidebar) == ["o8"]


def test_filter_field_keys_lead_to_the_list(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    opened: list[str] = []
    sidebar.conversationActivated.connect(opened.append)
    sidebar.focus_filter()
    qtbot.keyClicks(sidebar.filter_edit, "tax")
    qtbot.keyClick(sidebar.filter_edit, Qt.Key.Key_Return)  # opens the first match
    assert opened == ["w1"]
    sidebar.filter_edit.clear()
    qtbot.keyClicks(sidebar.filter_edit, "o")
    sidebar.view.setCurrentIndex(QModelIndex())
    qtbot.keyClick(sidebar.filter_edit, Qt.Key.Key_Down)
    assert sidebar.view.hasFocus()
    assert sidebar.view.currentIndex().data(ConversationRole.ID) == sidebar.model.index(1, 0).data(
        ConversationRole.ID
    )


def test_select_highlights_without_opening(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    opened: list[str] = []
    sidebar.conversationActivated.connect(opened.append)
    sidebar.select("o8")
    assert highlighted(sidebar) == ["o8"]
    assert opened == []
    # Filtered out, the highlight goes; back when the filter is cleared.
    qtbot.keyClicks(sidebar.filter_edit, "tax")
    assert highlighted(sidebar) == []
    sidebar.filter_edit.clear()
    assert highlighted(sidebar) == ["o8"]
    sidebar.select(None)
    assert highlighted(sidebar) == []


def _press_f2_and_type(qtbot: QtBot, sidebar: Sidebar, cid: str, text: str) -> TitleEditor:
    sidebar.view.setFocus()
    sidebar.view.setCurrentIndex(sidebar.model.index_of(cid))
    qtbot.keyClick(sidebar.view, Qt.Key.Key_F2)
    editor = editor_of(sidebar)
    assert editor is not None
    assert editor.text() == sidebar.model.summary(cid).title  # type: ignore[union-attr]
    assert editor.selectedText() == editor.text()  # typing replaces the old title
    if text:
        qtbot.keyClicks(editor, text)
    return editor


def test_f2_renames_inline_and_enter_commits(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    renames: list[tuple[str, str]] = []
    sidebar.renameRequested.connect(lambda cid, title: renames.append((cid, title)))
    editor = _press_f2_and_type(qtbot, sidebar, "w1", "  Tax letter 2024 ")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # Qt commits on the next event loop turn
    qtbot.waitUntil(lambda: editor_of(sidebar) is None, timeout=2000)
    assert renames == [("w1", "Tax letter 2024")]  # trimmed
    # The sidebar only asks; the list changes when the owner of the data says so.
    assert sidebar.model.summary("w1").title == "Tax letter"  # type: ignore[union-attr]


def test_escape_cancels_a_rename(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    renames: list[tuple[str, str]] = []
    sidebar.renameRequested.connect(lambda cid, title: renames.append((cid, title)))
    editor = _press_f2_and_type(qtbot, sidebar, "w1", "Something else")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert renames == []
    assert editor_of(sidebar) is None
    assert "Tax letter" in shown(sidebar)


def test_an_empty_title_is_refused(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    renames: list[tuple[str, str]] = []
    sidebar.renameRequested.connect(lambda cid, title: renames.append((cid, title)))
    editor = _press_f2_and_type(qtbot, sidebar, "w1", "")
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor, "   ")
    with qtbot.waitSignal(sidebar.delegate.renameRefused, timeout=1000):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.wait(50)  # a commit would come on the next event loop turn
    assert renames == []
    assert editor_of(sidebar) is editor  # still open, to type a title or press Escape
    assert "title" in editor.toolTip()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor_of(sidebar) is None
    assert renames == []


def test_unchanged_title_is_not_a_rename(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    renames: list[tuple[str, str]] = []
    sidebar.renameRequested.connect(lambda cid, title: renames.append((cid, title)))
    editor = _press_f2_and_type(qtbot, sidebar, "w1", "Tax letter")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor_of(sidebar) is None, timeout=2000)
    assert renames == []


def test_delete_key_asks_to_delete_the_focused_conversation(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    deleted: list[str] = []
    sidebar.deleteRequested.connect(deleted.append)
    sidebar.view.setFocus()
    sidebar.view.setCurrentIndex(sidebar.model.index_of("y1"))
    qtbot.keyClick(sidebar.view, Qt.Key.Key_Delete)
    assert deleted == ["y1"]
    # In the title editor, Delete edits the text.
    editor = _press_f2_and_type(qtbot, sidebar, "w1", "")
    qtbot.keyClick(editor, Qt.Key.Key_Home)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    assert editor.text() == "ax letter"
    assert deleted == ["y1"]
    qtbot.keyClick(editor, Qt.Key.Key_Escape)


def test_context_menu_actions(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    sidebar.select("t1")  # the open conversation
    pins: list[tuple[str, bool]] = []
    exports: list[str] = []
    deleted: list[str] = []
    sidebar.pinRequested.connect(lambda cid, pinned: pins.append((cid, pinned)))
    sidebar.exportRequested.connect(exports.append)
    sidebar.deleteRequested.connect(deleted.append)

    menu = sidebar.context_menu("w1")
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts == ["Rename", "Pin", "Export…", "Delete"]
    sidebar.pin_action.trigger()
    sidebar.export_action.trigger()
    sidebar.delete_action.trigger()
    sidebar.menu_closed()
    assert pins == [("w1", True)]
    assert exports == ["w1"]
    assert deleted == ["w1"]

    sidebar.context_menu("p")
    assert sidebar.pin_action.text() == "Unpin"
    sidebar.pin_action.trigger()
    sidebar.rename_action.trigger()  # opens the editor once the menu has closed
    sidebar.menu_closed()
    assert pins == [("w1", True), ("p", False)]
    qtbot.waitUntil(lambda: editor_of(sidebar) is not None, timeout=2000)
    assert sidebar.view.currentIndex().data(ConversationRole.ID) == "p"
    assert highlighted(sidebar) == ["t1"]  # renaming another one does not move the highlight
    qtbot.keyClick(editor_of(sidebar), Qt.Key.Key_Escape)  # type: ignore[arg-type]


def test_right_click_opens_the_menu_for_that_conversation(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    exports: list[str] = []
    sidebar.exportRequested.connect(exports.append)
    seen: list[list[str]] = []

    def choose_export() -> None:
        popup = QApplication.activePopupWidget()
        assert isinstance(popup, QMenu)
        seen.append([a.text() for a in popup.actions() if not a.isSeparator()])
        export = next(a for a in popup.actions() if a.text() == "Export…")
        popup.close()
        export.trigger()

    where = row_center(sidebar, "t1")
    QTimer.singleShot(50, choose_export)
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, where, sidebar.view.viewport().mapToGlobal(where)
    )
    QApplication.sendEvent(sidebar.view.viewport(), event)
    qtbot.waitUntil(lambda: exports == ["t1"], timeout=3000)
    assert seen == [["Rename", "Pin", "Export…", "Delete"]]
    # After the menu, the actions follow the focused row again.
    sidebar.view.setCurrentIndex(sidebar.model.index_of("p"))
    assert sidebar.pin_action.text() == "Unpin"


def test_menu_key_opens_the_menu_for_the_focused_conversation(
    qtbot: QtBot, sidebar: Sidebar
) -> None:
    sidebar.model.set_conversations(SAMPLE)
    pins: list[tuple[str, bool]] = []
    sidebar.pinRequested.connect(lambda cid, pinned: pins.append((cid, pinned)))
    sidebar.view.setFocus()
    sidebar.view.setCurrentIndex(sidebar.model.index_of("y1"))

    def choose_pin() -> None:
        popup = QApplication.activePopupWidget()
        assert isinstance(popup, QMenu)
        pin = next(a for a in popup.actions() if a.text() == "Pin")
        popup.close()
        pin.trigger()

    QTimer.singleShot(50, choose_pin)
    corner = QPoint(5, 5)
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Keyboard, corner, sidebar.view.viewport().mapToGlobal(corner)
    )
    QApplication.sendEvent(sidebar.view.viewport(), event)
    qtbot.waitUntil(lambda: pins == [("y1", True)], timeout=3000)


def test_actions_do_nothing_on_a_heading(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    deleted: list[str] = []
    sidebar.deleteRequested.connect(deleted.append)
    sidebar.view.setCurrentIndex(sidebar.model.index(0, 0))  # "Pinned"
    assert not sidebar.delete_action.isEnabled()
    sidebar.delete_action.trigger()
    assert deleted == []
    assert not sidebar.start_rename("missing")


def test_new_activity_moves_a_conversation_to_today(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    sidebar.select("o8")
    resets: list[bool] = []
    moves: list[bool] = []
    sidebar.model.modelReset.connect(lambda: resets.append(True))
    sidebar.model.rowsMoved.connect(lambda *_: moves.append(True))
    sidebar.model.upsert(conv("o8", "Old notes", at=NOON + timedelta(minutes=1)))
    assert shown(sidebar)[:4] == ["# Pinned", "Contract review", "# Today", "Old notes"]
    assert "# Older" not in shown(sidebar)  # its only conversation left
    assert resets == [] and moves == [True]
    assert highlighted(sidebar) == ["o8"]  # the open conversation stays highlighted

    # Pinning moves it to "Pinned".
    sidebar.model.upsert(conv("o8", "Old notes", at=NOON + timedelta(minutes=1), pinned=True))
    assert shown(sidebar)[:3] == ["# Pinned", "Old notes", "Contract review"]
    # A new conversation lands at the top of Today.
    sidebar.model.upsert(conv("new", "Fresh", at=NOON + timedelta(minutes=2)))
    assert shown(sidebar)[3:5] == ["# Today", "Fresh"]
    assert resets == []


def test_remove_drops_the_row_and_an_emptied_heading(sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    assert sidebar.model.remove("w1")
    assert "Tax letter" not in shown(sidebar)
    assert "# Previous 7 days" in shown(sidebar)
    assert sidebar.model.remove("w7")
    assert "# Previous 7 days" not in shown(sidebar)
    assert not sidebar.model.remove("w7")
    assert sidebar.model.conversation_count() == len(SAMPLE) - 2


def test_removing_the_open_conversation_clears_the_highlight(sidebar: Sidebar) -> None:
    sidebar.model.set_conversations(SAMPLE)
    sidebar.select("t1")
    sidebar.model.remove("t1")
    assert highlighted(sidebar) == []
    sidebar.model.upsert(SAMPLE[1])  # restored (undo): highlighted again
    assert highlighted(sidebar) == ["t1"]


def test_groups_follow_the_date(qtbot: QtBot, sidebar: Sidebar, clock: Clock) -> None:
    sidebar.model.set_conversations(SAMPLE)
    sidebar.select("t2")
    assert not sidebar.model.refresh_groups()  # same day: nothing to do
    clock.now = NOON + timedelta(days=1)
    assert sidebar.model.refresh_groups()
    assert shown(sidebar) == [
        "# Pinned",
        "Contract review",
        "# Yesterday",
        "Lunch menu",
        "Quarterly report",
        "# Previous 7 days",
        "Łódź trip",
        "Tax letter",
        "# Older",
        "Court dates",  # now 8 days ago
        "Old notes",
    ]
    assert highlighted(sidebar) == ["t2"]
    assert "yesterday at" in sidebar.model.index_of("t2").data(Qt.ItemDataRole.ToolTipRole)
    # The next change after midnight regroups by itself.
    clock.now = NOON + timedelta(days=2)
    sidebar.model.upsert(conv("z", "Today's chat", at=clock.now))
    assert shown(sidebar)[2:4] == ["# Today", "Today's chat"]
    assert "# Yesterday" not in shown(sidebar)


def test_sidebar_checks_the_date_on_a_timer(qtbot: QtBot, clock: Clock) -> None:
    model = ConversationListModel(now=clock)
    model.set_conversations([conv("a", "Alpha")])
    widget = Sidebar(model, regroup_interval_ms=20)
    qtbot.addWidget(widget)
    clock.now = NOON + timedelta(days=1)
    qtbot.waitUntil(lambda: model.index(0).data() == "Yesterday", timeout=2000)


def test_narrow_sidebar_elides_and_paints(qtbot: QtBot, sidebar: Sidebar) -> None:
    long_title = "A very long conversation title about the lease agreement " * 3
    sidebar.model.set_conversations([conv("l", long_title, pinned=True), *SAMPLE[1:]])
    sidebar.select("t1")
    sidebar.resize(MIN_WIDTH, 400)
    assert sidebar.minimumWidth() == MIN_WIDTH
    assert sidebar.width() == MIN_WIDTH
    image = sidebar.grab().toImage()  # paints headings, pin, selection, elided titles
    assert not image.isNull()
    index = sidebar.model.index_of("l")
    assert sidebar.view.visualRect(index).width() <= MIN_WIDTH
    assert sidebar.view.horizontalScrollBar().maximum() == 0  # elided, never scrolled


def test_show_sidebar_action(qtbot: QtBot, clock: Clock) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    widget = Sidebar(ConversationListModel(now=clock), host)
    action = widget.toggle_action()
    host.addAction(action)  # as the main window's View menu would
    host.show()
    qtbot.waitExposed(host)
    assert action.text() == "Show sidebar"
    assert action.isCheckable() and action.isChecked()
    assert action.shortcut().toString() == "Ctrl+Shift+S"
    action.trigger()
    assert widget.isHidden()
    assert not action.isChecked()
    action.trigger()
    assert widget.isVisible()
    assert action.isChecked()
    widget.hide()  # hidden some other way: the action follows
    assert not action.isChecked()
    widget.show()
    assert action.isChecked()


def test_ten_thousand_conversations(qtbot: QtBot, sidebar: Sidebar) -> None:
    rng = random.Random(7)
    many = [
        conv(
            f"c{i:05d}",
            f"Conversation number {i}",
            days_ago=1 + rng.random() * 400,  # nothing today yet
            pinned=i % 997 == 0,
        )
        for i in range(10_000)
    ]
    sidebar.model.set_conversations(many)
    assert sidebar.model.conversation_count() == 10_000
    assert sidebar.model.rowCount() == 10_000 + 4  # every group but Today has some
    sidebar.select("c04242")
    assert highlighted(sidebar) == ["c04242"]
    sidebar.model.upsert(conv("c04242", "Conversation number 4242", at=NOON))
    assert shown(sidebar)[sidebar.model.index_of("c04242").row()] == "Conversation number 4242"
    assert sidebar.model.index_of("c04242").data(ConversationRole.GROUP) is Group.TODAY
    assert sidebar.model.rowCount() == 10_000 + 5
    assert highlighted(sidebar) == ["c04242"]
    # Long lists filter once typing pauses.
    qtbot.keyClicks(sidebar.filter_edit, "number 4242")
    qtbot.waitUntil(lambda: shown(sidebar) == ["# Today", "Conversation number 4242"])
    sidebar.filter_edit.clear()
    qtbot.waitUntil(lambda: sidebar.model.rowCount() == 10_005)
    sidebar.model.remove("c04242")
    assert sidebar.model.rowCount() == 9_999 + 4  # its row and the emptied Today heading
    sidebar.view.scrollToBottom()
    sidebar.grab()


# -- the models on their own ------------------------------------------------------------------


def test_list_model_is_a_well_behaved_qt_model(qtmodeltester: Any, clock: Clock) -> None:
    model = ConversationListModel(now=clock)
    model.set_conversations(SAMPLE)
    model.upsert(conv("o8", "Old notes", days_ago=0))
    model.upsert(conv("x", "Extra", days_ago=3))
    model.remove("w7")
    qtmodeltester.check(model)


def test_filtered_model_is_a_well_behaved_qt_model(qtmodeltester: Any, clock: Clock) -> None:
    model = ConversationListModel(now=clock)
    model.set_conversations(SAMPLE)
    assert model.set_filter_text("re")
    assert not model.set_filter_text("RE ")  # the same words: nothing to redo
    model.upsert(conv("n", "Another report", days_ago=3))
    model.upsert(conv("t1", "Quarterly numbers", at=NOON))  # renamed: no longer matches
    qtmodeltester.check(model)
    assert [model.index(r).data() for r in range(model.rowCount())] == [
        "Pinned",
        "Contract review",
        "Previous 7 days",
        "Another report",
    ]
    assert (
        model.filtering
        and model.shown_count() == 2
        and model.conversation_count() == len(SAMPLE) + 1
    )
    assert not model.index_of("t1").isValid()  # filtered out, but still known
    assert model.summary("t1").title == "Quarterly numbers"  # type: ignore[union-attr]


def _expected_rows(model: ConversationListModel, now: datetime) -> list[tuple[str, object]]:
    """The unfiltered layout, worked out independently: group by local calendar date,
    newest first."""
    today = now.astimezone().date()

    def group(s: ConversationSummary) -> Group:
        if s.pinned:
            return Group.PINNED
        days = (today - s.updated_at.astimezone().date()).days
        if days <= 0:
            return Group.TODAY
        if days == 1:
            return Group.YESTERDAY
        return Group.WEEK if days <= 7 else Group.OLDER

    groups: dict[Group, list[ConversationSummary]] = {}
    for s in model.summaries():
        groups.setdefault(group(s), []).append(s)
    rows: list[tuple[str, object]] = []
    for g in Group:
        if g in groups:
            rows.append(("heading", g))
            ordered = sorted(groups[g], key=lambda s: (-s.updated_at.timestamp(), s.id))
            rows.extend(("conversation", s.id) for s in ordered)
    return rows


def _actual_rows(model: ConversationListModel) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for row in range(model.rowCount()):
        index = model.index(row)
        if index.data(ConversationRole.IS_HEADER):
            rows.append(("heading", index.data(ConversationRole.GROUP)))
        else:
            rows.append(("conversation", index.data(ConversationRole.ID)))
    return rows


def test_random_changes_keep_the_model_consistent(clock: Clock) -> None:
    """Hundreds of upserts, removals, filter and date changes, each checked by Qt's own
    model tester (fatal on any inconsistent signal) and against an independent layout."""
    model = ConversationListModel(now=clock)
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)

    def check_lookups(*_args: object) -> None:
        # Whoever reacts to a change (the view, the sidebar) must find every row where it is.
        for row in range(model.rowCount()):
            cid = model.index(row).data(ConversationRole.ID)
            if cid is not None:
                assert model.index_of(cid).row() == row

    for signal in (model.rowsInserted, model.rowsRemoved, model.rowsMoved, model.dataChanged):
        signal.connect(check_lookups)
    rng = random.Random(20250315)
    titles = ["Alpha", "beta report", "Łódź", "", "Report", "Zażółć gęślą"]
    filters = ["", "re", "lodz", "zazolc", "nothing matches", "a"]
    active_filter = ""
    for _step in range(300):
        choice = rng.random()
        cid = f"c{rng.randrange(30)}"
        if choice < 0.65:
            model.upsert(
                conv(
                    cid,
                    rng.choice(titles),
                    at=clock.now - timedelta(hours=rng.choice([0, 0.5, 13, 30, 70, 170, 190, 900])),
                    pinned=rng.random() < 0.2,
                    deleted=rng.random() < 0.05,
                )
            )
        elif choice < 0.85:
            model.remove(cid)
        elif choice < 0.95:
            active_filter = rng.choice(filters)
            model.set_filter_text(active_filter)
        else:
            clock.now += timedelta(hours=rng.choice([1, 11, 30]))
            model.refresh_groups()
        # Exactly the matching conversations show, under their headings.
        terms = active_filter.lower().split()
        folded = {
            "Łódź": "lodz",
            "Zażółć gęślą": "zazolc gesla",
        }
        expected: list[tuple[str, object]] = []
        pending_heading: tuple[str, object] | None = None
        for kind, value in _expected_rows(model, clock.now):
            if kind == "heading":
                pending_heading = (kind, value)
                continue
            title = model.summary(str(value)).title  # type: ignore[union-attr]
            plain = folded.get(title, title.lower())
            if all(term in plain for term in terms):
                if pending_heading is not None:
                    expected.append(pending_heading)
                    pending_heading = None
                expected.append((kind, value))
        assert _actual_rows(model) == expected
    assert tester  # kept alive to the end
