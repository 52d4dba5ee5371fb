"""The transcript as a list model: one row per message; streaming touches only the last row."""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from confide.core.ollama.types import ChatMetrics

Index = QModelIndex | QPersistentModelIndex


_entry_ids = itertools.count(1)


class EntryStatus(enum.Enum):
    STREAMING = "streaming"
    COMPLETE = "complete"
    STOPPED = "stopped"
    ERROR = "error"


@dataclass
class TranscriptEntry:
    role: str  # "user" or "assistant"
    content: str
    model: str = ""
    thinking: str = ""
    status: EntryStatus = EntryStatus.COMPLETE
    error_title: str = ""
    error_message: str = ""
    metrics: ChatMetrics | None = None
    # Bumped on every change, so views can cache layouts per (row, revision, width).
    revision: int = 0
    uid: int = field(default_factory=lambda: next(_entry_ids))


class TranscriptRole(enum.IntEnum):
    ENTRY = Qt.ItemDataRole.UserRole + 1
    ROLE = Qt.ItemDataRole.UserRole + 2
    STATUS = Qt.ItemDataRole.UserRole + 3
    REVISION = Qt.ItemDataRole.UserRole + 4


class TranscriptModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[TranscriptEntry] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.content
        if role == Qt.ItemDataRole.AccessibleTextRole:
            who = self.tr("You") if entry.role == "user" else self.tr("Assistant")
            return f"{who}: {entry.content}"
        if role == TranscriptRole.ENTRY:
            return entry
        if role == TranscriptRole.ROLE:
            return entry.role
        if role == TranscriptRole.STATUS:
            return entry.status.value
        if role == TranscriptRole.REVISION:
            return entry.revision
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- editing (GUI thread only) -----------------------------------------------------------

    def entries(self) -> list[TranscriptEntry]:
        return list(self._entries)

    def clear(self) -> None:
        self.beginResetModel()
        self._entries.clear()
        self.endResetModel()

    def append(self, entry: TranscriptEntry) -> QModelIndex:
        row = len(self._entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self._entries.append(entry)
        self.endInsertRows()
        return self.index(row)

    def remove_last(self) -> None:
        if self._entries:
            row = len(self._entries) - 1
            self.beginRemoveRows(QModelIndex(), row, row)
            self._entries.pop()
            self.endRemoveRows()

    def last(self) -> TranscriptEntry | None:
        return self._entries[-1] if self._entries else None

    def extend_last(self, content: str, thinking: str = "") -> None:
        """Appends streamed text to the last entry; only that row is announced as changed."""
        if not self._entries or not (content or thinking):
            return
        entry = self._entries[-1]
        if content:
            entry.content += content
        if thinking:
            entry.thinking += thinking
        entry.revision += 1
        self._row_changed(len(self._entries) - 1)

    def update_last(self, **changes: Any) -> None:
        if not self._entries:
            return
        entry = self._entries[-1]
        for name, value in changes.items():
            setattr(entry, name, value)
        entry.revision += 1
        self._row_changed(len(self._entries) - 1)

    def _row_changed(self, row: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index)
