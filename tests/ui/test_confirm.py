"""Asking before an action, as the user meets it: a real box, keys and clicks."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from confide.ui.confirm import confirm


def when_asked(qtbot: QtBot, then: Callable[[QMessageBox], None]) -> list[list[str]]:
    """Runs ``then`` on the box once it is shown; returns the words the box showed."""
    shown: list[list[str]] = []

    def look() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            QTimer.singleShot(20, look)
            return
        shown.append(
            [
                QTextDocumentFragment.fromHtml(label.text()).toPlainText()  # as it reads
                for label in box.findChildren(QLabel)
                if label.text()
            ]
        )
        then(box)

    QTimer.singleShot(0, look)
    return shown


def ask(parent: QWidget) -> bool:
    return confirm(
        parent,
        "Delete this message?",
        "It will be erased from this computer.",
        "Delete",
        destructive=True,
    )


def test_enter_on_the_box_does_not_do_it(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    shown = when_asked(qtbot, lambda box: qtbot.keyClick(box, Qt.Key.Key_Return))
    assert ask(parent) is False
    # The question itself is in the box (macOS shows no title), with what it means.
    assert "Delete this message?" in shown[0]
    assert "It will be erased from this computer." in shown[0]


def test_escape_cancels_and_the_named_button_does_it(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    when_asked(qtbot, lambda box: qtbot.keyClick(box, Qt.Key.Key_Escape))
    assert ask(parent) is False

    def press_delete(box: QMessageBox) -> None:
        (button,) = [b for b in box.findChildren(QPushButton) if b.text() == "Delete"]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    when_asked(qtbot, press_delete)
    assert ask(parent) is True
