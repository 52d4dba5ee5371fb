"""Opening the encrypted store at start-up: first run, unlock, or a problem to resolve.

:class:`StoreOpener` drives the dialogs without blocking (every disk step runs on the store
thread through the gateway) and emits ``finished`` with the open store, or None when the user
chose to quit. :func:`open_store_interactively` waits for it in a local event loop, before the
main window exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog

from confide.core.paths import AppPaths
from confide.core.store import (
    KeyStatus,
    KeyStore,
    Protection,
    Store,
    StoreErrorKind,
    StoreOptions,
    restore_backup,
)
from confide.core.store.clock import Clock, system_clock
from confide.ui.errors import describe_error
from confide.ui.privacy import opening
from confide.ui.privacy.busy import BusyDialog
from confide.ui.privacy.first_run import FirstRunDialog
from confide.ui.privacy.opening import Failure, Probe
from confide.ui.privacy.problems import Choice, OpenProblemDialog
from confide.ui.privacy.texts import tr
from confide.ui.privacy.unlock import UnlockDialog
from confide.ui.services import AppServices
from confide.ui.store_gateway import StoreGateway

log = logging.getLogger(__name__)

BUSY_DELAY_MS = 300

# With these, the passphrase typed was right (the key unwrapped): after restoring a backup
# the store can be opened again without asking for it a second time.
_KEY_PROBLEMS = {StoreErrorKind.WRONG_KEY, StoreErrorKind.KEY_MISSING}


class StoreOpener(QObject):
    finished = Signal(object)  # the open Store, or None: the user chose to quit
    dialogShown = Signal(object)  # the dialog now on screen

    def __init__(
        self,
        paths: AppPaths,
        key_store: KeyStore,
        gateway: StoreGateway,
        *,
        options: StoreOptions | None = None,
        clock: Clock = system_clock,
        busy_delay_ms: int = BUSY_DELAY_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._paths = paths
        self._key_store = key_store
        self._gateway = gateway
        self._options = options
        self._clock = clock
        self.dialog: QDialog | None = None
        self.busy_dialog: BusyDialog | None = None
        self._busy_text = ""
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(busy_delay_ms)
        self._busy_timer.timeout.connect(self._show_busy)
        self._passphrase: str | None = None
        self._tried_backups: set[Path] = set()
        self._note = ""
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    def start(self) -> None:
        self._probe()

    # -- steps -------------------------------------------------------------------------------

    def _probe(self) -> None:
        paths, key_store = self._paths, self._key_store
        self._run(
            "check-store",
            lambda: opening.probe(paths, key_store),
            self._dispatch,
            tr("Opening your conversations…"),
        )

    def _dispatch(self, probe: Probe) -> None:
        if probe.status is KeyStatus.FIRST_RUN:
            self._show_first_run(probe.keyring_usable)
        elif probe.status is KeyStatus.PASSPHRASE and self._passphrase is None:
            self._show_unlock()
        else:
            self._open(self._passphrase if probe.status is KeyStatus.PASSPHRASE else None)

    def _show_first_run(self, keyring_usable: bool) -> None:
        dialog = FirstRunDialog(keyring_usable)
        dialog.set_note(self._note)
        dialog.createRequested.connect(self._create)
        dialog.quitRequested.connect(lambda: self._finish(None))
        self._present(dialog)

    def _create(self, protection: Protection, passphrase: str | None) -> None:
        dialog = self.dialog
        assert isinstance(dialog, FirstRunDialog)
        dialog.set_busy(True)
        paths, key_store, options = self._paths, self._key_store, self._options

        def created(result: Store | Failure) -> None:
            if isinstance(result, Store):
                self._finish(result)
            elif result.error.kind is StoreErrorKind.ALREADY_SET_UP:
                self._probe()  # set up meanwhile (another Confide): open what is there
            else:
                dialog.show_problem(_sentence(result.error))

        self._run(
            "create-store",
            lambda: opening.create_store(paths, key_store, protection, passphrase, options),
            created,
        )

    def _show_unlock(self) -> None:
        dialog = UnlockDialog()
        dialog.unlockRequested.connect(self._unlock)
        dialog.quitRequested.connect(lambda: self._finish(None))
        self._present(dialog)

    def _unlock(self, passphrase: str) -> None:
        dialog = self.dialog
        assert isinstance(dialog, UnlockDialog)
        dialog.set_busy(True)

        def opened(result: Store | Failure) -> None:
            if isinstance(result, Store):
                self._finish(result)
            elif result.error.kind is StoreErrorKind.WRONG_KEY:
                dialog.show_wrong_passphrase()
            else:
                if result.error.kind not in _KEY_PROBLEMS:
                    self._passphrase = passphrase
                self._show_problem(result)

        self._run("open-store", self._opening_job(passphrase), opened)

    def _open(self, passphrase: str | None) -> None:
        def opened(result: Store | Failure) -> None:
            if isinstance(result, Store):
                self._finish(result)
            elif result.error.kind is StoreErrorKind.WRONG_KEY and passphrase is not None:
                # The passphrase remembered from before a restore no longer fits.
                self._passphrase = None
                self._show_unlock()
            else:
                self._show_problem(result)

        self._run(
            "open-store", self._opening_job(passphrase), opened, tr("Opening your conversations…")
        )

    def _opening_job(self, passphrase: str | None) -> Callable[[], Store | Failure]:
        paths, key_store, options = self._paths, self._key_store, self._options
        tried = frozenset(self._tried_backups)
        return lambda: opening.attempt(
            paths, lambda: opening.open_store(paths, key_store, passphrase, options), tried
        )

    def _show_problem(self, failure: Failure | BaseException) -> None:
        error: BaseException = failure.error if isinstance(failure, Failure) else failure
        backup = failure.backup if isinstance(failure, Failure) else None
        dialog = OpenProblemDialog(error, backup, self._paths.data_dir)
        dialog.chosen.connect(lambda choice: self._on_choice(choice, dialog, failure))
        self._present(dialog)

    def _on_choice(self, choice: Choice, dialog: OpenProblemDialog, failure: object) -> None:
        if choice is Choice.QUIT:
            self._finish(None)
        elif choice is Choice.RETRY:
            self._probe()
        elif choice is Choice.RESTORE:
            assert isinstance(failure, Failure) and failure.backup is not None
            self._restore(dialog, failure.backup.path)
        elif choice is Choice.START_OVER:
            self._start_over(dialog)

    def _restore(self, dialog: OpenProblemDialog, backup: Path) -> None:
        self._tried_backups.add(backup)
        paths, clock = self._paths, self._clock

        def restored(result: object) -> None:
            if isinstance(result, Failure):
                dialog.show_problem(result.error)
            else:
                log.info("a backup was restored at start-up")
                self._probe()

        self._run(
            "restore-backup",
            lambda: opening.attempt(paths, lambda: restore_backup(paths, backup, clock)),
            restored,
            tr("Restoring the backup…"),
        )

    def _start_over(self, dialog: OpenProblemDialog) -> None:
        paths, key_store, clock = self._paths, self._key_store, self._clock

        def set_aside(result: Path | Failure) -> None:
            if isinstance(result, Failure):
                dialog.show_problem(result.error)
                return
            self._passphrase = None
            self._tried_backups.clear()
            self._note = tr(
                "Your previous history was moved, not deleted, to “%1”. Confide starts afresh."
            ).replace("%1", str(result))
            self._probe()

        self._run(
            "set-aside",
            lambda: opening.attempt(paths, lambda: opening.set_aside(paths, key_store, clock)),
            set_aside,
            tr("Setting the old history aside…"),
        )

    # -- plumbing ----------------------------------------------------------------------------

    def _run(
        self,
        name: str,
        job: Callable[[], Any],
        on_result: Callable[[Any], None],
        busy_text: str | None = None,
    ) -> None:
        if busy_text is not None:
            if isinstance(self.dialog, OpenProblemDialog):
                self.dialog.set_busy(busy_text)
            elif self.dialog is None:
                self._busy_text = busy_text
                self._busy_timer.start()
        handle = self._gateway.run_unbound(name, job)

        def succeeded(result: object) -> None:
            self._end_busy()
            if not self._done:
                on_result(result)

        def failed(error: object) -> None:
            self._end_busy()
            if not self._done:
                self._unexpected(error)

        handle.succeeded.connect(succeeded)
        handle.failed.connect(failed)

    def _unexpected(self, error: object) -> None:
        """A failure no StoreError describes (a bug, an odd OS error): said plainly, with
        Try again and Quit; the task runner has logged its type and stack."""
        exc = error if isinstance(error, BaseException) else RuntimeError("unknown failure")
        dialog = self.dialog
        if isinstance(dialog, FirstRunDialog | UnlockDialog):
            dialog.show_problem(_sentence(exc))
        else:
            self._show_problem(exc)

    def _show_busy(self) -> None:
        if self._done or self.dialog is not None or self.busy_dialog is not None:
            return
        self.busy_dialog = BusyDialog(self._busy_text)
        self.busy_dialog.show()

    def _end_busy(self) -> None:
        self._busy_timer.stop()
        if self.busy_dialog is not None:
            self.busy_dialog.finish()
            self.busy_dialog.deleteLater()
            self.busy_dialog = None
        if isinstance(self.dialog, OpenProblemDialog):
            self.dialog.set_busy(None)

    def _present(self, dialog: QDialog) -> None:
        self._end_busy()
        self._dismiss()
        self.dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.dialogShown.emit(dialog)

    def _dismiss(self) -> None:
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None

    def _finish(self, store: Store | None) -> None:
        if self._done:
            return
        self._done = True
        self._end_busy()
        self._dismiss()
        self._passphrase = None
        self.finished.emit(store)


def _sentence(error: BaseException) -> str:
    described = describe_error(error)
    return f"{described.title}. {described.message}"


def open_store_interactively(services: AppServices) -> Store | None:
    """The store, ready to use, or None if the user chose to quit."""
    opener = StoreOpener(services.paths, services.key_store, services.gateway)
    result: list[Store | None] = []
    loop = QEventLoop()

    def finished(store: Store | None) -> None:
        result.append(store)
        loop.quit()

    opener.finished.connect(finished)
    # Between two dialogs no window is open; that must not count as "the user closed the app".
    quit_on_close = QGuiApplication.quitOnLastWindowClosed()
    QGuiApplication.setQuitOnLastWindowClosed(False)
    try:
        opener.start()
        if not result:
            loop.exec()
    finally:
        QGuiApplication.setQuitOnLastWindowClosed(quit_on_close)
        opener.deleteLater()
    return result[0] if result else None
