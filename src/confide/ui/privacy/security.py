"""Security settings: passphrase at start, changing it, a new key, locking when idle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from confide.core.store import KeyStore, Protection, Store, StoreError, StoreErrorKind
from confide.ui.privacy.busy import StatusLine
from confide.ui.privacy.passphrase_dialog import PassphraseDialog
from confide.ui.privacy.settings import (
    DEFAULT_LOCK_MINUTES,
    LOCK_AFTER_MINUTES,
    MAX_LOCK_MINUTES,
    read_minutes,
)
from confide.ui.privacy.texts import keychain_name, tr
from confide.ui.store_gateway import StoreGateway

SAVE_DELAY_MS = 400


@dataclass(frozen=True)
class SecurityState:
    protection: Protection
    keyring_usable: bool
    keyring_backend: str | None
    lock_minutes: int | None


def _read_state(store: Store, key_store: KeyStore) -> SecurityState:
    usable = key_store.keyring_usable()
    backend = key_store.keyring.backend_name() if usable else None
    minutes = read_minutes(store.settings.get(LOCK_AFTER_MINUTES))
    return SecurityState(store.protection, usable, backend, minutes)


class SecurityPanel(QWidget):
    lockMinutesChanged = Signal(int)  # 0: never lock

    def __init__(
        self, gateway: StoreGateway, key_store: KeyStore, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._gateway = gateway
        self._key_store = key_store
        self.state: SecurityState | None = None
        self.dialog: PassphraseDialog | None = None

        self.protection_label = QLabel(self)
        self.protection_label.setWordWrap(True)
        self.require_passphrase = QCheckBox(tr("Require passphrase at start"), self)
        self.require_passphrase.setAccessibleDescription(
            tr("When on, Confide asks for your passphrase every time it starts")
        )
        self.require_hint = QLabel(self)
        self.require_hint.setWordWrap(True)
        self.change_button = QPushButton(tr("Change passphrase…"), self)
        self.change_button.setAccessibleDescription(tr("Replaces your passphrase with a new one"))
        self.new_key_button = QPushButton(tr("Make a new key…"), self)
        self.new_key_button.setAccessibleDescription(
            tr("Re-encrypts your conversations and backups with a new key")
        )
        key_hint = QLabel(
            tr(
                "A new key makes any old copy of the key (or of the key file with an old "
                "passphrase) useless. Useful if you think someone may have got hold of it."
            ),
            self,
        )
        key_hint.setWordWrap(True)

        self.lock_enabled = QCheckBox(tr("Lock Confide after"), self)
        self.lock_minutes = QSpinBox(self)
        self.lock_minutes.setRange(1, MAX_LOCK_MINUTES)
        self.lock_minutes.setValue(DEFAULT_LOCK_MINUTES)
        self.lock_minutes.setAccessibleName(tr("Minutes without use before locking"))
        lock_unit = QLabel(tr("minutes without use"), self)
        lock_unit.setBuddy(self.lock_minutes)
        lock_hint = QLabel(
            tr(
                "While locked, your conversations are hidden until you unlock Confide again "
                "(with your passphrase, if you use one)."
            ),
            self,
        )
        lock_hint.setWordWrap(True)
        self.status = StatusLine(self)

        key_row = QHBoxLayout()
        key_row.addWidget(self.change_button)
        key_row.addWidget(self.new_key_button)
        key_row.addStretch(1)
        lock_row = QHBoxLayout()
        lock_row.addWidget(self.lock_enabled)
        lock_row.addWidget(self.lock_minutes)
        lock_row.addWidget(lock_unit)
        lock_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.protection_label)
        layout.addWidget(self.require_passphrase)
        layout.addWidget(self.require_hint)
        layout.addLayout(key_row)
        layout.addWidget(key_hint)
        layout.addSpacing(12)
        layout.addLayout(lock_row)
        layout.addWidget(lock_hint)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_lock_setting)
        self.require_passphrase.clicked.connect(self._require_clicked)
        self.change_button.clicked.connect(self.change_passphrase)
        self.new_key_button.clicked.connect(self.make_new_key)
        self.lock_enabled.clicked.connect(self._lock_edited)
        self.lock_minutes.valueChanged.connect(lambda _value: self._lock_edited())
        self._loading = True
        self._set_controls_enabled(False)

    # -- state -------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._loading = True
        key_store = self._key_store
        handle = self._gateway.run("security-state", lambda store: _read_state(store, key_store))
        handle.succeeded.connect(self._show_state)
        handle.failed.connect(self.status.show_error)

    def _show_state(self, state: SecurityState) -> None:
        self.state = state
        passphrase = state.protection is Protection.PASSPHRASE
        if passphrase:
            self.protection_label.setText(
                tr("Your conversations are protected by your passphrase.")
            )
        else:
            self.protection_label.setText(
                tr("The key to your conversations is kept in %1.").replace(
                    "%1", keychain_name(state.keyring_backend)
                )
            )
        self.require_passphrase.setChecked(passphrase)
        if passphrase and not state.keyring_usable:
            self.require_hint.setText(
                tr(
                    "This computer has no secure keychain Confide can use, so the passphrase "
                    "is always required."
                )
            )
        elif passphrase:
            self.require_hint.setText(
                tr("Turn this off to keep the key in this computer's keychain instead.")
            )
        else:
            self.require_hint.setText(
                tr(
                    "Turn this on for extra protection if others can use your computer account. "
                    "If you forget the passphrase, your conversations cannot be recovered."
                )
            )
        self.lock_enabled.setChecked(state.lock_minutes is not None)
        self.lock_minutes.setValue(state.lock_minutes or DEFAULT_LOCK_MINUTES)
        self._loading = False
        self._set_controls_enabled(True)

    def _set_controls_enabled(self, enabled: bool) -> None:
        state = self.state
        passphrase = state is not None and state.protection is Protection.PASSPHRASE
        can_toggle = state is not None and (state.keyring_usable or not passphrase)
        self.require_passphrase.setEnabled(enabled and can_toggle)
        self.change_button.setEnabled(enabled and passphrase)
        self.new_key_button.setEnabled(enabled and state is not None)
        self.lock_enabled.setEnabled(enabled and state is not None)
        self.lock_minutes.setEnabled(enabled and self.lock_enabled.isChecked())

    # -- protection changes ------------------------------------------------------------------

    def _require_clicked(self, checked: bool) -> None:
        # The box shows the real protection; it changes only once the change has succeeded.
        self.require_passphrase.setChecked(not checked)
        if checked:
            self.require_passphrase_at_start()
        else:
            self.stop_requiring_passphrase()

    def require_passphrase_at_start(self) -> None:
        dialog = PassphraseDialog(
            tr("Require a passphrase"),
            tr(
                "From now on, Confide will ask for this passphrase every time it starts. The "
                "key is removed from the keychain, and your conversations are re-encrypted "
                "with a new key."
            ),
            tr("Require passphrase"),
            ask_current=False,
            ask_new=True,
            parent=self,
        )

        def change(store: Store) -> None:
            passphrase = dialog.new_passphrase()
            assert passphrase is not None
            store.use_passphrase(passphrase)

        self._open_dialog(
            dialog,
            "use-passphrase",
            change,
            tr("Confide now asks for your passphrase every time it starts."),
        )

    def stop_requiring_passphrase(self) -> None:
        state = self.state
        dialog = PassphraseDialog(
            tr("Stop asking for the passphrase"),
            tr(
                "Confide will keep the key in %1 and open without asking. Anyone who can sign "
                "in to your user account can then open your conversations. Type your "
                "passphrase to confirm."
            ).replace("%1", keychain_name(state.keyring_backend if state else None)),
            tr("Stop asking"),
            ask_current=True,
            ask_new=False,
            parent=self,
        )

        def change(store: Store) -> None:
            passphrase = dialog.current_passphrase()
            assert passphrase is not None
            store.use_keyring(passphrase)

        self._open_dialog(
            dialog,
            "use-keyring",
            change,
            tr("Confide no longer asks for a passphrase; the key is in the keychain."),
        )

    def change_passphrase(self) -> None:
        dialog = PassphraseDialog(
            tr("Change passphrase"),
            tr("Type your current passphrase, then the new one twice."),
            tr("Change passphrase"),
            ask_current=True,
            ask_new=True,
            parent=self,
        )

        def change(store: Store) -> None:
            old, new = dialog.current_passphrase(), dialog.new_passphrase()
            assert old is not None and new is not None
            store.change_passphrase(old, new)

        self._open_dialog(dialog, "change-passphrase", change, tr("Your passphrase was changed."))

    def make_new_key(self) -> None:
        passphrase = self.state is not None and self.state.protection is Protection.PASSPHRASE
        intro = tr(
            "Confide re-encrypts your conversations and their backups with a new key. With a "
            "long history this can take a minute; you can keep the window open meanwhile."
        )
        if passphrase:
            intro += " " + tr("Type your passphrase to confirm.")
        dialog = PassphraseDialog(
            tr("Make a new key"),
            intro,
            tr("Make a new key"),
            ask_current=passphrase,
            ask_new=False,
            parent=self,
        )

        def rotate(store: Store) -> None:
            store.rotate_key(dialog.current_passphrase())

        self._open_dialog(dialog, "rotate-key", rotate, tr("Your conversations now use a new key."))

    def _open_dialog(
        self, dialog: PassphraseDialog, name: str, change: Callable[[Store], None], done: str
    ) -> None:
        self.dialog = dialog

        def submitted() -> None:
            dialog.set_busy(tr("Working… Please keep Confide open."))
            handle = self._gateway.run(name, change)
            handle.succeeded.connect(lambda _result: finished())
            handle.failed.connect(failed)

        def finished() -> None:
            dialog.set_busy(None)
            dialog.accept()
            self.status.show_message(done)
            self.refresh()

        def failed(error: object) -> None:
            if isinstance(error, StoreError) and error.kind is StoreErrorKind.WRONG_KEY:
                dialog.show_wrong_passphrase()
            else:
                dialog.show_problem(error)

        def closed() -> None:
            if self.dialog is dialog:
                self.dialog = None
            dialog.deleteLater()

        dialog.submitted.connect(submitted)
        dialog.finished.connect(lambda _code: closed())
        dialog.open()

    # -- idle lock ---------------------------------------------------------------------------

    def _lock_edited(self) -> None:
        if self._loading:
            return
        self.lock_minutes.setEnabled(self.lock_enabled.isChecked())
        self._save_timer.start()

    def _save_lock_setting(self) -> None:
        minutes = self.lock_minutes.value() if self.lock_enabled.isChecked() else None

        def save(store: Store) -> None:
            store.settings.set(LOCK_AFTER_MINUTES, minutes)

        handle = self._gateway.run("save-lock-setting", save)
        handle.succeeded.connect(lambda _result: self.lockMinutesChanged.emit(minutes or 0))
        handle.failed.connect(self.status.show_error)
