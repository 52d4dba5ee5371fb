"""Full-text search across all conversations, as the user types.

Every word of the query must occur (diacritics and case ignored); the last word also matches
as a prefix unless the query ends with a space, so "umowa na" finds "umowa najmu". Results are
newest first: the index stores no positions (smaller, cheaper to update), so FTS5 can walk
its row ids backwards and stop after ``limit`` hits instead of ranking every match, which
keeps every keystroke fast even with a million messages.

Snippets are cut and highlighted here, in Python, from the stored text: the UI gets plain
text plus (start, end) spans to emphasise, and renders them itself (no markup to escape).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from confide.core.store.clock import to_datetime, to_millis
from confide.core.store.database import Database
from confide.core.store.indexing import SearchIndexer
from confide.core.store.models import Role, SearchHit
from confide.core.store.textfold import (
    BYTE_FOLDERS,
    WORD,
    ByteFolder,
    fold_for_index,
    fold_for_match,
)

MIN_PREFIX = 2
"""Shorter last words match whole words only: a one-letter prefix matches nearly everything."""
MAX_TERMS = 12
SNIPPET_CHARS = 160
_MAX_HITS = 16  # enough to choose a window; more only costs time
_CHUNK = 256
_LEAD_CHARS = 40
ELLIPSIS = "…"


@dataclass(frozen=True)
class ParsedQuery:
    match: str
    """The FTS5 MATCH expression: every term quoted, so user input is never FTS syntax."""
    terms: tuple[tuple[str, bool], ...]
    """(folded word, is prefix) per term, for highlighting."""


def parse_query(query: str) -> ParsedQuery | None:
    text = unicodedata.normalize("NFC", fold_for_index(query))
    words = list(WORD.finditer(text))[:MAX_TERMS]
    if not words:
        return None
    parts: list[str] = []
    terms: list[tuple[str, bool]] = []
    for index, word in enumerate(words):
        token = word.group()
        key = fold_for_match(token)
        prefix = index == len(words) - 1 and word.end() == len(text) and len(key) >= MIN_PREFIX
        # A word holds only token characters, so each quoted string is exactly one FTS token
        # (the index stores no positions, so a multi-token phrase would be an error).
        parts.append(f'"{token}"' + ("*" if prefix else ""))
        terms.append((key, prefix))
    return ParsedQuery(" ".join(parts), tuple(terms))


@functools.lru_cache(maxsize=32)
def _term_pattern(terms: tuple[tuple[str, bool], ...]) -> re.Pattern[str]:
    alternatives = []
    for number, (key, prefix) in enumerate(terms):
        body = re.escape(key) + (r"[^\W_]*" if prefix else "")
        alternatives.append(f"(?P<t{number}>{body})")
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


@dataclass(frozen=True)
class _ByteTerms:
    folder: ByteFolder
    terms: tuple[tuple[bytes, bool, str], ...]
    """(folded term, is prefix, term group name)."""


@functools.lru_cache(maxsize=32)
def _byte_terms(terms: tuple[tuple[str, bool], ...]) -> _ByteTerms | None:
    """The terms in the first code page that can write them all, if any."""
    for folder in BYTE_FOLDERS:
        encoded = [folder.encode_term(key) for key, _ in terms]
        if all(e is not None for e in encoded):
            return _ByteTerms(
                folder,
                tuple(
                    (raw, prefix, f"t{number}")
                    for number, (raw, (_, prefix)) in enumerate(zip(encoded, terms, strict=True))
                    if raw is not None
                ),
            )
    return None


def make_snippet(
    text: str, terms: Sequence[tuple[str, bool]], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of ``text`` showing as many different query terms as possible."""
    hits: list[tuple[int, int, str]] = []
    terms = tuple(terms)
    if terms:
        fast = _byte_terms(terms)
        if fast is not None:
            hits = _find_hits_fast(text, fast)
        if len({term for _, _, term in hits}) < len(terms):
            hits = _find_hits(text, terms)  # a word hidden by the code page: the exact way
    begin = 0
    if hits:
        anchor = _best_window(hits, width - _LEAD_CHARS)
        begin = _word_start_after(text, max(0, anchor - _LEAD_CHARS), anchor)
    end = _word_end_before(text, min(len(text), begin + width), begin)
    lead = ELLIPSIS if begin > 0 else ""
    tail = ELLIPSIS if end < len(text) else ""
    body = text[begin:end].replace("\n", " ").replace("\r", " ").replace("\t", " ")
    spans = tuple(
        (start - begin + len(lead), stop - begin + len(lead))
        for start, stop, _ in hits
        if begin <= start and stop <= end
    )
    return lead + body + tail, spans


