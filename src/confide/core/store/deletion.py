"""Row-level deletion shared by the live database and its backups (see erasure.py)."""

from __future__ import annotations

from collections.abc import Iterable

from confide.core.store.database import Connection, write_blob


def delete_messages(conn: Connection, seqs: Iterable[int]) -> None:
    """Deletes replies before what they reply to.

    A reply always has a larger ``seq`` than its parent (the parent existed when it was
    inserted). Deleting newest first means the parent foreign key's ON DELETE CASCADE never
    has anything left to do; relying on it instead would nest one trigger level per message
    and fail beyond SQLite's 1000-level limit on long conversations.
    """
    conn.executemany(
        "DELETE FROM messages WHERE seq = ?", [(s,) for s in sorted(set(seqs), reverse=True)]
    )


def subtree(conn: Connection, message_id: str) -> list[tuple[str, int]]:
    """(id, seq) of a message and every reply below it."""
    return [
        (row[0], row[1])
        for row in conn.execute(
            "WITH RECURSIVE sub (id, seq) AS (SELECT id, seq FROM messages WHERE id = ?"
            " UNION ALL SELECT m.id, m.seq FROM messages m JOIN sub ON m.parent_id = sub.id)"
            " SELECT id, seq FROM sub",
            (message_id,),
        )
    ]


def delete_conversation(conn: Connection, conversation_id: str) -> int:
    seqs = [
        r[0]
        for r in conn.execute(
            "SELECT seq FROM messages WHERE conversation_id = ?", (conversation_id,)
        )
    ]
    delete_messages(conn, seqs)
    return conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount


def zero_slots(conn: Connection, keep: set[int]) -> None:
    """Overwrites every stream slot except ``keep``: schema 1 only (backups taken before the
    upgrade); since schema 2, answers stream to log files (streamlog.py)."""
    if not conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'stream_slots'"
    ).fetchone():
        return
    for slot_id, size in conn.execute("SELECT id, length(data) FROM stream_slots").fetchall():
        if slot_id not in keep:
            write_blob(conn, "stream_slots", "data", slot_id, 0, bytes(size))


def reclaim(conn: Connection) -> None:
    """Gives free pages back to the file system and empties the WAL (autocommit mode)."""
    # Each row of incremental_vacuum frees one page: it must be run to the end.
    conn.execute("PRAGMA incremental_vacuum").fetchall()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
