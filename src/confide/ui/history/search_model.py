"""Search hits as a Qt list model, with every text worked out once per result set."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from confide.core.store import Role, SearchHit
from confide.ui.history.labels import role_labels, time_formatter


def _tr(text: str) -> str:
    return QCoreApplication.translate("SearchResults", text)


@dataclass(frozen=True)
class ResultRow:
    hit: SearchHit
    title: str
    source: str
    """Who wrote it: "You", or "Assistant · llama3.1:8b"."""
    when: str
    """The message's date and time in the user's locale."""

    @property
    def accessible_text(self) -> str:
        return f"{self.title}. {self.source}, {self.when}. {self.hit.snippet}"


def build_rows(
    hits: Sequence[SearchHit], format_time: Callable[[datetime], str] | None = None
) -> list[ResultRow]:
    roles = role_labels()
    untitled = _tr("Untitled conversation")
    format_time = format_time or time_formatter()
    rows = []
    for hit in hits:
        source = roles[hit.role]
        if hit.role is Role.ASSISTANT and hit.model:
            source = _tr("%1 · %2").replace("%1", source).replace("%2", hit.model)
        rows.append(
            ResultRow(
                hit=hit,
                title=hit.conversation_title.strip() or untitled,
                source=source,
                when=format_time(hit.created_at),
            )
        )
    return rows


class SearchResultsModel(QAbstractListModel):
    RowRole = Qt.ItemDataRole.UserRole + 1
    """The :class:`ResultRow`."""
    HitRole = Qt.ItemDataRole.UserRole + 2
    """The :class:`~confide.core.store.SearchHit`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ResultRow] = []

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        rows = build_rows(hits)
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def clear(self) -> None:
        if not self._rows:
            return
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def row_at(self, row: int) -> ResultRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            # Plain text (type-ahead in the list, copy): the delegate paints the real thing.
            return f"{row.title}\n{row.hit.snippet}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return row.accessible_text
        if role == self.RowRole:
            return row
        if role == self.HitRole:
            return row.hit
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
