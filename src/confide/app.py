"""Start-up: arguments, folders, logging, crash handling, services, the main window."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from confide import APP_NAME, __version__
from confide.cli import parse_args
from confide.core.crash import enable_fault_handler
from confide.core.logs import configure_logging
from confide.core.paths import AppPaths

log = logging.getLogger("confide")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    options = parse_args(arguments)  # --help/--version exit here, before any Qt import
    paths = AppPaths.resolve(options.data_dir).ensure()
    configure_logging(paths.log_file, logging.DEBUG if options.debug else logging.INFO)
    enable_fault_handler(paths.log_dir)
    log.info("Confide %s starting (data in %s)", __version__, paths.data_dir)

    from PySide6.QtWidgets import QApplication

    from confide.ui.crash_dialog import install_crash_handler
    from confide.ui.daemon_watcher import DaemonWatcher
    from confide.ui.main_window import MainWindow
    from confide.ui.services import build_services
    from confide.ui.theme import apply_theme, install_translations

    app = QApplication([sys.argv[0], *arguments])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("confide")
    install_crash_handler(paths.log_dir)
    apply_theme(app)
    services = build_services(paths)
    install_translations(app, services.preferences.load().language)

    from confide.ui.privacy.open_flow import open_store_interactively

    store = open_store_interactively(services)
    if store is None:
        services.shutdown()
        return 0
    services.gateway.attach(store)

    from confide.ui.privacy.retention import RetentionScheduler

    # The user's retention rule (off unless set) applies at start and then daily.
    retention = RetentionScheduler(services.gateway, app)
    retention.start()

    watcher = DaemonWatcher(services.supervisor, services.runner)
    window = MainWindow(services, watcher)
    window.show()
    watcher.start()
    try:
        return app.exec()
    finally:
        services.shutdown()
        log.info("Confide stopped")
