"""The walking skeleton, driven like a user: connect, type, Enter, watch, stop, lose Ollama."""

from __future__ import annotations

import itertools
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication
from pytestqt.qtbot import QtBot

from confide.core.async_loop import LoopThread
from confide.core.ollama.client import OllamaClient
from confide.core.ollama.host import parse_ollama_host
from confide.core.ollama.status import DaemonState
from confide.core.settings import PreferencesStore
from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.transcript_model import EntryStatus, TranscriptEntry
from confide.ui.main_window import MainWindow
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskHandle, TaskRunner
from tests.core.ollama.test_client import tags_reply
from tests.fake_ollama.fixtures import LoopbackEndpoint
from tests.fake_ollama.http11 import Connection, LoopbackHTTPServer, Request
from tests.fake_ollama.server import FakeOllama
from tests.ui.conftest import MessageBoxes, WindowFactory, painted_words, row_layout


def connected(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.chat, timeout=5000)
    qtbot.waitUntil(lambda: window.chat.model_picker.count() > 0, timeout=5000)


def type_and_send(qtbot: QtBot, window: MainWindow, text: str) -> None:
    edit = window.chat.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def last_answer(window: MainWindow) -> TranscriptEntry:
    entry = window.chat.transcript.last()
    assert entry is not None and entry.role == "assistant"
    return entry


def long_answer_under_way(
    qtbot: QtBot,
    make_window: WindowFactory,
    fake: FakeOllama,
    *,
    token_rate: float,
    reply: str = " ".join(f"word{i}" for i in range(500)),
) -> MainWindow:
    """A window answering at ``token_rate`` with a long reply, its first words on screen."""
    fake.script(reply=reply, token_rate=token_rate)
    window = make_window(fake.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "Write a lot")
    qtbot.waitUntil(lambda: len(last_answer(window).content) > 20, timeout=5000)
    return window


