"""'Delete all my data': a typed confirmation, then the key, the files and the logs go."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from confide.core.crash import disable_fault_handler
from confide.core.paths import AppPaths
from confide.core.store import DeletionReport, KeyStore, Store, delete_all_data
from confide.ui.privacy import opening
from confide.ui.privacy.busy import StatusLine
from confide.ui.privacy.texts import delete_word, tr, typed_matches, warning
from confide.ui.store_gateway import StoreGateway

log = logging.getLogger(__name__)


def stop_file_logging(log_dir: Path) -> int:
    """Closes the log files in ``log_dir`` so they can be deleted (Windows refuses to delete
    an open file); later log lines go nowhere. Returns how many were closed."""
    root = logging.getLogger()
    folder = log_dir.resolve()
    closed = 0
    for handler in list(root.handlers):
        if not isinstance(handler, logging.FileHandler):
            continue
        if Path(handler.baseFilename).resolve().is_relative_to(folder):
            root.removeHandler(handler)
            handler.close()
            closed += 1
    return closed


def erase_everything(store: Store | None, paths: AppPaths, key_store: KeyStore) -> DeletionReport:
    """Runs on the store thread: the store closes first, so nothing writes meanwhile."""
    if store is not None:
        store.close()
    kept_keys = opening.forget_set_aside_keys(paths, key_store)
    log.info("deleting all data (%d set-aside keychain entries removed)", kept_keys)
    stop_file_logging(paths.log_dir)
    disable_fault_handler()
    return delete_all_data(paths, key_store)


class DeleteAllDialog(QDialog):
    """Asks for the typed word, erases everything, says so, then emits
    :attr:`allDataDeleted` when the user closes it (the app must then quit)."""

    allDataDeleted = Signal()

    def __init__(
        self,
        gateway: StoreGateway,
        paths: AppPaths,
        key_store: KeyStore,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("privacyDeleteAll")
        self.setWindowTitle(tr("Delete all my data"))
        self.setModal(True)
        self._gateway = gateway
        self._paths = paths
        self._key_store = key_store
        self._busy = False
        self._finished = False
        self._announced = False
        self.report: DeletionReport | None = None

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._build_confirm_page())
        self.pages.addWidget(self._build_done_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.pages)
        self.setMinimumWidth(500)

    def _build_confirm_page(self) -> QWidget:
        page = QWidget(self)
        word = delete_word()
        title = QLabel(tr("Delete everything Confide keeps on this computer?"), page)
        title.setObjectName("onboardingTitle")
        title.setWordWrap(True)
        contents = QLabel(
            tr(
                "This deletes, for good:\n"
                "• all your conversations and attachments, and your presets\n"
                "• every backup of them\n"
                "• the key that encrypts them (from the keychain, too)\n"
                "• Confide's settings, logs and temporary files\n\n"
                "Models downloaded with Ollama are not affected. Confide closes afterwards. "
                "To keep a copy of your conversations, use “Export everything…” first."
            ),
            page,
        )
        contents.setWordWrap(True)
        contents.setTextFormat(Qt.TextFormat.PlainText)
        cannot_undo = QLabel(warning(tr("This cannot be undone.")), page)
        prompt = QLabel(tr("To confirm, type %1:").replace("%1", word), page)
        self.confirm_field = QLineEdit(page)
        self.confirm_field.setAccessibleName(tr("Type %1 to confirm").replace("%1", word))
        prompt.setBuddy(self.confirm_field)
        self.status = StatusLine(page)
        self.cancel_button = QPushButton(tr("Cancel"), page)
        self.cancel_button.setDefault(True)
        self.delete_button = QPushButton(tr("Delete everything"), page)
        self.delete_button.setEnabled(False)
        self.delete_button.setAccessibleDescription(
            tr("Deletes all your Confide data from this computer, for good")
        )
        self.confirm_field.textChanged.connect(lambda _text: self._update())
        self.cancel_button.clicked.connect(self.reject)
        self.delete_button.clicked.connect(self.delete_everything)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(contents)
        layout.addWidget(cannot_undo)
        layout.addWidget(prompt)
        layout.addWidget(self.confirm_field)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        return page

    def _build_done_page(self) -> QWidget:
        page = QWidget(self)
        self.done_title = QLabel(page)
        self.done_title.setObjectName("onboardingTitle")
        self.done_title.setWordWrap(True)
        self.done_text = QLabel(page)
        self.done_text.setWordWrap(True)
        self.done_text.setTextFormat(Qt.TextFormat.PlainText)
        self.done_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_app_button = QPushButton(tr("Close Confide"), page)
        self.close_app_button.setObjectName("primaryButton")
        self.close_app_button.clicked.connect(self._close_app)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_app_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.done_title)
        layout.addWidget(self.done_text)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _update(self) -> None:
        self.delete_button.setEnabled(
            not self._busy and typed_matches(self.confirm_field.text(), delete_word())
        )

    def delete_everything(self) -> None:
        if not self.delete_button.isEnabled():
            return
        self._busy = True
        self.confirm_field.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self._update()
        self.status.set_busy(tr("Deleting…"))
        paths, key_store = self._paths, self._key_store
        if self._gateway.is_open:
            handle = self._gateway.run(
                "delete-all-data", lambda store: erase_everything(store, paths, key_store)
            )
        else:
            handle = self._gateway.run_unbound(
                "delete-all-data", lambda: erase_everything(None, paths, key_store)
            )
        handle.succeeded.connect(self._deleted)
        handle.failed.connect(self._failed)

    def _deleted(self, report: DeletionReport) -> None:
        # The store is closed; nothing may use it any more.
        self._gateway.attach(None)
        self._busy = False
        self._finished = True
        self.report = report
        if report.complete:
            self.done_title.setText(tr("All your Confide data was deleted"))
            self.done_text.setText(
                tr("None of your conversations is left on this computer. Confide will now close.")
            )
        else:
            self.done_title.setText(tr("Your data was deleted, except a few files"))
            self.done_text.setText(
                tr(
                    "The key was destroyed, so what is left cannot be read by anyone. These "
                    "files could not be removed (another program may be using them); you can "
                    "delete them yourself:\n%1"
                ).replace("%1", "\n".join(report.failed))
            )
        self.pages.setCurrentIndex(1)
        self.close_app_button.setFocus()

    def _failed(self, error: object) -> None:
        self._busy = False
        self.cancel_button.setEnabled(True)
        self.confirm_field.setEnabled(True)
        self._update()
        self.status.show_error(error)

    def _close_app(self) -> None:
        if self._announced:
            return
        self._announced = True
        self.accept()
        self.allDataDeleted.emit()

    def reject(self) -> None:
        if self._finished:
            self._close_app()  # there is nothing left to go back to
        elif not self._busy:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
            return
        if self._finished:
            event.ignore()
            self._close_app()
            return
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._busy and event.key() == Qt.Key.Key_Escape:
            return
        super().keyPressEvent(event)
