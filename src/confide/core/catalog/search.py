"""Filter, search and sort library entries: pure functions, cheap enough per keystroke.

Everything expensive was done by :func:`~confide.core.catalog.library.build_library`; here
each entry costs a few attribute reads and, when text was typed, one substring test per word
against its pre-folded search text. The entries arrive in recommended order, so the default
sort is free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise
from operator import attrgetter

from confide.core.catalog.library import LibraryEntry
from confide.core.catalog.model import (
    Capability,
    CommercialUse,
    LanguageLevel,
    Task,
    language_code,
)
from confide.core.catalog.recommend import is_secondary
from confide.core.catalog.text_search import query_terms
from confide.core.hardware import FitVerdict


class SortOrder(str, Enum):
    RECOMMENDED = "recommended"
    SIZE = "size"  # smallest download first
    NEWEST = "newest"
    NAME = "name"


@dataclass(frozen=True)
class LibraryQuery:
    """What the picker's search box and filter chips ask for. The default shows everything."""

    text: str = ""
    task: Task | None = None
    #: Keep entries at least ``min_language_level`` in this language (an ISO code).
    language: str | None = None
    min_language_level: LanguageLevel = LanguageLevel.GOOD
    capability: Capability | None = None
    #: Hide models whose licence forbids commercial use, and unknown ones (we cannot tell).
    commercial_only: bool = False
    #: Hide models that will not fit in this computer's memory.
    fits_only: bool = False
    installed_only: bool = False
    #: Only models meeting every openness criterion (open weights, data, code, evals, logs).
    fully_open_only: bool = False
    include_legacy: bool = True
    sort: SortOrder = SortOrder.RECOMMENDED


def filter_entries(entries: Iterable[LibraryEntry], query: LibraryQuery) -> list[LibraryEntry]:
    """The entries ``query`` keeps, in their original order.

    Each active condition is one list comprehension over what survived the previous one:
    that keeps the per-entry work in tight loops and lets the narrowest filters shrink the
    list early. Inactive conditions cost nothing.
    """
    rows = list(entries)
    if query.installed_only:
        rows = [e for e in rows if e.installed]
    if query.fits_only:
        rows = [e for e in rows if e.fit.verdict is not FitVerdict.WILL_NOT_FIT]
    if query.commercial_only:
        rows = [e for e in rows if e.commercial_use in _COMMERCIAL_OK]
    if query.fully_open_only:
        rows = [e for e in rows if e.fully_open]
    if not query.include_legacy:
        rows = [e for e in rows if not e.legacy]
    if query.task is not None:
        task = query.task
        rows = [e for e in rows if task in e.tasks]
    if query.capability is not None:
        capability = query.capability
        rows = [e for e in rows if capability in e.capabilities]
    if query.language is not None:
        code = language_code(query.language)
        min_rank = query.min_language_level.rank
        rows = [e for e in rows if e.language_rank(code) >= min_rank]
    for term in query_terms(query.text):
        rows = [e for e in rows if term in e.search_blob]
    return rows


_COMMERCIAL_OK = (CommercialUse.YES, CommercialUse.CONDITIONS)


def sort_entries(entries: Iterable[LibraryEntry], order: SortOrder) -> list[LibraryEntry]:
    """Sorted copy; ties fall back to the recommended order so the list never jumps."""
    return sorted(entries, key=attrgetter(_RANK_FIELDS[order]))


# Every order was computed once by build_library; sorting reads one integer per entry.
_RANK_FIELDS = {
    SortOrder.RECOMMENDED: "recommend_rank",
    SortOrder.SIZE: "size_rank",
    SortOrder.NEWEST: "newest_rank",
    SortOrder.NAME: "name_rank",
}
_recommended_key = attrgetter("recommend_rank")


def query_library(entries: Sequence[LibraryEntry], query: LibraryQuery) -> list[LibraryEntry]:
    """Filter then sort: what the picker calls on every keystroke."""
    kept = filter_entries(entries, query)
    if query.sort is SortOrder.RECOMMENDED and _in_recommended_order(kept):
        return kept
    return sort_entries(kept, query.sort)


def _in_recommended_order(entries: Sequence[LibraryEntry]) -> bool:
    return all(a.recommend_rank < b.recommend_rank for a, b in pairwise(entries))


def recommended_picks(entries: Iterable[LibraryEntry], limit: int = 3) -> list[LibraryEntry]:
    """The "Recommended for you" shelf: best general-purpose entry per family, that fits.

    One per family so that the shelf is not three sizes of the same model.
    """
    picks: list[LibraryEntry] = []
    seen_families: set[str] = set()
    for entry in sorted(entries, key=_recommended_key):
        if len(picks) >= limit:
            break
        if entry.fit.verdict is FitVerdict.WILL_NOT_FIT or entry.family is None:
            continue
        if is_secondary(entry) or entry.family.id in seen_families:
            continue
        seen_families.add(entry.family.id)
        picks.append(entry)
    return picks
