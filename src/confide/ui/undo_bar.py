"""A bar that offers to take back what was just done: "Conversation deleted. [Undo]".

One message at a time. The action it offers to undo becomes final when the time runs out,
when the user dismisses the bar, or when another message takes its place: ``expired`` is
emitted for it then (before the new message shows). ``undone`` is emitted when the user
clicks Undo or presses Ctrl+Z while the bar shows (a text field with focus keeps Ctrl+Z for
its own undo).

The countdown pauses while the pointer is over the bar or the keyboard focus is in it, so
nobody loses the chance to undo because they were reading or reaching for the button.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent, QEnterEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

try:  # Qt 6.8+: screen readers read the text out without moving the focus
    from PySide6.QtGui import QAccessibleAnnouncementEvent
except ImportError:  # pragma: no cover - older Qt
    QAccessibleAnnouncementEvent = None  # type: ignore[assignment,misc]

DEFAULT_TIMEOUT_MS = 8000
RESUME_MIN_MS = 2000  # after a pause, at least this long to move to the button


class UndoBar(QFrame):
    undone = Signal()
    expired = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("undoBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAccessibleName(self.tr("Undo"))

        self.label = QLabel(self)
        self.label.setObjectName("undoBarText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.undo_button = QPushButton(self)
        self.undo_button.setObjectName("undoButton")
        self.dismiss_button = QToolButton(self)
        self.dismiss_button.setObjectName("undoBarDismiss")
        self.dismiss_button.setText("✕")
        self.dismiss_button.setAutoRaise(True)
        self.dismiss_button.setToolTip(self.tr("Dismiss"))
        self.dismiss_button.setAccessibleName(self.tr("Dismiss"))
        self.dismiss_button.setAccessibleDescription(
            self.tr("Close this message; the action can no longer be undone")
        )
        self.undo_button.clicked.connect(self.undo)
        self.dismiss_button.clicked.connect(self.finish)
        for child in (self.undo_button, self.dismiss_button):
            child.installEventFilter(self)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.undo_button)
        layout.addWidget(self.dismiss_button)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.finish)
        self._remaining_ms = 0
        self._active = False
        self._hovered = False
        #: After a pause, the countdown restarts with at least this long left.
        self.resume_min_ms = RESUME_MIN_MS

        self._shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        self._shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self._shortcut.activated.connect(self.undo)
        self._shortcut.setEnabled(False)
        self.hide()

    @property
    def active(self) -> bool:
        """Whether a message is showing (its action can still be undone)."""
        return self._active

    def text(self) -> str:
        return self.label.text()

    def show_message(
        self, text: str, undo_label: str, timeout_ms: int = DEFAULT_TIMEOUT_MS
    ) -> None:
        """Shows ``text`` with an ``undo_label`` button for ``timeout_ms``. A message still
        showing becomes final first (``expired``)."""
        if self._active:
            self._end()
            self.expired.emit()
        self._active = True
        self.label.setText(text)
        self.undo_button.setText(undo_label)
        self.undo_button.setAccessibleName(undo_label)
        self.undo_button.setAccessibleDescription(text)
        self.setAccessibleDescription(text)
        self._remaining_ms = max(timeout_ms, 0)
        self._shortcut.setEnabled(True)
        self.show()
        if not self._paused():
            self._timer.start(self._remaining_ms)
        self._announce(text)

    def undo(self) -> None:
        """What the Undo button and Ctrl+Z do: emits ``undone`` once, then hides."""
        if not self._active:
            return
        self._end()
        self.undone.emit()

    def finish(self) -> None:
        """Makes the pending action final now (emits ``expired``), e.g. when dismissed."""
        if not self._active:
            return
        self._end()
        self.expired.emit()

    def _end(self) -> None:
        self._active = False
        self._timer.stop()
        self._shortcut.setEnabled(False)
        self.hide()

    # -- pausing --------------------------------------------------------------------------

    def _paused(self) -> bool:
        return self._hovered or self._focus_inside()

    def _focus_inside(self) -> bool:
        return self.undo_button.hasFocus() or self.dismiss_button.hasFocus()

    def _pause(self) -> None:
        if self._active and self._timer.isActive():
            self._remaining_ms = max(self._timer.remainingTime(), 0)
            self._timer.stop()

    def _resume(self) -> None:
        if self._active and not self._timer.isActive() and not self._paused():
            self._timer.start(max(self._remaining_ms, self.resume_min_ms))

    def enterEvent(self, event: QEnterEvent) -> None:
        super().enterEvent(event)
        self._hovered = True
        self._pause()

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        self._hovered = False
        self._resume()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            self._pause()
        elif event.type() == QEvent.Type.FocusOut:
            # The focus may be moving between the two buttons: decide once it has landed.
            QTimer.singleShot(0, self, self._resume)
        return super().eventFilter(watched, event)

    # -- accessibility --------------------------------------------------------------------

    def _announce(self, text: str) -> None:
        if not QAccessible.isActive():
            return
        if QAccessibleAnnouncementEvent is not None:
            QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self, text))
        else:  # pragma: no cover - older Qt
            QAccessible.updateAccessibility(QAccessibleEvent(self, QAccessible.Event.Alert))
