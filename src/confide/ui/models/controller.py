"""The model library's long-lived half: owned by the main window, shared by its dialogs.

It holds what must outlive any one window (the download queue, the usage records, the
catalog and hardware read once) and runs the library's background jobs: loading the
snapshot, removing a model, testing its speed. Dialogs only ask and listen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QWidget

from confide.core.catalog.model import language_code
from confide.core.catalog.usage import USAGE_FILE_NAME, UsageStore
from confide.core.hardware import probe_hardware
from confide.core.ollama.errors import OllamaError, OllamaErrorKind
from confide.ui.errors import ErrorText, describe_error
from confide.ui.models.downloads import DownloadManager
from confide.ui.models.library_data import (
    CatalogLoader,
    HardwareProbeFn,
    LibrarySnapshot,
    LibrarySources,
    default_catalog,
)
from confide.ui.models.speed_test import SpeedMeasurement, measure_speed
from confide.ui.models.storage import DiskSpace
from confide.ui.models.text import tr
from confide.ui.services import AppServices
from confide.ui.tasks import ProgressSink, TaskHandle

if TYPE_CHECKING:
    from confide.ui.models.add_by_name import AddByNameDialog
    from confide.ui.models.import_dialog import ImportDialog
    from confide.ui.models.library_dialog import LibraryDialog

log = logging.getLogger(__name__)


class ModelLibrary(QObject):
    snapshotChanged = Signal(object)  # LibrarySnapshot
    useRequested = Signal(str)  # "chat with this installed model"
    installedChanged = Signal()  # a model was added or removed: refresh the chat's picker
    removed = Signal(str)
    actionFailed = Signal(object)  # ErrorText, for removal failures
    speedTestsChanged = Signal()  # a test started or ended
    speedTested = Signal(str, object)  # model name, SpeedMeasurement
    speedTestFailed = Signal(str, object)  # model name, ErrorText

    def __init__(
        self,
        services: AppServices,
        parent: QObject | None = None,
        *,
        hardware_probe: HardwareProbeFn | None = None,
        catalog_loader: CatalogLoader | None = None,
        disk: DiskSpace | None = None,
        usage: UsageStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.disk = disk or DiskSpace(is_local=self._daemon_is_local, environ=services.environ)
        self.usage = usage or UsageStore(services.paths.config_dir / USAGE_FILE_NAME)
        self.sources = LibrarySources(
            client_provider=services.clients.get,
            usage=self.usage,
            disk=self.disk,
            hardware_probe=hardware_probe or probe_hardware,
            catalog_loader=catalog_loader or default_catalog,
        )
        self.downloads = DownloadManager(services.runner, services.clients.get, self.disk, self)
        self.snapshot: LibrarySnapshot | None = None
        self._loading: TaskHandle | None = None
        self._reload = False
        self._speed_tests: dict[str, TaskHandle] = {}
        self._dialog: LibraryDialog | None = None
        self._windows: set[QDialog] = set()
        self.downloads.modelInstalled.connect(self._on_installed)

    def _daemon_is_local(self) -> bool:
        endpoint = self.services.supervisor.resolution.endpoint
        return endpoint is not None and endpoint.is_loopback

    @staticmethod
    def ui_language() -> str:
        # install_translations() sets the default locale from the preference or the system.
        return language_code(QLocale().name())

    # -- snapshot -------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        return self._loading is not None

    def refresh(self) -> None:
        """Reloads installed models, usage and disk space (the catalog and hardware stay)."""
        if self._loading is not None:
            # Ask again once the current load is done, rather than cancelling it: a query
            # cut off while it is connecting can leave a socket behind (anyio/httpcore), and
            # the second answer is only a fraction of a second away anyway.
            self._reload = True
            return
        self._reload = False
        handle = self.services.runner.run("library", self.sources.load_job(self.ui_language()))
        self._loading = handle
        handle.succeeded.connect(lambda snapshot, h=handle: self._on_loaded(h, snapshot))
        handle.failed.connect(lambda error, h=handle: self._on_load_failed(h, error))
        handle.finished.connect(lambda h=handle: self._on_load_finished(h))

    def _on_loaded(self, handle: TaskHandle, snapshot: object) -> None:
        if handle is not self._loading or self._reload:
            return  # a newer answer is on its way
        assert isinstance(snapshot, LibrarySnapshot)
        self.snapshot = snapshot
        self.snapshotChanged.emit(snapshot)

    def _on_load_failed(self, handle: TaskHandle, error: object) -> None:
        log.warning("model library could not be loaded: %s", type(error).__name__)

    def _on_load_finished(self, handle: TaskHandle) -> None:
        if handle is not self._loading:
            return
        self._loading = None
        if self._reload:
            self.refresh()

    def _on_installed(self, _name: str) -> None:
        self.refresh()
        self.installedChanged.emit()

    # -- actions --------------------------------------------------------------------------

    def use(self, name: str) -> None:
        self.useRequested.emit(name)

    def note_used(self, name: str | None) -> None:
        """Remembers that ``name`` answered a question (the chat calls this)."""
        if not name:
            return
        usage = self.usage

        async def job(_push: ProgressSink) -> None:
            await asyncio.to_thread(usage.record_used, name)

        self.services.runner.run("model-used", job)

    def remove(self, names: Sequence[str]) -> None:
        """Removes installed names; aliases of one model go together, or nothing is freed."""
        client = self.services.clients.get()
        if client is None:
            self.actionFailed.emit(describe_error(OllamaError(OllamaErrorKind.NOT_RUNNING)))
            return
        usage = self.usage
        doomed = list(names)

        async def job(_push: ProgressSink) -> None:
            for name in doomed:
                await client.delete(name)
                await asyncio.to_thread(usage.forget, name)

        handle = self.services.runner.run("remove-model", job)
        handle.succeeded.connect(lambda _r: self._on_removed(doomed))
        handle.failed.connect(self._on_remove_failed)

    def _on_removed(self, names: list[str]) -> None:
        log.info("model removed")
        for name in names:
            self.removed.emit(name)
        self.refresh()
        self.installedChanged.emit()

    def _on_remove_failed(self, error: object) -> None:
        assert isinstance(error, BaseException)
        text = describe_error(error)
        self.actionFailed.emit(ErrorText(tr("The model was not removed"), text.message))
        self.refresh()  # one of several names may be gone already

    def is_testing(self, name: str) -> bool:
        return name in self._speed_tests

    def test_speed(self, name: str) -> None:
        client = self.services.clients.get()
        if client is None or name in self._speed_tests:
            return
        usage = self.usage

        async def job(_push: ProgressSink) -> SpeedMeasurement:
            result = await measure_speed(client, name)
            await asyncio.to_thread(
                usage.record_speed, name, result.tokens_per_second, result.load_seconds
            )
            return result

        handle = self.services.runner.run("speed-test", job)
        self._speed_tests[name] = handle
        handle.succeeded.connect(lambda result: self._on_speed(name, result))
        handle.failed.connect(lambda error: self._on_speed_failed(name, error))
        handle.finished.connect(lambda: self._on_speed_finished(name, handle))
        self.speedTestsChanged.emit()

    def stop_speed_test(self, name: str) -> None:
        handle = self._speed_tests.pop(name, None)
        if handle is not None:
            handle.cancel()
            self.speedTestsChanged.emit()

    def _on_speed(self, name: str, result: object) -> None:
        self.speedTested.emit(name, result)
        if self.snapshot is not None:
            # Only the usage records changed: no need to ask the daemon again.
            self.snapshot = replace(self.snapshot, usage=self.usage.snapshot())
            self.snapshotChanged.emit(self.snapshot)

    def _on_speed_failed(self, name: str, error: object) -> None:
        assert isinstance(error, BaseException)
        self.speedTestFailed.emit(name, describe_error(error))

    def _on_speed_finished(self, name: str, handle: TaskHandle) -> None:
        if self._speed_tests.get(name) is handle:
            del self._speed_tests[name]
            self.speedTestsChanged.emit()

    # -- windows --------------------------------------------------------------------------

    def open_library(self, parent: QWidget | None = None) -> LibraryDialog:
        """Shows the library window (one per app, reused), and refreshes what it shows."""
        from confide.ui.models.library_dialog import LibraryDialog

        if self._dialog is None:
            self._dialog = LibraryDialog(self, parent)
        if self._dialog.isVisible():
            self._dialog.raise_()  # already open, perhaps behind the main window
        self._dialog.show()
        self._dialog.activateWindow()
        self.refresh()
        return self._dialog

    def open_add_by_name(self, parent: QWidget | None = None) -> AddByNameDialog:
        from confide.ui.models.add_by_name import AddByNameDialog

        dialog = AddByNameDialog(self, parent)
        self._keep(dialog)
        dialog.show()
        return dialog

    def open_import(self, parent: QWidget | None = None) -> ImportDialog:
        from confide.ui.models.import_dialog import ImportDialog

        dialog = ImportDialog(self, parent)
        self._keep(dialog)
        dialog.show()
        return dialog

    def _keep(self, dialog: QDialog) -> None:
        # Without a parent nothing else holds the window: keep it until it is closed, and
        # let Qt delete it then, on the GUI thread.
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._windows.add(dialog)
        dialog.finished.connect(lambda _result, d=dialog: self._windows.discard(d))

    def shutdown(self) -> None:
        self.downloads.cancel_all()
        for name in list(self._speed_tests):
            self.stop_speed_test(name)
        self._reload = False
        if self._loading is not None:
            self._loading.cancel()
            self._loading = None
