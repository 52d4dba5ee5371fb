"""First run: how the key to the encrypted conversations is kept, explained in plain words."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from confide.core.store import Protection
from confide.ui.privacy.busy import StatusLine
from confide.ui.privacy.passphrase import NewPassphraseForm
from confide.ui.privacy.texts import tr


def _description(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setIndent(24)  # under its radio button's text
    return label


class FirstRunDialog(QDialog):
    """Emits :attr:`createRequested` (protection, passphrase or None); the caller does the
    work, with :meth:`set_busy` meanwhile and :meth:`show_problem` if it fails."""

    createRequested = Signal(object, object)
    quitRequested = Signal()

    def __init__(self, keyring_usable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("privacyFirstRun")
        self.setWindowTitle(tr("Welcome to Confide"))
        self.keyring_usable = keyring_usable

        self.title = QLabel(tr("Your conversations stay on this computer, encrypted"), self)
        self.title.setObjectName("onboardingTitle")
        self.title.setWordWrap(True)
        intro = tr(
            "Everything you write in Confide, and every answer, is saved only on this "
            "computer, in an encrypted file. Without its key the file is unreadable, even "
            "to someone who copies it."
        )
        if keyring_usable:
            intro += " " + tr("Choose how Confide keeps that key.")
        self.intro = QLabel(intro, self)
        self.intro.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.hide()

        self.keyring_choice = QRadioButton(
            tr("Keep the key in this computer's secure keychain (recommended)"), self
        )
        self.keyring_hint = _description(
            tr(
                "Confide opens without asking anything. Anyone who can sign in to your user "
                "account on this computer can open your conversations."
            ),
            self,
        )
        self.passphrase_choice = QRadioButton(
            tr("Ask for a passphrase every time Confide starts"), self
        )
        self.passphrase_hint = _description(
            tr(
                "Extra protection if other people use this user account. You must remember "
                "the passphrase."
            ),
            self,
        )
        self.choices = QButtonGroup(self)
        self.choices.addButton(self.keyring_choice)
        self.choices.addButton(self.passphrase_choice)
        self.no_keyring = QLabel(
            tr(
                "This computer has no secure keychain that Confide can use, so your "
                "conversations are protected with a passphrase instead. You will type it every "
                "time Confide starts."
            ),
            self,
        )
        self.no_keyring.setWordWrap(True)

        self.form = NewPassphraseForm(self)
        self.status = StatusLine(self)
        self.quit_button = QPushButton(tr("Quit"), self)
        self.quit_button.setAccessibleDescription(tr("Closes Confide without setting it up"))
        self.create_button = QPushButton(tr("Start using Confide"), self)
        self.create_button.setObjectName("primaryButton")
        self.create_button.setAccessibleDescription(
            tr("Creates the encrypted file for your conversations")
        )
        self.create_button.setDefault(True)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(self.note)
        layout.addWidget(self.keyring_choice)
        layout.addWidget(self.keyring_hint)
        layout.addWidget(self.passphrase_choice)
        layout.addWidget(self.passphrase_hint)
        layout.addWidget(self.no_keyring)
        layout.addWidget(self.form)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)

        for widget in (
            self.keyring_choice,
            self.keyring_hint,
            self.passphrase_choice,
            self.passphrase_hint,
        ):
            widget.setVisible(keyring_usable)
        self.no_keyring.setVisible(not keyring_usable)
        self.keyring_choice.setChecked(keyring_usable)
        self.passphrase_choice.setChecked(not keyring_usable)

        self.choices.buttonToggled.connect(lambda *_: self._update())
        self.form.validityChanged.connect(lambda _valid: self._update())
        self.form.returnPressed.connect(self._submit)
        self.create_button.clicked.connect(self._submit)
        self.quit_button.clicked.connect(self._quit)
        self._busy = False
        self._update()

    @property
    def protection(self) -> Protection:
        if self.keyring_usable and self.keyring_choice.isChecked():
            return Protection.KEYRING
        return Protection.PASSPHRASE

    def set_note(self, text: str) -> None:
        """Something the user should know first (e.g. where an old history was set aside)."""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        if busy:
            self.status.set_busy(tr("Setting up encryption…"))
        else:
            self.status.clear()
        for widget in (self.keyring_choice, self.passphrase_choice, self.form, self.quit_button):
            widget.setEnabled(not busy)
        self._update()

    def show_problem(self, text: str) -> None:
        self.set_busy(False)
        self.status.show_problem(text)

    def _update(self) -> None:
        passphrase = self.protection is Protection.PASSPHRASE
        self.form.setVisible(passphrase)
        self.create_button.setEnabled(not self._busy and (not passphrase or self.form.is_valid()))

    def _submit(self) -> None:
        if not self.create_button.isEnabled():
            return
        if self.protection is Protection.PASSPHRASE:
            self.createRequested.emit(Protection.PASSPHRASE, self.form.passphrase())
        else:
            self.createRequested.emit(Protection.KEYRING, None)

    def _quit(self) -> None:
        if not self._busy:
            self.quitRequested.emit()

    def reject(self) -> None:
        # Escape or the window's close button mean "quit", never "carry on without a store".
        self._quit()

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self._quit()
