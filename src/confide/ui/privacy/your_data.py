"""The "Your data" dialog: where everything lives, moving it out and in, deleting it, security."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from confide.core.paths import AppPaths
from confide.core.store import ArchiveCounts, DataReport, KeyStore, data_report
from confide.ui.privacy.busy import StatusLine
from confide.ui.privacy.data_overview import DataOverview
from confide.ui.privacy.delete_all import DeleteAllDialog
from confide.ui.privacy.retention_panel import RetentionPanel
from confide.ui.privacy.security import SecurityPanel
from confide.ui.privacy.texts import tr, warning
from confide.ui.store_gateway import StoreGateway

ARCHIVE_SUFFIX = ".zip"


def _archive_filter() -> str:
    return tr("Confide archive (*.zip)")


def _export_summary(counts: ArchiveCounts, path: Path) -> str:
    return tr(
        "Exported %n conversation(s) to “%1”. The file is not encrypted: keep it safe.",
        counts.conversations,
    ).replace("%1", str(path))


def _import_summary(counts: ArchiveCounts) -> str:
    if not (counts.conversations or counts.messages or counts.attachments or counts.presets):
        return tr("Nothing new: everything in this archive is already in Confide.")
    return (
        tr("Imported %1 and %2.")
        .replace("%1", tr("%n new conversation(s)", counts.conversations))
        .replace("%2", tr("%n new message(s)", counts.messages))
    )


class YourDataDialog(QDialog):
    """Opened from the Privacy menu. ``allDataDeleted``: the app must quit now.
    ``lockMinutesChanged`` (0: off): give it to the LockController."""

    allDataDeleted = Signal()
    lockMinutesChanged = Signal(int)
    retentionChanged = Signal(int)

    def __init__(
        self,
        paths: AppPaths,
        key_store: KeyStore,
        gateway: StoreGateway,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("privacyYourData")
        self.setWindowTitle(tr("Your data"))
        self._paths = paths
        self._key_store = key_store
        self._gateway = gateway
        self.export_warning: QMessageBox | None = None
        self.delete_dialog: DeleteAllDialog | None = None

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_files_tab(), tr("Files"))
        self.security = SecurityPanel(gateway, key_store, self)
        self.tabs.addTab(self.security, tr("Security"))
        self.retention = RetentionPanel(gateway, self)
        self.tabs.addTab(self.retention, tr("Automatic deletion"))
        self.security.lockMinutesChanged.connect(self.lockMinutesChanged)
        self.retention.retentionChanged.connect(self.retentionChanged)
        self.retention.retentionChanged.connect(lambda _days: self.refresh())

        close_button = QPushButton(tr("Close"), self)
        close_button.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.resize(760, 560)
        self._busy = False
        self.refresh()
        self.security.refresh()
        self.retention.refresh()

    def show_security(self) -> None:
        """Opens on the Security tab (for a "Security…" menu item)."""
        self.tabs.setCurrentWidget(self.security)

    def _build_files_tab(self) -> QWidget:
        page = QWidget(self)
        intro = QLabel(
            tr(
                "Everything Confide keeps is on this computer, in the files below. Nothing is "
                "sent anywhere."
            ),
            page,
        )
        intro.setWordWrap(True)
        self.overview = DataOverview(page)
        self.status = StatusLine(page)
        self.open_folder_button = QPushButton(tr("Open folder"), page)
        self.open_folder_button.setAccessibleDescription(
            tr("Shows Confide's data folder in the file manager")
        )
        self.export_button = QPushButton(tr("Export everything…"), page)
        self.export_button.setAccessibleDescription(
            tr("Saves all conversations in one file, which is not encrypted")
        )
        self.import_button = QPushButton(tr("Import archive…"), page)
        self.import_button.setAccessibleDescription(
            tr("Adds conversations from a Confide export; nothing is duplicated")
        )
        self.delete_button = QPushButton(tr("Delete all my data…"), page)
        self.delete_button.setAccessibleDescription(
            tr("Deletes every conversation, backup, key and setting of Confide on this computer")
        )
        self.open_folder_button.clicked.connect(self.open_folder)
        self.export_button.clicked.connect(self.export_everything)
        self.import_button.clicked.connect(self.import_archive)
        self.delete_button.clicked.connect(self.delete_all)
        actions = QHBoxLayout()
        actions.addWidget(self.open_folder_button)
        actions.addWidget(self.export_button)
        actions.addWidget(self.import_button)
        actions.addStretch(1)
        actions.addWidget(self.delete_button)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addWidget(self.overview, 1)
        layout.addWidget(self.status)
        layout.addLayout(actions)
        return page

    # -- the report --------------------------------------------------------------------------

    def refresh(self) -> None:
        paths, key_store = self._paths, self._key_store
        handle = self._gateway.run_unbound("data-report", lambda: data_report(paths, key_store))
        handle.succeeded.connect(self._show_report)
        handle.failed.connect(self.status.show_error)

    def _show_report(self, report: DataReport) -> None:
        self.overview.show_report(report)

    def _set_busy(self, text: str | None) -> None:
        self._busy = text is not None
        if text is not None:
            self.status.set_busy(text)
        for button in (self.export_button, self.import_button, self.delete_button):
            button.setEnabled(not self._busy)

    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._paths.data_dir)))

    # -- export ------------------------------------------------------------------------------

    def export_everything(self) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("Export everything"))
        box.setText(warning(tr("The export file is not encrypted.")))
        box.setInformativeText(
            tr(
                "Anyone who gets hold of the file can read every conversation in it. Save it "
                "only where you would keep the conversations on paper, and delete it when you "
                "no longer need it."
            )
        )
        proceed = box.addButton(tr("Choose where to save…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(proceed)
        self.export_warning = box

        def answered() -> None:
            self.export_warning = None
            box.deleteLater()
            if box.clickedButton() is proceed:
                self._choose_export_file()

        box.finished.connect(lambda _code: answered())
        box.open()

    def _choose_export_file(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = tr("Confide export %1").replace("%1", date.today().isoformat()) + ARCHIVE_SUFFIX
        chosen, _filter = QFileDialog.getSaveFileName(
            self, tr("Export everything"), str(Path(folder) / name), _archive_filter()
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ARCHIVE_SUFFIX:
            path = path.with_name(path.name + ARCHIVE_SUFFIX)
        self._set_busy(tr("Exporting…"))
        handle = self._gateway.run("export-archive", lambda store: store.export_archive(path))
        handle.succeeded.connect(lambda counts: self._exported(counts, path))
        handle.failed.connect(self._failed)

    def _exported(self, counts: ArchiveCounts, path: Path) -> None:
        self._set_busy(None)
        self.status.show_message(_export_summary(counts, path))

    # -- import ------------------------------------------------------------------------------

    def import_archive(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            tr("Import archive"),
            folder,
            _archive_filter() + ";;" + tr("All files (*)"),
        )
        if not chosen:
            return
        path = Path(chosen)
        self._set_busy(tr("Importing…"))
        handle = self._gateway.run("import-archive", lambda store: store.import_archive(path))
        handle.succeeded.connect(self._imported)
        handle.failed.connect(self._failed)

    def _imported(self, counts: ArchiveCounts) -> None:
        self._set_busy(None)
        self.status.show_message(_import_summary(counts))
        self.refresh()

    def _failed(self, error: object) -> None:
        self._set_busy(None)
        self.status.show_error(error)
        self.refresh()

    # -- delete all --------------------------------------------------------------------------

    def delete_all(self) -> None:
        dialog = DeleteAllDialog(self._gateway, self._paths, self._key_store, self)
        self.delete_dialog = dialog
        dialog.allDataDeleted.connect(self._all_deleted)
        dialog.open()

    def _all_deleted(self) -> None:
        self.hide()
        self.allDataDeleted.emit()
