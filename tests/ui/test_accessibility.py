"""What a screen reader and a keyboard meet in the chat window, in each state it goes through.

Every control a keyboard can reach must have a name and a description a screen reader can
read out (issue 4: "accessible names and descriptions on every control"), including the ones
that only appear for a while: Stop, the find bar, the editing bar, Retry, Jump to latest.
The check asks Qt's accessibility layer, as assistive technology does, so a control named
only by its visible text or described only by its tooltip counts too.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QAccessible, QContextMenuEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from confide.ui.chat.conversation_settings import ConversationSettingsDialog
from confide.ui.chat.transcript_model import EntryStatus
from confide.ui.main_window import MainWindow
from tests.fake_ollama.server import FakeOllama
from tests.ui.conftest import WindowFactory
from tests.ui.test_conversation_settings import choose, items
from tests.ui.test_main_window import (
    TALL_REPLY,
    connected,
    last_answer,
    long_answer_under_way,
    type_and_send,
    wheel_up,
)


def reachable_controls(window: QWidget) -> list[QWidget]:
    """The visible widgets that keyboard focus can reach (a spin box's text field is part of
    the spin box, which is what a screen reader announces)."""
    return [
        widget
        for widget in window.findChildren(QWidget)
        if widget.isVisible()
        and widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not isinstance(widget.parent(), QAbstractSpinBox)
    ]


def spoken(widget: QWidget, text: QAccessible.Text) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None, widget
    return interface.text(text).strip()


def unnamed_or_undescribed(window: QWidget) -> list[str]:
    missing = []
    for widget in reachable_controls(window):
        name = spoken(widget, QAccessible.Text.Name)
        description = spoken(widget, QAccessible.Text.Description)
        if not name or not description:
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} {name!r}")
    return missing


def controls_named(window: MainWindow) -> set[str]:
    return {spoken(widget, QAccessible.Text.Name) for widget in reachable_controls(window)}


def test_every_control_is_named_and_described_in_every_state(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = long_answer_under_way(
        qtbot, make_window, fake_ollama, token_rate=100, reply=TALL_REPLY
    )
    chat = window.chat
    # Answering: Stop instead of Send; scrolled up, "Jump to latest" appears.
    bar, viewport = chat.view.verticalScrollBar(), chat.view.viewport()
    qtbot.waitUntil(
        lambda: bar.maximum() > viewport.height() and bar.value() == bar.maximum(),
        timeout=10000,
    )
    wheel_up(chat.view, 3)
    qtbot.waitUntil(chat.jump_button.isVisible, timeout=5000)
    assert {"Stop the answer", "Jump to the latest message"} <= controls_named(window)
    assert unnamed_or_undescribed(window) == []

    qtbot.keyClick(chat.composer.edit, Qt.Key.Key_Escape)  # stops
    qtbot.waitUntil(lambda: last_answer(window).status is EntryStatus.STOPPED, timeout=5000)
    # Idle, with the find bar open.
    qtbot.keyClick(chat.composer.edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(chat.find_bar.isVisible, timeout=2000)
    assert {"Send message", "Find in this conversation"} <= controls_named(window)
    assert unnamed_or_undescribed(window) == []

    # Editing the last question (Up in the empty composer).
    chat.composer.edit.setFocus()
    qtbot.keyClick(chat.composer.edit, Qt.Key.Key_Up)
    qtbot.waitUntil(chat.composer.editing_bar.isVisible, timeout=2000)
    assert "Cancel editing" in controls_named(window)
    assert unnamed_or_undescribed(window) == []


def test_the_error_bar_is_named_and_described(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="alpha beta gamma delta epsilon", error_after=2, once=True)
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "hello")
    qtbot.waitUntil(window.chat.error_bar.isVisible, timeout=5000)
    assert "Retry" in " ".join(controls_named(window))
    assert unnamed_or_undescribed(window) == []


def test_the_menu_key_offers_the_current_messages_actions(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    """A keyboard user picks a message with the arrow keys; the menu key lists
    what can be done with it, as right-clicking it does."""
    fake_ollama.script(reply="The notice period is **three months**.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "How long is the notice?")
    qtbot.waitUntil(lambda: last_answer(window).status is EntryStatus.COMPLETE, timeout=5000)
    view = window.chat.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Home)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == 1  # the answer
    shown: list[list[str]] = []

    def read_menu() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMenu) and widget.isVisible():
                shown.append([action.text() for action in widget.actions()])
                widget.close()

    # As Qt delivers the menu key: to the focused widget, at its cursor rectangle (for a list
    # view, the current item).
    centre = view.inputMethodQuery(Qt.InputMethodQuery.ImCursorRectangle).center()
    QTimer.singleShot(0, read_menu)
    QApplication.sendEvent(
        view,
        QContextMenuEvent(
            QContextMenuEvent.Reason.Keyboard, centre, view.mapToGlobal(QPoint(centre))
        ),
    )
    qtbot.waitUntil(lambda: bool(shown), timeout=2000)
    assert "Copy" in " ".join(shown[0]) and "Regenerate" in shown[0]


def test_the_conversation_settings_are_named_and_described(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    qtbot.mouseClick(window.chat.settings_button, Qt.MouseButton.LeftButton)
    dialog = window.chat.findChild(ConversationSettingsDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: "Summariser" in items(dialog.preset_combo), timeout=5000)
    assert unnamed_or_undescribed(dialog) == []
    # A built-in preset cannot be deleted: the screen reader says why, as the tooltip does.
    choose(qtbot, dialog.preset_combo, "Summariser")
    assert not dialog.delete_button.isEnabled()
    assert "cannot be changed" in spoken(dialog.delete_button, QAccessible.Text.Description)
    dialog.reject()
