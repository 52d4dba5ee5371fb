"""Text folding for search: case, accents and a few letters that Unicode does not split.

A Polish user typing "lodz" should find "Łódź", a Romanian "stiinta" should find
"știință". Folding is done once per entry when the library is built, and once per
keystroke for the query, never per comparison.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Letters with a stroke or ligature have no decomposition, so NFKD leaves them alone.
_EXTRA = str.maketrans({"ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "æ": "ae"})


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower-case, accent-free form of ``text`` for substring matching.

    Cached, because the same descriptions and labels recur across a family's variants.
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def query_terms(query: str) -> tuple[str, ...]:
    """The folded words of a query; every one must match for an entry to be shown."""
    return tuple(term for term in fold(query).split() if term)


def fold_all(parts: Iterable[str]) -> str:
    """Fold each part on its own (so repeated parts hit the cache) and join them."""
    return " ".join(fold(part) for part in parts if part)
