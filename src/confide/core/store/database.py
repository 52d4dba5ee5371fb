"""The one encrypted SQLite connection: opening, pragmas, transactions, error translation.

Threading: the connection is opened with ``check_same_thread=False`` so that the UI's single
database worker thread may use it, but it is *not* safe for concurrent use. Callers serialise
all access (one worker thread at a time), as ``confide.ui`` does.

Why these settings:

* SQLCipher 4 with a raw 256-bit key (``x'…'``): no passphrase KDF inside SQLCipher, because
  the key is either random (keyring) or already stretched with scrypt (see ``keys.py``).
  Every page, the WAL and the FTS index are encrypted; there is no plaintext header.
* 1 KiB pages. SQLite writes whole pages, and saving a finished answer touches about ten
  (the row, its overflow, three index leaves, the conversation, the index queue, page 1 and a
  pointer-map page): ~13 KiB with 1 KiB pages, several times that with 4 KiB pages. The
  periodic saves of an answer being streamed do not go through SQLite at all (see
  ``streamlog.py``). The price is ~8 % space for SQLCipher's per-page IV and HMAC.
* WAL + ``synchronous=FULL``: a committed user message survives a power cut, not just a crash.
* ``locking_mode=EXCLUSIVE``: a second Confide cannot open the same data behind our back (it
  gets ``LOCKED``), and SQLite keeps the WAL index in process memory, so no ``-shm`` file.
* ``auto_vacuum=INCREMENTAL`` (creation only) so deletions can shrink the file, and
  ``secure_delete=FAST`` normally (zeroes deleted cells for free); erasure switches to ``ON``.
* ``temp_store=MEMORY``: sorting and temporary tables never touch disk unencrypted.
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, cast

from sqlcipher3 import dbapi2 as sqlcipher

from confide.core.store.errors import StoreError, StoreErrorKind
from confide.core.store.textfold import fold_for_index

log = logging.getLogger(__name__)

PAGE_SIZE = 1024
KEY_BYTES = 32
BUSY_TIMEOUT_S = 3.0
CACHE_KIB = 32 * 1024
WAL_SIZE_LIMIT = 2 * 1024 * 1024

Connection = sqlcipher.Connection
SQLiteError = sqlcipher.Error

# SQLite primary result codes we translate (extended codes are reduced with & 0xFF).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

BackupLocator = Callable[[], "Path | None"]


def _no_backup() -> Path | None:
    return None


def sidecar_files(database: Path) -> tuple[Path, ...]:
    """Files SQLite may keep next to the database (``-shm`` only without exclusive locking)."""
    return tuple(
        database.with_name(database.name + suffix) for suffix in ("-wal", "-shm", "-journal")
    )


def probe_writable(directory: Path, database: Path | None = None) -> None:
    """Raises ``READ_ONLY``/``DISK_FULL`` if the folder (or database file) cannot be written.

    SQLite would only notice at the first write, possibly half-way through start-up; checking
    first gives the user one clear message. It is a parameter of :meth:`Database.open` so that
    tests can inject the failure even when they run as root (root ignores permission bits).
    """
    probe = directory / f".confide-write-test-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        os.unlink(probe)
        if database is not None and database.exists():
            os.close(os.open(database, os.O_RDWR))
    except OSError as exc:
        raise os_error(exc, "checking that the data folder is writable") from exc


def os_error(exc: OSError, operation: str) -> StoreError:
    """Translates an operating-system error from our own file handling."""
    code = exc.errno
    name = errno.errorcode.get(code or 0, "unknown")
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return StoreError(StoreErrorKind.DISK_FULL, f"{operation}: {name}")
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreError(StoreErrorKind.READ_ONLY, f"{operation}: {name}")
    return StoreError(StoreErrorKind.IO_ERROR, f"{operation}: {name}")


def sqlite_error(
    exc: SQLiteError,
    operation: str,
    *,
    key_verified: bool = True,
    directory: Path | None = None,
    backup_locator: BackupLocator = _no_backup,
) -> StoreError | None:
    """The StoreError for a known SQLite failure, or None for a bug that must surface as is.

    ``key_verified`` tells "file is not a database" apart: with a key whose check value
    matched, the file itself is damaged (CORRUPT); otherwise the key is wrong.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    name = getattr(exc, "sqlite_errorname", "SQLITE_?")
    primary = code & 0xFF if isinstance(code, int) else None
    detail = f"{operation}: {name} ({exc})"
    if primary == _SQLITE_FULL:
        return StoreError(StoreErrorKind.DISK_FULL, detail)
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StoreError(StoreErrorKind.LOCKED, detail)
    if primary in (_SQLITE_READONLY, _SQLITE_PERM):
        return StoreError(StoreErrorKind.READ_ONLY, detail)
    if primary == _SQLITE_NOTADB and not key_verified:
        return StoreError(StoreErrorKind.WRONG_KEY, detail)
    if primary in (_SQLITE_NOTADB, _SQLITE_CORRUPT):
        return StoreError(StoreErrorKind.CORRUPT, detail, latest_backup=backup_locator())
    if primary == _SQLITE_CANTOPEN:
        writable = directory is None or os.access(directory, os.W_OK)
        kind = StoreErrorKind.IO_ERROR if writable else StoreErrorKind.READ_ONLY
        return StoreError(kind, detail)
    if primary == _SQLITE_IOERR:
        return StoreError(StoreErrorKind.IO_ERROR, detail)
    return None