def test_connects_and_lists_installed_models(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    assert window.status_indicator.label.text() == "Connected to Ollama 0.33.0"
    models = [window.chat.model_picker.itemData(i) for i in range(window.chat.model_picker.count())]
    # The embedding-only model cannot chat, so it is not offered here.
    assert set(models) == {"llama3.2:latest", "qwen3:latest", "gemma3:latest"}
    assert window.chat.composer.edit.hasFocus()


def test_type_enter_and_the_answer_streams_in(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    reply = "Umowa najmu wymaga formy pisemnej, jeśli zawarta jest na dłużej niż rok."
    fake_ollama.script(reply=reply, token_rate=50)  # ~0.3 s: several of the 20 deliveries a second
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    window.chat.model_picker.setCurrentIndex(window.chat.model_picker.findData("llama3.2:latest"))

    type_and_send(qtbot, window, "Kiedy umowa najmu wymaga formy pisemnej?")
    entries = window.chat.transcript.entries()
    assert [e.role for e in entries] == ["user", "assistant"]
    assert entries[0].content == "Kiedy umowa najmu wymaga formy pisemnej?"
    assert window.chat.composer.stop_button.isVisible()  # Send became Stop
    # The answer grows in several visible steps, not in one piece at the end.
    seen_lengths: set[int] = set()
    qtbot.waitUntil(
        lambda: (
            seen_lengths.add(len(last_answer(window).content))
            or last_answer(window).status is EntryStatus.COMPLETE
        ),
        timeout=10000,
    )
    assert last_answer(window).content == reply
    assert len(seen_lengths) > 2
    # Under the answer: how long it was, how fast it came and how long it took.
    metrics = last_answer(window).metrics
    assert metrics is not None and metrics.eval_count > 0
    figures = rf"{metrics.eval_count} tokens · \d+\.\d tokens/s · \d+\.\d s"
    footer = painted_words(window.chat, 1)
    assert any(re.fullmatch(figures, line) for line in footer), footer
    assert window.chat.composer.send_button.isVisible()
    sent = fake_ollama.last_request("/api/chat")
    assert sent is not None and sent.json["model"] == "llama3.2:latest"


def ask_a_thinking_model(
    qtbot: QtBot, make_window: WindowFactory, fake: FakeOllama, **script: Any
) -> MainWindow:
    """Asks qwen3, which reasons at length before it answers as ``script`` says."""
    fake.script(
        "qwen3:latest",
        thinking="The notice clause says thirty days, counted from service. " * 6,
        **script,
    )
    window = make_window(fake.host_port)
    connected(qtbot, window)
    picker = window.chat.model_picker
    picker.setCurrentIndex(picker.findData("qwen3:latest"))
    type_and_send(qtbot, window, "How long is the notice?")
    return window


def test_a_thinking_model_shows_its_reasoning_then_folds_it_with_the_time_it_took(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = ask_a_thinking_model(
        qtbot,
        make_window,
        fake_ollama,
        reply="Thirty days from the day after service.",
        token_rate=80,
    )
    # Reasoning arrives first: shown open, under a "Thinking…" toggle.
    qtbot.waitUntil(lambda: len(last_answer(window).thinking) > 40, timeout=5000)
    assert not last_answer(window).content
    assert "▾ Thinking…" in painted_words(window.chat, 1)
    assert row_layout(window.chat, 1)[1].thinking is not None  # the reasoning is on screen
    # The answer starts: the reasoning folds away, and says how long it took.
    qtbot.waitUntil(lambda: last_answer(window).status is EntryStatus.COMPLETE, timeout=10000)
    assert any(re.fullmatch(r"▸ Thought for \d+ s", w) for w in painted_words(window.chat, 1))
    assert row_layout(window.chat, 1)[1].thinking is None


def test_an_answer_that_fails_while_the_model_thinks_says_how_long_it_thought(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    # It said "Thinking…" for good, as if the model were still at it.
    window = ask_a_thinking_model(
        qtbot, make_window, fake_ollama, reply="Thirty days.", error_after=5
    )
    qtbot.waitUntil(lambda: last_answer(window).status is EntryStatus.ERROR, timeout=5000)
    assert last_answer(window).thinking and not last_answer(window).content
    words = painted_words(window.chat, 1)
    # Still open (it is all there is to read), and no longer "Thinking…".
    assert any(re.fullmatch(r"▾ Thought for \d+ s", w) for w in words), words
    assert not any("Thinking" in w for w in words)


def test_second_turn_sends_the_history(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="First answer.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "one")
    qtbot.waitUntil(lambda: last_answer(window).status is EntryStatus.COMPLETE, timeout=5000)
    type_and_send(qtbot, window, "two")
    qtbot.waitUntil(lambda: len(chat_bodies(fake_ollama)) == 2, timeout=5000)
    assert chat_bodies(fake_ollama)[1] == [
        ("user", "one"),
        ("assistant", "First answer."),
        ("user", "two"),
    ]


def chat_bodies(fake: FakeOllama) -> list[list[tuple[str, str]]]:
    """The conversation requests (not the ones asking for a title), as (role, content)."""
    return [
        [(m["role"], m["content"]) for m in request.json["messages"]]
        for request in fake.requests_to("/api/chat")
        if not any(
            m["role"] == "system" and "title" in m["content"] for m in request.json["messages"]
        )
    ]


def test_escape_stops_mid_answer_and_keeps_the_partial(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = long_answer_under_way(qtbot, make_window, fake_ollama, token_rate=30)
    qtbot.keyClick(window.chat.composer.edit, Qt.Key.Key_Escape)
    answer = last_answer(window)
    assert answer.status is EntryStatus.STOPPED
    assert "■ Stopped by you" in painted_words(window.chat, 1)
    partial = answer.content
    assert partial.startswith("word0")
    assert fake_ollama.wait_for_cancelled(timeout=3.0)
    qtbot.wait(300)
    # What stays is what was on screen at Stop, and nothing grows after that.
    assert last_answer(window).content == partial
    qtbot.wait(300)
    assert last_answer(window).content == partial
    assert window.chat.composer.send_button.isVisible()


def wheel_up(view: QAbstractItemView, notches: int) -> None:
    """Turns the mouse wheel over ``view`` away from the user, as to read back."""
    viewport = view.viewport()
    at = QPointF(viewport.rect().center())
    QApplication.sendEvent(
        viewport,
        QWheelEvent(
            at,
            QPointF(viewport.mapToGlobal(at)),
            QPoint(),
            QPoint(0, 120 * notches),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        ),
    )


# Hundreds of short paragraphs: an answer soon taller than the window.
TALL_REPLY = "\n\n".join(f"Point {i}." for i in range(600))


def test_the_view_follows_the_answer_until_the_user_scrolls_up(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = long_answer_under_way(
        qtbot, make_window, fake_ollama, token_rate=200, reply=TALL_REPLY
    )
    view, jump = window.chat.view, window.chat.jump_button
    bar = view.verticalScrollBar()

    def at_bottom() -> bool:
        return bar.maximum() > 0 and bar.value() >= bar.maximum() - 8

    # While the answer grows past the window, the newest words stay in sight.
    qtbot.waitUntil(lambda: bar.maximum() > 2 * view.viewport().height(), timeout=10000)
    qtbot.waitUntil(at_bottom, timeout=2000)
    assert not jump.isVisible()

    # Scrolled up to read: the text stays where it is while the answer goes on below it.
    wheel_up(view, 3)
    qtbot.waitUntil(jump.isVisible, timeout=2000)
    held, grown_from = bar.value(), bar.maximum()
    assert held < grown_from - 8
    qtbot.waitUntil(lambda: bar.maximum() > grown_from + view.viewport().height(), timeout=5000)
    assert bar.value() == held
    assert last_answer(window).status is EntryStatus.STREAMING

    # "Jump to latest" goes back to the end and follows it again.
    qtbot.mouseClick(jump, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(at_bottom, timeout=2000)
    assert not jump.isVisible()
    assert window.chat.composer.edit.hasFocus()
    grown_from = bar.maximum()
    qtbot.waitUntil(lambda: bar.maximum() > grown_from + view.viewport().height(), timeout=5000)
    qtbot.waitUntil(at_bottom, timeout=2000)
    assert not jump.isVisible()


def test_stop_while_the_model_is_still_loading(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(load_delay=20.0)
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "Hello")
    qtbot.waitUntil(lambda: len(fake_ollama.requests_to("/api/chat")) == 1, timeout=5000)
    qtbot.wait(200)
    started = time.monotonic()
    qtbot.mouseClick(window.chat.composer.stop_button, Qt.MouseButton.LeftButton)
    assert last_answer(window).status is EntryStatus.STOPPED
    assert fake_ollama.wait_for_cancelled(timeout=2.0)
    assert time.monotonic() - started < 0.3 + 0.2  # the daemon heard the hang-up at once
    request = fake_ollama.last_request("/api/chat")
    assert request is not None and request.cancelled_during == "load"
    # Nothing was written: nothing to copy, but it can be asked again or deleted.
    qtbot.waitUntil(lambda: last_answer(window).message_id is not None, timeout=5000)
    words = painted_words(window.chat, 1)
    assert "Regenerate" in words and "Delete" in words
    assert "Copy" not in words and "Copy as plain text" not in words


def test_error_mid_answer_keeps_the_partial_and_offers_retry(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    script = fake_ollama.script(reply="alpha beta gamma delta epsilon", error_after=2, once=True)
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "Hello")
    qtbot.waitUntil(lambda: window.chat.error_bar.isVisible(), timeout=5000)
    answer = last_answer(window)
    assert answer.status is EntryStatus.ERROR and answer.content  # partial kept
    assert "The model ran into an error" in window.chat.error_text.text()
    assert window.chat.retry_button.isVisible()
    # The error is also written under the partial answer, where it happened.
    footer = [line for line in painted_words(window.chat, 1) if line.startswith("⚠")]
    assert footer and "The model ran into an error" in footer[0]
    del script
    fake_ollama.script(reply="All good now.")
    qtbot.mouseClick(window.chat.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: last_answer(window).status is EntryStatus.COMPLETE, timeout=5000)
    assert last_answer(window).content == "All good now."
    assert [e.role for e in window.chat.transcript.entries()] == ["user", "assistant"]
    assert not window.chat.error_bar.isVisible()


def test_daemon_goes_away_and_comes_back(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    fake_ollama.stop()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.onboarding, timeout=5000)
    assert window.watcher.status is not None
    assert window.watcher.status.state is DaemonState.NOT_RUNNING  # it was running: installed
    assert window.status_indicator.label.text() == "Ollama is not running"
    assert window.onboarding.title.text() == "Ollama is not running"
    fake_ollama.start()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.chat, timeout=5000)
    assert window.status_indicator.label.text().startswith("Connected")


def test_a_model_list_that_arrives_late_does_not_replace_a_newer_one(
    qtbot: QtBot, tmp_path: Path
) -> None:
    # The list is asked for twice (after a download, say) and the daemon answers the first
    # request last. The picker must keep the newer list, not go back to the older one.
    first_asked, release_first = threading.Event(), threading.Event()
    tags_asked = itertools.count()

    def daemon(request: Request, conn: Connection) -> None:
        json_type = {"Content-Type": "application/json; charset=utf-8"}
        if request.path == "/api/tags":
            if next(tags_asked) == 0:
                first_asked.set()
                release_first.wait(5)
                conn.send_response(200, json_type, tags_reply("old-model:1b"))
            else:
                conn.send_response(200, json_type, tags_reply("old-model:1b", "new-model:7b"))
            return
        conn.send_response(404, json_type, b'{"error":"model not found"}')

    server = LoopbackHTTPServer(daemon)
    server.start()
    loop = LoopThread("test-models")
    runner = TaskRunner(loop)
    listings: list[TaskHandle] = []
    run_task = runner.run

    def recording_run(name: str, job: Any, **kwargs: Any) -> TaskHandle:
        handle = run_task(name, job, **kwargs)
        if name == "list-models":
            listings.append(handle)
        return handle

    runner.run = recording_run  # type: ignore[method-assign]
    client = OllamaClient(parse_ollama_host(f"127.0.0.1:{server.port}"))
    gateway = StoreGateway(runner)
    page = ChatPage(runner, gateway, lambda: client, PreferencesStore(tmp_path / "s.json"))
    qtbot.addWidget(page)
    page.show()
    try:
        page.refresh_models()
        # The second listing starts once the first has reached the daemon: otherwise either
        # may be the one the daemon holds.
        qtbot.waitUntil(first_asked.is_set, timeout=5000)
        page.refresh_models()
        qtbot.waitUntil(lambda: page.model_picker.count() == 2, timeout=5000)
        release_first.set()
        qtbot.waitUntil(lambda: not listings[0].running, timeout=5000)
        shown = [page.model_picker.itemData(i) for i in range(page.model_picker.count())]
        assert shown == ["old-model:1b", "new-model:7b"]
    finally:
        release_first.set()
        gateway.close()
        loop.submit(client.aclose()).result(5)
        runner.shutdown()
        server.stop()


def test_daemon_dies_mid_answer(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply=" ".join(["word"] * 400), token_rate=40)
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "Hello")
    qtbot.waitUntil(lambda: len(last_answer(window).content) > 8, timeout=5000)
    fake_ollama.stop()
    qtbot.waitUntil(lambda: last_answer(window).status is EntryStatus.ERROR, timeout=5000)
    assert last_answer(window).content.startswith("word")  # what arrived is kept
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.onboarding, timeout=5000)


def test_nothing_installed_shows_onboarding(
    qtbot: QtBot, make_window: WindowFactory, closed_port: int
) -> None:
    window = make_window(f"127.0.0.1:{closed_port}")
    qtbot.waitUntil(lambda: window.watcher.status is not None, timeout=5000)
    assert window.pages.currentWidget() is window.onboarding
    assert window.watcher.status is not None
    assert window.watcher.status.state is DaemonState.NOT_INSTALLED
    assert window.onboarding.title.text() == "Install Ollama to get started"
    assert window.onboarding.address.text() == "https://ollama.com/download"
    assert window.onboarding.retry_button.isVisible()
    assert window.onboarding.locate_button.isVisible()


def test_a_web_page_on_the_port(
    qtbot: QtBot, make_window: WindowFactory, not_ollama_server: LoopbackEndpoint
) -> None:
    window = make_window(not_ollama_server.host_port)
    qtbot.waitUntil(lambda: window.watcher.status is not None, timeout=5000)
    assert window.watcher.status is not None
    assert window.watcher.status.state is DaemonState.INCOMPATIBLE
    assert window.onboarding.title.text() == "Another program is using Ollama's address"
    assert not_ollama_server.host_port in window.onboarding.body.text()


def test_a_port_that_never_answers(
    qtbot: QtBot, make_window: WindowFactory, silent_server: LoopbackEndpoint
) -> None:
    window = make_window(silent_server.host_port)
    qtbot.waitUntil(lambda: window.watcher.status is not None, timeout=5000)
    assert window.watcher.status is not None
    assert window.watcher.status.state is DaemonState.UNRESPONSIVE
    assert window.onboarding.title.text() == "Ollama is not answering"


@pytest.mark.parametrize("garbage", ["localhost:notaport", "not a host", "ftp://x"])
def test_garbage_ollama_host(qtbot: QtBot, make_window: WindowFactory, garbage: str) -> None:
    window = make_window(garbage)
    qtbot.waitUntil(lambda: window.watcher.status is not None, timeout=5000)
    assert window.onboarding.title.text() == "The OLLAMA_HOST setting is not valid"
    assert garbage in window.onboarding.body.text()
    assert window.status_indicator.label.text() == "OLLAMA_HOST is not valid"


def test_another_computer_is_refused_until_allowed(
    qtbot: QtBot, make_window: WindowFactory, message_boxes: MessageBoxes
) -> None:
    # Not watching: the test must never try to reach another computer.
    window = make_window("192.0.2.10:11434", start_watching=False)
    resolution = window.services.supervisor.resolution
    assert resolution.problem is not None
    assert resolution.problem.state is DaemonState.REMOTE_BLOCKED
    assert window.services.clients.get() is None  # no client, so no request can go out
    window.show_status(resolution.problem)
    assert "192.0.2.10:11434" in window.onboarding.body.text()
    assert not window.remote_warning.isVisible()

    message_boxes.answer = "Allow"
    qtbot.mouseClick(window.onboarding.allow_button, Qt.MouseButton.LeftButton)
    [asked] = message_boxes.asked
    assert asked.question == "Send conversations to another computer?"
    assert "will be sent there" in asked.details and asked.default == "Cancel"
    assert window.services.preferences.load().allowed_remote_host == "192.0.2.10:11434"
    assert window.services.supervisor.resolution.problem is None
    assert window.remote_warning.isVisible()
    assert "192.0.2.10:11434" in window.remote_warning_text.text()


def test_invalid_model_name_is_explained(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    window.chat.model_picker.addItem("broken", "bad name!")  # e.g. a stale saved choice
    window.chat.model_picker.setCurrentIndex(window.chat.model_picker.count() - 1)
    type_and_send(qtbot, window, "Hello")
    qtbot.waitUntil(lambda: window.chat.error_bar.isVisible(), timeout=5000)
    assert "“bad name!” is not a valid model name." in window.chat.error_text.text()
    assert not window.chat.retry_button.isVisible()
    assert fake_ollama.requests_to("/api/chat") == []


def test_ctrl_k_switches_among_installed_models(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    picker = window.chat.model_picker
    before = picker.currentData()
    qtbot.keyClick(window.chat.composer.edit, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: picker.view().isVisible(), timeout=2000)
    qtbot.keyClick(picker.view(), Qt.Key.Key_Down)
    qtbot.keyClick(picker.view(), Qt.Key.Key_Return)
    assert picker.currentData() != before
    assert window.services.preferences.load().last_model == picker.currentData()
    qtbot.keyClick(picker, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.chat.composer.edit.hasFocus()
