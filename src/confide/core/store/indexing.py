"""Keeps the full-text index up to date, in batches.

New messages are queued in ``fts_pending`` (by a trigger, in the same transaction that saves
them) and indexed later, many per transaction: FTS5 writes a new index segment per
transaction and merges segments as they pile up, so indexing answer by answer writes far more
than saving the answers themselves. At 100 000 messages, batches of 128 instead of 32 cut the
bytes written per streamed token from ~128 to ~96 (bench/store_scale.py set-up). How much
merging each batch causes grows with the number of segment levels; since schema 2 the index
merges eight segments at a time rather than four (see schema_v2.py).

Nothing is ever missing from search results: ``search`` indexes the queue first.
"""

from __future__ import annotations

from confide.core.store.database import Database
from confide.core.store.textfold import fold_for_index

BATCH_THRESHOLD = 128
_CHUNK = 2_000


class SearchIndexer:
    def __init__(self, db: Database, threshold: int = BATCH_THRESHOLD) -> None:
        self._db = db
        self._threshold = threshold
        self._queued: int | None = None

    def queued(self) -> int:
        if self._queued is None:
            with self._db.reading("counting unindexed messages") as conn:
                self._queued = int(conn.execute("SELECT count(*) FROM fts_pending").fetchone()[0])
        return self._queued

    def note_new_message(self) -> None:
        """Called after a message is saved; indexes once enough have queued up."""
        if self._queued is not None:
            self._queued += 1
        if self.queued() >= self._threshold:
            self.index_queued()

    def index_queued(self, chunk: int = _CHUNK) -> int:
        """Indexes every queued message, ``chunk`` per transaction; returns how many. Works in
        chunks, so that even a restored backup (whose index was left out, see backups.py)
        never loads everything."""
        with self._db.reading("checking the search index") as conn:
            if conn.execute("SELECT 1 FROM fts_pending LIMIT 1").fetchone() is None:
                self._queued = 0
                return 0  # the usual case for a search: no write transaction at all
        done = 0
        while True:
            with self._db.transaction("updating the search index") as conn:
                rows = conn.execute(
                    "SELECT p.message_seq, m.content FROM fts_pending p"
                    " CROSS JOIN messages m ON m.seq = p.message_seq"
                    " ORDER BY p.message_seq LIMIT ?",
                    (chunk,),
                ).fetchall()
                for seq, content in rows:
                    conn.execute(
                        "INSERT INTO messages_fts (rowid, body) VALUES (?, ?)",
                        (seq, fold_for_index(content)),
                    )
                conn.executemany(
                    "DELETE FROM fts_pending WHERE message_seq = ?", [(r[0],) for r in rows]
                )
            done += len(rows)
            if len(rows) < chunk:
                break
        with self._db.reading("counting unindexed messages") as conn:
            self._queued = int(conn.execute("SELECT count(*) FROM fts_pending").fetchone()[0])
        return done
