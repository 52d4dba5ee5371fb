"""Opening a 10,000-message conversation from the encrypted store, and scrolling it, offscreen.

The conversation is written into a real SQLCipher store (keyring protection, with an
in-memory keyring so the machine's own is never touched) and opened the way the app opens
it: ``ChatPage.open_conversation(id)``, which reads the last 240 messages on the store
thread, shows them, then loads the rest.

Printed:

* first paint (target < 200 ms): from the call to ``open_conversation`` until the
  transcript's first paint with rows in it has finished;
* the same for the in-memory path (the messages handed straight to the transcript), for
  comparison: the difference is the store and the thread hop;
* frame times of scrolling from the first message to the last (p99 target < 16 ms): each
  frame moves a quarter of the window's height (a brisk mouse-wheel scroll) and is painted;
  the event loop gets the rest of a 60 Hz frame to itself, as in the app. Also, for
  information: the same scrolling back up from the last message (1,500 frames), and the
  longest turn of the event loop between frames and after opening (work left for later,
  which a user feels as a stutter all the same).

The messages are Markdown of realistic, varied lengths (paragraphs, lists, numbered steps,
tables, code, headings, bold). The app's one-off start-up warm-up (loading code
highlighting) is done first, as the app does it when it starts. Last line: one JSON object.

    python bench/open_long_chat.py [--messages 10000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import keyring.backend
import keyring.errors
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from confide.core.async_loop import LoopThread
from confide.core.markdown.highlight import warm_up as warm_up_highlighting
from confide.core.paths import AppPaths
from confide.core.settings import PreferencesStore
from confide.core.store import KeyStore, Protection, Role, ScryptParams, Store
from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.transcript_model import TranscriptEntry
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskRunner

UP_FRAMES = 1500  # scrolling back up: 25 s, a few thousand messages, several window slides

# Cheap key derivation: the bench measures the transcript, not unlocking.
FAST_SCRYPT = ScryptParams(n=2**4, r=8, p=1)

WORDS = [
    "umowa",
    "najmu",
    "strona",
    "wynajmujący",
    "najemca",
    "kaucja",
    "termin",
    "wypowiedzenie",
    "czynsz",
    "aneks",
    "the",
    "tenant",
    "landlord",
    "clause",
    "notice",
    "period",
    "deposit",
    "agreement",
    "party",
    "obligation",
    "rent",
]


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Keyring protection without touching the keyring of the machine running the bench."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError("no such entry")
        del self.entries[(service, username)]


def words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))


def question(rng: random.Random) -> str:
    if rng.random() < 0.1:  # a pasted passage with line breaks
        return "\n".join(words(rng, 8, 20) for _ in range(rng.randint(2, 6)))
    return words(rng, 5, 60)


def answer(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        if kind < 0.12:
            paragraphs.append("- " + "\n- ".join(words(rng, 4, 12) for _ in range(4)))
        elif kind < 0.18:
            steps = rng.randint(2, 5)
            paragraphs.append(
                "\n".join(
                    f"{n}. **{words(rng, 1, 2)}**: {words(rng, 5, 15)}" for n in range(1, steps)
                )
            )
        elif kind < 0.24:
            paragraphs.append("```python\nfor clause in contract:\n    check(clause)\n```")
        elif kind < 0.29:
            paragraphs.append("| term | days |\n|---|---|\n| notice | 90 |\n| deposit | 30 |")
        elif kind < 0.34:
            paragraphs.append("### " + words(rng, 2, 5))
        else:
            paragraphs.append(words(rng, 20, 120).replace(" notice ", " **notice** ", 1))
    return "\n\n".join(paragraphs)


def conversation(count: int) -> list[tuple[Role, str]]:
    rng = random.Random(7)
    return [
        (Role.USER, question(rng)) if i % 2 == 0 else (Role.ASSISTANT, answer(rng))
        for i in range(count)
    ]


def build_store(paths: AppPaths, messages: list[tuple[Role, str]]) -> tuple[Store, str]:
    """The conversation saved message by message through the store's public API."""
    store = Store.create(paths, KeyStore.for_paths(paths, scrypt=FAST_SCRYPT), Protection.KEYRING)
    chat = store.conversations.create(title="Lease review", model="llama3.2")
    parent: str | None = None
    for role, content in messages:
        model = "llama3.2" if role is Role.ASSISTANT else None
        parent = store.conversations.add_message(chat.id, parent, role, content, model=model).id
    return store, chat.id


