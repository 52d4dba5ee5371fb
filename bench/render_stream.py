"""Streaming an 8k-token Markdown answer into the real transcript, offscreen, at 500 tokens/s.

Printed: the render CPU while streaming divided by the render CPU of showing the final text
once in a fresh view (target <= 3); the longest event-loop stall seen by a 5 ms QTimer probe
(target < 50 ms); peak RSS. Render CPU is turning Markdown into HTML and building and laying
out the Qt documents that show it, and colouring long code blocks a piece at a time after
they are shown: the work that grows with the answer (see RenderMeter). A run ends once the
last code block is coloured, so that stalls while colouring count too.
Also printed, for information: the GUI thread's whole CPU, including the model and view
telling each other of each change and painting the window ~30 times a second; and how much
more one small render costs when it comes after a pause of one delivery interval than back to
back (the machine's share of the streamed figure: each delivery wakes a cold processor).
Updates arrive as the chat page receives them: coalesced, 20 a second.
The streamed figure varies from run to run on a shared machine (small bursts of work, 20 a
second, are at the mercy of what else runs), so the answer is streamed ``--runs`` times and
the median ratio is reported, with every run's figure printed. ``--shape code`` or ``table``
streams an answer that is one long block instead, the costliest kind to show as it grows;
``listcode``, a long program inside a list item.
Last line: one JSON object.

    python bench/render_stream.py [--tokens 8000] [--rate 500] [--runs 3] [--shape mixed]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from confide.core.async_loop import LoopThread
from confide.core.markdown import IncrementalMarkdown, render_markdown, sample_answer
from confide.core.markdown.bench import long_block_answer
from confide.core.settings import PreferencesStore
from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.code_colours import CodeColourer
from confide.ui.chat.message_delegate import MessageDelegate
from confide.ui.chat.rich_text import new_document
from confide.ui.chat.session import STREAM_INTERVAL_S
from confide.ui.chat.transcript_model import EntryStatus, TranscriptEntry, TranscriptModel
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskRunner

DELIVERIES_PER_SECOND = round(1 / STREAM_INTERVAL_S)  # as the chat delivers them


class RenderMeter:
    """Adds up the CPU spent rendering text: turning Markdown into HTML (the incremental
    renderer while streaming, a whole render once), building and laying out the Qt documents
    that show it (``MessageDelegate._fill``, which lays out what it builds), and colouring
    long code blocks in them (``CodeColourer._work``). Not counted: the model and view
    telling each other that a row changed, and painting."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._depth = 0  # a call made inside another measured call is counted once, by it
        for owner, name in (
            (IncrementalMarkdown, "feed"),
            (IncrementalMarkdown, "finish"),
            (TranscriptModel, "rendered"),
            (MessageDelegate, "_fill"),
            (CodeColourer, "_work"),
        ):
            self._wrap(owner, name)

    def _wrap(self, owner: type, name: str) -> None:
        original = getattr(owner, name)
        meter = self

        def timed(*args: object, **kwargs: object) -> object:
            started = time.thread_time()
            meter._depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                meter._depth -= 1
                if not meter._depth:
                    meter.seconds += time.thread_time() - started

        setattr(owner, name, timed)

    def take(self) -> float:
        seconds, self.seconds = self.seconds, 0.0
        return seconds


def make_page(runner: TaskRunner, folder: Path, gateways: list[StoreGateway]) -> ChatPage:
    gateway = StoreGateway(runner)  # no store: the answer is only shown, never saved
    gateways.append(gateway)
    page = ChatPage(runner, gateway, lambda: None, PreferencesStore(folder / "settings.json"))
    page.resize(1000, 800)
    page.show()
    page.transcript.append(TranscriptEntry(role="user", content="Explain the whole thing."))
    page._show_transcript()
    return page


def discard(page: ChatPage) -> None:
    """Frees a page and its rendered documents, so that peak RSS is one streamed answer's."""
    page.close()
    page.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def paint(page: ChatPage) -> None:
    page.view.viewport().repaint()  # what the next display refresh would do


