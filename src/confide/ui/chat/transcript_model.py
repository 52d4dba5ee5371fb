"""The transcript as a list model: one row per message; streaming touches only the last row.

Assistant answers are Markdown. Streaming answers are rendered incrementally as deltas
arrive; finished ones are rendered lazily, the first time the view needs them, so opening a
long conversation renders only what is on screen.
"""

from __future__ import annotations

import enum
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from confide.core.markdown import IncrementalMarkdown, RenderResult, render_markdown
from confide.core.markdown.result import RenderOptions
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
    # Bumped on every change, so views can cache layouts per (entry, revision, width).
    revision: int = 0
    uid: int = field(default_factory=lambda: next(_entry_ids))
    rendered: RenderResult | None = field(default=None, repr=False)
    markdown: IncrementalMarkdown | None = field(default=None, repr=False)
    thinking_started: float | None = None
    thinking_seconds: float | None = None
    thinking_expanded: bool = True


class TranscriptRole(enum.IntEnum):
    ENTRY = Qt.ItemDataRole.UserRole + 1
    ROLE = Qt.ItemDataRole.UserRole + 2
    STATUS = Qt.ItemDataRole.UserRole + 3
    REVISION = Qt.ItemDataRole.UserRole + 4


class TranscriptModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[TranscriptEntry] = []
        self.render_options = RenderOptions(
            copy_label=self.tr("Copy"), image_label=self.tr("image")
        )

    def set_dark(self, dark: bool) -> None:
        """Code highlighting follows the theme; finished answers are rendered again lazily."""
        if dark == self.render_options.dark:
            return
        self.render_options = RenderOptions(
            dark=dark,
            copy_label=self.render_options.copy_label,
            image_label=self.render_options.image_label,
        )
        for entry in self._entries:
            if entry.markdown is None:
                entry.rendered = None
                entry.revision += 1
        if self._entries:
            self.dataChanged.emit(self.index(0), self.index(len(self._entries) - 1))

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

    # -- rendering ----------------------------------------------------------------------------

    def rendered(self, entry: TranscriptEntry) -> RenderResult:
        """The entry's Markdown render, made now if nobody needed it before."""
        if entry.rendered is None:
            options = self.render_options
            entry.rendered = render_markdown(
                entry.content,
                dark=options.dark,
                copy_label=options.copy_label,
                image_label=options.image_label,
            )
        return entry.rendered

    # -- editing (GUI thread only) -----------------------------------------------------------

    def entries(self) -> list[TranscriptEntry]:
        return list(self._entries)

    def clear(self) -> None:
        self.beginResetModel()
        self._entries.clear()
        self.endResetModel()

    def reset_entries(self, entries: list[TranscriptEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
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
        now = time.monotonic()
        if thinking:
            if entry.thinking_started is None:
                entry.thinking_started = now
            entry.thinking += thinking
        if content:
            if entry.thinking_started is not None and entry.thinking_seconds is None:
                # The answer starts: the reasoning is done, fold it away.
                entry.thinking_seconds = now - entry.thinking_started
                entry.thinking_expanded = False
            entry.content += content
            if entry.role == "assistant":
                if entry.markdown is None:
                    options = self.render_options
                    entry.markdown = IncrementalMarkdown(
                        dark=options.dark,
                        copy_label=options.copy_label,
                        image_label=options.image_label,
                    )
                    entry.rendered = entry.markdown.feed(entry.content)
                else:
                    entry.rendered = entry.markdown.feed(content)
        entry.revision += 1
        self._row_changed(len(self._entries) - 1)

    def update_last(self, **changes: Any) -> None:
        if not self._entries:
            return
        entry = self._entries[-1]
        for name, value in changes.items():
            setattr(entry, name, value)
        if entry.status is not EntryStatus.STREAMING and entry.markdown is not None:
            entry.rendered = entry.markdown.finish()
            entry.markdown = None
            if entry.thinking_started is not None and entry.thinking_seconds is None:
                entry.thinking_seconds = time.monotonic() - entry.thinking_started
        entry.revision += 1
        self._row_changed(len(self._entries) - 1)

    def toggle_thinking(self, row: int) -> None:
        if 0 <= row < len(self._entries):
            entry = self._entries[row]
            entry.thinking_expanded = not entry.thinking_expanded
            entry.revision += 1
            self._row_changed(row)

    def _row_changed(self, row: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index)
