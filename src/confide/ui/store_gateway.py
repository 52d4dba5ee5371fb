"""The one way the UI reaches the encrypted store.

The store is used from one thread at a time, and its calls can touch the disk (an fsync, a
10,000-message conversation, a search), so none of them may run on the GUI thread. Every
call goes to one worker thread, in the order it was made: a write submitted after another
is applied after it, which lets a caller fire a write and move on.

From the GUI thread, use :meth:`run` (a ``TaskHandle`` whose ``succeeded``/``failed`` arrive
on the GUI thread). Inside a task-runner job, ``await`` :meth:`call`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable
from typing import TypeVar

from confide.core.store import Store, StoreError, StoreErrorKind
from confide.ui.tasks import ProgressSink, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

T = TypeVar("T")
StoreCall = Callable[[Store], T]


class StoreGateway:
    def __init__(self, runner: TaskRunner, store: Store | None = None) -> None:
        self._runner = runner
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="confide-store"
        )
        self._store = store
        self._closed = False

    # -- the store ---------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._store is not None and not self._store.closed

    def attach(self, store: Store | None) -> None:
        """Uses ``store`` from now on (after unlocking, or ``None`` after erasing everything)."""
        self._store = store

    def _bound(self, fn: StoreCall[T]) -> Callable[[], T]:
        def invoke() -> T:
            store = self._store
            if store is None or store.closed:
                raise StoreError(StoreErrorKind.NOT_SET_UP, "the store is not open")
            return fn(store)

        return invoke

    # -- calls -------------------------------------------------------------------------------

    async def call(self, fn: StoreCall[T]) -> T:
        """Runs ``fn(store)`` on the store thread; for use inside task-runner jobs."""
        return await self.call_unbound(self._bound(fn))

    async def call_unbound(self, fn: Callable[[], T]) -> T:
        """Runs ``fn()`` on the store thread: opening a store, erasing its files."""
        loop = asyncio.get_running_loop()
        return await asyncio.wrap_future(self._executor.submit(fn), loop=loop)

    def run(self, name: str, fn: StoreCall[T]) -> TaskHandle:
        """Runs ``fn(store)`` on the store thread; the result arrives on the GUI thread."""
        return self.run_unbound(name, self._bound(fn))

    def run_unbound(self, name: str, fn: Callable[[], object]) -> TaskHandle:
        async def job(_push: ProgressSink) -> object:
            return await self.call_unbound(fn)

        return self._runner.run(name, job)

    def submit(self, fn: StoreCall[T]) -> concurrent.futures.Future[T]:
        """Queues ``fn(store)`` after every call made so far, without waiting for it."""
        return self._executor.submit(self._bound(fn))

    def wait(self, fn: StoreCall[T], timeout: float = 10.0) -> T:
        """Runs ``fn(store)`` and blocks until it is done. Only for shutdown and tests."""
        return self.submit(fn).result(timeout)

    # -- end ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Finishes every queued call, then closes the store (unfinished answers become
        "interrupted", exactly as after a crash, but without the crash). Idempotent."""
        if self._closed:
            return
        self._closed = True
        store, self._store = self._store, None

        def close_store() -> None:
            if store is not None:
                store.close()

        try:
            self._executor.submit(close_store).result(30)
        except (StoreError, concurrent.futures.TimeoutError) as exc:
            log.warning("closing the store: %s", type(exc).__name__)
        self._executor.shutdown(wait=True)
