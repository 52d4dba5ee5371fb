"""The one way the UI runs background work.

Jobs are coroutines on the network loop thread (``LoopThread``). Each run returns a
``TaskHandle`` living on the GUI thread; its signals arrive there through queued
connections. Progress is coalesced (at most ~30 deliveries a second, the first one at
once) so that a fast stream never floods the event loop. ``cancel()`` takes effect
immediately: the coroutine is cancelled wherever it waits, and its connections close.
Blocking (disk or CPU) work inside a job belongs in ``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from confide.core.async_loop import LoopThread
from confide.core.crash import describe_exception
from confide.core.ollama.errors import OllamaError

log = logging.getLogger(__name__)

T = TypeVar("T")
ProgressSink = Callable[[Any], None]
Job = Callable[[ProgressSink], Awaitable[Any]]
Merge = Callable[[list[Any]], Any]

DEFAULT_INTERVAL_S = 1 / 30


class TaskHandle(QObject):
    _progress_from_loop = Signal(object)
    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    cancelled = Signal()
    finished = Signal()  # after any of the three above

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._future: concurrent.futures.Future[Any] | None = None
        self._cancel_requested = False
        self._done = False
        # Signals from the loop thread arrive queued; progress that was already in the queue
        # when the user cancelled is dropped here, on the GUI thread.
        self._progress_from_loop.connect(self._relay_progress)
        self.finished.connect(self._mark_done)

    @property
    def running(self) -> bool:
        return not self._done

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_requested

    def cancel(self) -> None:
        if self._done or self._cancel_requested:
            return
        self._cancel_requested = True
        if self._future is not None:
            self._future.cancel()

    def _relay_progress(self, item: object) -> None:
        if not self._cancel_requested:
            self.progress.emit(item)

    def _mark_done(self) -> None:
        self._done = True


class _Coalescer(Generic[T]):
    """Lives on the loop thread. Merges items that arrive within one interval."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        emit: Callable[[Any], None],
        merge: Merge | None,
        interval: float,
    ) -> None:
        self._loop = loop
        self._emit = emit
        self._merge = merge
        self._interval = interval
        self._pending: list[Any] = []
        self._last_emit = float("-inf")
        self._timer: asyncio.TimerHandle | None = None

    def push(self, item: Any) -> None:
        if self._merge is None:
            self._emit(item)
            return
        self._pending.append(item)
        now = time.monotonic()
        if now - self._last_emit >= self._interval:
            self.flush()
        elif self._timer is None:
            self._timer = self._loop.call_at(
                self._loop.time() + self._interval - (now - self._last_emit), self.flush
            )

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending:
            return
        items, self._pending = self._pending, []
        assert self._merge is not None
        self._last_emit = time.monotonic()
        self._emit(items[0] if len(items) == 1 else self._merge(items))

    def discard(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending.clear()


class TaskRunner(QObject):
    """Starts jobs on the network loop and hands back GUI-thread handles."""

    def __init__(self, loop_thread: LoopThread, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loop_thread = loop_thread.start()
        self._handles: set[TaskHandle] = set()

    @property
    def loop_thread(self) -> LoopThread:
        return self._loop_thread

    def run(
        self,
        name: str,
        job: Job,
        *,
        merge: Merge | None = None,
        interval: float = DEFAULT_INTERVAL_S,
    ) -> TaskHandle:
        handle = TaskHandle(name, self)
        self._handles.add(handle)
        handle.finished.connect(lambda: self._forget(handle))
        handle._future = self._loop_thread.submit(self._drive(handle, job, merge, interval))
        return handle

    def _forget(self, handle: TaskHandle) -> None:
        self._handles.discard(handle)
        handle.deleteLater()

    async def _drive(
        self, handle: TaskHandle, job: Job, merge: Merge | None, interval: float
    ) -> None:
        def emit_progress(item: Any) -> None:
            if not handle.cancel_requested:
                handle._progress_from_loop.emit(item)

        coalescer: _Coalescer[Any] = _Coalescer(
            asyncio.get_running_loop(), emit_progress, merge, interval
        )
        try:
            result = await job(coalescer.push)
        except asyncio.CancelledError:
            coalescer.discard()
            handle.cancelled.emit()
            handle.finished.emit()
            raise
        except Exception as exc:
            coalescer.flush()
            if not isinstance(exc, OllamaError):
                log.error("task %s failed: %s", handle.name, describe_exception(exc))
            handle.failed.emit(exc)
            handle.finished.emit()
            return
        coalescer.flush()
        handle.succeeded.emit(result)
        handle.finished.emit()

    def cancel_all(self) -> None:
        for handle in list(self._handles):
            handle.cancel()

    def shutdown(self) -> None:
        self.cancel_all()
        self._loop_thread.stop()