def colouring(page: ChatPage) -> bool:
    delegate = page.view.itemDelegate()
    return isinstance(delegate, MessageDelegate) and delegate.colouring_code


def when_coloured(page: ChatPage, then: Callable[[], None]) -> None:
    """Calls ``then`` once the page has coloured its long code blocks."""
    if colouring(page):
        QTimer.singleShot(20, lambda: when_coloured(page, then))
    else:
        then()


def stream(
    page: ChatPage, text: str, rate: float, back_to_back: bool = False
) -> tuple[float, float]:
    """Returns (GUI-thread CPU seconds spent, longest stall in ms).

    The view repaints on its own, as in the app (the model's change signals schedule it);
    the CPU figure is everything the GUI thread did while the answer streamed, less what an
    idle event loop with the same timers costs.
    """
    tokens = [text[i : i + 4] for i in range(0, len(text), 4)]
    per_delivery = max(1, round(rate / DELIVERIES_PER_SECOND))
    page.transcript.append(
        TranscriptEntry(role="assistant", content="", model="bench", status=EntryStatus.STREAMING)
    )
    probe_clock = QElapsedTimer()
    longest_gap = 0.0

    def probe() -> None:
        nonlocal longest_gap
        if probe_clock.isValid():
            longest_gap = max(longest_gap, probe_clock.nsecsElapsed() / 1e6)
        probe_clock.restart()

    probe_timer = QTimer()
    probe_timer.setInterval(5)
    probe_timer.timeout.connect(probe)
    position = 0
    done = QEventLoop()

    def deliver() -> None:
        nonlocal position
        piece = "".join(tokens[position : position + per_delivery])
        position += per_delivery
        page.transcript.extend_last(piece)
        if position >= len(tokens):
            page.transcript.update_last(status=EntryStatus.COMPLETE)
            feeder.stop()
            when_coloured(page, lambda: QTimer.singleShot(100, done.quit))  # the last paint

    feeder = QTimer()
    feeder.setInterval(0 if back_to_back else int(1000 / DELIVERIES_PER_SECOND))
    feeder.timeout.connect(deliver)
    probe_timer.start()
    started = time.thread_time()
    wall = time.perf_counter()
    feeder.start()
    done.exec()
    cpu = time.thread_time() - started
    duration = time.perf_counter() - wall
    probe_timer.stop()
    return cpu - idle_cost(duration), max(0.0, longest_gap - probe_timer.interval())


def idle_cost(seconds: float) -> float:
    """GUI-thread CPU of an event loop with the probe and feeder timers but nothing to do."""
    timers = [QTimer(), QTimer()]
    timers[0].setInterval(5)
    timers[1].setInterval(int(1000 / DELIVERIES_PER_SECOND))
    for timer in timers:
        timer.timeout.connect(lambda: None)
        timer.start()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    started = time.thread_time()
    loop.exec()
    for timer in timers:
        timer.stop()
    return time.thread_time() - started


def wake_up_cost(page: ChatPage, samples: int = 40) -> float:
    """How much more the same small render costs when it is the first work after a pause
    of one delivery interval (caches gone cold, the processor slowed down) than when it runs
    back to back: the machine's share of the streamed ratio, for information."""
    text = sample_answer(2000)[:600]  # a paragraph and a list: one delivery's render
    font, width = page.font(), 600.0

    def one() -> float:
        started = time.thread_time()
        document = new_document(font, width)
        document.setHtml(render_markdown(text).html)
        document.size()
        return time.thread_time() - started

    one()
    back_to_back = sum(one() for _ in range(samples))
    after_a_pause = 0.0
    for _ in range(samples):
        time.sleep(STREAM_INTERVAL_S)
        after_a_pause += one()
    return after_a_pause / back_to_back


