"""Everything the library window shows, gathered in one background job.

The catalog file, the hardware probe (which may run ``nvidia-smi``), the installed list
with what ``/api/show`` says of each model, the usage records and the free disk space are
all slow or blocking, so they are fetched together off the GUI thread and arrive as one
immutable :class:`LibrarySnapshot`. The catalog and the hardware are read once per run of
the app and then reused.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from confide.core.catalog import (
    Catalog,
    InstalledModel,
    LibraryEntry,
    build_library,
    load_catalog,
)
from confide.core.catalog.usage import ModelUsage, UsageStore, usage_key
from confide.core.hardware import Hardware, probe_hardware
from confide.core.ollama.client import OllamaClient
from confide.core.ollama.errors import OllamaError, OllamaErrorKind
from confide.core.ollama.types import InstalledModel as DaemonModel
from confide.core.ollama.types import ModelInfo
from confide.core.resources import resource_path
from confide.ui.models.storage import DiskSpace, StorageInfo
from confide.ui.tasks import ProgressSink

log = logging.getLogger(__name__)

HardwareProbeFn = Callable[[], Hardware]
CatalogLoader = Callable[[], Catalog]


def default_catalog() -> Catalog:
    return load_catalog(resource_path("catalog"))


def translate_catalog(text: str) -> str:
    # QCoreApplication.translate is thread-safe, so build_library may call it off the GUI
    # thread to fold translated descriptions into the search text.
    return QCoreApplication.translate("catalog", text)


class Once:
    """Runs a blocking function the first time it is asked, from any thread, then caches."""

    def __init__(self, produce: Callable[[], object]) -> None:
        self._produce = produce
        self._lock = threading.Lock()
        self._value: object = None
        self._done = False

    def get(self) -> object:
        with self._lock:
            if not self._done:
                self._value = self._produce()
                self._done = True
            return self._value


@dataclass(frozen=True)
class LibrarySnapshot:
    catalog: Catalog
    hardware: Hardware
    entries: tuple[LibraryEntry, ...]
    #: What /api/show said about each installed model, by installed name.
    infos: Mapping[str, ModelInfo | None]
    usage: Mapping[str, ModelUsage]
    storage: StorageInfo | None
    ui_language: str
    #: Why the installed list is missing (the daemon is not reachable), or None.
    daemon_error: OllamaError | None = None
    by_key: Mapping[str, LibraryEntry] = field(default_factory=dict)

    def usage_of(self, name: str) -> ModelUsage:
        return self.usage.get(usage_key(name), ModelUsage())

    @property
    def installed_entries(self) -> list[LibraryEntry]:
        return [entry for entry in self.entries if entry.installed]

    @property
    def installed_bytes(self) -> int:
        # Aliases of one model share its files: count each manifest digest once.
        seen: dict[str, int] = {}
        for entry in self.entries:
            for model in entry.installed:
                seen.setdefault(model.digest or model.name, model.size_bytes)
        return sum(seen.values())

    def family_entries(self, entry: LibraryEntry) -> tuple[LibraryEntry, ...]:
        """Every size of the entry's family, smallest first (just the entry if custom)."""
        if entry.family is None:
            return (entry,)
        family_id = entry.family.id
        found = [e for e in self.entries if e.family is not None and e.family.id == family_id]
        return tuple(sorted(found, key=lambda e: e.download_size_bytes))


def to_catalog_model(model: DaemonModel, info: ModelInfo | None) -> InstalledModel:
    return InstalledModel(
        name=model.name,
        size_bytes=model.size,
        modified_at=model.modified_at,
        digest=model.digest,
        family=model.details.family,
        parameter_size=model.details.parameter_size,
        quantization_level=model.details.quantization,
        capabilities=tuple(sorted(info.capabilities)) if info is not None else (),
    )


@dataclass
class LibrarySources:
    """Where the snapshot's parts come from; every part can be replaced in tests."""

    client_provider: Callable[[], OllamaClient | None]
    usage: UsageStore
    disk: DiskSpace
    hardware_probe: HardwareProbeFn = probe_hardware
    catalog_loader: CatalogLoader = default_catalog
    _hardware: Once | None = None
    _catalog: Once | None = None

    def __post_init__(self) -> None:
        self._hardware = Once(self.hardware_probe)
        self._catalog = Once(self.catalog_loader)

    def hardware(self) -> Hardware:
        assert self._hardware is not None
        value = self._hardware.get()
        assert isinstance(value, Hardware)
        return value

    def catalog(self) -> Catalog:
        assert self._catalog is not None
        value = self._catalog.get()
        assert isinstance(value, Catalog)
        return value

    def load_job(self, ui_language: str) -> Callable[[ProgressSink], Awaitable[LibrarySnapshot]]:
        """A task-runner job producing a :class:`LibrarySnapshot`."""
        client = self.client_provider()

        async def installed_models() -> tuple[
            list[tuple[DaemonModel, ModelInfo | None]], OllamaError | None
        ]:
            if client is None:
                return [], OllamaError(OllamaErrorKind.NOT_RUNNING, "no client")
            try:
                return await client.list_models_with_info(), None
            except OllamaError as exc:
                log.info("library without installed models: %s", exc.kind.value)
                return [], exc

        async def job(_push: ProgressSink) -> LibrarySnapshot:
            # gather() runs the disk reads and the daemon query side by side, and cancels
            # all of them together if the window asks again.
            catalog, hardware, usage, storage, (listed, daemon_error) = await asyncio.gather(
                asyncio.to_thread(self.catalog),
                asyncio.to_thread(self.hardware),
                asyncio.to_thread(self.usage.load),
                asyncio.to_thread(self.disk.info),
                installed_models(),
            )
            installed = [to_catalog_model(model, info) for model, info in listed]
            entries = await asyncio.to_thread(
                build_library,
                catalog,
                installed,
                hardware,
                ui_language,
                translate=translate_catalog,
            )
            return LibrarySnapshot(
                catalog=catalog,
                hardware=hardware,
                entries=entries,
                infos={model.name: info for model, info in listed},
                usage=usage,
                storage=storage,
                ui_language=ui_language,
                daemon_error=daemon_error,
                by_key={entry.key: entry for entry in entries},
            )

        return job


def catalog_path_loader(path: Path) -> CatalogLoader:
    return lambda: load_catalog(path)
