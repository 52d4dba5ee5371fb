"""Showing that something is under way, and how it ended, without blocking anything."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from confide.ui.errors import describe_error
from confide.ui.privacy.texts import tr, warning


class StatusLine(QWidget):
    """A busy bar with what is happening, or the last result / problem in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(120)
        self.bar.hide()
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label, 1)
        self.hide()

    @property
    def busy(self) -> bool:
        return self.bar.isVisibleTo(self)

    def set_busy(self, text: str) -> None:
        self.bar.show()
        self.bar.setAccessibleName(text)
        self._say(text)

    def show_message(self, text: str) -> None:
        self.bar.hide()
        self._say(text)

    def show_problem(self, text: str) -> None:
        self.bar.hide()
        self._say(warning(text))

    def show_error(self, error: object) -> None:
        described = describe_error(error if isinstance(error, BaseException) else Exception())
        self.show_problem(f"{described.title}. {described.message}")

    def clear(self) -> None:
        self.bar.hide()
        self.label.clear()
        self.hide()

    def _say(self, text: str) -> None:
        self.label.setText(text)
        self.setAccessibleName(text)
        self.show()


class BusyDialog(QDialog):
    """The "Opening your conversations…" window, which the user cannot close meanwhile."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("privacyBusy")
        self.setWindowTitle(tr("Confide"))
        self.setModal(True)
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        bar = QProgressBar(self)
        bar.setRange(0, 0)
        bar.setTextVisible(False)
        bar.setAccessibleName(text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.label)
        layout.addWidget(bar)
        self.setAccessibleName(text)
        self.setMinimumWidth(320)
        self._closable = False

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self.setAccessibleName(text)

    def finish(self) -> None:
        self._closable = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closable:
            super().closeEvent(event)
        else:
            event.ignore()  # the work it waits for cannot be abandoned half way

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            return
        super().keyPressEvent(event)
