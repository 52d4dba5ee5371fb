"""A model library wired to real services and the Ollama double, on a simulated computer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from confide.core.hardware import GB, Hardware
from confide.core.paths import AppPaths
from confide.ui.models import DownloadManager, ModelLibrary
from confide.ui.models.library_dialog import LibraryDialog
from confide.ui.models.storage import DiskSpace
from confide.ui.services import AppServices, build_services
from tests.fake_ollama.server import FakeOllama

LAPTOP_16 = Hardware.simulated(16)


@dataclass
class Setup:
    library: ModelLibrary
    services: AppServices
    models_dir: Path
    free: list[int] = field(default_factory=lambda: [500 * GB])

    @property
    def downloads(self) -> DownloadManager:
        return self.library.downloads


LibraryFactory = Callable[..., Setup]


@pytest.fixture
def make_library(qtbot: QtBot, tmp_path: Path) -> Iterator[LibraryFactory]:
    made: list[Setup] = []

    def make(
        fake: FakeOllama | None,
        *,
        hardware: Hardware = LAPTOP_16,
        free_bytes: int = 500 * GB,
    ) -> Setup:
        root = tmp_path / f"app{len(made)}"
        env = {"OLLAMA_HOST": fake.host_port if fake is not None else "127.0.0.1:9"}
        models_dir = tmp_path / "ollama-models"
        env["OLLAMA_MODELS"] = str(models_dir)
        services = build_services(AppPaths.portable(root).ensure(), env, probe_read_timeout=0.5)
        free = [free_bytes]
        disk = DiskSpace(is_local=lambda: True, environ=env, free_bytes=lambda _path: free[0])
        library = ModelLibrary(services, hardware_probe=lambda: hardware, disk=disk)
        setup = Setup(library, services, models_dir, free)
        made.append(setup)
        return setup

    yield make
    for setup in made:
        # Let a library load finish: cancelling one mid-connect can strand a socket in
        # httpcore/anyio, which the strict warning filter would report.
        qtbot.waitUntil(lambda s=setup: not s.library.loading, timeout=5000)
        setup.library.shutdown()
        for widget in list(_dialogs(setup.library)):
            widget.close()
        setup.services.shutdown()


def _dialogs(library: ModelLibrary) -> list[QWidget]:
    dialog = library._dialog
    return [dialog] if dialog is not None else []


def open_library(qtbot: QtBot, setup: Setup) -> LibraryDialog:
    """Opens the window as the menu does and waits until the cards are on screen."""
    dialog = setup.library.open_library()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.grid.isVisible() and dialog.model.rowCount() > 0, timeout=5000)
    return dialog


@pytest.fixture
def polish_locale() -> Iterator[None]:
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.Polish, QLocale.Country.Poland))
    yield
    QLocale.setDefault(previous)
