"""Opening a 10,000-message conversation, and scrolling it from top to bottom, offscreen.

Printed: time from handing the messages to the transcript until its first paint is done
(target < 200 ms), and the frame times of scrolling top to bottom (p99 target < 16 ms):
each frame moves a quarter of the window's height (a brisk mouse-wheel scroll), and the
event loop gets the rest of a 60 Hz frame to itself, as in the app. The messages are
Markdown of realistic, varied lengths. The app's one-off start-up warm-up (loading code
highlighting) is done first, as the app does it when it starts. Last line: one JSON object.

    python bench/open_long_chat.py [--messages 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from confide.core.async_loop import LoopThread
from confide.core.markdown.highlight import warm_up as warm_up_highlighting
from confide.core.settings import PreferencesStore
from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.transcript_model import TranscriptEntry
from confide.ui.tasks import TaskRunner

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


def message(rng: random.Random, index: int) -> TranscriptEntry:
    if index % 2 == 0:
        words = rng.randint(5, 60)
        return TranscriptEntry(role="user", content=" ".join(rng.choices(WORDS, k=words)))
    paragraphs = []
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        if kind < 0.15:
            paragraphs.append(
                "- " + "\n- ".join(" ".join(rng.choices(WORDS, k=8)) for _ in range(4))
            )
        elif kind < 0.22:
            paragraphs.append("```python\nfor clause in contract:\n    check(clause)\n```")
        elif kind < 0.27:
            paragraphs.append("| term | days |\n|---|---|\n| notice | 90 |\n| deposit | 30 |")
        else:
            paragraphs.append(" ".join(rng.choices(WORDS, k=rng.randint(20, 120))))
    return TranscriptEntry(role="assistant", content="\n\n".join(paragraphs), model="llama3.2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    rng = random.Random(7)
    entries = [message(rng, i) for i in range(args.messages)]
    runner = TaskRunner(LoopThread("bench"))
    with tempfile.TemporaryDirectory() as folder:
        page = ChatPage(runner, lambda: None, PreferencesStore(Path(folder) / "settings.json"))
        page.resize(1000, 800)
        page.show()
        warm_up_highlighting()
        QApplication.processEvents()

        # Opening: hand over the conversation, show its end, and paint, as the app does.
        started = time.perf_counter()
        page.transcript.reset_entries(entries)
        page._show_transcript()
        page.view.scrollToBottom()
        page.view.viewport().repaint()
        first_paint_ms = (time.perf_counter() - started) * 1000

        # Scrolling: from the first message to the last, a screen per frame, each painted.
        # The transcript holds a window of messages that slides as the user nears its edge.
        page.transcript.show_head()
        bar = page.view.verticalScrollBar()
        bar.setValue(0)
        QApplication.processEvents()
        frames: list[float] = []
        step = max(page.view.viewport().height() // 4, 20)
        while bar.value() < bar.maximum() or page.transcript.has_later:
            frame_start = time.perf_counter()
            bar.setValue(min(bar.value() + step, bar.maximum()))
            page.view.viewport().repaint()
            frame_ms = (time.perf_counter() - frame_start) * 1000
            frames.append(frame_ms)
            idle_until = time.perf_counter() + max(0.0, 16.7 - frame_ms) / 1000
            while time.perf_counter() < idle_until:  # the rest of the frame is idle time
                QApplication.processEvents()
        assert page.transcript.at_tail
        page.close()
    runner.shutdown()
    del app
    frames.sort()
    p99 = frames[min(len(frames) - 1, int(len(frames) * 0.99))]
    print(f"messages                         {args.messages}")
    print(f"first paint (target < 200 ms)    {first_paint_ms:8.1f} ms")
    print(
        f"scroll frames                    {len(frames)}  median {statistics.median(frames):.2f} ms"
        f"  max {frames[-1]:.2f} ms"
    )
    print(f"scroll p99 (target < 16 ms)      {p99:8.2f} ms")
    print(
        json.dumps(
            {"first_paint_ms": round(first_paint_ms, 1), "scroll_p99_frame_ms": round(p99, 2)}
        )
    )


if __name__ == "__main__":
    main()
