"""Deleting for real, retention, and "delete all my data".

Why a deleted conversation is really gone:

* the delete runs with ``secure_delete=ON``: SQLite overwrites the deleted rows and zeroes
  the pages it frees;
* the words leave the search index itself, not just hidden behind a tombstone until some
  later merge: with FTS5's ``secure-delete`` option for a few messages, or by deleting and
  then merging the whole index ('optimize') when that is cheaper (many messages);
* idle stream logs, which keep a copy of the last streamed answers, are zeroed first (a
  crash mid-erasure must not let start-up "recover" an erased answer from its log);
* ``incremental_vacuum`` then gives every free page back (the file shrinks), and a
  ``wal_checkpoint(TRUNCATE)`` empties the WAL, which still held old page versions;
* the same rows are erased from every backup the same way (a backup that cannot be cleaned
  is deleted: a deleted conversation must not come back by restoring a backup).

Everything on disk is encrypted anyway; this is about the key holder (or a forensic copy made
later with the key) not finding deleted text. "Delete all my data" destroys the key first, so
that even files the OS refuses to delete (e.g. still open on Windows) are unreadable.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from confide.core.paths import AppPaths
from confide.core.store import backups, deletion
from confide.core.store.clock import Clock
from confide.core.store.conversations import ConversationStore
from confide.core.store.database import Connection, Database
from confide.core.store.keys import KeyStore
from confide.core.store.settings import RETENTION_DAYS, SettingsStore

log = logging.getLogger(__name__)

DAY_MS = 24 * 60 * 60 * 1000
_MIN_MERGE_ERASURE = 10
_MERGE_RATIO = 4_000
_FTS_SECURE_DELETE = "INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', ?)"


@dataclass
class Erasing:
    """What one erasure deletes; callers record ids so that backups get the same treatment."""

    conn: Connection
    conversation_ids: list[str] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)


class SecureEraser:
    """The ``erase`` context used by every deletion (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        backup_dir: Path | None = None,
        wipe_logs: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._backup_dir = backup_dir
        self._wipe_logs = wipe_logs

    @contextlib.contextmanager
    def __call__(self, operation: str, messages: int = 0) -> Iterator[Erasing]:
        """``messages``: about how many messages will go; it picks the cheaper way to purge
        their words from the search index (both leave none behind)."""
        rebuild = self._rebuild_index_cheaper(messages)
        self._wipe_logs()
        self._db.execute("enabling secure delete", "PRAGMA secure_delete = ON")
        try:
            with self._db.transaction(operation) as conn:
                paused = _pause_merging(conn) if rebuild else None
                erasing = Erasing(conn)
                yield erasing
                if paused is not None:
                    # Merging every segment into one drops the deleted rows for good.
                    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')")
                    _resume_merging(conn, paused)
            with self._db.reading("reclaiming free space") as conn:
                deletion.reclaim(conn)
        finally:
            self._db.execute("restoring secure delete", "PRAGMA secure_delete = FAST")
        if self._backup_dir is not None and (erasing.conversation_ids or erasing.message_ids):
            backups.erase_from_backups(
                self._backup_dir, self._db.key, erasing.conversation_ids, erasing.message_ids
            )

    def _rebuild_index_cheaper(self, messages: int) -> bool:
        """FTS5's secure-delete rewrites the index pages of every word of every deleted
        message: ~20 ms a message at 20 000 messages, ~55 ms at 1 000 000. An 'optimize'
        rewrites the whole index once: ~0.2 s at 20 000, ~14 s at 1 000 000 (proportional to
        its size). Measured in the store benchmark's set-up: the merge wins beyond about one
        message in 2 000-4 000; one in 4 000 it is, with a floor for tiny stores."""
        if messages < _MIN_MERGE_ERASURE:
            return False
        rows = self._db.execute("sizing the index", "SELECT max(seq) FROM messages")
        total = int(rows[0][0] or 0)
        return messages * _MERGE_RATIO > total


_FTS_CONFIG = "INSERT INTO messages_fts (messages_fts, rank) VALUES (?, ?)"
_MERGE_DEFAULTS = {"automerge": 4, "crisismerge": 16}  # FTS5's own defaults


def _pause_merging(conn: Connection) -> dict[str, object]:
    """Before deleting many messages that an 'optimize' will purge from the index anyway:
    no per-message secure-delete, and no merging of the segments FTS5 writes meanwhile
    (it would rewrite large parts of the index for nothing; at 1 000 000 messages this cut
    deleting 10 000 from ~11 s to ~2.5 s). Returns the settings to restore."""
    saved: dict[str, object] = dict(_MERGE_DEFAULTS)
    saved.update(
        conn.execute(
            "SELECT k, v FROM messages_fts_config WHERE k IN ('automerge', 'crisismerge')"
        ).fetchall()
    )
    conn.execute(_FTS_SECURE_DELETE, (0,))
    conn.execute(_FTS_CONFIG, ("automerge", 0))
    conn.execute(_FTS_CONFIG, ("crisismerge", 64))
    return saved


def _resume_merging(conn: Connection, saved: dict[str, object]) -> None:
    for key, value in saved.items():
        conn.execute(_FTS_CONFIG, (key, value))
    conn.execute(_FTS_SECURE_DELETE, (1,))


def apply_retention(
    conversations: ConversationStore,
    settings: SettingsStore,
    clock: Clock,
    days: int | None = None,
) -> int:
    """Erases conversations with no activity for ``days`` (default: the ``retention_days``
    setting; off when unset). Pinned conversations are not exempt: retention rules exist to
    honour legal limits. Returns how many conversations were erased."""
    if days is None:
        setting = settings.get(RETENTION_DAYS)
        days = setting if isinstance(setting, int) and not isinstance(setting, bool) else None
    if days is None or days <= 0:
        return 0
    cutoff = clock() - days * DAY_MS
    erased = conversations.erase_conversations(conversations.ids_older_than(cutoff))
    if erased:
        log.info("retention: erased %d conversation(s) older than %d days", erased, days)
    return erased


@dataclass
class DeletionReport:
    removed: list[str] = field(default_factory=list)
    """Paths (and keyring entries) removed."""
    failed: list[str] = field(default_factory=list)
    """Paths that could not be removed, with the OS error name. Unreadable: the key is gone."""

    @property
    def complete(self) -> bool:
        return not self.failed


def delete_all_data(paths: AppPaths, key_store: KeyStore) -> DeletionReport:
    """Removes every trace of Confide's data: key (keyring entry and key file) first, then the
    database with its WAL, backups, logs, caches and settings. The store must be closed (and
    the UI should stop logging to files first)."""
    report = DeletionReport()
    try:
        report.removed.extend(key_store.erase())
    except OSError as exc:
        report.failed.append(f"{key_store.key_file}: {type(exc).__name__}")
    except Exception as exc:  # a broken keyring must not stop the files from going
        report.failed.append(f"keyring: {type(exc).__name__}")
    for folder in (paths.data_dir, paths.log_dir, paths.cache_dir, paths.config_dir):
        _remove_tree(folder, report)
    if paths.settings_file.exists():
        _remove_file(paths.settings_file, report)
    return report


def _remove_file(path: Path, report: DeletionReport) -> None:
    try:
        path.unlink()
        report.removed.append(str(path))
    except FileNotFoundError:
        pass
    except OSError as exc:
        report.failed.append(f"{path}: {type(exc).__name__}")


def _remove_tree(folder: Path, report: DeletionReport) -> None:
    if not folder.exists():
        return
    # Files one by one (deepest first) so the report lists them and one failure stops nothing.
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            _remove_file(Path(root) / name, report)
        for name in dirs:
            with contextlib.suppress(OSError):
                (Path(root) / name).rmdir()
    try:
        folder.rmdir()
    except FileNotFoundError:
        pass
    except OSError:
        if any(folder.iterdir()):
            report.failed.append(f"{folder}: not empty")
        else:  # pragma: no cover - racing with another process
            shutil.rmtree(folder, ignore_errors=True)