def _find_hits_fast(text: str, fast: _ByteTerms) -> list[tuple[int, int, str]]:
    """``bytes.find`` per term (C speed), then a word-boundary check on each candidate."""
    folded = fast.folder.fold(text)
    word = fast.folder.word_bytes
    hits: list[tuple[int, int, str]] = []
    for raw, prefix, group in fast.terms:
        found = 0
        position = folded.find(raw)
        while position >= 0 and found < _MAX_HITS:
            end = position + len(raw)
            if position == 0 or folded[position - 1] not in word:
                if prefix:
                    while end < len(folded) and folded[end] in word:
                        end += 1
                if end == len(folded) or folded[end] not in word:
                    hits.append((position, end, group))
                    found += 1
            position = folded.find(raw, position + 1)
    hits.sort()
    return hits[:_MAX_HITS]


def _find_hits(text: str, terms: tuple[tuple[str, bool], ...]) -> list[tuple[int, int, str]]:
    """Query words in ``text``: (start, end, term group). Folds and scans chunk by chunk and
    stops once every term was seen, since answers can be long and this runs per keystroke."""
    pattern = _term_pattern(terms)
    hits: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    position = 0
    while position < len(text) and len(hits) < _MAX_HITS:
        end = min(len(text), position + _CHUNK)
        while end < len(text) and text[end].isalnum():  # never cut a word in two
            end += 1
        for found in pattern.finditer(fold_for_match(text[position:end])):
            group = found.lastgroup or ""
            hits.append((position + found.start(), position + found.end(), group))
            seen.add(group)
        if len(seen) == len(terms):
            break
        position = end
    return hits[:_MAX_HITS]


def _best_window(hits: list[tuple[int, int, str]], reach: int) -> int:
    """Start of the hit whose window [start, start + reach) holds the most distinct terms
    (the earliest such), in one sliding pass over the hits in text order."""
    counts: dict[str, int] = {}
    best, anchor, ahead = -1, hits[0][0], 0
    for index, (start, _, _) in enumerate(hits):
        if index > 0 and ahead > index - 1:
            dropped = hits[index - 1][2]
            counts[dropped] -= 1
            if not counts[dropped]:
                del counts[dropped]
        ahead = max(ahead, index)
        while ahead < len(hits) and hits[ahead][1] <= start + reach:
            counts[hits[ahead][2]] = counts.get(hits[ahead][2], 0) + 1
            ahead += 1
        if len(counts) > best:
            best, anchor = len(counts), start
    return anchor


def _word_start_after(text: str, position: int, anchor: int) -> int:
    """``position``, moved forward to the start of a word (but not past ``anchor``)."""
    if position == 0 or text[position - 1].isspace():
        return position
    for index in range(position, anchor):
        if text[index].isspace():
            return index + 1
    return anchor


def _word_end_before(text: str, position: int, floor: int) -> int:
    """``position``, moved back to the end of a word (unless that empties the window)."""
    if position >= len(text) or text[position].isspace():
        return position
    for index in range(position - 1, floor, -1):
        if text[index].isspace():
            return index
    return position


class Searcher:
    def __init__(self, db: Database, indexer: SearchIndexer) -> None:
        self._db = db
        self._indexer = indexer

    def search(
        self,
        query: str,
        *,
        model: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
    ) -> list[SearchHit]:
        """Newest matching messages first; ``since`` inclusive, ``until`` exclusive.

        Deleted (even soft-deleted) conversations never appear.
        """
        parsed = parse_query(query)
        if parsed is None or limit <= 0:
            return []
        self._indexer.index_queued()
        conditions = ["messages_fts MATCH ?", "c.deleted_at IS NULL"]
        params: list[object] = [parsed.match]
        if model is not None:
            conditions.append("m.model = ?")
            params.append(model)
        if since is not None:
            conditions.append("m.created_at >= ?")
            params.append(to_millis(since))
        if until is not None:
            conditions.append("m.created_at < ?")
            params.append(to_millis(until))
        params.append(limit)
        with self._db.reading("searching") as conn:
            rows = conn.execute(
                "SELECT m.id, m.conversation_id, c.title, m.role, m.model, m.created_at, m.content"
                " FROM messages_fts f"
                " JOIN messages m ON m.seq = f.rowid"
                " JOIN conversations c ON c.id = m.conversation_id"
                f" WHERE {' AND '.join(conditions)}"
                " ORDER BY f.rowid DESC LIMIT ?",
                params,
            ).fetchall()
        hits: list[SearchHit] = []
        for message_id, conversation_id, title, role, model_name, created, content in rows:
            snippet, spans = make_snippet(content, parsed.terms)
            hits.append(
                SearchHit(
                    message_id=message_id,
                    conversation_id=conversation_id,
                    conversation_title=title,
                    role=Role(role),
                    model=model_name,
                    created_at=to_datetime(created),
                    snippet=snippet,
                    highlights=spans,
                )
            )
        return hits
