"""Encrypted backups of the database, in ``AppPaths.backup_dir``.

A backup is a complete SQLCipher database encrypted with the current key (and re-keyed along
with the database when the key rotates), except for the search index, which is rebuilt after
a restore. It is written under a ``.partial`` name and renamed
when complete, so a crash never leaves a half backup that looks whole. The newest few are
kept. Backups are taken before every schema migration and on demand; when the database turns
out damaged, the newest one is offered (``StoreError.latest_backup``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from confide.core.paths import AppPaths
from confide.core.store import deletion, streamlog
from confide.core.store.clock import Clock, to_datetime
from confide.core.store.database import (
    Connection,
    Database,
    SQLiteError,
    connect,
    os_error,
    sidecar_files,
)
from confide.core.store.errors import StoreError, StoreErrorKind
from confide.core.store.fsutil import fsync_directory

log = logging.getLogger(__name__)

KEEP_BACKUPS = 5
_NAME = re.compile(
    r"^confide-(?P<millis>\d{13})-v(?P<version>\d+)-(?P<reason>[a-z0-9-]{1,40})\.db$"
)
_DAMAGED_PREFIX = "damaged-"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: datetime
    schema_version: int
    reason: str
    size: int


def list_backups(backup_dir: Path) -> list[BackupInfo]:
    """Complete backups, newest first."""
    found: list[tuple[int, BackupInfo]] = []
    try:
        entries = list(backup_dir.iterdir())
    except FileNotFoundError:
        return []
    for path in entries:
        match = _NAME.match(path.name)
        if not match:
            continue
        millis = int(match["millis"])
        info = BackupInfo(
            path=path,
            created_at=to_datetime(millis),
            schema_version=int(match["version"]),
            reason=match["reason"],
            size=path.stat().st_size,
        )
        found.append((millis, info))
    found.sort(key=lambda item: item[0], reverse=True)
    return [info for _, info in found]


def latest_backup(backup_dir: Path) -> Path | None:
    backups = list_backups(backup_dir)
    return backups[0].path if backups else None


def create_backup(
    db: Database,
    backup_dir: Path,
    clock: Clock,
    *,
    reason: str,
    keep: int = KEEP_BACKUPS,
) -> Path:
    if not re.fullmatch(r"[a-z0-9-]{1,40}", reason):
        raise ValueError("backup reason: lower-case letters, digits and hyphens")
    version = db.user_version
    millis = clock()
    final = backup_dir / f"confide-{millis:013d}-v{version}-{reason}.db"
    partial = final.with_name(final.name + ".partial")
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        _remove_with_sidecars(partial)
        target = connect(partial, db.key, create=True)
        try:
            # No journal while the copy is made: pages go straight into the file instead of
            # through a WAL (half the writes). Safe because a ".partial" file is never used:
            # a crash or failure leaves it to be deleted. It is flushed before being renamed.
            target.execute("PRAGMA journal_mode = OFF").fetchone()
            target.execute("PRAGMA synchronous = OFF")
            with db.reading("backing up the database") as conn:
                conn.backup(target)
            _leave_out_search_index(target)
        finally:
            target.close()
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, final)
        fsync_directory(backup_dir)
    except OSError as exc:
        _remove_with_sidecars(partial)
        raise os_error(exc, "backing up the database") from exc
    except BaseException:
        _remove_with_sidecars(partial)
        raise
    log.info("database backed up (schema %d, reason %s)", version, reason)
    prune_backups(backup_dir, keep)
    return final


def _leave_out_search_index(conn: Connection) -> None:
    """A backup keeps no search index: every message is queued for indexing instead, and the
    index is rebuilt after a restore (``Store.index_now``). The backup is smaller, and erasing
    from it later (``erase_from_backups``) costs only the row deletions."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")}
    if not {"messages_fts", "fts_pending", "messages"} <= tables:
        return  # a schema this code does not know: leave the copy as it is
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')")
    conn.execute("INSERT OR IGNORE INTO fts_pending (message_seq) SELECT seq FROM messages")
    conn.execute("COMMIT")
    deletion.reclaim(conn)


