"""The daemon status in the status bar: a coloured dot and words (never colour alone)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from confide.core.ollama.status import DaemonState, DaemonStatus

_COLOURS = {
    DaemonState.CONNECTED: "#2e9e5b",
    DaemonState.STARTING: "#d49a1f",
}
_PROBLEM_COLOUR = "#c94040"


class _Dot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour = QColor(_PROBLEM_COLOUR)
        self.setFixedSize(QSize(10, 10))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.colour)
        painter.drawEllipse(self.rect().adjusted(1, 1, -1, -1))


class StatusIndicator(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
        self._dot = _Dot(self)
        self.label = QLabel(self.tr("Looking for Ollama…"), self)
        layout.addWidget(self._dot)
        layout.addWidget(self.label)
        self.setAccessibleName(self.tr("Ollama status"))

    def show_status(self, status: DaemonStatus) -> None:
        text = self.text_for(status)
        self.label.setText(text)
        self._dot.colour = QColor(_COLOURS.get(status.state, _PROBLEM_COLOUR))
        self._dot.update()
        self.setToolTip(status.address)
        self.setAccessibleDescription(text)

    def text_for(self, status: DaemonStatus) -> str:
        state = status.state
        if state is DaemonState.CONNECTED:
            return self.tr("Connected to Ollama %1").replace("%1", status.version)
        if state is DaemonState.STARTING:
            return self.tr("Starting Ollama…")
        if state is DaemonState.NOT_RUNNING:
            return self.tr("Ollama is not running")
        if state is DaemonState.NOT_INSTALLED:
            return self.tr("Ollama is not installed")
        if state is DaemonState.INCOMPATIBLE:
            return self.tr("Not Ollama at %1").replace("%1", status.address)
        if state is DaemonState.UNRESPONSIVE:
            return self.tr("Ollama is not answering")
        if state is DaemonState.INVALID_HOST:
            return self.tr("OLLAMA_HOST is not valid")
        return self.tr("Blocked: %1 is another computer").replace("%1", status.address)
