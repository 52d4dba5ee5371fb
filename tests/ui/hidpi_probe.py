"""Shows a question with a picture and an answer in a chat page, and prints what was drawn.

Run in a process of its own (the scale factor is read when the application starts) by
``test_hidpi``: ``python -m tests.ui.hidpi_probe``, with ``QT_SCALE_FACTOR`` set.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from confide.core.async_loop import LoopThread
from confide.core.settings import PreferencesStore
from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.transcript_model import TranscriptEntry
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskRunner
from tests.ui.test_chat_window import png_bytes

ANSWER = "## Notice\n\nThe **tenant** gives notice.\n\n```python\nprint('notice')\n```\n"


def main() -> None:
    app = QApplication(sys.argv)
    runner = TaskRunner(LoopThread("hidpi-probe"))
    gateway = StoreGateway(runner)
    with tempfile.TemporaryDirectory() as folder:
        page = ChatPage(runner, gateway, lambda: None, PreferencesStore(Path(folder) / "s.json"))
        page.resize(900, 700)
        page.show()
        page.transcript.append(
            TranscriptEntry(role="user", content="What is this?", images=(png_bytes(400, 200),))
        )
        page.transcript.append(TranscriptEntry(role="assistant", content=ANSWER, model="m"))
        page._show_transcript()
        for _ in range(5):
            app.processEvents()
        view = page.view
        grabbed = view.viewport().grab()
        (thumbnail,) = page.delegate._pixmaps(page.transcript.entries()[0])
        figures = {
            "ratio": view.devicePixelRatioF(),
            "viewport": [view.viewport().width(), view.viewport().height()],
            "grab_px": [grabbed.width(), grabbed.height()],
            "thumbnail_px": [thumbnail.width(), thumbnail.height()],
            "thumbnail_dip": [
                thumbnail.deviceIndependentSize().width(),
                thumbnail.deviceIndependentSize().height(),
            ],
            "row_heights": [view.visualRect(page.transcript.index(r)).height() for r in (0, 1)],
        }
        page.close()
    gateway.close()
    runner.shutdown()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
