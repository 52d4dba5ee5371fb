"""What covers Confide while it is locked: no conversation, no title, only a way back in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from confide.core.store import KeyStore, Protection
from confide.ui.privacy.busy import StatusLine
from confide.ui.privacy.idle_lock import LockController
from confide.ui.privacy.passphrase import PassphraseField
from confide.ui.privacy.texts import tr
from confide.ui.store_gateway import StoreGateway


class LockScreen(QWidget):
    """Call :meth:`lock` to show it; it emits :attr:`unlocked` once the user is back.

    In passphrase mode the passphrase is checked off the GUI thread; in keyring mode (the
    computer account itself is the protection) an Unlock button is enough.
    """

    unlocked = Signal()

    def __init__(
        self, gateway: StoreGateway, key_store: KeyStore, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("onboarding")  # the same calm background as the onboarding page
        self._gateway = gateway
        self._key_store = key_store
        self._protection: Protection | None = None
        self._busy = False

        card = QFrame(self)
        card.setObjectName("onboardingCard")
        card.setMaximumWidth(480)
        self.title = QLabel(tr("Confide is locked"), card)
        self.title.setObjectName("onboardingTitle")
        self.body = QLabel(card)
        self.body.setObjectName("onboardingBody")
        self.body.setWordWrap(True)
        self.field = PassphraseField(tr("Passphrase"), card)
        self.status = StatusLine(card)
        self.unlock_button = QPushButton(tr("Unlock"), card)
        self.unlock_button.setObjectName("primaryButton")
        self.unlock_button.setAccessibleDescription(tr("Shows your conversations again"))
        self.unlock_button.setDefault(True)
        self.unlock_button.setAutoDefault(True)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(32, 28, 32, 28)
        card_layout.setSpacing(14)
        card_layout.addWidget(self.title)
        card_layout.addWidget(self.body)
        card_layout.addWidget(self.field)
        card_layout.addWidget(self.status)
        card_layout.addLayout(buttons)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self.field.textChanged.connect(lambda _text: self._update())
        self.field.returnPressed.connect(self._submit)
        self.unlock_button.clicked.connect(self._submit)
        self.setAccessibleName(tr("Confide is locked"))
        self._show_mode(None)

    @property
    def protection(self) -> Protection | None:
        return self._protection

    def lock(self) -> None:
        """Shows the locked state at once, then asks (off the GUI thread) how to unlock."""
        self.field.clear()
        self.status.clear()
        self._show_mode(None)
        key_store = self._key_store
        handle = self._gateway.run_unbound("lock-protection", key_store.protection)
        handle.succeeded.connect(self._show_mode)
        # Unknown protection: asking for the passphrase is the safe side.
        handle.failed.connect(lambda _error: self._show_mode(Protection.PASSPHRASE))

    def _show_mode(self, protection: object) -> None:
        self._protection = protection if isinstance(protection, Protection) else None
        passphrase = self._protection is Protection.PASSPHRASE
        if passphrase:
            text = tr("Your conversations are hidden. Type your passphrase to show them again.")
        else:
            text = tr("Your conversations are hidden while you are away.")
        self.body.setText(text)
        self.setAccessibleDescription(text)
        self.field.setVisible(passphrase)
        self._update()
        if passphrase:
            self.field.select_all_and_focus()
        elif self._protection is not None:
            self.unlock_button.setFocus()

    def _update(self) -> None:
        if self._protection is None or self._busy:
            self.unlock_button.setEnabled(False)
        elif self._protection is Protection.PASSPHRASE:
            self.unlock_button.setEnabled(bool(self.field.text()))
        else:
            self.unlock_button.setEnabled(True)

    def _submit(self) -> None:
        if not self.unlock_button.isEnabled():
            return
        if self._protection is not Protection.PASSPHRASE:
            self._open()
            return
        self._set_busy(True)
        key_store, passphrase = self._key_store, self.field.text()
        handle = self._gateway.run_unbound(
            "verify-passphrase", lambda: key_store.verify_passphrase(passphrase)
        )
        handle.succeeded.connect(self._verified)
        handle.failed.connect(self._failed)

    def _verified(self, right: object) -> None:
        self._set_busy(False)
        if right is True:
            self._open()
            return
        self.status.show_problem(tr("That passphrase is not right."))
        self.field.edit.setAccessibleDescription(self.status.label.text())
        self.field.select_all_and_focus()

    def _failed(self, error: object) -> None:
        self._set_busy(False)
        self.status.show_error(error)
        self.field.select_all_and_focus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        if busy:
            self.status.set_busy(tr("Checking…"))
        self.field.setEnabled(not busy)
        self._update()

    def _open(self) -> None:
        self.field.clear()
        self.status.clear()
        self.unlocked.emit()


class LockableArea(QStackedWidget):
    """The main window's central content with the lock screen stacked over it. While locked,
    the content is not merely covered but not shown at all, so Tab cannot reach it either."""

    def __init__(
        self, content: QWidget, lock_screen: LockScreen, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.content = content
        self.lock_screen = lock_screen
        self.addWidget(content)
        self.addWidget(lock_screen)
        self.setCurrentWidget(content)

    @property
    def locked(self) -> bool:
        return self.currentWidget() is self.lock_screen

    def lock(self) -> None:
        self.setCurrentWidget(self.lock_screen)
        self.lock_screen.lock()

    def unlock(self) -> None:
        self.setCurrentWidget(self.content)
        self.content.setFocus(Qt.FocusReason.OtherFocusReason)


def connect_idle_lock(controller: LockController, area: LockableArea) -> None:
    """Idle time locks the area; unlocking it starts the idle count again."""
    controller.lockRequested.connect(area.lock)

    def unlocked() -> None:
        area.unlock()
        controller.unlock()

    area.lock_screen.unlocked.connect(unlocked)
