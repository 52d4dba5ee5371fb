"""Applying the retention rule ("delete conversations older than N days") at start and daily."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from confide.core.store import Store, StoreError
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskHandle

log = logging.getLogger(__name__)

DAY_MS = 24 * 60 * 60 * 1000


class RetentionScheduler(QObject):
    """Runs ``Store.apply_retention`` through the gateway; the rule itself is a store setting
    (off unless the user set it), so this is harmless when retention is off."""

    applied = Signal(int)  # conversations erased
    failed = Signal(object)

    def __init__(
        self, gateway: StoreGateway, parent: QObject | None = None, *, interval_ms: int = DAY_MS
    ) -> None:
        super().__init__(parent)
        self._gateway = gateway
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.apply_now)
        self._running: TaskHandle | None = None

    def start(self) -> None:
        self.apply_now()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def apply_now(self) -> TaskHandle | None:
        if self._running is not None:
            return self._running  # still erasing from the last round
        if not self._gateway.is_open:
            return None

        def apply(store: Store) -> int:
            return store.apply_retention()

        handle = self._gateway.run("apply-retention", apply)
        self._running = handle
        handle.succeeded.connect(self._succeeded)
        handle.failed.connect(self._failed)
        handle.finished.connect(self._finished)
        return handle

    def _succeeded(self, erased: object) -> None:
        count = erased if isinstance(erased, int) else 0
        if count:
            log.info("retention erased %d conversation(s)", count)
        self.applied.emit(count)

    def _failed(self, error: object) -> None:
        kind = error.kind.value if isinstance(error, StoreError) else type(error).__name__
        log.warning("retention could not be applied: %s", kind)
        self.failed.emit(error)

    def _finished(self) -> None:
        self._running = None
