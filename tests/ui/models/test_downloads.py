"""Downloads against the Ollama double: progress, queue, cancel and resume, failures."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from confide.core.hardware import GB, Hardware
from confide.core.ollama.errors import classify_daemon_error
from confide.core.ollama.types import PullProgress
from confide.ui.models.downloads import (
    DownloadItem,
    DownloadManager,
    DownloadsModel,
    DownloadsPanel,
    DownloadState,
    PullPhase,
    PullTracker,
)
from confide.ui.models.library_dialog import LibraryDialog
from confide.ui.models.storage import DiskSpace
from confide.ui.models.text import format_size
from tests.fake_ollama.server import FakeOllama
from tests.manual_clock import ManualClock
from tests.ui.conftest import MessageBoxes
from tests.ui.models.conftest import LibraryFactory, Setup, open_library

MB = 1_000_000


def pick_size(qtbot: QtBot, dialog: LibraryDialog, family: str, label_start: str) -> None:
    assert dialog.select_card(family)
    sizes = dialog.detail.sizes
    row = next(r for r in range(sizes.count()) if sizes.item(r).text().startswith(label_start))
    rect = sizes.visualItemRect(sizes.item(row))
    qtbot.mouseClick(sizes.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert sizes.currentRow() == row


def item_of(setup: Setup, name: str) -> DownloadItem:
    item = setup.downloads.item(name)
    assert item is not None
    return item


def test_download_shows_progress_then_the_model_is_installed(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_pullable("gemma3:12b", layers=[300 * MB, 2000])
    fake_ollama.behaviour.pull_rate = 150e6
    setup = make_library(fake_ollama)
    dialog = open_library(qtbot, setup)
    pick_size(qtbot, dialog, "gemma3", "High quality")
    detail = dialog.detail
    installed: list[str] = []
    setup.library.installedChanged.connect(lambda: installed.append("changed"))
    qtbot.mouseClick(detail.install_button, Qt.MouseButton.LeftButton)

    item = item_of(setup, "gemma3:12b")
    assert item.title == "Gemma 3 · High quality"
    seen: list[str] = []

    def watching() -> bool:
        if item.state is DownloadState.DOWNLOADING and item.completed > 0:
            seen.append(item.status_text())
        return item.state is DownloadState.DONE

    qtbot.waitUntil(watching, timeout=10000)
    assert seen, "no progress was shown"
    assert any(" of 300 MB" in text and "MB/s" in text for text in seen), seen
    assert not any("Resuming" in text for text in seen)  # a fresh download
    assert [r.json["model"] for r in fake_ollama.requests_to("/api/pull")] == ["gemma3:12b"]
    # The library refreshes: the size is installed, the card says so, the chat is told.
    qtbot.waitUntil(lambda: bool(installed), timeout=5000)
    qtbot.waitUntil(lambda: "Installed" in detail.sizes.item(3).text(), timeout=5000)
    assert detail.use_button.isVisible()
    panel = dialog.downloads
    panel_index = setup.downloads.model.index(0, 0)
    assert panel_index.data(Qt.ItemDataRole.ToolTipRole) == "Ready to use"
    assert panel.clear_button.isEnabled()
    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    assert setup.downloads.model.rowCount() == 0


def test_downloads_run_one_at_a_time(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_pullable("one:latest", layers=[200 * MB])
    fake_ollama.add_pullable("two:latest", layers=[50 * MB])
    fake_ollama.behaviour.pull_rate = 400e6
    setup = make_library(fake_ollama)
    first = setup.downloads.enqueue("one:latest", "One")
    second = setup.downloads.enqueue("two:latest", "Two")
    assert second.state is DownloadState.QUEUED
    assert second.status_text() == "Waiting: downloads run one at a time"
    qtbot.waitUntil(lambda: first.state is DownloadState.DONE, timeout=5000)
    assert len(fake_ollama.requests_to("/api/pull")) >= 1
    qtbot.waitUntil(lambda: second.state is DownloadState.DONE, timeout=5000)
    bodies = [r.json["model"] for r in fake_ollama.requests_to("/api/pull")]
    assert bodies == ["one:latest", "two:latest"]
    # Enqueueing what is already queued or running changes nothing.
    again = setup.downloads.enqueue("one:latest", "One")
    assert again is first
    qtbot.waitUntil(lambda: first.state is DownloadState.DONE, timeout=5000)


def test_cancel_keeps_the_partial_and_resuming_shows_the_earlier_bytes(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_pullable("big:latest", layers=[5 * GB])
    fake_ollama.behaviour.pull_rate = 400e6
    setup = make_library(fake_ollama)
    panel = DownloadsPanel(setup.downloads)
    qtbot.addWidget(panel)
    panel.show()
    item = setup.downloads.enqueue("big:latest", "Big model")
    qtbot.waitUntil(lambda: item.completed > 150 * MB, timeout=5000)
    assert panel.cancel_button.isEnabled()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert item.state is DownloadState.CANCELLED
    assert fake_ollama.wait_for_pull_cancelled(timeout=3.0)
    kept = fake_ollama.partial_bytes("big:latest")
    assert kept >= 150 * MB
    assert item.status_text().startswith("Cancelled. The ")
    assert "downloading again continues from there" in item.status_text()
    assert panel.retry_button.text() == "Resume"

    qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: item.resumed_from > 0, timeout=5000)
    assert item.resumed_from >= kept - 10 * MB
    assert item.status_text().startswith("Resuming from ")
    assert f"Resuming from {format_size(item.resumed_from)} · " in item.status_text()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert fake_ollama.wait_for_pull_cancelled(count=2, timeout=3.0)


def test_an_unknown_name_fails_mid_stream_with_a_clear_message(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    setup = make_library(fake_ollama)
    panel = DownloadsPanel(setup.downloads)
    qtbot.addWidget(panel)
    panel.show()
    item = setup.downloads.enqueue("nosuchmodel:7b", "nosuchmodel:7b")
    qtbot.waitUntil(lambda: item.state is DownloadState.FAILED, timeout=5000)
    assert item.error is not None
    assert item.error.title == "Unknown model"
    assert "No model called “nosuchmodel:7b” exists" in item.error.message
    assert panel.error_detail.isVisible()
    assert "Unknown model" in panel.error_detail.text()
    assert panel.retry_button.isEnabled()


def test_ollama_goes_away_mid_download(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_pullable("big:latest", layers=[5 * GB])
    fake_ollama.add_pullable("next:latest", layers=[10 * MB])
    fake_ollama.behaviour.pull_rate = 300e6
    setup = make_library(fake_ollama)
    item = setup.downloads.enqueue("big:latest", "Big model")
    waiting = setup.downloads.enqueue("next:latest", "Next model")
    qtbot.waitUntil(lambda: item.completed > 50 * MB, timeout=5000)
    fake_ollama.stop()
    qtbot.waitUntil(lambda: item.state is DownloadState.FAILED, timeout=5000)
    assert item.error is not None and item.error.title == "The download stopped"
    assert "What was downloaded so far is kept" in item.error.message
    # The rest of the queue waits for Ollama instead of failing one by one.
    assert waiting.state is DownloadState.QUEUED
    assert waiting.status_text() == "Waiting for Ollama to be back"
    assert fake_ollama.partial_bytes("big:latest") > 0

    fake_ollama.start()
    setup.downloads.retry("big:latest")
    qtbot.waitUntil(lambda: item.resumed_from > 0, timeout=5000)
    setup.downloads.cancel("big:latest")
    qtbot.waitUntil(lambda: waiting.state is DownloadState.DONE, timeout=5000)


def test_not_enough_disk_space_is_refused_before_anything_is_sent(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    setup = make_library(fake_ollama, free_bytes=2 * GB)
    dialog = open_library(qtbot, setup)
    pick_size(qtbot, dialog, "gemma3", "High quality")  # 8.1 GB
    qtbot.mouseClick(dialog.detail.install_button, Qt.MouseButton.LeftButton)
    item = item_of(setup, "gemma3:12b")
    qtbot.waitUntil(lambda: item.state is DownloadState.FAILED, timeout=5000)
    assert item.error is not None
    assert item.error.title == "Not enough free disk space"
    assert "needs about 8.1 GB, but only 2 GB is free" in item.error.message
    assert str(setup.models_dir) in item.error.message
    assert fake_ollama.requests_to("/api/pull") == []
    assert "Not enough free disk space" in dialog.detail.progress_text.text()


def test_a_name_of_unknown_size_is_checked_once_its_size_is_known(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_pullable("someone/huge:latest", layers=[3 * GB])
    fake_ollama.behaviour.pull_rate = 100e6
    setup = make_library(fake_ollama, free_bytes=1 * GB)
    item = setup.downloads.enqueue("someone/huge:latest")  # typed by hand: size unknown
    qtbot.waitUntil(lambda: item.state is DownloadState.FAILED, timeout=5000)
    assert item.error is not None and item.error.title == "Not enough free disk space"
    assert fake_ollama.wait_for_pull_cancelled(timeout=3.0)  # hung up at the first layer


class _NoInternet:
    """A client whose daemon cannot reach the registry."""

    async def pull(self, model: str) -> AsyncGenerator[PullProgress, None]:
        yield PullProgress("pulling manifest")
        raise classify_daemon_error(
            'pull model manifest: Get "https://registry.ollama.ai/v2/library/x/manifests/'
            'latest": dial tcp: lookup registry.ollama.ai: no such host',
            None,
            model=model,
            mid_stream=True,
        )


def test_no_internet_says_chatting_still_works(qtbot: QtBot, make_library: LibraryFactory) -> None:
    setup = make_library(None)
    manager = DownloadManager(
        setup.services.runner,
        lambda: _NoInternet(),
        DiskSpace(is_local=lambda: False),
        setup.library,  # a parent: Qt, not the garbage collector, decides when it goes
    )
    panel = DownloadsPanel(manager)
    qtbot.addWidget(panel)
    panel.show()
    item = manager.enqueue("mistral:7b", "Mistral 7B · Standard")
    qtbot.waitUntil(lambda: item.state is DownloadState.FAILED, timeout=5000)
    assert item.error is not None
    assert item.error.message == "Downloading needs the internet once; chatting works offline."
    assert "Downloading needs the internet once" in panel.error_detail.text()


def test_downloads_model_is_a_well_behaved_qt_model(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama, qtmodeltester: object
) -> None:
    fake_ollama.add_pullable("one:latest", layers=[100 * MB])
    fake_ollama.behaviour.pull_rate = 200e6
    setup = make_library(fake_ollama)
    model: DownloadsModel = setup.downloads.model
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    item = setup.downloads.enqueue("one:latest", "One")
    setup.downloads.enqueue("nosuchmodel:1b", "Nope")
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: item.state is DownloadState.DONE, timeout=5000)
    qtbot.waitUntil(lambda: not setup.downloads.is_pending("nosuchmodel:1b"), timeout=5000)
    setup.downloads.clear_finished()
    qtmodeltester.check(model)  # type: ignore[attr-defined]


# -- the tracker on its own ---------------------------------------------------------------


def test_tracker_sums_layers_and_finishes_the_previous_one() -> None:
    clock = ManualClock()
    tracker = PullTracker(clock)
    snap = tracker.feed(PullProgress("pulling manifest"))
    assert snap.phase is PullPhase.STARTING and snap.total == 0
    clock.now += 0.06
    tracker.feed(PullProgress("pulling aaa", "sha256:aaa", 1000, 0))
    for step in range(1, 10):
        clock.now += 0.25
        snap = tracker.feed(PullProgress("pulling aaa", "sha256:aaa", 1000, step * 100))
    assert snap.completed == 900 and snap.total == 1000 and snap.resumed_from == 0
    assert snap.bytes_per_second > 0
    # The daemon moves on without a 100% line: the first layer counts as complete.
    snap = tracker.feed(PullProgress("pulling bbb", "sha256:bbb", 10, 0))
    assert snap.completed == 1000 and snap.total == 1010
    snap = tracker.feed(PullProgress("verifying sha256 digest"))
    assert snap.phase is PullPhase.VERIFYING and snap.completed == 1010
    assert tracker.feed(PullProgress("success")).phase is PullPhase.DONE


def test_tracker_recognises_a_resumed_layer_but_not_a_shared_one() -> None:
    clock = ManualClock()
    tracker = PullTracker(clock)
    tracker.feed(PullProgress("pulling manifest"))
    clock.now += 0.1
    # A blob shared with another model: already complete, neither resumed nor fetched.
    snap = tracker.feed(PullProgress("pulling ccc", "sha256:ccc", 500, 500))
    assert snap.resumed_from == 0
    snap = tracker.feed(PullProgress("pulling aaa", "sha256:aaa", 4 * GB, 1_200_000_000))
    assert snap.resumed_from == 1_200_000_000  # far more than 0.1 s could have fetched
    assert snap.completed == 1_200_000_500


def test_chatting_goes_on_while_a_model_downloads(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_pullable("big:latest", layers=[5 * GB])
    fake_ollama.behaviour.pull_rate = 200e6
    setup = make_library(fake_ollama)
    item = setup.downloads.enqueue("big:latest", "Big model")
    qtbot.waitUntil(lambda: item.completed > 0, timeout=5000)
    measured: list[str] = []
    setup.library.speedTested.connect(lambda name, _result: measured.append(name))
    setup.library.test_speed("llama3.2:latest")  # a real chat request, on the same loop
    qtbot.waitUntil(lambda: measured == ["llama3.2:latest"], timeout=5000)
    assert item.state is DownloadState.DOWNLOADING  # the download never stopped
    setup.downloads.cancel("big:latest")
    assert fake_ollama.wait_for_pull_cancelled(timeout=3.0)


def test_a_size_that_will_not_fit_is_only_downloaded_when_the_user_says(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama, message_boxes: MessageBoxes
) -> None:
    fake_ollama.add_pullable("gemma3:27b", layers=[300 * MB, 2000])
    setup = make_library(fake_ollama, hardware=Hardware.simulated(8))
    dialog = open_library(qtbot, setup)
    pick_size(qtbot, dialog, "gemma3", "Extra large")
    assert "Will not fit" in dialog.detail.sizes.currentItem().text()
    message_boxes.answer = "Cancel"
    qtbot.mouseClick(dialog.detail.install_button, Qt.MouseButton.LeftButton)
    [asked] = message_boxes.asked
    assert asked.question == "Download “Gemma 3 · Extra large” anyway?"
    assert "will most likely not start" in asked.details and asked.default == "Cancel"
    assert set(asked.buttons) == {"Download", "Cancel"}
    assert setup.downloads.item("gemma3:27b") is None  # nothing started
    message_boxes.answer = "Download"
    qtbot.mouseClick(dialog.detail.install_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: setup.downloads.item("gemma3:27b") is not None, timeout=5000)
