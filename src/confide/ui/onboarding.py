"""What the user sees while Confide cannot chat yet: plain words and one obvious next step."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from confide.core.ollama.locate import DOWNLOAD_ADDRESS
from confide.core.ollama.status import DaemonState, DaemonStatus


class OnboardingPage(QWidget):
    startRequested = Signal()
    retryRequested = Signal()
    locateRequested = Signal()
    allowRemoteRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("onboarding")
        self._status: DaemonStatus | None = None

        card = QFrame(self)
        card.setObjectName("onboardingCard")
        card.setMaximumWidth(560)
        self.title = QLabel(card)
        self.title.setObjectName("onboardingTitle")
        self.title.setWordWrap(True)
        self.body = QLabel(card)
        self.body.setObjectName("onboardingBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.PlainText)

        self.address = QLabel(DOWNLOAD_ADDRESS, card)
        self.address.setObjectName("downloadAddress")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.address.setAccessibleName(self.tr("Download address"))
        self.copy_address = QPushButton(self.tr("Copy address"), card)
        self.copy_address.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(DOWNLOAD_ADDRESS)
        )
        address_row = QHBoxLayout()
        address_row.addWidget(self.address, 1)
        address_row.addWidget(self.copy_address)
        self._address_row = QWidget(card)
        self._address_row.setLayout(address_row)

        self.busy = QProgressBar(card)
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName(self.tr("Starting Ollama"))

        self.start_button = QPushButton(self.tr("Start Ollama"), card)
        self.start_button.setObjectName("primaryButton")
        self.start_button.setDefault(True)
        self.retry_button = QPushButton(self.tr("Retry"), card)
        self.locate_button = QPushButton(self.tr("Locate Ollama…"), card)
        self.allow_button = QPushButton(card)
        self.start_button.clicked.connect(self.startRequested)
        self.retry_button.clicked.connect(self.retryRequested)
        self.locate_button.clicked.connect(self.locateRequested)
        self.allow_button.clicked.connect(self._on_allow)
        for button, description in (
            (self.start_button, self.tr("Starts Ollama on this computer")),
            (self.retry_button, self.tr("Checks again whether Ollama is reachable")),
            (self.locate_button, self.tr("Choose the Ollama program yourself")),
        ):
            button.setAccessibleDescription(description)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.locate_button, self.allow_button, self.retry_button, self.start_button):
            buttons.addWidget(button)

        self.detail = QLabel(card)
        self.detail.setObjectName("onboardingDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(32, 28, 32, 28)
        card_layout.setSpacing(14)
        card_layout.addWidget(self.title)
        card_layout.addWidget(self.body)
        card_layout.addWidget(self._address_row)
        card_layout.addWidget(self.busy)
        card_layout.addLayout(buttons)
        card_layout.addWidget(self.detail)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def show_status(self, status: DaemonStatus) -> None:
        self._status = status
        state = status.state
        title, body = self._texts(status)
        self.title.setText(title)
        self.body.setText(body)
        self._address_row.setVisible(state in (DaemonState.NOT_INSTALLED, DaemonState.NOT_RUNNING))
        self.busy.setVisible(state is DaemonState.STARTING)
        self.start_button.setVisible(state is DaemonState.NOT_RUNNING)
        self.locate_button.setVisible(state in (DaemonState.NOT_INSTALLED, DaemonState.NOT_RUNNING))
        self.retry_button.setVisible(state not in (DaemonState.STARTING,))
        self.allow_button.setVisible(state is DaemonState.REMOTE_BLOCKED)
        self.allow_button.setText(self.tr("Allow %1…").replace("%1", status.address))
        # Raw details help IT staff diagnose a wrong program or address; next to "install it"
        # or "start it" they are only noise.
        show_detail = bool(status.detail) and state not in (
            DaemonState.NOT_INSTALLED,
            DaemonState.NOT_RUNNING,
            DaemonState.STARTING,
        )
        detail = self.tr("Technical detail: %1").replace("%1", status.detail)
        self.detail.setText(detail if show_detail else "")
        self.detail.setVisible(show_detail)
        self.setAccessibleDescription(f"{title}. {body}")
        if self.start_button.isVisible():
            self.start_button.setFocus()

    def _on_allow(self) -> None:
        if self._status is not None:
            self.allowRemoteRequested.emit(self._status.address)

    def _texts(self, status: DaemonStatus) -> tuple[str, str]:
        state = status.state
        if state is DaemonState.NOT_INSTALLED:
            return (
                self.tr("Install Ollama to get started"),
                self.tr(
                    "Confide runs language models on this computer with the help of Ollama, "
                    "a free program. Download it from the address below and install it, "
                    "then click Retry. If Ollama is already installed somewhere unusual, "
                    "click “Locate Ollama…”."
                ),
            )
        if state is DaemonState.NOT_RUNNING:
            return (
                self.tr("Ollama is not running"),
                self.tr(
                    "Ollama is installed but not running. Click “Start Ollama” and Confide "
                    "will start it for you; it stops again when you close Confide."
                ),
            )
        if state is DaemonState.STARTING:
            return (
                self.tr("Starting Ollama…"),
                self.tr("This usually takes a few seconds."),
            )
        if state is DaemonState.INCOMPATIBLE:
            return (
                self.tr("Another program is using Ollama's address"),
                self.tr(
                    "A program answers at %1, but it is not Ollama. Close that program, or "
                    "set OLLAMA_HOST to the address where Ollama runs, then click Retry."
                ).replace("%1", status.address),
            )
        if state is DaemonState.UNRESPONSIVE:
            return (
                self.tr("Ollama is not answering"),
                self.tr(
                    "Something at %1 accepts connections but does not answer. Restart "
                    "Ollama (or your computer), then click Retry."
                ).replace("%1", status.address),
            )
        if state is DaemonState.INVALID_HOST:
            return (
                self.tr("The OLLAMA_HOST setting is not valid"),
                self.tr(
                    "This computer sets OLLAMA_HOST to “%1”, which Confide cannot "
                    "understand. Correct or remove that setting and restart Confide. "
                    "Without it, Confide uses Ollama on this computer."
                ).replace("%1", status.address),
            )
        return (
            self.tr("Ollama is set up on another computer"),
            self.tr(
                "OLLAMA_HOST points to %1, which is not this computer. Your conversations "
                "would be sent there. Confide only does this if you allow it."
            ).replace("%1", status.address),
        )
