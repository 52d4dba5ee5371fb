"""Keeps the UI's idea of the daemon's state current, without ever blocking the GUI thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QObject, Signal

from confide.core.ollama.status import DaemonState, DaemonStatus, DaemonSupervisor
from confide.ui.tasks import ProgressSink, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

CONNECTED_INTERVAL_S = 2.0
FIRST_RETRY_S = 0.5
MAX_RETRY_S = 4.0


class DaemonWatcher(QObject):
    """Polls the supervisor: every 2 s while connected, backing off to 4 s while not."""

    statusChanged = Signal(object)  # DaemonStatus

    def __init__(
        self,
        supervisor: DaemonSupervisor,
        runner: TaskRunner,
        parent: QObject | None = None,
        *,
        connected_interval: float = CONNECTED_INTERVAL_S,
        first_retry: float = FIRST_RETRY_S,
        max_retry: float = MAX_RETRY_S,
    ) -> None:
        super().__init__(parent)
        self.supervisor = supervisor
        self._runner = runner
        self._intervals = (connected_interval, first_retry, max_retry)
        self._handle: TaskHandle | None = None
        self._wake: asyncio.Event | None = None
        self.status: DaemonStatus | None = None

    def start(self) -> None:
        if self._handle is None:
            self._handle = self._runner.run("daemon-watch", self._watch)
            self._handle.progress.connect(self._on_status)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def check_now(self) -> None:
        """Polls at once (after Retry, Start, or a failed request)."""
        wake = self._wake
        if wake is not None and self._handle is not None:
            self._runner.loop_thread.call_soon(wake.set)

    def _on_status(self, status: DaemonStatus) -> None:
        if status != self.status:
            previous = self.status
            self.status = status
            if previous is None or previous.state != status.state:
                log.info("daemon %s at %s %s", status.state.value, status.address, status.version)
            self.statusChanged.emit(status)

    async def _watch(self, push: ProgressSink) -> None:
        self._wake = asyncio.Event()
        connected_interval, first_retry, max_retry = self._intervals
        retry = first_retry
        while True:
            status = await self.supervisor.check()
            push(status)
            if status.state is DaemonState.CONNECTED:
                delay, retry = connected_interval, first_retry
            else:
                delay, retry = retry, min(retry * 2, max_retry)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.clear()
