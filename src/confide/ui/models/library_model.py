"""The picker's cards: one per model family, worded for people, in a Qt list model.

Core's ``query_library`` filters and sorts the *sizes* of every family (a few dozen rows,
microseconds per keystroke). The picker then shows one card per family, like a shop
window: the card speaks for the first size that survived the filters in the chosen order
(an installed size wins, so the card shows what you have). All the sizes are one click away
in the detail panel.

Card texts are built once per entry per snapshot and cached, so a keystroke costs a filter,
a grouping pass and a model reset, never re-translation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from confide.core.catalog import Capability, LibraryEntry
from confide.core.hardware import FitVerdict
from confide.ui.models.library_data import LibrarySnapshot
from confide.ui.models.text import (
    catalog_text,
    commercial_label,
    fit_badge,
    fit_phrase,
    fit_tooltip,
    format_size,
    format_speed_result,
    origin_phrase,
    quality_phrase,
    tr,
)


class BadgeKind(Enum):
    FITS = "fits"
    SLOW = "slow"
    TOO_BIG = "too_big"
    INSTALLED = "installed"
    VISION = "vision"
    TOOLS = "tools"
    THINKING = "thinking"
    DOCUMENT_SEARCH = "document_search"


@dataclass(frozen=True)
class Badge:
    kind: BadgeKind
    text: str  # always words: the colour only repeats what the text says


@dataclass(frozen=True)
class Card:
    key: str  # the family id, or the entry key for a model outside the catalog
    entry: LibraryEntry  # the size this card speaks for
    title: str
    maker: str
    description: str
    badges: tuple[Badge, ...]
    summary: str  # "Standard quality, 4.7 GB, runs well on this computer"
    license_line: str
    speed_line: str
    fit_tooltip: str

    @property
    def accessible_text(self) -> str:
        badges = ", ".join(badge.text for badge in self.badges)
        return f"{self.title}, {self.maker}. {self.summary}. {badges}"


def family_key(entry: LibraryEntry) -> str:
    return entry.family.id if entry.family is not None else entry.key


def build_card(entry: LibraryEntry, snapshot: LibrarySnapshot) -> Card:
    """The card for ``entry``, as if it were the size its family card speaks for."""
    family = entry.family
    variant = entry.variant
    badges: list[Badge] = [Badge(_FIT_BADGE_KIND[entry.fit.verdict], fit_badge(entry.fit))]
    if entry.installed:
        badges.append(Badge(BadgeKind.INSTALLED, tr("Installed")))
    elif any(e.installed for e in snapshot.family_entries(entry)):
        badges.append(Badge(BadgeKind.INSTALLED, tr("Another size installed")))
    for capability, kind, text in (
        (Capability.VISION, BadgeKind.VISION, tr("Reads images")),
        (Capability.TOOLS, BadgeKind.TOOLS, tr("Uses tools")),
        (Capability.THINKING, BadgeKind.THINKING, tr("Thinks first")),
    ):
        if capability in entry.capabilities:
            badges.append(Badge(kind, text))
    if Capability.EMBEDDING in entry.capabilities and Capability.CHAT not in entry.capabilities:
        badges.append(Badge(BadgeKind.DOCUMENT_SEARCH, tr("For document search")))

    speed = snapshot.usage_of(entry.run_name).speed if entry.installed else None
    speed_line = format_speed_result(speed.tokens_per_second, speed.load_seconds) if speed else ""
    if family is not None and variant is not None:
        siblings = tuple(e.variant for e in snapshot.family_entries(entry) if e.variant)
        summary = (
            tr("%1, %2, %3")
            .replace("%1", quality_phrase(variant, siblings))
            .replace("%2", format_size(variant.download_size_bytes))
            .replace("%3", fit_phrase(entry.fit))
        )
        license_line = (
            f"{variant.license.name} · {commercial_label(variant.license.commercial_use)}"
        )
        return Card(
            key=family.id,
            entry=entry,
            title=family.name,
            maker=family.maker,
            description=catalog_text(family.description),
            badges=tuple(badges),
            summary=summary,
            license_line=license_line,
            speed_line=speed_line,
            fit_tooltip=fit_tooltip(entry.fit),
        )

    installed = entry.installed[0] if entry.installed else None
    info = snapshot.infos.get(installed.name) if installed is not None else None
    details = info.details if info is not None else None
    family_name = (details.family if details else "") or (installed.family if installed else "")
    parameters = (details.parameter_size if details else "") or (
        installed.parameter_size if installed else ""
    )
    if family_name and parameters:
        description = (
            tr("Not in Confide's catalog: a %1 model with %2 parameters.")
            .replace("%1", family_name)
            .replace("%2", parameters)
        )
    else:
        description = tr("Not in Confide's catalog.")
    licence = (info.license.strip().splitlines() or [""])[0] if info is not None else ""
    return Card(
        key=entry.key,
        entry=entry,
        title=entry.display_name.removesuffix(":latest"),
        maker=origin_phrase(entry.origin),
        description=description,
        badges=tuple(badges),
        summary=tr("%1 on disk, %2")
        .replace("%1", format_size(entry.download_size_bytes))
        .replace("%2", fit_phrase(entry.fit)),
        license_line=licence[:80] or tr("Licence: check where it came from"),
        speed_line=speed_line,
        fit_tooltip=fit_tooltip(entry.fit),
    )


_FIT_BADGE_KIND = {
    FitVerdict.RUNS_WELL: BadgeKind.FITS,
    FitVerdict.MAY_BE_SLOW: BadgeKind.SLOW,
    FitVerdict.WILL_NOT_FIT: BadgeKind.TOO_BIG,
}


class CardCache:
    """Cards built once per entry for the current snapshot."""

    def __init__(self, snapshot: LibrarySnapshot) -> None:
        self.snapshot = snapshot
        self._cards: dict[str, Card] = {}

    def card(self, entry: LibraryEntry) -> Card:
        card = self._cards.get(entry.key)
        if card is None:
            card = self._cards[entry.key] = build_card(entry, self.snapshot)
        return card

    def group(self, rows: Iterable[LibraryEntry], *, prefer_installed: bool = True) -> list[Card]:
        """One card per family, in the order its first surviving size appears.

        With ``prefer_installed`` (the recommended order) an installed size speaks for its
        family; in the other orders the size that earned the card its place does, so that
        "smallest first" really reads smallest first.
        """
        best: dict[str, LibraryEntry] = {}
        for entry in rows:
            key = family_key(entry)
            current = best.get(key)
            if current is None or (prefer_installed and entry.installed and not current.installed):
                best[key] = entry
        return [self.card(entry) for entry in best.values()]


class LibraryModel(QAbstractListModel):
    """Cards for a list view; the delegate paints them from :attr:`CardRole`."""

    CardRole = Qt.ItemDataRole.UserRole + 1
    KeyRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cards: list[Card] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._cards)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._cards):
            return None
        card = self._cards[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return card.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return card.fit_tooltip
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return card.accessible_text
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return card.description
        if role == self.CardRole:
            return card
        if role == self.KeyRole:
            return card.key
        return None

    def set_cards(self, cards: Sequence[Card]) -> None:
        # A reset, not a diff: a few dozen cards relayout in well under a frame, and the
        # view keeps the current card by key (see LibraryDialog).
        self.beginResetModel()
        self._cards = list(cards)
        self.endResetModel()

    def cards(self) -> list[Card]:
        return list(self._cards)

    def card(self, row: int) -> Card:
        return self._cards[row]

    def row_of(self, key: str) -> int:
        for row, card in enumerate(self._cards):
            if card.key == key:
                return row
        return -1
