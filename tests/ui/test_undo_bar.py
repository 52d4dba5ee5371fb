"""The undo bar: undo by click or Ctrl+Z, expiry, replacement, pausing while in use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from confide.ui.undo_bar import UndoBar


class Host(QWidget):
    """A window holding a text field and the bar, as the main window would."""

    def __init__(self) -> None:
        super().__init__()
        self.field = QLineEdit(self)
        self.bar = UndoBar(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addWidget(self.bar)


@pytest.fixture
def host(qtbot: QtBot) -> Iterator[Host]:
    window = Host()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    yield window


def record(bar: UndoBar) -> list[str]:
    events: list[str] = []
    bar.undone.connect(lambda: events.append("undone"))
    bar.expired.connect(lambda: events.append("expired"))
    return events


def test_clicking_undo(qtbot: QtBot, host: Host) -> None:
    bar = host.bar
    events = record(bar)
    assert not bar.isVisible()
    bar.show_message("Conversation deleted.", "Undo", timeout_ms=300)
    assert bar.isVisible() and bar.active
    assert bar.label.text() == "Conversation deleted."
    assert bar.undo_button.text() == "Undo"
    assert bar.undo_button.accessibleName() == "Undo"
    assert bar.accessibleDescription() == "Conversation deleted."
    qtbot.mouseClick(bar.undo_button, Qt.MouseButton.LeftButton)
    assert events == ["undone"]
    assert not bar.isVisible() and not bar.active
    qtbot.wait(400)  # the old countdown must not fire afterwards
    assert events == ["undone"]


def test_the_action_becomes_final_when_time_runs_out(qtbot: QtBot, host: Host) -> None:
    bar = host.bar
    events = record(bar)
    with qtbot.waitSignal(bar.expired, timeout=2000):
        bar.show_message("Conversation deleted.", "Undo", timeout_ms=50)
    assert events == ["expired"]
    assert not bar.isVisible()
    bar.undo()  # too late: nothing happens
    assert events == ["expired"]


def test_a_new_message_makes_the_previous_action_final_first(qtbot: QtBot, host: Host) -> None:
    bar = host.bar
    events: list[str] = []
    bar.undone.connect(lambda: events.append(f"undone while showing {bar.text()!r}"))
    bar.expired.connect(lambda: events.append(f"expired while showing {bar.text()!r}"))
    bar.show_message("First deleted.", "Undo", timeout_ms=5000)
    bar.show_message("Second deleted.", "Undo", timeout_ms=5000)
    assert events == ["expired while showing 'First deleted.'"]
    assert bar.isVisible() and bar.text() == "Second deleted."
    qtbot.mouseClick(bar.undo_button, Qt.MouseButton.LeftButton)
    assert events[1:] == ["undone while showing 'Second deleted.'"]


def test_ctrl_z_undoes_while_the_bar_shows(qtbot: QtBot, host: Host) -> None:
    bar = host.bar
    events = record(bar)
    host.setFocus()
    bar.show_message("Conversation deleted.", "Undo", timeout_ms=5000)
    qtbot.keyClick(host, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert events == ["undone"]
    assert not bar.isVisible()
    qtbot.keyClick(host, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # no message
    assert events == ["undone"]


def test_ctrl_z_in_a_text_field_undoes_the_typing(qtbot: QtBot, host: Host) -> None:
    bar = host.bar
    events = record(bar)
    host.field.setFocus()
    qtbot.keyClicks(host.field, "abc")
    bar.show_message("Conversation deleted.", "Undo", timeout_ms=5000)
    qtbot.keyClick(host.field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert host.field.text() == ""
    assert events == []
    assert bar.active


def test_dismiss_makes_it_final(qtbot: QtBot, host: Host) -> None:
    bar = host.bar
    events = record(bar)
    bar.show_message("Conversation deleted.", "Undo", timeout_ms=5000)
    assert bar.dismiss_button.accessibleName() == "Dismiss"
    qtbot.mouseClick(bar.dismiss_button, Qt.MouseButton.LeftButton)
    assert events == ["expired"]
    assert not bar.isVisible()


def test_keyboard_focus_on_the_bar_pauses_the_countdown(qtbot: QtBot, host: Host) -> None:
    bar = host.bar
    bar.resume_min_ms = 50
    events = record(bar)
    bar.show_message("Conversation deleted.", "Undo", timeout_ms=150)
    host.field.setFocus()
    qtbot.keyClick(host.field, Qt.Key.Key_Tab)  # Tab reaches the Undo button
    assert bar.undo_button.hasFocus()
    qtbot.wait(300)
    assert events == []  # paused while the user is on it
    host.field.setFocus()  # moves away: the countdown goes on
    qtbot.waitUntil(lambda: events == ["expired"], timeout=2000)


def test_keyboard_can_press_undo(qtbot: QtBot, host: Host) -> None:
    bar = host.bar
    events = record(bar)
    bar.show_message("Conversation deleted.", "Undo", timeout_ms=5000)
    bar.undo_button.setFocus()
    qtbot.keyClick(bar.undo_button, Qt.Key.Key_Space)
    assert events == ["undone"]


def test_pointer_over_the_bar_pauses_the_countdown(qtbot: QtBot, host: Host) -> None:
    bar = host.bar
    bar.resume_min_ms = 50
    events = record(bar)
    bar.show_message("Conversation deleted.", "Undo", timeout_ms=150)
    inside = QPointF(5, 5)
    QApplication.sendEvent(bar, QEnterEvent(inside, inside, bar.mapToGlobal(inside)))
    qtbot.wait(300)
    assert events == [] and bar.isVisible()
    QApplication.sendEvent(bar, QEvent(QEvent.Type.Leave))
    qtbot.waitUntil(lambda: events == ["expired"], timeout=2000)