class _Blob(Protocol):
    def seek(self, offset: int, origin: int = 0) -> None: ...
    def write(self, data: bytes) -> None: ...
    def read(self, length: int = -1) -> bytes: ...
    def close(self) -> None: ...


def write_blob(
    conn: Connection, table: str, column: str, rowid: int, offset: int, data: bytes
) -> None:
    """Overwrites bytes inside an existing blob; SQLite rewrites only the pages touched."""
    blob = cast(_Blob, conn.open_blob(table, column, rowid, False, "main"))
    try:
        blob.seek(offset)
        blob.write(data)
    finally:
        blob.close()


def read_blob(conn: Connection, table: str, column: str, rowid: int) -> bytes:
    blob = cast(_Blob, conn.open_blob(table, column, rowid, True, "main"))
    try:
        return blob.read()
    finally:
        blob.close()


def _key_literal(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError("database keys are 32 bytes")
    return f"\"x'{key.hex()}'\""


def connect(
    path: Path, key: bytes, *, create: bool, timeout_s: float = BUSY_TIMEOUT_S
) -> Connection:
    """Opens (or creates) an encrypted database and checks the key by reading the schema.

    Raises the raw SQLite error; :meth:`Database.open` translates it. Opening never creates
    a missing file unless ``create`` is set (``mode=rw``), so a lost database can never be
    silently replaced by an empty one.
    """
    mode = "rwc" if create else "rw"
    uri = f"{path.absolute().as_uri()}?mode={mode}"
    conn = sqlcipher.connect(
        uri, uri=True, isolation_level=None, check_same_thread=False, timeout=timeout_s
    )
    try:
        # SQLCipher logs decryption failures to stderr by default; they carry no secrets but
        # would confuse users running from a terminal, and we report them ourselves.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_key_literal(key)}")
        conn.execute(f"PRAGMA cipher_page_size = {PAGE_SIZE}")
        # Before the first read, so that SQLite never creates the shared-memory -shm file.
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        if create:
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = FAST")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        conn.create_function("confide_fold", 1, fold_for_index, deterministic=True)
    except BaseException:
        conn.close()
        raise
    return conn


class Database:
    """Owns the connection; every public store method goes through :meth:`transaction` or
    :meth:`reading` so that SQLite failures reach the UI as :class:`StoreError`."""

    def __init__(
        self,
        connection: Connection,
        path: Path,
        key: bytes,
        backup_locator: BackupLocator = _no_backup,
    ) -> None:
        self._conn: Connection | None = connection
        self.path = path
        self._key = key
        self._backup_locator = backup_locator

    @classmethod
    def open(
        cls,
        path: Path,
        key: bytes,
        *,
        create: bool = False,
        key_verified: bool = True,
        backup_locator: BackupLocator = _no_backup,
        write_probe: Callable[[Path, Path | None], None] = probe_writable,
        timeout_s: float = BUSY_TIMEOUT_S,
    ) -> Database:
        write_probe(path.parent, path)
        if not create and not path.exists():
            raise StoreError(
                StoreErrorKind.DATABASE_MISSING,
                "opening the database: the file does not exist",
                latest_backup=backup_locator(),
            )
        try:
            conn = connect(path, key, create=create, timeout_s=timeout_s)
        except SQLiteError as exc:
            error = sqlite_error(
                exc,
                "opening the database",
                key_verified=key_verified,
                directory=path.parent,
                backup_locator=backup_locator,
            )
            if error is None:
                raise
            raise error from exc
        return cls(conn, path, key, backup_locator)

    @property
    def connection(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the store is closed")
        return self._conn

    @property
    def key(self) -> bytes:
        return self._key

    @property
    def closed(self) -> bool:
        return self._conn is None

    def translate(self, exc: BaseException, operation: str) -> StoreError | None:
        if isinstance(exc, SQLiteError):
            return sqlite_error(
                exc, operation, directory=self.path.parent, backup_locator=self._backup_locator
            )
        if isinstance(exc, OSError):
            return os_error(exc, operation)
        return None

    @contextmanager
    def reading(self, operation: str) -> Iterator[Connection]:
        """For reads (and single autocommit statements): translates failures only."""
        try:
            yield self.connection
        except (SQLiteError, OSError) as exc:
            error = self.translate(exc, operation)
            if error is None:
                raise
            raise error from exc

    @contextmanager
    def transaction(self, operation: str) -> Iterator[Connection]:
        """One atomic write: ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any failure."""
        conn = self.connection
        with self.reading(operation):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @property
    def user_version(self) -> int:
        with self.reading("reading the schema version") as conn:
            row = conn.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def rekey(self, new_key: bytes) -> None:
        """Re-encrypts every page with ``new_key`` in one transaction (SQLCipher ``rekey``)."""
        with self.reading("re-encrypting the database") as conn:
            conn.execute(f"PRAGMA rekey = {_key_literal(new_key)}")
            conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        self._key = new_key

    def execute(self, operation: str, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """A single statement in autocommit mode, all rows fetched."""
        with self.reading(operation) as conn:
            return conn.execute(sql, params).fetchall()

    def close(self) -> None:
        """Closes the connection; SQLite checkpoints and removes the WAL file."""
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            conn.close()
        except SQLiteError as exc:  # pragma: no cover - close only fails on I/O errors
            log.warning("closing the database failed: %s", type(exc).__name__)
