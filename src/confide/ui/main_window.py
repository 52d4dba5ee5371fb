"""The main window: chat when Ollama is there, plain-language onboarding when it is not."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from confide import __version__
from confide.core.markdown.highlight import warm_up as warm_up_highlighting
from confide.core.ollama.launcher import LaunchError, plan_launch
from confide.core.ollama.locate import is_usable_executable
from confide.core.ollama.status import DaemonState, DaemonStatus
from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.conversation_list import ConversationListModel
from confide.ui.chat.conversations import ConversationsController
from confide.ui.chat.sidebar import Sidebar
from confide.ui.confirm import confirm
from confide.ui.daemon_watcher import DaemonWatcher
from confide.ui.history import ConversationExporter, SearchDialog
from confide.ui.models import DownloadsPanel, ModelLibrary
from confide.ui.onboarding import OnboardingPage
from confide.ui.privacy.idle_lock import LockController
from confide.ui.privacy.lock_screen import LockableArea, LockScreen, connect_idle_lock
from confide.ui.privacy.your_data import YourDataDialog
from confide.ui.services import AppServices
from confide.ui.status_indicator import StatusIndicator
from confide.ui.tasks import ProgressSink
from confide.ui.undo_bar import UndoBar

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

        # History on the left (readable even while Ollama is away), the chat on the right.
        self.conversation_list = ConversationListModel(self)
        self.sidebar = Sidebar(self.conversation_list, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.pages)
        self.splitter.setCollapsible(0, False)
        self.splitter.setCollapsible(1, False)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 780])
        self.undo_bar = UndoBar(self)
        self.undo_bar.hide()

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.remote_warning)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.undo_bar)
        # The lock screen replaces everything (content hidden, not just covered) when idle.
        self.lock_screen = LockScreen(services.gateway, services.key_store, self)
        self.lockable = LockableArea(central, self.lock_screen, self)
        self.setCentralWidget(self.lockable)
        self.idle_lock = LockController(self)
        self.idle_lock.install()
        connect_idle_lock(self.idle_lock, self.lockable)
        self.idle_lock.lockedChanged.connect(self._on_locked)
        self._all_data_deleted = False

        self.exporter = ConversationExporter(services.gateway, self)
        self.exporter.exported.connect(
            lambda path: self.statusBar().showMessage(
                self.tr("Saved to %1").replace("%1", path), 8000
            )
        )
        self.exporter.failed.connect(
            lambda message: QMessageBox.warning(self, self.tr("Export failed"), message)
        )
        self.search_dialog: SearchDialog | None = None
        self.conversations = ConversationsController(
            services.gateway,
            self.sidebar,
            self.conversation_list,
            self.undo_bar,
            self.chat,
            self.exporter,
            self,
        )
        self.sidebar.conversationActivated.connect(self._show_chat)
        self.chat.answerReady.connect(self._notify_answer)
        self._tray: QSystemTrayIcon | None = None
        self.last_notification = ""  # what the last desktop notification said

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
        # When an answer starts, not when Send is pressed: a message the user then chose not
        # to send did not use the model, and Regenerate or Retry did.
        self.chat.answerStarted.connect(self.models.note_used)

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
        if services.gateway.is_open:
            self.conversations.load()
            self.idle_lock.load_setting(services.gateway)

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
        search = QAction(self.tr("&Search conversations…"), self)
        search.setShortcut(QKeySequence("Ctrl+Shift+F"))
        search.triggered.connect(self.open_search)
        file_menu.addAction(search)
        export = QAction(self.tr("&Export this conversation…"), self)
        export.setShortcut(QKeySequence("Ctrl+Shift+E"))
        export.triggered.connect(self.export_current)
        file_menu.addAction(export)
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

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        view_menu.addAction(self.sidebar.toggle_action())
        chat_menu = self.menuBar().addMenu(self.tr("&Chat"))
        settings = QAction(self.tr("Conversation &settings…"), self)
        settings.triggered.connect(self.chat.open_settings)
        chat_menu.addAction(settings)
        find = QAction(self.tr("&Find in this conversation"), self)
        find.triggered.connect(self.chat.find_bar.open)
        chat_menu.addAction(find)
        chat_menu.addSeparator()
        preferences = self.services.preferences.load()
        self.titles_action = QAction(self.tr("Name new conversations automatically"), self)
        self.titles_action.setCheckable(True)
        self.titles_action.setChecked(preferences.generate_titles)
        self.titles_action.toggled.connect(self._set_generate_titles)
        chat_menu.addAction(self.titles_action)
        self.notify_action = QAction(self.tr("Notify me when an answer is ready"), self)
        self.notify_action.setCheckable(True)
        self.notify_action.setChecked(preferences.notify_when_answered)
        self.notify_action.toggled.connect(self._set_notify)
        chat_menu.addAction(self.notify_action)

        privacy_menu = self.menuBar().addMenu(self.tr("&Privacy"))
        your_data = QAction(self.tr("Your &data…"), self)
        your_data.triggered.connect(self.open_your_data)
        privacy_menu.addAction(your_data)
        security = QAction(self.tr("&Security…"), self)
        security.triggered.connect(lambda: self.open_your_data(security=True))
        privacy_menu.addAction(security)
        lock_now = QAction(self.tr("&Lock now"), self)
        lock_now.setShortcut(QKeySequence("Ctrl+Shift+L"))
        lock_now.triggered.connect(self.idle_lock.lock_now)
        privacy_menu.addAction(lock_now)

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

    # -- history, privacy ----------------------------------------------------------------------

    def _show_chat(self, *_args: object) -> None:
        if self.pages.currentWidget() is not self.chat:
            self.pages.setCurrentWidget(self.chat)

    def open_search(self) -> None:
        if self.search_dialog is None:
            self.search_dialog = SearchDialog(self.services.gateway, self)
            self.search_dialog.messageChosen.connect(self._open_search_result)
        self.search_dialog.show()
        self.search_dialog.raise_()
        self.search_dialog.activateWindow()

    def _open_search_result(self, conversation_id: str, message_id: str) -> None:
        self._show_chat()
        self.conversations.open(conversation_id, message_id)

    def export_current(self) -> None:
        conversation = self.chat.session.conversation
        if conversation is None:
            self.statusBar().showMessage(self.tr("Nothing to export yet."), 5000)
            return
        self.conversations.export(conversation.id)

    def open_your_data(self, security: bool = False) -> None:
        dialog = YourDataDialog(
            self.services.paths, self.services.key_store, self.services.gateway, self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.lockMinutesChanged.connect(self.idle_lock.set_minutes)
        dialog.retentionChanged.connect(lambda _days: self.conversations.load())
        dialog.allDataDeleted.connect(self._all_data_gone)
        if security:
            dialog.show_security()
        dialog.open()

    def _all_data_gone(self) -> None:
        self._all_data_deleted = True
        self.close()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def _on_locked(self, locked: bool) -> None:
        self.menuBar().setEnabled(not locked)
        if locked:
            self.downloads_dock.hide()
            if self.search_dialog is not None:
                self.search_dialog.hide()

    def _set_generate_titles(self, enabled: bool) -> None:
        preferences = self.services.preferences.load()
        preferences.generate_titles = enabled
        self.services.preferences.save(preferences)

    def _set_notify(self, enabled: bool) -> None:
        preferences = self.services.preferences.load()
        preferences.notify_when_answered = enabled
        self.services.preferences.save(preferences)

    def _notify_answer(self, model: str) -> None:
        """Only when the window is in the background; never with the answer's words in it
        (notifications can show on a locked screen)."""
        if self.isActiveWindow() or not self.services.preferences.load().notify_when_answered:
            return
        text = self.tr("The answer from %1 is ready.").replace("%1", model.removesuffix(":latest"))
        icon = self.windowIcon()
        if QSystemTrayIcon.isSystemTrayAvailable() and not icon.isNull():
            if self._tray is None:
                self._tray = QSystemTrayIcon(icon, self)
            self._tray.show()
            self._tray.showMessage("Confide", text, QSystemTrayIcon.MessageIcon.Information, 5000)
        QApplication.alert(self)
        self.last_notification = text

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
        if not confirm(
            self,
            self.tr("Send conversations to another computer?"),
            self.tr(
                "Ollama is set to run at %1, which is another computer. Everything you type, "
                "and every document you attach, will be sent there. Only allow this if you "
                "trust that computer and the network to it."
            ).replace("%1", address),
            self.tr("Allow"),
            warning=True,
        ):
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
            self.resize(1100, 740)
        splitter = self._window_state.value("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        # Through the action, so that its check mark agrees with what is shown.
        self.sidebar.toggle_action().setChecked(
            self._window_state.value("sidebar", "true") != "false"
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._all_data_deleted:
            # After "Delete all my data" nothing may be written again, not even this.
            self._window_state.setValue("geometry", self.saveGeometry())
            self._window_state.setValue("splitter", self.splitter.saveState())
            shown = self.sidebar.toggle_action().isChecked()
            self._window_state.setValue("sidebar", "true" if shown else "false")
            self._window_state.sync()
        self.chat.stop()
        self.conversations.finish()
        self.exporter.wait()
        self.idle_lock.uninstall()
        self.models.shutdown()
        self.watcher.stop()
        super().closeEvent(event)