def render_once(page: ChatPage, text: str) -> float:
    started = time.thread_time()
    page.transcript.append(TranscriptEntry(role="assistant", content=text, model="bench"))
    QApplication.processEvents()
    paint(page)
    while colouring(page):
        QApplication.processEvents()
    paint(page)
    return time.thread_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=8000)
    parser.add_argument("--rate", type=float, default=500.0, help="tokens per second")
    parser.add_argument("--runs", type=int, default=3, help="streamed runs; the median counts")
    parser.add_argument(
        "--shape",
        choices=("mixed", "code", "table", "listcode"),
        default="mixed",
        help="mixed: prose, lists, tables, code (the issue's answer); code or table: one "
        "long block, whose unfinished end is the costliest to show as it grows; listcode: a "
        "long program inside a list item",
    )
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    chars = args.tokens * 4
    text = sample_answer(chars) if args.shape == "mixed" else long_block_answer(args.shape, chars)
    runner = TaskRunner(LoopThread("bench"))
    meter = RenderMeter()
    gateways: list[StoreGateway] = []
    with tempfile.TemporaryDirectory() as folder:
        warm = make_page(runner, Path(folder), gateways)
        render_once(warm, sample_answer(4000))  # lexers, fonts and caches, for both runs
        meter.take()
        once_page = make_page(runner, Path(folder), gateways)
        once_total = render_once(once_page, text)
        once_cpu = meter.take()
        runs: list[tuple[float, float, float]] = []  # (render CPU, GUI CPU, stall) per run
        for _ in range(max(1, args.runs)):
            stream_page = make_page(runner, Path(folder), gateways)
            total, stall = stream(stream_page, text, args.rate)
            runs.append((meter.take(), total, stall))
            discard(stream_page)
        stream_cpu, stream_total, _ = sorted(runs)[len(runs) // 2]
        stall_ms = max(stall for _, _, stall in runs)
        # The same deliveries with no pause between them: the same work, done while the
        # processor is busy. Shows how much of the ratio is the streaming itself and how much
        # the cost of waking up, 20 times a second, to small pieces of work.
        burst_page = make_page(runner, Path(folder), gateways)
        stream(burst_page, text, args.rate, back_to_back=True)
        burst_cpu = meter.take()
        wake_up = wake_up_cost(burst_page)
    for gateway in gateways:
        gateway.close()
    runner.shutdown()
    del app
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if sys.platform == "darwin":
        peak_rss_mb /= 1024  # bytes there, kilobytes on Linux
    ratio = stream_cpu / once_cpu
    print(f"answer ({args.shape:5s})                 {len(text)} characters, ~{args.tokens} tokens")
    print(
        f"streamed at                     {args.rate:.0f} tokens/s, "
        f"{DELIVERIES_PER_SECOND} deliveries/s"
    )
    each = ", ".join(f"{cpu / once_cpu:.2f}" for cpu, _, _ in runs)
    print(f"render CPU while streaming      {stream_cpu * 1000:8.1f} ms  (Markdown, documents)")
    print(f"ratio of each run               {each}")
    print(f"render CPU of the final, once   {once_cpu * 1000:8.1f} ms")
    print(f"ratio (target <= 3)             {ratio:8.2f}  (median run)")
    print(
        f"same deliveries back to back    {burst_cpu * 1000:8.1f} ms, "
        f"ratio {burst_cpu / once_cpu:.2f} (information)"
    )
    print(
        f"same small render after a pause {wake_up:8.2f} times its cost back to back "
        "(this machine waking up: information)"
    )
    print(
        f"GUI thread CPU incl. painting   {stream_total * 1000:8.1f} ms while streaming, "
        f"{once_total * 1000:.1f} ms for the final once"
    )
    print(f"longest stall (target < 50 ms)  {stall_ms:8.1f} ms  (the longest in any run)")
    print(f"peak RSS                        {peak_rss_mb:8.1f} MB")
    print(
        json.dumps(
            {
                "render_cpu_ratio": round(ratio, 2),
                "max_stall_ms": round(stall_ms, 1),
                "peak_rss_mb": round(peak_rss_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