class FirstPaint(QObject):
    """Times the end of the first paint of the transcript that has rows in it.

    It paints that frame itself (the list view's own handler, called once), so the time is
    taken when the paint is really done, not at some later turn of the event loop.
    """

    def __init__(self, page: ChatPage) -> None:
        super().__init__(page)
        self._page = page
        self.done_at: float | None = None
        page.view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        page = self._page
        if (
            self.done_at is None
            and event.type() == QEvent.Type.Paint
            and page.transcript.rowCount() > 0
            and page.stack.currentWidget() is page.view
        ):
            page.view.viewportEvent(event)
            self.done_at = time.perf_counter()
            return True
        return False


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the page did not get there in time")
        QApplication.processEvents()


def settle(seconds: float) -> float:
    """Lets the event loop run for a while; returns its longest single turn (ms)."""
    longest = 0.0
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        started = time.perf_counter()
        QApplication.processEvents()
        longest = max(longest, time.perf_counter() - started)
    return longest * 1000


def scroll(
    page: ChatPage, *, down: bool, limit: int | None = None, cpu: list[float] | None = None
) -> tuple[list[float], float]:
    """Frame times (ms) of scrolling the whole conversation, a quarter screen per frame, and
    the longest turn of the event loop in the idle time between frames (deferred layouts,
    rows rendered ahead): work a frame did not pay for, but the user would feel all the same."""
    bar = page.view.verticalScrollBar()
    step = max(page.view.viewport().height() // 4, 20)
    frames: list[float] = []
    idle_longest = 0.0

    def more() -> bool:
        if down:
            return bar.value() < bar.maximum() or page.transcript.has_later
        return bar.value() > 0 or page.transcript.has_earlier

    while more() and (limit is None or len(frames) < limit):
        frame_start = time.perf_counter()
        cpu_start = time.thread_time()
        target = bar.value() + step if down else bar.value() - step
        bar.setValue(max(0, min(target, bar.maximum())))
        page.view.viewport().repaint()
        frame_ms = (time.perf_counter() - frame_start) * 1000
        frames.append(frame_ms)
        if cpu is not None:  # the GUI thread's own time: what other processes cannot inflate
            cpu.append((time.thread_time() - cpu_start) * 1000)
        # The rest of the frame is idle time.
        idle_longest = max(idle_longest, settle(max(0.0, 16.7 - frame_ms) / 1000))
    return frames, idle_longest


def p99(frames: list[float]) -> float:
    ordered = sorted(frames)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def new_page(runner: TaskRunner, gateway: StoreGateway, folder: Path) -> ChatPage:
    page = ChatPage(runner, gateway, lambda: None, PreferencesStore(folder / "settings.json"))
    page.resize(1000, 800)
    page.show()
    QApplication.processEvents()
    return page


def open_from_store(page: ChatPage, conversation_id: str) -> tuple[float, float]:
    """(first paint ms, ms until the whole conversation is in memory)."""
    painted = FirstPaint(page)
    loaded: list[float] = []
    page.session.loaded.connect(lambda: loaded.append(time.perf_counter()))
    started = time.perf_counter()
    page.open_conversation(conversation_id)
    wait_for(lambda: painted.done_at is not None and bool(loaded))
    assert painted.done_at is not None
    return (painted.done_at - started) * 1000, (loaded[0] - started) * 1000


def open_in_memory(page: ChatPage, entries: list[TranscriptEntry]) -> float:
    painted = FirstPaint(page)
    started = time.perf_counter()
    page.transcript.reset_entries(entries)
    page._show_transcript()
    page.view.scrollToBottom()
    wait_for(lambda: painted.done_at is not None)
    assert painted.done_at is not None
    return (painted.done_at - started) * 1000


def run(
    messages: list[tuple[Role, str]],
    runner: TaskRunner,
    gateway: StoreGateway,
    conversation_id: str,
) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        page = new_page(runner, gateway, Path(folder))
        first_paint, all_loaded = open_from_store(page, conversation_id)
        figures["first_paint_ms"] = first_paint
        figures["all_loaded_ms"] = all_loaded
        figures["settle_longest_turn_ms"] = settle(1.0)  # what opening left for later

        # Scrolling: from the first message to the last, then back up.
        # The transcript holds a window of messages that slides as the user nears its edge.
        page.transcript.show_head()
        page.view.verticalScrollBar().setValue(0)
        QApplication.processEvents()
        cpu: list[float] = []
        down, down_idle = scroll(page, down=True, cpu=cpu)
        assert page.transcript.at_tail
        up, up_idle = scroll(page, down=False, limit=UP_FRAMES)
        figures["scroll_p99_frame_ms"] = p99(down)
        figures["scroll_median_frame_ms"] = statistics.median(down)
        figures["scroll_max_frame_ms"] = max(down)
        figures["scroll_frames"] = len(down)
        figures["scroll_cpu_p99_frame_ms"] = p99(cpu)
        figures["scroll_up_p99_frame_ms"] = p99(up)
        figures["scroll_up_median_frame_ms"] = statistics.median(up)
        figures["scroll_idle_longest_turn_ms"] = max(down_idle, up_idle)
        page.close()

        memory = new_page(runner, gateway, Path(folder))
        entries = [
            TranscriptEntry(
                role="user" if role is Role.USER else "assistant",
                content=content,
                model="" if role is Role.USER else "llama3.2",
            )
            for role, content in messages
        ]
        figures["in_memory_first_paint_ms"] = open_in_memory(memory, entries)
        memory.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs; medians are printed")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    keyring.set_keyring(MemoryKeyring())
    messages = conversation(args.messages)
    with tempfile.TemporaryDirectory() as root:
        paths = AppPaths.portable(Path(root)).ensure()
        built = time.perf_counter()
        store, conversation_id = build_store(paths, messages)
        build_s = time.perf_counter() - built
        warm_up_highlighting()
        runner = TaskRunner(LoopThread("bench"))
        gateway = StoreGateway(runner, store)  # closes the store when it closes
        runs = [run(messages, runner, gateway, conversation_id) for _ in range(args.repeat)]
        gateway.close()
        runner.shutdown()
    del app
    figures = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    print(f"messages                          {args.messages} (store built in {build_s:.1f} s)")
    print(f"runs                              {args.repeat} (medians)")
    print(f"first paint (target < 200 ms)     {figures['first_paint_ms']:8.1f} ms")
    print(f"  whole conversation loaded       {figures['all_loaded_ms']:8.1f} ms")
    print(f"  in-memory path, for comparison  {figures['in_memory_first_paint_ms']:8.1f} ms")
    print(f"  longest event-loop turn after   {figures['settle_longest_turn_ms']:8.1f} ms")
    print(
        f"scroll down frames                {figures['scroll_frames']:.0f}"
        f"  median {figures['scroll_median_frame_ms']:.2f} ms"
        f"  max {figures['scroll_max_frame_ms']:.2f} ms"
    )
    print(f"scroll down p99 (target < 16 ms)  {figures['scroll_p99_frame_ms']:8.2f} ms")
    print(f"  GUI-thread CPU per frame, p99   {figures['scroll_cpu_p99_frame_ms']:8.2f} ms")
    print(
        f"scroll up p99                     {figures['scroll_up_p99_frame_ms']:8.2f} ms"
        f"  median {figures['scroll_up_median_frame_ms']:.2f} ms"
    )
    print(f"longest turn between frames       {figures['scroll_idle_longest_turn_ms']:8.2f} ms")
    print(
        json.dumps(
            {
                "first_paint_ms": round(figures["first_paint_ms"], 1),
                "scroll_p99_frame_ms": round(figures["scroll_p99_frame_ms"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
