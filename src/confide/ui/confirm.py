"""Asking before an action: the question in words, and a button that says what it does."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QMessageBox,
    QSizePolicy,
    QSpacerItem,
    QWidget,
)

BOX_WIDTH = 420  # device-independent pixels


def confirm(
    parent: QWidget | None,
    question: str,
    details: str,
    action: str,
    *,
    destructive: bool = False,
    warning: bool = False,
) -> bool:
    """Whether the user chose ``action`` (a verb: "Delete", "Remove", "Allow") over Cancel.

    The question is the box's text, not only its title: macOS shows no title on such boxes,
    where "Yes" under a bare explanation left people guessing what they agreed to. Cancel is
    the default and the Escape key, so a hurried Enter does nothing.
    """
    box = question_box(parent, question, details, warning=warning)
    role = (
        QMessageBox.ButtonRole.DestructiveRole if destructive else QMessageBox.ButtonRole.AcceptRole
    )
    chosen = box.addButton(action, role)
    box.exec()
    return box.clickedButton() is chosen


def question_box(
    parent: QWidget | None, question: str, details: str, *, warning: bool = False
) -> QMessageBox:
    """A box asking ``question`` (in bold) and saying what it means, with a Cancel button,
    the default and the Escape key; the caller adds the buttons for the actions."""
    icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Question
    box = QMessageBox(icon, QApplication.applicationDisplayName(), "", parent=parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<b>{escape(question)}</b>")  # bold, as macOS shows it, everywhere
    box.setInformativeText(details)
    # Qt sizes the box to its short question, which squeezed the explanation into a column
    # a few words wide: give it the width of a sentence.
    layout = box.layout()
    if isinstance(layout, QGridLayout):
        room = QSpacerItem(BOX_WIDTH, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Minimum)
        layout.addItem(room, layout.rowCount(), 0, 1, layout.columnCount())
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box
