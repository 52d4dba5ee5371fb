"""'On this computer': sizes, totals, where models live, remove with confirmation, speed."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from confide.core.catalog.usage import USAGE_FILE_NAME
from confide.ui.models.installed import InstalledListModel, InstalledPage
from confide.ui.models.library_dialog import LibraryDialog
from tests.fake_ollama.server import FakeOllama
from tests.ui.conftest import MessageBoxes
from tests.ui.models.conftest import LibraryFactory, open_library


def installed_page(qtbot: QtBot, dialog: LibraryDialog) -> InstalledPage:
    dialog.tabs.setCurrentWidget(dialog.installed)
    qtbot.waitUntil(lambda: dialog.installed.model.rowCount() > 0, timeout=5000)
    return dialog.installed


def select(page: InstalledPage, title_start: str) -> None:
    for row in range(page.proxy.rowCount()):
        index = page.proxy.index(row, InstalledListModel.MODEL)
        if str(index.data()).startswith(title_start):
            page.view.setCurrentIndex(index)
            return
    raise AssertionError(f"no row starting with {title_start!r}")


def test_installed_models_with_sizes_totals_and_where_they_live(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    setup = make_library(fake_ollama, free_bytes=84_600_000_000)
    page = installed_page(qtbot, open_library(qtbot, setup))
    model = page.model
    rows = {row.name: row for row in model.rows()}
    assert set(rows) == {
        "llama3.2:latest",
        "qwen3:latest",
        "gemma3:latest",
        "nomic-embed-text:latest",
    }
    assert rows["qwen3:latest"].title == "Qwen 3 · Standard"
    texts = {
        model.index(r, InstalledListModel.NAME).data(): [
            model.index(r, c).data() for c in range(model.columnCount())
        ]
        for r in range(model.rowCount())
    }
    assert texts["qwen3:latest"][InstalledListModel.SIZE] == "5.2 GB"
    assert texts["qwen3:latest"][InstalledListModel.LAST_USED] == "never"
    assert texts["qwen3:latest"][InstalledListModel.SPEED] == "not tested"
    summary = page.summary.text()
    assert summary.startswith("4 models use 10.9 GB on this computer.")
    assert str(setup.models_dir) in summary and "84.6 GB is free there" in summary
    # An embedding model cannot chat: no "Use" for it.
    select(page, "Nomic")
    assert not page.use_button.isEnabled()
    select(page, "Qwen")
    assert page.use_button.isEnabled()


def test_sorting_by_size_uses_the_numbers(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama, qtmodeltester: object
) -> None:
    page = installed_page(qtbot, open_library(qtbot, make_library(fake_ollama)))
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]
    qtmodeltester.check(page.proxy)  # type: ignore[attr-defined]
    header = page.view.header()
    where = QPoint(header.sectionViewportPosition(InstalledListModel.SIZE) + 5, 5)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)
    sizes = [
        page.proxy.index(r, InstalledListModel.SIZE).data(InstalledListModel.SortRole)
        for r in range(page.proxy.rowCount())
    ]
    assert sizes in (sorted(sizes), sorted(sizes, reverse=True))
    assert sizes[0] != sizes[-1]


@pytest.mark.parametrize("where", ["installed tab", "detail panel"])
def test_remove_asks_first_and_says_how_much_space_it_frees(
    qtbot: QtBot,
    make_library: LibraryFactory,
    fake_ollama: FakeOllama,
    message_boxes: MessageBoxes,
    where: str,
) -> None:
    setup = make_library(fake_ollama)
    dialog = open_library(qtbot, setup)
    if where == "installed tab":
        page = installed_page(qtbot, dialog)
        select(page, "Llama 3.2")
        button = page.remove_button
    else:
        assert dialog.select_card("llama3.2")
        button = dialog.detail.remove_button
    changed: list[bool] = []
    setup.library.installedChanged.connect(lambda: changed.append(True))

    message_boxes.answer = "Cancel"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    [asked] = message_boxes.asked
    assert asked.question in ("Remove “Llama 3.2 · Standard”?", "Remove “Llama 3.2”?")
    assert "This frees about 2 GB on this computer" in asked.details
    assert "conversations are kept" in asked.details
    assert set(asked.buttons) == {"Remove", "Cancel"} and asked.default == "Cancel"
    qtbot.wait(100)
    assert "llama3.2:latest" in fake_ollama.installed_models()  # Cancel means nothing happens
    assert fake_ollama.requests_to("/api/delete") == []

    message_boxes.answer = "Remove"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "llama3.2:latest" not in fake_ollama.installed_models(), timeout=5000)
    qtbot.waitUntil(lambda: bool(changed), timeout=5000)
    qtbot.waitUntil(
        lambda: all(row.name != "llama3.2:latest" for row in dialog.installed.model.rows()),
        timeout=5000,
    )


def test_test_speed_measures_and_remembers(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.behaviour.token_rate = 400
    setup = make_library(fake_ollama)
    dialog = open_library(qtbot, setup)
    assert dialog.select_card("qwen3")
    detail = dialog.detail
    assert detail.speed_button.text() == "Test speed"
    qtbot.mouseClick(detail.speed_button, Qt.MouseButton.LeftButton)
    assert detail.speed_button.text() == "Stop test"
    assert detail.speed_text.text().startswith("Testing")
    qtbot.waitUntil(lambda: detail.speed_text.text().startswith("Tested here:"), timeout=10000)
    assert "tokens per second" in detail.speed_text.text()
    request = fake_ollama.last_request("/api/chat")
    assert request is not None
    assert request.json["model"] == "qwen3:latest"
    assert request.json["options"]["num_predict"] == 64
    # Kept per model in the config folder, and shown on the card and in the list.
    saved = json.loads((setup.services.paths.config_dir / USAGE_FILE_NAME).read_text())
    assert saved["models"]["qwen3:latest"]["speed"]["tokens_per_second"] > 0
    card = next(c for c in dialog.model.cards() if c.key == "qwen3")
    assert card.speed_line.startswith("Tested here:")
    page = installed_page(qtbot, dialog)
    row = next(r for r in page.model.rows() if r.name == "qwen3:latest")
    assert row.tokens_per_second is not None and row.tokens_per_second > 0


def test_last_used_is_recorded_and_shown(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    setup = make_library(fake_ollama)
    setup.library.note_used("gemma3:latest")
    qtbot.waitUntil(lambda: setup.library.usage.get("gemma3").last_used is not None, timeout=3000)
    page = installed_page(qtbot, open_library(qtbot, setup))
    row = next(r for r in page.model.rows() if r.name == "gemma3:latest")
    assert row.last_used is not None
    select(page, "Gemma 3")
    index = page.view.currentIndex().siblingAtColumn(InstalledListModel.LAST_USED)
    assert index.data() == "today"
