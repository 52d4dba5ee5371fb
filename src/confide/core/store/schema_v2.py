"""Schema version 2: answers being streamed are saved to stream logs, not to the database.

Version 1 saved them into pre-allocated blobs (``stream_slots``, with ``stream_spills`` for
very long answers); ``streaming.py`` now uses encrypted log files next to the database, which
write ~5 times fewer bytes per token. This step stores an answer that a crash left in a slot
(as ``interrupted``, exactly as version 1's start-up would have) and drops both tables; their
pages go back to the file system.

It also makes the full-text index merge its segments eight at a time instead of FTS5's
default four ('automerge'). FTS5 keeps the index as a log-structured merge of segments: each
indexing batch writes a segment, and every posting is rewritten once per level it climbs,
about log4(messages / batch) times. Growing a store to 400 000 messages in the app's batches
of 128, index upkeep came to ~13.5 bytes per token indexed with four, ~10.9 with eight (fewer
levels). Queries look at a few more segments; the store benchmark shows no slower search.

Frozen, like every migration: it carries its own copy of version 1's slot format rather than
sharing code that may change.
"""

from __future__ import annotations

import json
import logging
import struct
from typing import Any

from confide.core.store.database import Connection

log = logging.getLogger(__name__)

_V1_MAGIC = b"CFS2"
_V1_PREFIX = struct.Struct("<4sH")
_V1_RECORD = struct.Struct("<BI")


def _parse_v1_slot(data: bytes) -> tuple[dict[str, Any], str, str] | None:
    """(header, content, thinking) of a version-1 slot in use; None if it is idle."""
    if len(data) < _V1_PREFIX.size:
        return None
    magic, length = _V1_PREFIX.unpack_from(data, 0)
    if magic != _V1_MAGIC:
        return None
    try:
        meta = json.loads(data[_V1_PREFIX.size : _V1_PREFIX.size + length].decode("utf-8"))
        header = {
            "id": str(meta["id"]),
            "conversation_id": str(meta["conversation_id"]),
            "parent_id": meta["parent_id"],
            "model": meta["model"],
            "created_at": int(meta["created_at"]),
        }
    except (ValueError, KeyError, TypeError):
        return None
    content: list[str] = []
    thinking: list[str] = []
    offset = _V1_PREFIX.size + length
    while offset + _V1_RECORD.size <= len(data):
        kind, size = _V1_RECORD.unpack_from(data, offset)
        start = offset + _V1_RECORD.size
        if kind not in (1, 2) or start + size > len(data):
            break
        text = data[start : start + size].decode("utf-8", errors="replace")
        (content if kind == 1 else thinking).append(text)
        offset = start + size
    return header, "".join(content), "".join(thinking)


def _recover(
    conn: Connection, header: dict[str, Any], content: str, thinking: str, now_ms: int
) -> None:
    message_id = header["id"]
    conversation_id = header["conversation_id"]
    if conn.execute("SELECT 1 FROM messages WHERE id = ?", (message_id,)).fetchone():
        return
    if not conn.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone():
        log.warning("an interrupted answer belonged to a conversation that is gone")
        return
    spilled = conn.execute(
        "SELECT content, thinking FROM stream_spills WHERE message_id = ? ORDER BY part",
        (message_id,),
    ).fetchall()
    content = "".join(row[0] for row in spilled) + content
    thinking = "".join(row[1] for row in spilled) + thinking
    parent = header["parent_id"]
    if (
        parent is not None
        and not conn.execute(
            "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?",
            (parent, conversation_id),
        ).fetchone()
    ):
        parent = None
    conn.execute(
        "INSERT INTO messages (id, conversation_id, parent_id, role, model, status,"
        " created_at, finished_at, thinking, content)"
        " VALUES (?, ?, ?, 'assistant', ?, 'interrupted', ?, ?, ?, ?)",
        (
            message_id,
            conversation_id,
            parent,
            header["model"],
            header["created_at"],
            now_ms,
            thinking,
            content,
        ),
    )
    conn.execute(
        "UPDATE conversations SET active_leaf_id = ? WHERE id = ? AND active_leaf_id IS ?",
        (message_id, conversation_id, parent),
    )


def apply(conn: Connection, now_ms: int) -> None:
    for (data,) in conn.execute("SELECT data FROM stream_slots ORDER BY id").fetchall():
        parsed = _parse_v1_slot(bytes(data))
        if parsed is not None:
            _recover(conn, *parsed, now_ms)
    # Below 'crisismerge' (16), so that a level is merged step by step before it reaches the
    # point where FTS5 would merge it all at once.
    conn.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', 8)")
    conn.execute("DROP TABLE stream_spills")
    conn.execute("DROP TABLE stream_slots")
    # The slots' pages (256 KiB each) leave the file; runs to the end (one row per page).
    conn.execute("PRAGMA incremental_vacuum").fetchall()
