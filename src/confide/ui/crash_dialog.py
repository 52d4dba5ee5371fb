"""One handler for unexpected errors: logged, written to a report file, shown locally."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from confide.core.crash import format_report, write_report

log = logging.getLogger(__name__)

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


class CrashDialog(QMessageBox):
    def __init__(self, report: str, report_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setIcon(QMessageBox.Icon.Critical)
        self.setWindowTitle(self.tr("Confide ran into a problem"))
        self.setText(self.tr("Something unexpected happened. Your conversations are safe."))
        self.setInformativeText(
            self.tr(
                "A report was saved on this computer only, at:\n%1\n\nNothing was sent "
                "anywhere. You can copy the report and give it to your IT support."
            ).replace("%1", str(report_file))
        )
        self.setDetailedText(report)
        self.copy_button = QPushButton(self.tr("Copy report"), self)
        self.addButton(self.copy_button, QMessageBox.ButtonRole.ActionRole)
        self.copy_button.clicked.disconnect()  # keep the dialog open after copying
        self.copy_button.clicked.connect(self.copy_report)
        self.addButton(QMessageBox.StandardButton.Close)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report)


def install_crash_handler(log_dir: Path, *, show_dialog: bool = True) -> ExceptHook:
    """Replaces sys.excepthook; returns the previous hook so tests can restore it."""
    previous = sys.excepthook
    showing = False

    def handle(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        report = format_report(exc_type, exc, tb)
        log.critical("unhandled exception\n%s", report)
        try:
            path = write_report(log_dir, report)
        except OSError:
            path = log_dir
        if show_dialog and not showing and QApplication.instance() is not None:
            showing = True  # a crash inside the dialog must not open dialogs forever
            try:
                CrashDialog(report, path).exec()
            finally:
                showing = False

    sys.excepthook = handle
    return previous
