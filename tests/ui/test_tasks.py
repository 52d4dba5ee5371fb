"""The one background-task mechanism: GUI-thread delivery, coalescing, cancellation."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from confide.core.async_loop import LoopThread
from confide.ui.tasks import ProgressSink, TaskRunner


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    task_runner = TaskRunner(LoopThread("test-tasks"))
    yield task_runner
    task_runner.shutdown()


def test_every_signal_arrives_on_the_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    threads: list[str] = []

    async def job(push: ProgressSink) -> str:
        push("step")
        return "done"

    handle = runner.run("ok", job)
    # Lambdas, not slots: they would run on the loop thread if the handle forwarded directly.
    handle.progress.connect(lambda _item: threads.append(threading.current_thread().name))
    handle.succeeded.connect(lambda _r: threads.append(threading.current_thread().name))
    with qtbot.waitSignal(handle.finished, timeout=3000):
        pass
    assert threads == [threading.main_thread().name] * 2

    async def broken(_push: ProgressSink) -> None:
        raise ValueError("bug")

    failures: list[tuple[str, Any]] = []
    handle = runner.run("broken", broken)
    handle.failed.connect(lambda e: failures.append((threading.current_thread().name, e)))
    with qtbot.waitSignal(handle.finished, timeout=3000):
        pass
    assert failures[0][0] == threading.main_thread().name
    assert isinstance(failures[0][1], ValueError)


def test_progress_is_coalesced_without_losing_anything(qtbot: QtBot, runner: TaskRunner) -> None:
    async def job(push: ProgressSink) -> None:
        for i in range(2000):
            push(str(i % 10))
            if i % 100 == 0:
                await asyncio.sleep(0.005)

    received: list[str] = []
    handle = runner.run("fast", job, merge=lambda items: "".join(items), interval=0.03)
    handle.progress.connect(received.append)
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    assert "".join(received) == "".join(str(i % 10) for i in range(2000))
    assert 1 < len(received) < 200  # merged into a few deliveries, not 2000
    assert received[0] == "0"  # the first item is delivered at once, not after a delay


def test_cancel_stops_the_job_and_drops_late_progress(qtbot: QtBot, runner: TaskRunner) -> None:
    reached_end = threading.Event()

    async def slow(push: ProgressSink) -> None:
        push("first")
        await asyncio.sleep(30)
        reached_end.set()

    received: list[str] = []
    handle = runner.run("slow", slow)
    handle.progress.connect(received.append)
    qtbot.waitUntil(lambda: received == ["first"], timeout=3000)
    with qtbot.waitSignal(handle.cancelled, timeout=1000):
        handle.cancel()
    assert not handle.running
    assert not reached_end.is_set()


def test_work_asked_for_after_shutdown_ends_as_cancelled(qtbot: QtBot, runner: TaskRunner) -> None:
    # At quit, a queued signal (a stream that just ended) can still start a job once the
    # loop is gone: it must end like a cancelled job, not raise inside a slot.
    runner.shutdown()
    started: list[bool] = []

    async def job(_push: ProgressSink) -> None:
        started.append(True)

    handle = runner.run("late", job)
    ended: list[str] = []
    handle.cancelled.connect(lambda: ended.append("cancelled"))
    handle.succeeded.connect(lambda _r: ended.append("succeeded"))
    with qtbot.waitSignal(handle.finished, timeout=3000):
        pass
    assert ended == ["cancelled"]
    assert started == [] and not handle.running
