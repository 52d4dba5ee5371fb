"""'On this computer': installed models, their size on disk, last use and measured speed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from confide.core.catalog import Capability, InstalledModel, LibraryEntry
from confide.ui.models.actions import confirm_removal, removal_names
from confide.ui.models.controller import ModelLibrary
from confide.ui.models.library_data import LibrarySnapshot
from confide.ui.models.text import english_plural, format_size, format_when, tier_word


@dataclass(frozen=True)
class InstalledRow:
    entry: LibraryEntry
    model: InstalledModel
    title: str
    last_used: datetime | None
    tokens_per_second: float | None

    @property
    def name(self) -> str:
        return self.model.name


def installed_rows(snapshot: LibrarySnapshot) -> list[InstalledRow]:
    rows: list[InstalledRow] = []
    for entry in snapshot.installed_entries:
        siblings = tuple(e.variant for e in snapshot.family_entries(entry) if e.variant)
        if entry.family is not None and entry.variant is not None:
            title = f"{entry.family.name} · {tier_word(entry.variant, siblings)}"
        else:
            title = entry.display_name.removesuffix(":latest")
        for model in entry.installed:
            usage = snapshot.usage_of(model.name)
            rows.append(
                InstalledRow(
                    entry=entry,
                    model=model,
                    title=title,
                    last_used=usage.last_used,
                    tokens_per_second=usage.speed.tokens_per_second if usage.speed else None,
                )
            )
    rows.sort(key=lambda row: row.title.casefold())
    return rows


class InstalledListModel(QAbstractTableModel):
    SortRole = Qt.ItemDataRole.UserRole + 1
    RowRole = Qt.ItemDataRole.UserRole + 2

    MODEL, NAME, SIZE, LAST_USED, SPEED = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[InstalledRow] = []
        self._headers = (
            self.tr("Model"),
            self.tr("Name in Ollama"),
            self.tr("Size on disk"),
            self.tr("Last used"),
            self.tr("Speed here"),
        )

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(row, column)
        if role == self.SortRole:
            return self._sort_value(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.name
        if role == self.RowRole:
            return row
        return None

    def _display(self, row: InstalledRow, column: int) -> str:
        if column == self.MODEL:
            return row.title
        if column == self.NAME:
            return row.name
        if column == self.SIZE:
            return format_size(row.model.size_bytes)
        if column == self.LAST_USED:
            return format_when(row.last_used)
        if row.tokens_per_second is None:
            return self.tr("not tested")
        return self.tr("%1 tokens/s").replace("%1", f"{row.tokens_per_second:.0f}")

    def _sort_value(self, row: InstalledRow, column: int) -> Any:
        if column == self.SIZE:
            return float(row.model.size_bytes)
        if column == self.LAST_USED:
            return row.last_used.timestamp() if row.last_used else 0.0
        if column == self.SPEED:
            return row.tokens_per_second or 0.0
        return self._display(row, column).casefold()

    def set_rows(self, rows: list[InstalledRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[InstalledRow]:
        return list(self._rows)


class InstalledPage(QWidget):
    def __init__(self, library: ModelLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryInstalled")
        self.library = library
        self._snapshot: LibrarySnapshot | None = None
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setObjectName("libraryInstalledSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty = QLabel(
            self.tr("No models are installed yet. Find one under “Find a model”."), self
        )
        self.empty.setObjectName("libraryHint")

        self.model = InstalledListModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(InstalledListModel.SortRole)
        self.view = QTreeView(self)
        self.view.setObjectName("libraryInstalledList")
        self.view.setModel(self.proxy)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(InstalledListModel.MODEL, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAccessibleName(self.tr("Installed models"))
        self.view.header().setSectionResizeMode(
            InstalledListModel.MODEL, QHeaderView.ResizeMode.Stretch
        )
        self.view.header().setStretchLastSection(False)

        self.use_button = QPushButton(self.tr("Use in chat"), self)
        self.use_button.setAccessibleName(self.tr("Chat with the selected model"))
        self.speed_button = QPushButton(self.tr("Test speed"), self)
        self.speed_button.setAccessibleName(self.tr("Test how fast the selected model answers"))
        self.remove_button = QPushButton(self.tr("Remove…"), self)
        self.remove_button.setAccessibleName(self.tr("Remove the selected model"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.speed_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.summary)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

        self.use_button.clicked.connect(self._use)
        self.speed_button.clicked.connect(self._speed)
        self.remove_button.clicked.connect(self._remove)
        self.view.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.view.doubleClicked.connect(self._use)
        library.speedTestsChanged.connect(self._update_buttons)
        self._update_buttons()

    def show_snapshot(self, snapshot: LibrarySnapshot) -> None:
        selected = self.selected()
        self._snapshot = snapshot
        rows = installed_rows(snapshot)
        self.model.set_rows(rows)
        self.view.resizeColumnToContents(InstalledListModel.NAME)
        self.summary.setText(self._summary(snapshot, rows))
        self.empty.setVisible(not rows)
        self.view.setVisible(bool(rows))
        if rows:
            keep = selected.name if selected is not None else None
            target = next((i for i, r in enumerate(rows) if r.name == keep), 0)
            source = self.model.index(target, 0)
            self.view.setCurrentIndex(self.proxy.mapFromSource(source))
        self._update_buttons()

    def _summary(self, snapshot: LibrarySnapshot, rows: list[InstalledRow]) -> str:
        if snapshot.daemon_error is not None:
            return self.tr("Ollama is not running, so the installed models cannot be listed.")
        text = english_plural(
            self.tr("%n model(s) use %1 on this computer.", "", len(rows)), len(rows)
        ).replace("%1", format_size(snapshot.installed_bytes))
        storage = snapshot.storage
        if storage is not None:
            text += " " + self.tr("They are kept in %1; %2 is free there.").replace(
                "%1", str(storage.folder)
            ).replace("%2", format_size(storage.free_bytes))
        else:
            text += " " + self.tr("They are kept on the computer that runs Ollama.")
        return text

    def selected(self) -> InstalledRow | None:
        index = self.view.currentIndex()
        row = index.data(InstalledListModel.RowRole) if index.isValid() else None
        return row if isinstance(row, InstalledRow) else None

    def _update_buttons(self, *_args: object) -> None:
        row = self.selected()
        can_chat = row is not None and (
            Capability.CHAT in row.entry.capabilities or not row.entry.capabilities
        )
        self.use_button.setEnabled(can_chat)
        self.speed_button.setEnabled(can_chat)
        self.remove_button.setEnabled(row is not None)
        testing = row is not None and self.library.is_testing(row.name)
        self.speed_button.setText(self.tr("Stop test") if testing else self.tr("Test speed"))

    def _use(self, *_args: object) -> None:
        row = self.selected()
        if row is not None:
            self.library.use(row.name)

    def _speed(self) -> None:
        row = self.selected()
        if row is None:
            return
        if self.library.is_testing(row.name):
            self.library.stop_speed_test(row.name)
        else:
            self.library.test_speed(row.name)

    def _remove(self) -> None:
        row, snapshot = self.selected(), self._snapshot
        if row is None or snapshot is None:
            return
        if confirm_removal(self, row.title, row.entry, snapshot):
            self.library.remove(removal_names(row.entry))
