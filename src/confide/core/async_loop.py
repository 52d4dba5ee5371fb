"""One asyncio event loop on its own thread, for all network work.

The GUI submits coroutines and gets a ``concurrent.futures.Future`` back; cancelling that
future cancels the task on the loop at once, even while it waits for the first byte.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str = "confide-network") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def start(self) -> LoopThread:
        if not self._started:
            self._started = True
            self._thread.start()
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    @property
    def closed(self) -> bool:
        """True once :meth:`stop` has run: nothing submitted now would ever run."""
        return self._loop.is_closed()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def call_soon(self, callback: Any, *args: Any) -> None:
        if self._loop.is_closed():
            return  # shutting down: late wake-ups from the GUI have nothing left to wake
        self._loop.call_soon_threadsafe(callback, *args)

    def cancel_pending(self, timeout: float = 5.0) -> None:
        """Cancels every running task and waits until each has cleaned up (closed streams)."""
        if not self._started or self._loop.is_closed():
            return

        async def _cancel_all() -> None:
            current = asyncio.current_task()
            pending = [task for task in asyncio.all_tasks() if task is not current]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        with contextlib.suppress(
            concurrent.futures.TimeoutError, concurrent.futures.CancelledError
        ):
            self.submit(_cancel_all()).result(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Cancels what is still running, lets it clean up, then stops the loop."""
        if not self._started or self._loop.is_closed():
            return
        self.cancel_pending(timeout)
        with contextlib.suppress(
            concurrent.futures.TimeoutError, concurrent.futures.CancelledError
        ):
            self.submit(self._loop.shutdown_asyncgens()).result(timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()
