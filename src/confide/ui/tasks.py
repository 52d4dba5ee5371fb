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

from PySide6.QtCore import QObject, Qt, Signal

from confide.core.async_loop import LoopThread
from confide.core.crash import describe_exception
from confide.core.ollama.errors import OllamaError
from confide.core.store.errors import StoreError

log = logging.getLogger(__name__)

T = TypeVar("T")
ProgressSink = Callable[[Any], None]
Job = Callable[[ProgressSink], Awaitable[Any]]
Merge = Callable[[list[Any]], Any]

DEFAULT_INTERVAL_S = 1 / 30


class TaskHandle(QObject):
    """A running job, seen from the GUI thread. All public signals fire on the GUI thread."""

    # The loop thread only ever emits this one signal. Its receiver is a method of this
    # GUI-thread object, so Qt queues it; slots and lambdas connected to the public signals
    # then run on the GUI thread too (a lambda connected straight to a signal emitted on
    # another thread would run on that thread).
    _from_loop = Signal(str, object)

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
        # Queued even when emitted on the GUI thread, so a handle that ends at once (see
        # TaskRunner.run) still reaches the slots its caller connects after run() returns.
        self._from_loop.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

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

    def _deliver(self, kind: str, payload: object) -> None:
        if kind == "progress":
            # Progress already queued when the user cancelled is dropped here.
            if not self._cancel_requested:
                self.progress.emit(payload)
            return
        if kind == "succeeded":
            self.succeeded.emit(payload)
        elif kind == "failed":
            self.failed.emit(payload)
        else:
            self.cancelled.emit()
        self._done = True
        self.finished.emit()


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
        if self._loop_thread.closed:
            # Shutting down: a late signal (a stream that just ended) may still ask for work.
            # It is refused the way a cancel ends a job, not with an exception in a slot.
            handle._cancel_requested = True
            handle._from_loop.emit("cancelled", None)
            return handle
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
                handle._from_loop.emit("progress", item)

        coalescer: _Coalescer[Any] = _Coalescer(
            asyncio.get_running_loop(), emit_progress, merge, interval
        )
        try:
            result = await job(coalescer.push)
        except asyncio.CancelledError:
            coalescer.discard()
            handle._from_loop.emit("cancelled", None)
            raise
        except Exception as exc:
            coalescer.flush()
            if isinstance(exc, StoreError):
                # Expected and explained to the user (wrong passphrase, disk full…): no stack.
                log.warning("task %s: store error %s", handle.name, exc.kind.value)
            elif not isinstance(exc, OllamaError):
                log.error("task %s failed: %s", handle.name, describe_exception(exc))
            handle._from_loop.emit("failed", exc)
            return
        coalescer.flush()
        handle._from_loop.emit("succeeded", result)

    def cancel_all(self) -> None:
        for handle in list(self._handles):
            handle.cancel()

    def shutdown(self) -> None:
        self.cancel_all()
        self._loop_thread.stop()
