"""Deleting for real, retention, and "delete all my data".

Why a deleted conversation is really gone:

* the delete runs with ``secure_delete=ON``: SQLite overwrites the deleted rows and zeroes
  the pages it frees;
* the words leave the search index itself, not just hidden behind a tombstone until some
  later merge: with FTS5's ``secure-delete`` option for a few messages, or by deleting and
  then merging the whole index ('optimize') when that is cheaper (many messages);
* idle stream slots, which keep a copy of the last streamed answers, are zeroed;
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
_MIN_MERGE_ERASURE = 50
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
        busy_slots: Callable[[], set[int]] = set,
    ) -> None:
        self._db = db
        self._backup_dir = backup_dir
        self._busy_slots = busy_slots

    @contextlib.contextmanager
    def __call__(self, operation: str, messages: int = 0) -> Iterator[Erasing]:
        """``messages``: about how many messages will go; it picks the cheaper way to purge
        their words from the search index (both leave none behind)."""
        rebuild = self._rebuild_index_cheaper(messages)
        self._db.execute("enabling secure delete", "PRAGMA secure_delete = ON")
        try:
            with self._db.transaction(operation) as conn:
                if rebuild:
                    conn.execute(_FTS_SECURE_DELETE, (0,))
                erasing = Erasing(conn)
                yield erasing
                if rebuild:
                    # Merging every segment into one drops the deleted rows for good.
                    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')")
                    conn.execute(_FTS_SECURE_DELETE, (1,))
                deletion.zero_slots(conn, self._busy_slots())
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
        message (~15-50 ms a message at 100 000 messages); an 'optimize' rewrites the whole
        index once (~1.2 s at 100 000, proportional to size). Measured in the store benchmark's
        set-up: the merge wins beyond about 0.1 % of all messages."""
        if messages < _MIN_MERGE_ERASURE:
            return False
        rows = self._db.execute("sizing the index", "SELECT max(seq) FROM messages")
        total = int(rows[0][0] or 0)
        return messages * 1000 > total


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
