"""Every file Confide keeps, grouped by what it holds, with sizes and whether it is encrypted."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from confide.core.store import DataItem, DataKind, DataReport, Protection
from confide.ui.privacy.texts import format_bytes, keychain_name, tr

PATH_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Group:
    title: str
    description: str
    kinds: tuple[DataKind, ...]
    encrypted: str


def groups() -> list[Group]:
    """The order and wording of the groups, as a user thinks of them."""
    return [
        Group(
            tr("Conversations database"),
            tr(
                "Your conversations, attachments, presets and Confide's settings for them, "
                "with the search index. Encrypted."
            ),
            (DataKind.DATABASE, DataKind.DATABASE_JOURNAL, DataKind.KEY_INFO),
            tr("Yes"),
        ),
        Group(
            tr("Backups"),
            tr("Encrypted copies of the database, made before updates and when asked for."),
            (DataKind.BACKUP,),
            tr("Yes"),
        ),
        Group(
            tr("Logs"),
            tr("Technical notes for troubleshooting. They never contain what you wrote."),
            (DataKind.LOG,),
            tr("No (no conversation text)"),
        ),
        Group(
            tr("Settings"),
            tr("Language, window size, where Ollama is. No conversation text."),
            (DataKind.SETTINGS,),
            tr("No (no conversation text)"),
        ),
        Group(
            tr("Cache"),
            tr("Temporary files Confide can recreate."),
            (DataKind.CACHE,),
            tr("No"),
        ),
        Group(
            tr("Other files"),
            tr("Other files in Confide's data folder."),
            (DataKind.OTHER,),
            tr("No"),
        ),
    ]


def _item_label(item: DataItem) -> str:
    if item.kind is DataKind.DATABASE:
        return tr("Conversations (%1)").replace("%1", item.path.name)
    if item.kind is DataKind.DATABASE_JOURNAL:
        return tr("Recent changes (%1)").replace("%1", item.path.name)
    if item.kind is DataKind.KEY_INFO:
        return tr("Key information (%1)").replace("%1", item.path.name)
    return item.path.name


def _encrypted_text(item: DataItem) -> str:
    if item.kind is DataKind.KEY_INFO:
        # It holds no readable data: a check value, and in passphrase mode the key wrapped
        # with the passphrase.
        return tr("Not needed (holds no readable data)")
    return tr("Yes") if item.encrypted else tr("No")


def _cell(text: str, tooltip: str = "") -> QStandardItem:
    cell = QStandardItem(text)
    cell.setEditable(False)
    if tooltip:
        cell.setToolTip(tooltip)
    return cell


def build_model(report: DataReport, model: QStandardItemModel) -> None:
    model.clear()
    model.setHorizontalHeaderLabels([tr("What"), tr("Size"), tr("Encrypted"), tr("Location")])
    for group in groups():
        items = [item for item in report.items if item.kind in group.kinds]
        if not items:
            continue
        total = sum(item.size for item in items)
        title = tr("%1 (%n file(s))", len(items)).replace("%1", group.title)
        head = [
            _cell(title, group.description),
            _cell(format_bytes(total)),
            _cell(group.encrypted),
            _cell(""),
        ]
        head[0].setData(group.description, Qt.ItemDataRole.AccessibleDescriptionRole)
        for item in items:
            row = [
                _cell(_item_label(item), str(item.path)),
                _cell(format_bytes(item.size)),
                _cell(_encrypted_text(item)),
                _cell(str(item.path.parent), str(item.path)),
            ]
            row[0].setData(str(item.path), PATH_ROLE)
            head[0].appendRow(row)
        model.appendRow(head)


def protection_text(report: DataReport) -> str:
    if report.protection is Protection.PASSPHRASE:
        return tr(
            "Protection: the key is locked with your passphrase, which Confide asks for at "
            "every start."
        )
    if report.protection is Protection.KEYRING:
        return tr("Protection: the key is kept in %1.").replace(
            "%1", keychain_name(report.keyring_backend)
        )
    return tr("Protection: not set up yet.")


def total_text(report: DataReport) -> str:
    return tr("In total: %1 in %n file(s).", len(report.items)).replace(
        "%1", format_bytes(report.total_size)
    )


class DataOverview(QWidget):
    """The report as a tree: one row per group, its files below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.protection = QLabel(self)
        self.protection.setWordWrap(True)
        self.model = QStandardItemModel(self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("privacyFiles")
        self.tree.setModel(self.model)
        self.tree.setAccessibleName(tr("Files Confide keeps"))
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(True)
        self.total = QLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.protection)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.total)
        self.report: DataReport | None = None

    def show_report(self, report: DataReport) -> None:
        self.report = report
        build_model(report, self.model)
        self.tree.expandAll()
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.protection.setText(protection_text(report))
        self.total.setText(total_text(report))

    def rows(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """What is on screen: (group title, [(file label, size)]); for tests and checks."""
        shown: list[tuple[str, list[tuple[str, str]]]] = []
        for row in range(self.model.rowCount()):
            head = self.model.item(row, 0)
            files = [
                (head.child(i, 0).text(), head.child(i, 1).text()) for i in range(head.rowCount())
            ]
            shown.append((head.text(), files))
        return shown
