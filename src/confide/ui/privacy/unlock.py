"""Unlocking at start-up when the conversations are protected by a passphrase."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from confide.ui.privacy.busy import StatusLine
from confide.ui.privacy.passphrase import PassphraseField
from confide.ui.privacy.texts import tr


class UnlockDialog(QDialog):
    """Emits :attr:`unlockRequested` with the passphrase; the caller checks it off the GUI
    thread and answers with :meth:`show_wrong_passphrase` or :meth:`show_problem`."""

    unlockRequested = Signal(str)
    quitRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("privacyUnlock")
        self.setWindowTitle(tr("Unlock Confide"))
        self.title = QLabel(tr("Your conversations are locked"), self)
        self.title.setObjectName("onboardingTitle")
        self.body = QLabel(tr("Type your passphrase to open them."), self)
        self.body.setWordWrap(True)
        label = QLabel(tr("&Passphrase:"), self)
        self.field = PassphraseField(tr("Passphrase"), self)
        label.setBuddy(self.field.edit)
        self.status = StatusLine(self)
        self.quit_button = QPushButton(tr("Quit"), self)
        self.quit_button.setAccessibleDescription(tr("Closes Confide"))
        self.unlock_button = QPushButton(tr("Unlock"), self)
        self.unlock_button.setObjectName("primaryButton")
        self.unlock_button.setAccessibleDescription(tr("Opens your conversations"))
        self.unlock_button.setDefault(True)
        self.unlock_button.setEnabled(False)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)
        self.setFocusProxy(self.field)

        self._busy = False
        self.field.textChanged.connect(lambda _text: self._update())
        self.field.returnPressed.connect(self._submit)
        self.unlock_button.clicked.connect(self._submit)
        self.quit_button.clicked.connect(self._quit)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        if busy:
            self.status.set_busy(tr("Unlocking…"))
        else:
            self.status.clear()
        self.field.setEnabled(not busy)
        self.quit_button.setEnabled(not busy)
        self._update()

    def show_wrong_passphrase(self) -> None:
        self.set_busy(False)
        self.status.show_problem(
            tr(
                "That passphrase is not right. Check Caps Lock and the keyboard layout, then try "
                "again."
            )
        )
        self.field.edit.setAccessibleDescription(self.status.label.text())
        self.field.select_all_and_focus()

    def show_problem(self, text: str) -> None:
        self.set_busy(False)
        self.status.show_problem(text)
        self.field.select_all_and_focus()

    def _update(self) -> None:
        self.unlock_button.setEnabled(not self._busy and bool(self.field.text()))

    def _submit(self) -> None:
        if self.unlock_button.isEnabled():
            self.unlockRequested.emit(self.field.text())

    def _quit(self) -> None:
        if not self._busy:
            self.quitRequested.emit()

    def reject(self) -> None:
        self._quit()

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self._quit()
