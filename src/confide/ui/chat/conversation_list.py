"""The conversation list as a flat Qt model: group headings ("Pinned", "Today", …) are rows.

Rows are laid out as: the "Pinned" heading and pinned conversations, then the unpinned ones
most recent first, with a heading wherever a new date group starts. A heading shows only
while its group has conversations.

Unpinned conversations live in one list sorted by last activity; date groups are slices of
it, cut at local midnights. A date change therefore never reorders conversations, it only
moves headings (``refresh_groups``). Every change is announced with the narrowest signal
(insert, remove or move of one row, plus a heading when a group appears or empties), never a
reset, so the view keeps its selection and scroll position with 10,000 conversations.

The title filter lives here too, not in a QSortFilterProxyModel: a proxy re-filters every
row (a Python call each) whenever a row moves, which costs ~150 ms at 10,000 conversations
on every new message. Here a conversation that does not match simply has no row, and a
change to it costs a bisection. Changing the filter text is one reset.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QDate,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTime,
)

from confide.core.store.models import ConversationSummary
from confide.core.store.textfold import fold_for_match

Index = QModelIndex | QPersistentModelIndex
Now = Callable[[], datetime]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Group(enum.IntEnum):
    """In display order."""

    PINNED = 0
    TODAY = 1
    YESTERDAY = 2
    WEEK = 3
    OLDER = 4


_RECENT_GROUPS = (Group.TODAY, Group.YESTERDAY, Group.WEEK, Group.OLDER)


class ConversationRole(enum.IntEnum):
    ID = Qt.ItemDataRole.UserRole + 1  # str, or None on a heading
    SUMMARY = Qt.ItemDataRole.UserRole + 2  # ConversationSummary, or None on a heading
    IS_HEADER = Qt.ItemDataRole.UserRole + 3
    GROUP = Qt.ItemDataRole.UserRole + 4  # Group
    PINNED = Qt.ItemDataRole.UserRole + 5


def fold_title(text: str) -> str:
    """Case- and accent-free form of a title, for substring matching ("lodz" finds "Łódź")."""
    if text.isascii():
        return text.lower()
    return fold_for_match(text).casefold()


def filter_terms(text: str) -> tuple[str, ...]:
    """The folded words of a filter; a title must contain every one of them."""
    return tuple(fold_title(text).split())


def _millis(moment: datetime) -> int:
    if moment.tzinfo is None:  # the store hands out aware times; be lenient with others
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _local_midnight_ms(day: date) -> int:
    # A naive datetime's astimezone() reads it as local time, with that day's DST offset.
    return _millis(datetime.combine(day, time()).astimezone())


def _system_now() -> datetime:
    return datetime.now().astimezone()


@dataclass(slots=True)
class _Entry:
    summary: ConversationSummary
    key: tuple[int, str] = field(init=False)  # (-updated ms, id): most recent first
    folded: str | None = None  # the folded title, made on first filtering
    shown: bool = False  # has a row: it passes the filter

    def __post_init__(self) -> None:
        self.key = (-_millis(self.summary.updated_at), self.summary.id)

    def folded_title(self) -> str:
        if self.folded is None:
            self.folded = fold_title(self.summary.title)
        return self.folded


def _entry_key(entry: _Entry) -> tuple[int, str]:
    return entry.key


def _entry_age(entry: _Entry) -> int:
    return entry.key[0]


@dataclass(frozen=True, slots=True)
class _Block:
    group: Group
    first_row: int  # the heading's row when shown, else the first conversation's
    header: bool
    start: int  # where the group begins in its list
    count: int

    @property
    def end_row(self) -> int:
        return self.first_row + int(self.header) + self.count


class ConversationListModel(QAbstractListModel):
    """Conversations grouped by pinning and last activity. GUI thread only.

    Conversations in the trash (``deleted_at`` set) are never listed: ``upsert`` of one
    removes it.
    """

    def __init__(self, parent: QObject | None = None, *, now: Now | None = None) -> None:
        super().__init__(parent)
        self._now: Now = now or _system_now
        self._entries: dict[str, _Entry] = {}
        self._pinned: list[_Entry] = []
        self._recent: list[_Entry] = []
        self._shown: set[Group] = set()  # groups whose heading is a row right now
        self._terms: tuple[str, ...] = ()  # the filter's folded words
        self._today = date.min
        self._bounds = (0, 0, 0)  # local midnights (ms) starting Today, Yesterday, Week
        self._blocks: tuple[_Block, ...] = ()
        self._row_count = 0
        self._headings = {
            Group.PINNED: self.tr("Pinned"),
            Group.TODAY: self.tr("Today"),
            Group.YESTERDAY: self.tr("Yesterday"),
            Group.WEEK: self.tr("Previous 7 days"),
            Group.OLDER: self.tr("Older"),
        }
        self._set_today(self._current_day())
        self._relayout()

    # -- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        # QListView asks for every row while laying out: keep this a lookup.
        return 0 if parent.isValid() else self._row_count

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._entry_at_row(index.row()) is None:
            # Enabled, so screen readers do not call headings "unavailable"; never selectable.
            return Qt.ItemFlag.ItemIsEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        block, entry = self._locate(index.row())
        if entry is None:
            return self._heading_data(block.group, role)
        summary = entry.summary
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display_title(summary)
        if role == Qt.ItemDataRole.EditRole:
            return summary.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(summary)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._accessible_text(summary)
        if role == ConversationRole.ID:
            return summary.id
        if role == ConversationRole.SUMMARY:
            return summary
        if role == ConversationRole.IS_HEADER:
            return False
        if role == ConversationRole.GROUP:
            return block.group
        if role == ConversationRole.PINNED:
            return summary.pinned
        return None

    def _heading_data(self, group: Group, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._headings[group]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.tr("Section: %1").replace("%1", self._headings[group])
        if role == ConversationRole.IS_HEADER:
            return True
        if role == ConversationRole.GROUP:
            return group
        if role == ConversationRole.PINNED:
            return False
        return None

    # -- texts ----------------------------------------------------------------------------

    def display_title(self, summary: ConversationSummary) -> str:
        return summary.title.strip() or self.tr("Untitled conversation")

    def describe_when(self, moment: datetime) -> str:
        """'today at 14:05', 'yesterday at 09:12', or the date and time, in local time."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        local = moment.astimezone()
        locale = QLocale()
        clock = locale.toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)
        days = (self._current_day() - local.date()).days
        if days <= 0:
            return self.tr("today at %1").replace("%1", clock)
        if days == 1:
            return self.tr("yesterday at %1").replace("%1", clock)
        day = locale.toString(
            QDate(local.year, local.month, local.day), QLocale.FormatType.ShortFormat
        )
        return self.tr("%1 at %2").replace("%1", day).replace("%2", clock)

    def _tooltip(self, summary: ConversationSummary) -> str:
        lines = [
            self.display_title(summary),
            self.tr("Model: %1").replace("%1", summary.model)
            if summary.model
            else self.tr("Model: not chosen"),
            self.tr("Last activity: %1").replace("%1", self.describe_when(summary.updated_at)),
        ]
        if summary.pinned:
            lines.append(self.tr("Pinned"))
        return "\n".join(lines)

    def _accessible_text(self, summary: ConversationSummary) -> str:
        when = self.describe_when(summary.updated_at)
        if summary.pinned:
            text = self.tr("Conversation: %1, pinned, updated %2")
        else:
            text = self.tr("Conversation: %1, updated %2")
        return text.replace("%1", self.display_title(summary)).replace("%2", when)

    # -- queries --------------------------------------------------------------------------

    def conversation_count(self) -> int:
        """How many conversations there are, shown or filtered out. (No ``__len__``: an empty
        model would then be falsy.)"""
        return len(self._entries)

    def __contains__(self, conversation_id: object) -> bool:
        return conversation_id in self._entries

    @property
    def filtering(self) -> bool:
        return bool(self._terms)

    def shown_count(self) -> int:
        """How many conversations have a row (pass the filter)."""
        return len(self._pinned) + len(self._recent)

    def summaries(self) -> list[ConversationSummary]:
        """Every conversation, shown or filtered out: pinned first, then most recent first."""
        entries = sorted(self._entries.values(), key=lambda e: (not e.summary.pinned, e.key))
        return [entry.summary for entry in entries]

    def summary(self, conversation_id: str) -> ConversationSummary | None:
        entry = self._entries.get(conversation_id)
        return entry.summary if entry is not None else None

    def index_of(self, conversation_id: str) -> QModelIndex:
        """The conversation's row, or an invalid index when it has none (unknown, or
        filtered out)."""
        entry = self._entries.get(conversation_id)
        if entry is None or not entry.shown:
            return QModelIndex()
        return self.index(self._row_of(entry))

    def summary_at(self, index: Index) -> ConversationSummary | None:
        """The conversation on ``index`` (of this model); None on a heading or out of range."""
        if not index.isValid() or index.model() is not self:
            return None
        entry = self._entry_at_row(index.row())
        return entry.summary if entry is not None else None

    def group_of(self, summary: ConversationSummary) -> Group:
        return self._group(_Entry(summary))

    # -- changes --------------------------------------------------------------------------

    def set_conversations(self, summaries: Iterable[ConversationSummary]) -> None:
        """Replaces the whole list (one reset). Later duplicates of an id win."""
        entries: dict[str, _Entry] = {}
        for summary in summaries:
            if summary.deleted_at is None:
                entries[summary.id] = _Entry(summary)
            else:
                entries.pop(summary.id, None)
        self.beginResetModel()
        self._entries = entries
        self._set_today(self._current_day())
        self._rebuild()
        self.endResetModel()

    def set_filter_text(self, text: str) -> bool:
        """Shows only conversations whose title has every word of ``text`` (case and accents
        ignored), under their headings. One reset; True when the filter changed."""
        terms = filter_terms(text)
        if terms == self._terms:
            return False
        self.beginResetModel()
        self._terms = terms
        self._rebuild()
        self.endResetModel()
        return True

    def upsert(self, summary: ConversationSummary) -> None:
        """Adds or updates one conversation; it moves to the group and place it now belongs
        in (new activity moves it to the top of "Today")."""
        if summary.deleted_at is not None:
            self.remove(summary.id)
            return
        self.refresh_groups()
        old = self._entries.get(summary.id)
        new = _Entry(summary)
        if old is not None and old.summary.title == summary.title:
            new.folded = old.folded
        wanted = self._matches(new)
        if old is not None and old.shown and wanted:
            self._replace(old, new)
        elif old is not None and old.shown:
            self._hide(old, replacement=new)  # renamed away from the filter
        elif wanted:
            self._insert(new)
        else:
            self._entries[summary.id] = new

    def remove(self, conversation_id: str) -> bool:
        """Drops the conversation; False when there was no such conversation."""
        entry = self._entries.get(conversation_id)
        if entry is None:
            return False
        if entry.shown:
            self._hide(entry, replacement=None)
        else:
            del self._entries[conversation_id]
        return True

    def refresh_groups(self) -> bool:
        """Regroups by date when the local date has changed since the last grouping (call it
        now and then, e.g. from a timer). True when something moved."""
        today = self._current_day()
        if today == self._today:
            return False
        # Conversations keep their order; only headings move. Take all date headings out,
        # recut the groups, then put back the headings of groups that have conversations.
        for group in reversed(_RECENT_GROUPS):
            if group in self._shown:
                row = self._block(group).first_row
                self.beginRemoveRows(QModelIndex(), row, row)
                self._shown.discard(group)
                self._relayout()
                self.endRemoveRows()
        self._set_today(today)
        self._relayout()
        for group in _RECENT_GROUPS:
            block = self._block(group)
            if block.count:
                self.beginInsertRows(QModelIndex(), block.first_row, block.first_row)
                self._shown.add(group)
                self._relayout()
                self.endInsertRows()
        if self.rowCount():
            # Tooltips and spoken texts say "today" / "yesterday".
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1))
        return True

    # The steps below keep one rule: whenever a signal goes out, the lists, the headings,
    # ``_entries`` and the ``shown`` flags all agree, because views and the sidebar look
    # rows up (``index_of``) while they handle it.

    def _rebuild(self) -> None:
        """Lays out everything again, without signals (inside a reset)."""
        pinned: list[_Entry] = []
        recent: list[_Entry] = []
        for entry in self._entries.values():
            entry.shown = self._matches(entry)
            if entry.shown:
                (pinned if entry.summary.pinned else recent).append(entry)
        pinned.sort(key=_entry_key)
        recent.sort(key=_entry_key)
        self._pinned, self._recent = pinned, recent
        self._shown = set()
        self._relayout()
        self._shown = {block.group for block in self._blocks if block.count}
        self._relayout()

    def _matches(self, entry: _Entry) -> bool:
        return not self._terms or _matches(entry, self._terms)

    def _insert(self, entry: _Entry) -> None:
        group = self._group(entry)
        block = self._block(group)
        entries = self._list_for(group)
        position = bisect_left(entries, entry.key, key=_entry_key) - block.start
        if group in self._shown:
            row = block.first_row + 1 + position
            self.beginInsertRows(QModelIndex(), row, row)
        else:
            self.beginInsertRows(QModelIndex(), block.first_row, block.first_row + 1)
            self._shown.add(group)
        self._put(entry)
        entry.shown = True
        self._entries[entry.summary.id] = entry
        self._relayout()
        self.endInsertRows()

    def _hide(self, entry: _Entry, *, replacement: _Entry | None) -> None:
        """Takes the entry's row out; ``replacement`` (not shown) takes its place in
        ``_entries``, or the conversation is forgotten."""
        group = self._group(entry)
        row = self._row_of(entry)
        block = self._block(group)
        last_in_group = block.count == 1 and block.header
        first = row - 1 if last_in_group else row
        self.beginRemoveRows(QModelIndex(), first, row)
        self._take(entry)
        entry.shown = False
        if replacement is None:
            del self._entries[entry.summary.id]
        else:
            self._entries[entry.summary.id] = replacement
        if last_in_group:
            self._shown.discard(group)
        self._relayout()
        self.endRemoveRows()

    def _replace(self, old: _Entry, new: _Entry) -> None:
        source_group, target_group = self._group(old), self._group(new)
        if target_group not in self._shown:
            # The heading first, so the move below lands under it.
            row = self._block(target_group).first_row
            self.beginInsertRows(QModelIndex(), row, row)
            self._shown.add(target_group)
            self._relayout()
            self.endInsertRows()
        source_row = self._row_of(old)
        # Where the row ends up: make the change, read the row, undo it. No signal is
        # emitted in between, so nobody sees the trial.
        self._swap(old, new)
        target_row = self._row_of(new)
        self._swap(new, old)
        moved = target_row != source_row
        if moved:
            destination = target_row + 1 if target_row > source_row else target_row
            self.beginMoveRows(QModelIndex(), source_row, source_row, QModelIndex(), destination)
        self._swap(old, new)
        old.shown, new.shown = False, True
        self._entries[new.summary.id] = new
        if moved:
            self.endMoveRows()
        changed = self.index(target_row)
        self.dataChanged.emit(changed, changed)
        if source_group is not target_group and self._block(source_group).count == 0:
            row = self._block(source_group).first_row
            self.beginRemoveRows(QModelIndex(), row, row)
            self._shown.discard(source_group)
            self._relayout()
            self.endRemoveRows()

    # -- layout ---------------------------------------------------------------------------

    def _current_day(self) -> date:
        return self._now().astimezone().date()

    def _set_today(self, today: date) -> None:
        self._today = today
        self._bounds = (
            _local_midnight_ms(today),
            _local_midnight_ms(today - timedelta(days=1)),
            _local_midnight_ms(today - timedelta(days=7)),
        )

    def _group(self, entry: _Entry) -> Group:
        if entry.summary.pinned:
            return Group.PINNED
        updated = -entry.key[0]
        today, yesterday, week = self._bounds
        if updated >= today:
            return Group.TODAY
        if updated >= yesterday:
            return Group.YESTERDAY
        if updated >= week:
            return Group.WEEK
        return Group.OLDER

    def _list_for(self, group: Group) -> list[_Entry]:
        return self._pinned if group is Group.PINNED else self._recent

    def _relayout(self) -> None:
        """Recomputes the blocks after the lists, the bounds or the shown headings change."""
        cuts = [0] + [bisect_right(self._recent, -bound, key=_entry_age) for bound in self._bounds]
        cuts.append(len(self._recent))
        blocks: list[_Block] = []
        row = 0
        spans = [(Group.PINNED, 0, len(self._pinned))] + [
            (group, cuts[i], cuts[i + 1] - cuts[i]) for i, group in enumerate(_RECENT_GROUPS)
        ]
        for group, start, count in spans:
            block = _Block(group, row, group in self._shown, start, count)
            blocks.append(block)
            row = block.end_row
        self._blocks = tuple(blocks)
        self._row_count = row

    def _block(self, group: Group) -> _Block:
        return self._blocks[group]

    def _locate(self, row: int) -> tuple[_Block, _Entry | None]:
        for block in self._blocks:
            if row < block.end_row:
                offset = row - block.first_row
                if block.header:
                    if offset == 0:
                        return block, None
                    offset -= 1
                return block, self._list_for(block.group)[block.start + offset]
        raise IndexError(row)

    def _entry_at_row(self, row: int) -> _Entry | None:
        if not 0 <= row < self.rowCount():
            return None
        return self._locate(row)[1]

    def _row_of(self, entry: _Entry) -> int:
        block = self._block(self._group(entry))
        position = bisect_left(self._list_for(block.group), entry.key, key=_entry_key)
        return block.first_row + int(block.header) + position - block.start

    def _put(self, entry: _Entry) -> None:
        insort(self._list_for(self._group(entry)), entry, key=_entry_key)

    def _take(self, entry: _Entry) -> None:
        entries = self._list_for(self._group(entry))
        del entries[bisect_left(entries, entry.key, key=_entry_key)]

    def _swap(self, out: _Entry, into: _Entry) -> None:
        self._take(out)
        self._put(into)
        self._relayout()


def _matches(entry: _Entry, terms: Sequence[str]) -> bool:
    title = entry.folded_title()
    return all(term in title for term in terms)
