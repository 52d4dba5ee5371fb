"""A search snippet as rich text: the user's words escaped, the matches marked.

The store hands over plain text and (start, end) offsets; everything the user or a model
wrote is escaped here, so a snippet that reads ``<b>bold</b>`` is shown exactly like that.
Matches are bold *and* on a marker background, so they stand out without relying on colour,
with a fixed dark text colour so the marker stays readable in light and dark themes.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

MARK_BACKGROUND = "#ffe066"
MARK_TEXT = "#1a1a1a"
_MARK_OPEN = (
    f'<span style="font-weight:700; background-color:{MARK_BACKGROUND}; color:{MARK_TEXT};">'
)
_MARK_CLOSE = "</span>"


def merge_spans(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """The spans clamped to ``[0, length]``, sorted, with overlapping or touching spans merged
    and empty ones dropped (highlight offsets are never trusted blindly)."""
    clamped = sorted(
        (max(0, start), min(length, end)) for start, end in spans if min(length, end) > start
    )
    merged: list[tuple[int, int]] = []
    for start, end in clamped:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def snippet_html(snippet: str, spans: Iterable[tuple[int, int]]) -> str:
    """``snippet`` as escaped HTML with each span marked."""
    parts: list[str] = []
    position = 0
    for start, end in merge_spans(spans, len(snippet)):
        parts.append(html.escape(snippet[position:start]))
        parts.append(_MARK_OPEN + html.escape(snippet[start:end]) + _MARK_CLOSE)
        position = end
    parts.append(html.escape(snippet[position:]))
    return "".join(parts)
