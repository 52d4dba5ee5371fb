"""Ctrl+F: find words in the conversation on screen (every message of the branch shown,
not only the rows the view holds), step through the matches one occurrence at a time, see
how many there are."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from confide.core.store.textfold import fold_for_match
from confide.ui.chat.transcript_model import TranscriptEntry, TranscriptModel

# Case- and accent-insensitive, one character for one ("Łódź" matches "lodz", "ŠKODA" matches
# "škoda"): the same fold marks the matches inside the messages (message_delegate._matches).
fold = fold_for_match

# The language written after a code fence: shown only as the code box's label, not searched.
_FENCE_INFO = re.compile(r"^( {0,3}(?:`{3,}|~{3,}))[^\n]*", re.MULTILINE)


def _shown_text(entry: TranscriptEntry) -> str:
    """The message's text, less what an answer's Markdown does not show as its text."""
    if entry.role == "user":
        return entry.content  # shown exactly as typed
    return _FENCE_INFO.sub(r"\1", entry.content)


class FindEdit(QLineEdit):
    stepRequested = Signal(int)
    closeRequested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            back = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            self.stepRequested.emit(-1 if back else 1)
            return
        if event.key() == Qt.Key.Key_Escape:
            self.closeRequested.emit()
            return
        super().keyPressEvent(event)


class FindBar(QFrame):
    # The row to show (the model's window was moved if needed), and which of the matches in
    # that message to bring into view (0: its first).
    matchChosen = Signal(int, int)
    termChanged = Signal(str)  # "" when closed: what the transcript highlights
    closed = Signal()

    def __init__(self, transcript: TranscriptModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self._transcript = transcript
        # (the message's position in the whole conversation, which of its matches)
        self._matches: list[tuple[int, int]] = []
        self._current = -1
        self.field = FindEdit(self)
        self.field.setPlaceholderText(self.tr("Find in this conversation"))
        self.field.setAccessibleName(self.tr("Find in this conversation"))
        self.field.setClearButtonEnabled(True)
        self.count_label = QLabel(self)
        self.count_label.setMinimumWidth(90)
        self.previous_button = QPushButton(self.tr("Previous"), self)
        self.previous_button.setToolTip(self.tr("Previous match (Shift+Enter)"))
        self.next_button = QPushButton(self.tr("Next"), self)
        self.next_button.setToolTip(self.tr("Next match (Enter)"))
        self.close_button = QPushButton(self.tr("Close"), self)
        self.close_button.setToolTip(self.tr("Close (Esc)"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 6, 16, 6)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.close_button)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(self._search)
        self.field.textChanged.connect(lambda _text: self._debounce.start())
        self.field.stepRequested.connect(self.step)
        self.field.closeRequested.connect(self.close_bar)
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.close_button.clicked.connect(self.close_bar)
        self.hide()

    def open(self) -> None:
        self.show()
        self.field.setFocus()
        self.field.selectAll()
        if self.field.text():
            self._search()

    def close_bar(self) -> None:
        self.hide()
        self.termChanged.emit("")
        self.closed.emit()

    @property
    def match_count(self) -> int:
        return len(self._matches)

    def _search(self) -> None:
        term = self.field.text().strip()
        self.termChanged.emit(term)
        if not term:
            self._matches, self._current = [], -1
            self.count_label.clear()
            return
        wanted = fold(term)
        # Counted as message_delegate._matches marks them: without overlapping.
        self._matches = [
            (position, occurrence)
            for position, entry in enumerate(self._transcript.entries())
            for occurrence in range(fold(_shown_text(entry)).count(wanted))
        ]
        # Start from the newest match: the user is usually at the end of the conversation.
        self._current = len(self._matches) - 1
        self._show_current()

    def step(self, direction: int) -> None:
        if self._debounce.isActive():
            self._debounce.stop()
            self._search()
            return
        if not self._matches:
            return
        self._current = (self._current + direction) % len(self._matches)
        self._show_current()

    def _show_current(self) -> None:
        if not self._matches:
            self.count_label.setText(self.tr("No matches"))
            self.count_label.setAccessibleName(self.count_label.text())
            return
        self.count_label.setText(
            self.tr("%1 of %2")
            .replace("%1", str(self._current + 1))
            .replace("%2", str(len(self._matches)))
        )
        self.count_label.setAccessibleName(self.count_label.text())
        position, occurrence = self._matches[self._current]
        row = self._transcript.show_around(position)
        self.matchChosen.emit(row, occurrence)
