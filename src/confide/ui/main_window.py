"""The main window: chat when Ollama is there, plain-language onboarding when it is not."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from confide import __version__
from confide.core.markdown.highlight import warm_up as warm_up_highlighting
from confide.core.ollama.launcher import LaunchError, plan_launch
from confide.core.ollama.locate import is_usable_executable
from confide.core.ollama.status import DaemonState, DaemonStatus
from confide.ui.chat.chat_page import ChatPage
from confide.ui.daemon_watcher import DaemonWatcher
from confide.ui.models import DownloadsPanel, ModelLibrary
from confide.ui.onboarding import OnboardingPage
from confide.ui.services import AppServices
from confide.ui.status_indicator import StatusIndicator
from confide.ui.tasks import ProgressSink

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(
        self, services: AppServices, watcher: DaemonWatcher, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.watcher = watcher
        self.setWindowTitle("Confide")
        self.setObjectName("mainWindow")
        self._window_state = QSettings(
            str(services.paths.config_dir / "window.ini"), QSettings.Format.IniFormat
        )

        self.remote_warning = QFrame(self)
        self.remote_warning.setObjectName("remoteWarning")
        self.remote_warning_text = QLabel(self.remote_warning)
        self.remote_warning_text.setWordWrap(True)
        warning_layout = QHBoxLayout(self.remote_warning)
        warning_layout.setContentsMargins(16, 6, 16, 6)
        warning_layout.addWidget(self.remote_warning_text)
        self.remote_warning.hide()

        self.onboarding = OnboardingPage(self)
        self.chat = ChatPage(
            services.runner, services.gateway, services.clients.get, services.preferences, self
        )
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.onboarding)
        self.pages.addWidget(self.chat)
        self.pages.setCurrentWidget(self.onboarding)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.remote_warning)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        # The model library outlives its window: it owns the download queue.
        self.models = ModelLibrary(services, self)
        self.downloads_dock = QDockWidget(self.tr("Downloads"), self)
        self.downloads_dock.setObjectName("downloadsDock")
        self.downloads_dock.setWidget(DownloadsPanel(self.models.downloads, self.downloads_dock))
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.downloads_dock)
        self.downloads_dock.hide()
        self.models.downloads.started.connect(lambda _name: self.downloads_dock.show())
        self.models.installedChanged.connect(self.chat.refresh_models)
        self.models.useRequested.connect(self.use_model)
        self.chat.libraryRequested.connect(lambda: self.models.open_library(self))
        self.chat.composer.sendRequested.connect(
            lambda _text: self.models.note_used(self.chat.current_model)
        )

        self.status_indicator = StatusIndicator(self)
        self.statusBar().addPermanentWidget(self.status_indicator)
        self.statusBar().setSizeGripEnabled(True)
        self._build_menus()

        self.onboarding.retryRequested.connect(self.watcher.check_now)
        self.onboarding.startRequested.connect(self.start_ollama)
        self.onboarding.locateRequested.connect(self.locate_ollama)
        self.onboarding.allowRemoteRequested.connect(self.allow_remote_host)
        self.chat.daemonTrouble.connect(self.watcher.check_now)
        self.watcher.statusChanged.connect(self.show_status)

        self._restore_geometry()
        self._update_remote_warning()
        self._warm_up()

    def _warm_up(self) -> None:
        """Loads code highlighting in the background, so the first answer shows at once."""

        async def job(_push: ProgressSink) -> None:
            await asyncio.to_thread(warm_up_highlighting)

        self.services.runner.run("warm-up", job)

    # -- menus --------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        new_chat = QAction(self.tr("&New chat"), self)
        new_chat.setShortcut(QKeySequence.StandardKey.New)
        new_chat.triggered.connect(self.chat.new_chat)
        file_menu.addAction(new_chat)
        file_menu.addSeparator()
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        models_menu = self.menuBar().addMenu(self.tr("&Models"))
        self.library_action = QAction(self.tr("Model &library…"), self)
        self.library_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.library_action.triggered.connect(lambda: self.models.open_library(self))
        models_menu.addAction(self.library_action)
        add_by_name = QAction(self.tr("Add model by &name…"), self)
        add_by_name.triggered.connect(lambda: self.models.open_add_by_name(self))
        models_menu.addAction(add_by_name)
        import_file = QAction(self.tr("&Import model file…"), self)
        import_file.triggered.connect(lambda: self.models.open_import(self))
        models_menu.addAction(import_file)
        models_menu.addSeparator()
        models_menu.addAction(self.downloads_dock.toggleViewAction())

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        open_logs = QAction(self.tr("Open &log folder"), self)
        open_logs.triggered.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.services.paths.log_dir)))
        )
        help_menu.addAction(open_logs)
        about = QAction(self.tr("&About Confide"), self)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About Confide"),
            self.tr(
                "Confide %1\n\nPrivate chat with open language models. Everything runs and "
                "stays on this computer."
            ).replace("%1", __version__),
        )

    def use_model(self, name: str) -> None:
        self.chat.select_model(name)
        self.activateWindow()
        self.chat.composer.edit.setFocus()

    # -- daemon -------------------------------------------------------------------------------

    def show_status(self, status: DaemonStatus) -> None:
        self.status_indicator.show_status(status)
        if status.state is DaemonState.CONNECTED:
            if self.pages.currentWidget() is not self.chat:
                self.pages.setCurrentWidget(self.chat)
                self.chat.refresh_models()
                self.chat.composer.edit.setFocus()
        else:
            self.onboarding.show_status(status)
            self.pages.setCurrentWidget(self.onboarding)

    def start_ollama(self) -> None:
        status = self.watcher.status
        endpoint = self.services.supervisor.resolution.endpoint
        installation = status.installation if status else None
        if endpoint is None or installation is None:
            return
        try:
            plan = plan_launch(installation, endpoint)
        except LaunchError as exc:
            log.warning("cannot start Ollama: %s", exc)
            QMessageBox.warning(
                self,
                self.tr("Cannot start Ollama"),
                self.tr(
                    "Confide could not find a way to start Ollama on this "
                    "computer. Start it yourself, then click Retry."
                ),
            )
            return
        launcher = self.services.supervisor.launcher
        self.services.supervisor.note_launch()

        async def job(_push: ProgressSink) -> None:
            await asyncio.to_thread(launcher.start, plan)

        handle = self.services.runner.run("start-ollama", job)
        handle.succeeded.connect(lambda _r: self.watcher.check_now())
        handle.failed.connect(self._launch_failed)
        self.watcher.check_now()

    def _launch_failed(self, error: object) -> None:
        log.warning("starting Ollama failed: %s", error)
        QMessageBox.warning(
            self,
            self.tr("Cannot start Ollama"),
            self.tr(
                "Ollama could not be started. Try starting it yourself, or "
                "use “Locate Ollama…” to choose the right program."
            ),
        )
        self.watcher.check_now()

    def locate_ollama(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Locate Ollama"))
        if not chosen:
            return
        self.remember_ollama(Path(chosen))

    def remember_ollama(self, path: Path) -> bool:
        if not is_usable_executable(path):
            QMessageBox.warning(
                self,
                self.tr("Not a program"),
                self.tr(
                    "“%1” is not a program Confide can start. Choose the file named “ollama”."
                ).replace("%1", path.name),
            )
            return False
        preferences = self.services.preferences.load()
        preferences.ollama_executable = str(path)
        self.services.preferences.save(preferences)
        self.watcher.check_now()
        return True

    def allow_remote_host(self, address: str) -> None:
        answer = QMessageBox.warning(
            self,
            self.tr("Send conversations to another computer?"),
            self.tr(
                "Ollama is set to run at %1, which is another computer. Everything you type, "
                "and every document you attach, will be sent there. Only allow this if you "
                "trust that computer and the network to it."
            ).replace("%1", address),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.apply_remote_permission(address)

    def apply_remote_permission(self, address: str | None) -> None:
        preferences = self.services.preferences.load()
        preferences.allowed_remote_host = address
        self.services.preferences.save(preferences)
        self.services.refresh_endpoint()
        self._update_remote_warning()
        self.watcher.check_now()

    def _update_remote_warning(self) -> None:
        resolution = self.services.supervisor.resolution
        endpoint = resolution.endpoint
        remote = endpoint is not None and not endpoint.is_loopback and resolution.problem is None
        if remote and endpoint is not None:
            self.remote_warning_text.setText(
                self.tr(
                    "⚠ Conversations are sent to %1, another computer. They do not stay on "
                    "this one."
                ).replace("%1", endpoint.display)
            )
        self.remote_warning.setVisible(remote)
        self.remote_warning.setAccessibleName(self.remote_warning_text.text() if remote else "")

    # -- window state -------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = self._window_state.value("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1040, 720)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._window_state.setValue("geometry", self.saveGeometry())
        self._window_state.sync()
        self.chat.stop()
        self.models.shutdown()
        self.watcher.stop()
        super().closeEvent(event)
