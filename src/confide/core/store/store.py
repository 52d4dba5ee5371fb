"""The storage facade the UI uses: open or create the encrypted store, and everything after.

Start-up, as the UI does it::

    key_store = KeyStore.for_paths(paths)
    status = key_store.status(paths.database_file)
    if status is KeyStatus.FIRST_RUN:
        # keyring if key_store.keyring_usable() and the user did not ask for a passphrase
        store = Store.create(paths, key_store, Protection.KEYRING)
    elif status is KeyStatus.PASSPHRASE:
        store = Store.open(paths, key_store, passphrase=asked_passphrase)
    else:
        store = Store.open(paths, key_store)

Every failure the user can act on is a :class:`StoreError` (see ``errors.py``).

Threading: one ``Store`` per process, used from one worker thread at a time (the connection
is opened with ``check_same_thread=False``; the caller serialises access).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from confide.core.paths import AppPaths
from confide.core.store import archive, backups, erasure, export, streamlog
from confide.core.store.archive import ArchiveCounts
from confide.core.store.backups import BackupInfo
from confide.core.store.clock import Clock, system_clock
from confide.core.store.conversations import ConversationStore
from confide.core.store.database import (
    BUSY_TIMEOUT_S,
    Database,
    os_error,
    probe_writable,
    sidecar_files,
)
from confide.core.store.errors import StoreError, StoreErrorKind
from confide.core.store.export import ExportLabels
from confide.core.store.indexing import BATCH_THRESHOLD, SearchIndexer
from confide.core.store.keys import KeyStatus, KeyStore, Protection, UnlockedKeys
from confide.core.store.migrations import LATEST_VERSION, MIGRATIONS, Migration, migrate
from confide.core.store.models import Conversation, Message, MessageStatus, SearchHit
from confide.core.store.presets import PresetStore
from confide.core.store.search import Searcher
from confide.core.store.settings import SettingsStore
from confide.core.store.streaming import FLUSH_INTERVAL_S, AnswerWriter, StreamSlots

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreOptions:
    """Tunables and seams. Production code uses the defaults; tests inject."""

    flush_interval: float = FLUSH_INTERVAL_S
    keep_backups: int = backups.KEEP_BACKUPS
    busy_timeout_s: float = BUSY_TIMEOUT_S
    index_batch: int = BATCH_THRESHOLD
    clock: Clock = system_clock
    monotonic: Callable[[], float] = time.monotonic
    write_probe: Callable[[Path, Path | None], None] = probe_writable
    migrations: Sequence[Migration] = MIGRATIONS


class Store:
    """Use :meth:`open` or :meth:`create`; close with :meth:`close` (or ``with``)."""

    def __init__(
        self, paths: AppPaths, key_store: KeyStore, db: Database, options: StoreOptions
    ) -> None:
        self.paths = paths
        self.key_store = key_store
        self.options = options
        self._db = db
        clock = options.clock
        self._indexer = SearchIndexer(db, options.index_batch)
        self._slots = StreamSlots(
            db,
            clock,
            self._load_message,
            flush_interval=options.flush_interval,
            monotonic=options.monotonic,
            on_finished=self._message_saved,
        )
        self._eraser = erasure.SecureEraser(db, paths.backup_dir, self._slots.wipe_idle)
        self.conversations = ConversationStore(
            db, clock, self._eraser, live=self._slots, on_saved=self._message_saved
        )
        self.presets = PresetStore(db, clock)
        self.settings = SettingsStore(db)
        self._searcher = Searcher(db, self._indexer)

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        paths: AppPaths,
        key_store: KeyStore,
        protection: Protection,
        passphrase: str | None = None,
        options: StoreOptions | None = None,
    ) -> Store:
        """First run: makes the key and an empty database. Refuses if either exists."""
        options = options or StoreOptions()
        database = paths.database_file
        if key_store.status(database) is not KeyStatus.FIRST_RUN:
            raise StoreError(StoreErrorKind.ALREADY_SET_UP, "a database or key already exists")
        try:
            paths.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                StoreErrorKind.READ_ONLY, f"creating the data folder: {type(exc).__name__}"
            ) from exc
        options.write_probe(paths.data_dir, None)
        # A database here can only be left by an interrupted first run (status() refuses a
        # database without a key file): it holds nothing but an empty schema.
        for leftover in (database, *sidecar_files(database)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        try:
            streamlog.remove_all(database)
        except OSError as exc:
            raise os_error(exc, "clearing the data folder") from exc
        key = key_store.create(protection, passphrase)
        db = Database.open(
            database,
            key,
            create=True,
            backup_locator=lambda: backups.latest_backup(paths.backup_dir),
            write_probe=options.write_probe,
            timeout_s=options.busy_timeout_s,
        )
        store = cls(paths, key_store, db, options)
        try:
            migrate(db, options.clock, migrations=options.migrations)
            key_store.mark_ready()
        except BaseException:
            store.close()
            raise
        log.info("created a new encrypted store (protection: %s)", protection.value)
        return store

    @classmethod
    def open(
        cls,
        paths: AppPaths,
        key_store: KeyStore,
        passphrase: str | None = None,
        options: StoreOptions | None = None,
    ) -> Store:
        """Opens the existing store, finishing an interrupted key rotation, migrating the
        schema (after a backup) and marking answers cut off by a crash as interrupted."""
        options = options or StoreOptions()
        if key_store.status(paths.database_file) is KeyStatus.FIRST_RUN:
            raise StoreError(StoreErrorKind.NOT_SET_UP, "nothing to open yet")
        keys = key_store.unlock(passphrase)
        db = cls._open_database(paths, keys, options)
        store = cls(paths, key_store, db, options)
        try:
            if keys.pending is not None:
                store._finish_rotation(keys.current, keys.pending)
            migrate(
                db,
                options.clock,
                backup=lambda version: store.backup_now(
                    f"before-v{options.migrations[-1].version}"
                ),
                migrations=options.migrations,
            )
            store._slots.recover_interrupted()
        except BaseException:
            store.close()
            raise
        return store

    @staticmethod
    def _open_database(paths: AppPaths, keys: UnlockedKeys, options: StoreOptions) -> Database:
        def locator() -> Path | None:
            return backups.latest_backup(paths.backup_dir)

        def attempt(key: bytes) -> Database:
            return Database.open(
                paths.database_file,
                key,
                create=False,
                key_verified=True,
                backup_locator=locator,
                write_probe=options.write_probe,
                timeout_s=options.busy_timeout_s,
            )

        try:
            return attempt(keys.current)
        except StoreError as exc:
            # A rotation interrupted after PRAGMA rekey: the file already uses the new key.
            if exc.kind is StoreErrorKind.CORRUPT and keys.pending is not None:
                return attempt(keys.pending)
            raise

    def _load_message(self, message_id: str) -> Message:
        return self.conversations.get_message(message_id)

    def _message_saved(self) -> None:
        try:
            self._indexer.note_new_message()
        except StoreError as exc:
            # The message itself is saved; indexing is retried on the next search or close.
            log.warning("search indexing postponed: %s", exc.kind.value)

    # -- answers and search ----------------------------------------------------------------

    def begin_answer(
        self, conversation_id: str, parent_id: str | None, model: str | None
    ) -> AnswerWriter:
        """Starts saving a streamed answer (see ``streaming.py``)."""
        return self._slots.begin_answer(conversation_id, parent_id, model)

    def search(
        self,
        query: str,
        *,
        model: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
    ) -> list[SearchHit]:
        return self._searcher.search(query, model=model, since=since, until=until, limit=limit)

    def index_now(self) -> int:
        """Indexes queued messages (e.g. when the app is idle). Search does it anyway; after
        restoring a backup (which has no index) the UI should run this as a background task,
        showing ``unindexed_count()`` as progress."""
        return self._indexer.index_queued()

    def unindexed_count(self) -> int:
        return self._indexer.queued()

    # -- export / import -------------------------------------------------------------------

    def _branch(
        self, conversation_id: str, leaf_id: str | None
    ) -> tuple[Conversation, list[Message]]:
        return self.conversations.get(conversation_id), self.conversations.branch(
            conversation_id, leaf_id
        )

    def export_markdown(
        self, conversation_id: str, labels: ExportLabels | None = None, leaf_id: str | None = None
    ) -> str:
        return export.to_markdown(*self._branch(conversation_id, leaf_id), labels)

    def export_html(
        self, conversation_id: str, labels: ExportLabels | None = None, leaf_id: str | None = None
    ) -> str:
        """For the UI's PDF export (QTextDocument + QPrinter)."""
        return export.to_html(*self._branch(conversation_id, leaf_id), labels)

    def export_docx(
        self,
        conversation_id: str,
        path: Path,
        labels: ExportLabels | None = None,
        leaf_id: str | None = None,
    ) -> None:
        try:
            export.write_docx(*self._branch(conversation_id, leaf_id), path, labels)
        except OSError as exc:
            error = self._db.translate(exc, "writing a document")
            raise (error or exc) from exc

    def export_json(self, conversation_id: str, include_attachments: bool = True) -> str:
        conversation = self.conversations.get(conversation_id)
        messages = self.conversations.all_messages(conversation_id)
        data = self.conversations.attachment_data if include_attachments else None
        return export.to_json(conversation, messages, data)

    def export_archive(self, path: Path) -> ArchiveCounts:
        return archive.export_archive(self._db, self.conversations, path, self.options.clock)

    def import_archive(self, path: Path) -> ArchiveCounts:
        counts = archive.import_archive(self._db, path)
        self._message_saved()
        return counts

    # -- deletion ------------------------------------------------------------------------

    def purge_deleted(self, older_than_ms: int = 0) -> int:
        return self.conversations.purge_deleted(older_than_ms)

    def apply_retention(self, days: int | None = None) -> int:
        return erasure.apply_retention(self.conversations, self.settings, self.options.clock, days)

    # -- backups and integrity -------------------------------------------------------------

    def backup_now(self, reason: str = "manual") -> Path:
        return backups.create_backup(
            self._db,
            self.paths.backup_dir,
            self.options.clock,
            reason=reason,
            keep=self.options.keep_backups,
        )

    def backups(self) -> list[BackupInfo]:
        return backups.list_backups(self.paths.backup_dir)

    def check_integrity(self) -> bool:
        """Reads every page (HMAC and b-tree checks). Slow on big stores: a user action."""
        with self._db.reading("checking the database") as conn:
            if conn.execute("PRAGMA cipher_integrity_check").fetchall():
                return False
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return False
            conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
        return True

    @property
    def schema_version(self) -> int:
        return self._db.user_version

    # -- keys ------------------------------------------------------------------------------

    @property
    def protection(self) -> Protection:
        protection = self.key_store.protection()
        assert protection is not None
        return protection

    def _require_idle(self) -> None:
        if self._slots.writers:
            raise StoreError(StoreErrorKind.LOCKED, "an answer is being written")

    def rotate_key(self, passphrase: str | None = None) -> None:
        """New random key for the database and its backups (passphrase mode: confirm it)."""
        self._require_idle()
        self._slots.wipe_idle()  # encrypted with the old key; they only hold finished answers
        old = self._db.key
        fresh = self.key_store.begin_rotation(old, passphrase)
        self._finish_rotation(old, fresh)

    def _finish_rotation(self, old: bytes, fresh: bytes) -> None:
        if self._db.key != fresh:
            self._db.rekey(fresh)
        try:
            backups.rekey_backups(self.paths.backup_dir, old, fresh)
        except OSError as exc:
            raise (self._db.translate(exc, "re-encrypting backups") or exc) from exc
        self.key_store.complete_rotation(fresh)
        log.info("database key rotated")

    def change_passphrase(self, old: str, new: str, rotate: bool = True) -> None:
        self._require_idle()
        self.key_store.change_passphrase(self._db.key, old, new)
        if rotate:
            self.rotate_key(new)

    def use_passphrase(self, passphrase: str, rotate: bool = True) -> None:
        """Ask for a passphrase at every start, even though a keyring may be available."""
        self._require_idle()
        self.key_store.use_passphrase(self._db.key, passphrase)
        if rotate:
            self.rotate_key(passphrase)

    def use_keyring(self, passphrase: str, rotate: bool = True) -> None:
        """Stop asking for the passphrase: keep the key in the system keyring."""
        self._require_idle()
        if not self.key_store.verify_passphrase(passphrase):
            raise StoreError(StoreErrorKind.WRONG_KEY, "wrong passphrase")
        self.key_store.use_keyring(self._db.key)
        if rotate:
            self.rotate_key()

    # -- closing -------------------------------------------------------------------------

    def close(self) -> None:
        """Ends unfinished answers as interrupted, indexes the queue, closes the file."""
        if self._db.closed:
            return
        try:
            for writer in self._slots.writers:
                writer.finish(MessageStatus.INTERRUPTED)
            self._indexer.index_queued()
        except StoreError as exc:
            log.warning("closing: could not finish pending work: %s", exc.kind.value)
        finally:
            self._slots.close_logs()
            self._db.close()

    @property
    def closed(self) -> bool:
        return self._db.closed

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def restore_backup(paths: AppPaths, backup: Path, clock: Clock = system_clock) -> Path | None:
    """Replaces the (damaged or missing) database with ``backup``; then ``Store.open`` again.
    The replaced file is kept in the backup folder. The store must be closed."""
    return backups.restore_backup(paths, backup, clock)


__all__ = ["LATEST_VERSION", "Store", "StoreOptions", "restore_backup"]