def prune_backups(backup_dir: Path, keep: int) -> None:
    for info in list_backups(backup_dir)[keep:]:
        with contextlib.suppress(FileNotFoundError):
            info.path.unlink()


def rekey_backups(backup_dir: Path, old_key: bytes, new_key: bytes) -> int:
    """Re-encrypts every backup still on ``old_key``; returns how many were changed.

    Idempotent, so an interrupted key rotation can simply run it again.
    """
    changed = 0
    for info in list_backups(backup_dir):
        if _opens_with(info.path, new_key):
            continue
        try:
            conn = connect(info.path, old_key, create=False)
        except SQLiteError:
            log.warning("a backup opens with neither key; left as it is")
            continue
        try:
            conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
            changed += 1
        finally:
            conn.close()
    return changed


def erase_from_backups(
    backup_dir: Path,
    key: bytes,
    conversation_ids: Sequence[str],
    message_ids: Sequence[str],
) -> None:
    """Erases the same conversations and messages (with their replies) from every backup,
    as thoroughly as from the database. A backup that cannot be cleaned is deleted."""
    for info in list_backups(backup_dir):
        try:
            conn = connect(info.path, key, create=False)
        except SQLiteError:
            _discard(info.path)
            continue
        try:
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("BEGIN IMMEDIATE")
            for conversation_id in conversation_ids:
                deletion.delete_conversation(conn, conversation_id)
            for message_id in message_ids:
                deletion.delete_messages(
                    conn, [seq for _, seq in deletion.subtree(conn, message_id)]
                )
            deletion.zero_slots(conn, set())
            conn.execute("COMMIT")
            deletion.reclaim(conn)
        except SQLiteError:
            conn.close()
            _discard(info.path)
            continue
        conn.close()


def _discard(path: Path) -> None:
    log.warning("a backup could not be cleaned after an erasure and was deleted")
    _remove_with_sidecars(path)


def _opens_with(path: Path, key: bytes) -> bool:
    try:
        conn = connect(path, key, create=False)
    except SQLiteError:
        return False
    conn.close()
    return True


def restore_backup(paths: AppPaths, backup: Path, clock: Clock) -> Path | None:
    """Puts ``backup`` in place of the database. The store must be closed.

    The current database, if any, is not deleted but moved into the backup folder as
    ``damaged-….db`` (the user may still want it examined); "delete all my data" removes it.
    Its stream logs go with it: an answer they hold belongs to the replaced database, and
    recovering it into the restored one would bring back what the backup does not have.
    Returns where it went.
    """
    if not _NAME.match(backup.name) or not backup.is_file():
        raise StoreError(StoreErrorKind.NOT_FOUND, "restoring: no such backup")
    database = paths.database_file
    moved_to: Path | None = None
    try:
        paths.backup_dir.mkdir(parents=True, exist_ok=True)
        if database.exists():
            moved_to = paths.backup_dir / f"{_DAMAGED_PREFIX}{clock():013d}.db"
            os.replace(database, moved_to)
            companions = [p for _, p in streamlog.log_files(database)]
            for sidecar in (*sidecar_files(database), *companions):
                if sidecar.exists():
                    os.replace(
                        sidecar,
                        moved_to.with_name(moved_to.name + sidecar.name[len(database.name) :]),
                    )
        streamlog.remove_all(database)  # without a database to go with, they hold nothing usable
        partial = database.with_name(database.name + ".restoring")
        shutil.copyfile(backup, partial)
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, database)
        fsync_directory(database.parent)
    except OSError as exc:
        raise os_error(exc, "restoring a backup") from exc
    log.info("database restored from a backup")
    return moved_to


def _remove_with_sidecars(path: Path) -> None:
    for candidate in (path, *sidecar_files(path)):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()
