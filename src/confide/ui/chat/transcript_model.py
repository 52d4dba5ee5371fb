"""The transcript as a list model: one row per message; streaming touches only the last row.

Assistant answers are Markdown. Streaming answers are rendered incrementally as deltas
arrive; finished ones are rendered lazily, the first time the view needs them, so opening a
long conversation renders only what is on screen.

The model shows a window of at most ``WINDOW`` messages of the conversation, which slides
as the user scrolls near either end (``load_earlier`` / ``load_later``). QListView lays out
every row whenever a height changes, asking the delegate (Python) for each row's height:
~45 ms at 10,000 rows, ~5 ms at 240, ~2.5 ms at 120. The window is small enough that moving
it (a layout plus estimates for the rows that enter) fits in a frame with the painting, and
large enough (many screens) that it moves rarely.
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

WINDOW = 120  # messages the view holds at most


class EntryStatus(enum.Enum):
    STREAMING = "streaming"
    COMPLETE = "complete"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"  # the app or computer stopped mid-answer
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
    # Where the message lives in the store; None until it is saved.
    message_id: str | None = None
    parent_id: str | None = None
    siblings: tuple[str, ...] = ()  # versions at this point (regenerated, edited), oldest first
    images: tuple[bytes, ...] = ()  # pictures sent with a question
    model_changed_from: str | None = None  # the previous answer came from another model

    @property
    def sibling_position(self) -> int:
        """1-based place among the alternatives (0 while unsaved)."""
        if self.message_id is None or self.message_id not in self.siblings:
            return 0
        return self.siblings.index(self.message_id) + 1


class TranscriptRole(enum.IntEnum):
    ENTRY = Qt.ItemDataRole.UserRole + 1
    ROLE = Qt.ItemDataRole.UserRole + 2
    STATUS = Qt.ItemDataRole.UserRole + 3
    REVISION = Qt.ItemDataRole.UserRole + 4


class TranscriptModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None, *, window: int = WINDOW) -> None:
        super().__init__(parent)
        self._entries: list[TranscriptEntry] = []  # the whole conversation
        self._window = window
        self._start = 0  # the rows show self._entries[self._start:self._end]
        self._end = 0
        self.render_options = RenderOptions(
            copy_label=self.tr("Copy"), image_label=self.tr("image")
        )

    @property
    def slide_step(self) -> int:
        """How many messages ``load_earlier`` / ``load_later`` should move the window by: a
        third of it, so the rows on screen stay in the window while it moves."""
        return max(1, self._window // 3)

    def set_dark(self, dark: bool) -> None:
        """Code highlighting follows the theme; answers are rendered again lazily."""
        if dark == self.render_options.dark:
            return
        self.render_options = RenderOptions(
            dark=dark,
            copy_label=self.render_options.copy_label,
            image_label=self.render_options.image_label,
        )
        for entry in self._entries:
            # An answer still streaming starts its renderer again with its next words.
            entry.markdown = None
            entry.rendered = None
            entry.revision += 1
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._end - self._start

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        entry = self._entries[self._start + index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.content
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._spoken(entry)
        if role == TranscriptRole.ENTRY:
            return entry
        if role == TranscriptRole.ROLE:
            return entry.role
        if role == TranscriptRole.STATUS:
            return entry.status.value
        if role == TranscriptRole.REVISION:
            return entry.revision
        return None

    def _spoken(self, entry: TranscriptEntry) -> str:
        """What a screen reader says for a message: who, which version, its state, the text."""
        if entry.role == "user":
            parts = [self.tr("You")]
        else:
            parts = [self.tr("Assistant") + (f" ({entry.model})" if entry.model else "")]
        if len(entry.siblings) > 1 and entry.sibling_position:
            parts.append(
                self.tr("version %1 of %2")
                .replace("%1", str(entry.sibling_position))
                .replace("%2", str(len(entry.siblings)))
            )
        state = {
            EntryStatus.STREAMING: self.tr("still writing"),
            EntryStatus.STOPPED: self.tr("stopped"),
            EntryStatus.INTERRUPTED: self.tr("interrupted"),
            EntryStatus.ERROR: self.tr("failed"),
        }.get(entry.status)
        if state:
            parts.append(state)
        if entry.images:
            parts.append(self.tr("%n image(s)", "", len(entry.images)))
        return ", ".join(parts) + ": " + entry.content

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
        """The whole conversation, not only the rows in the window."""
        return list(self._entries)

    def entry_at(self, row: int) -> TranscriptEntry:
        return self._entries[self._start + row]

    @property
    def has_earlier(self) -> bool:
        return self._start > 0

    @property
    def has_later(self) -> bool:
        return self._end < len(self._entries)

    @property
    def at_tail(self) -> bool:
        return self._end == len(self._entries)

    def clear(self) -> None:
        self.reset_entries([])

    def reset_entries(self, entries: list[TranscriptEntry]) -> None:
        """Shows a conversation, positioned at its end (where the user continues it)."""
        self.beginResetModel()
        self._entries = list(entries)
        self._end = len(self._entries)
        self._start = max(0, self._end - self._window)
        self.endResetModel()

    def replace_entries(self, entries: list[TranscriptEntry]) -> None:
        """Shows a new version of the same conversation (a branch switched, a message
        deleted, the rest of a long conversation loaded). When the rows on screen are still
        the same messages, the view is not reset, so it keeps its scroll position."""
        shown = self._entries[self._start : self._end]
        if shown:
            for start in range(len(entries)):
                if entries[start] is shown[0]:
                    candidate = entries[start : start + len(shown)]
                    if len(candidate) == len(shown) and all(
                        a is b for a, b in zip(candidate, shown, strict=True)
                    ):
                        self._entries = list(entries)
                        self._start, self._end = start, start + len(shown)
                        return
                    break
        self.reset_entries(entries)

    def position_of(self, message_id: str) -> int | None:
        """Where the message is in the whole conversation (not only the window)."""
        for position, entry in enumerate(self._entries):
            if entry.message_id == message_id:
                return position
        return None

    def show_around(self, position: int) -> int:
        """Moves the window so the message at ``position`` is a row; returns that row."""
        if not self._start <= position < self._end:
            self.beginResetModel()
            half = self._window // 2
            self._start = max(0, min(position - half, len(self._entries) - self._window))
            self._end = min(len(self._entries), self._start + self._window)
            self.endResetModel()
        return position - self._start

    def row_of(self, entry: TranscriptEntry) -> int | None:
        """The row showing ``entry``, or None when it is outside the window."""
        for row, shown in enumerate(self._entries[self._start : self._end]):
            if shown is entry:
                return row
        return None

    def entry_changed(self, entry: TranscriptEntry) -> None:
        """Repaints ``entry`` if it is on a row (after its siblings or status changed)."""
        entry.revision += 1
        row = self.row_of(entry)
        if row is not None:
            self._row_changed(row)

    def show_head(self) -> None:
        """Moves the window to the start of the conversation."""
        self.beginResetModel()
        self._start = 0
        self._end = min(len(self._entries), self._window)
        self.endResetModel()

    def show_tail(self) -> None:
        if not self.at_tail or self.rowCount() > self._window:
            self.reset_entries(self._entries)

    def load_earlier(self, count: int) -> int:
        """Adds up to `count` earlier messages at the top, dropping rows at the bottom."""
        added = min(count, self._start)
        if not added:
            return 0
        self.beginInsertRows(QModelIndex(), 0, added - 1)
        self._start -= added
        self.endInsertRows()
        excess = self.rowCount() - self._window
        if excess > 0:
            rows = self.rowCount()
            self.beginRemoveRows(QModelIndex(), rows - excess, rows - 1)
            self._end -= excess
            self.endRemoveRows()
        return added

    def load_later(self, count: int) -> int:
        """Adds up to `count` later messages at the bottom, dropping rows at the top."""
        added = min(count, len(self._entries) - self._end)
        if not added:
            return 0
        rows = self.rowCount()
        self.beginInsertRows(QModelIndex(), rows, rows + added - 1)
        self._end += added
        self.endInsertRows()
        excess = self.rowCount() - self._window
        if excess > 0:
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            self._start += excess
            self.endRemoveRows()
        return added

    def append(self, entry: TranscriptEntry) -> QModelIndex:
        """Adds a message at the end; the window jumps to the end first if it was elsewhere."""
        self.show_tail()
        row = self.rowCount()
        self.beginInsertRows(QModelIndex(), row, row)
        self._entries.append(entry)
        self._end += 1
        self.endInsertRows()
        excess = self.rowCount() - self._window
        if excess > 0:
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            self._start += excess
            self.endRemoveRows()
        return self.index(self.rowCount() - 1)

    def remove_last(self) -> None:
        if not self._entries:
            return
        if self.at_tail and self.rowCount():
            row = self.rowCount() - 1
            self.beginRemoveRows(QModelIndex(), row, row)
            self._entries.pop()
            self._end -= 1
            self.endRemoveRows()
        else:
            self._entries.pop()

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
        self._last_changed()

    def update_last(self, **changes: Any) -> None:
        if not self._entries:
            return
        entry = self._entries[-1]
        for name, value in changes.items():
            setattr(entry, name, value)
        if entry.status is not EntryStatus.STREAMING:
            if entry.markdown is not None:
                entry.rendered = entry.markdown.finish()
                entry.markdown = None
            # Also when it ended while the model was still thinking (stopped, failed).
            if entry.thinking_started is not None and entry.thinking_seconds is None:
                entry.thinking_seconds = time.monotonic() - entry.thinking_started
        entry.revision += 1
        self._last_changed()

    def toggle_thinking(self, row: int) -> None:
        if 0 <= row < self.rowCount():
            entry = self.entry_at(row)
            entry.thinking_expanded = not entry.thinking_expanded
            entry.revision += 1
            self._row_changed(row)

    def _last_changed(self) -> None:
        if self.at_tail and self.rowCount():
            self._row_changed(self.rowCount() - 1)

    def _row_changed(self, row: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index)
