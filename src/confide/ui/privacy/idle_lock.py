"""Locking Confide after a while without use (off by default; minutes from a setting)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

from confide.core.store import Store
from confide.ui.privacy.settings import LOCK_AFTER_MINUTES, read_minutes
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskHandle

MINUTE_MS = 60_000

# What counts as the user being there. Window activation, paint or timer events do not: a
# streamed answer arriving on an unattended screen must not keep it unlocked.
_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class LockController(QObject):
    """Watches user input app-wide and emits :attr:`lockRequested` once the idle time is up.

    The controller only decides *when*; the lock screen hides the content and, once the user
    has unlocked, calls :meth:`unlock` to start counting again.
    """

    lockRequested = Signal()
    lockedChanged = Signal(bool)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        minute_ms: int = MINUTE_MS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._minute_ms = minute_ms
        self._monotonic = monotonic
        self._timeout_ms: int | None = None
        self._last_input = monotonic()
        self._locked = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._check)
        self._app: QCoreApplication | None = None

    # -- set-up ------------------------------------------------------------------------------

    def install(self, app: QCoreApplication | None = None) -> None:
        """Starts watching input in the whole application."""
        self._app = app or QCoreApplication.instance()
        if self._app is not None:
            self._app.installEventFilter(self)

    def uninstall(self) -> None:
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None
        self._timer.stop()

    def load_setting(self, gateway: StoreGateway) -> TaskHandle:
        """Reads "lock after N minutes" from the store (off the GUI thread) and applies it."""

        def read(store: Store) -> int | None:
            return read_minutes(store.settings.get(LOCK_AFTER_MINUTES))

        handle = gateway.run("read-lock-setting", read)
        handle.succeeded.connect(self.set_minutes)
        return handle

    def set_minutes(self, minutes: object) -> None:
        """Minutes of inactivity before locking; None or 0 turns the lock off."""
        value = read_minutes(minutes)
        self.set_timeout_ms(value * self._minute_ms if value else None)

    def set_timeout_ms(self, timeout_ms: int | None) -> None:
        self._timeout_ms = timeout_ms if timeout_ms and timeout_ms > 0 else None
        self._last_input = self._monotonic()
        self._arm()

    @property
    def timeout_ms(self) -> int | None:
        return self._timeout_ms

    # -- state -------------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self._locked

    def lock_now(self) -> None:
        if self._locked:
            return
        self._locked = True
        self._timer.stop()
        self.lockedChanged.emit(True)
        self.lockRequested.emit()

    def unlock(self) -> None:
        """The user proved to be there: counting starts again from now."""
        if not self._locked:
            return
        self._locked = False
        self._last_input = self._monotonic()
        self._arm()
        self.lockedChanged.emit(False)

    # -- watching ----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Cheap on purpose: it sees every event of the application. Only a timestamp here;
        # the timer re-arms itself when it fires early.
        if not self._locked and event.type() in _INPUT_EVENTS:
            self._last_input = self._monotonic()
        return False

    def _arm(self, delay_ms: int | None = None) -> None:
        if self._timeout_ms is None or self._locked:
            self._timer.stop()
            return
        self._timer.start(self._timeout_ms if delay_ms is None else max(delay_ms, 1))

    def _check(self) -> None:
        if self._timeout_ms is None or self._locked:
            return
        idle_ms = int((self._monotonic() - self._last_input) * 1000)
        if idle_ms >= self._timeout_ms:
            self.lock_now()
        else:
            self._arm(self._timeout_ms - idle_ms)
