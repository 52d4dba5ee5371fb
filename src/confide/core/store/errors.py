"""Known storage failures, as one exception type with a machine-readable kind.

The UI turns :class:`StoreErrorKind` into a translated sentence telling the user what happened
and what to do next. ``detail`` is English, for logs and bug reports only: it names the
operation and the SQLite/OS error, and never contains message text, titles or passphrases.
"""

from __future__ import annotations

import enum
from pathlib import Path


class StoreErrorKind(enum.Enum):
    DISK_FULL = "disk_full"
    """The disk (or the database's size limit) is full: free space, then retry."""
    LOCKED = "locked"
    """Another program (usually a second Confide) holds the database."""
    WRONG_KEY = "wrong_key"
    """Wrong passphrase, or the keyring holds a key that does not open this database."""
    CORRUPT = "corrupt"
    """The file is damaged. ``StoreError.latest_backup`` names a backup to offer, if any."""
    READ_ONLY = "read_only"
    """The data folder or file cannot be written."""
    KEY_MISSING = "key_missing"
    """The database exists but its key is gone (keyring entry or key file deleted)."""
    KEYRING_UNAVAILABLE = "keyring_unavailable"
    """The system keyring that holds the key cannot be reached right now."""
    DATABASE_MISSING = "database_missing"
    """Set-up was completed before, but the database file is gone. Offer the latest backup."""
    NOT_SET_UP = "not_set_up"
    """First run: nothing exists yet; the UI must call ``Store.create``."""
    ALREADY_SET_UP = "already_set_up"
    """``Store.create`` was called while a database or key already exists; nothing was touched."""
    TOO_NEW = "too_new"
    """The database was written by a newer Confide; this version must not touch it."""
    NOT_FOUND = "not_found"
    """The conversation, message or preset no longer exists (e.g. deleted meanwhile)."""
    INVALID_ARCHIVE = "invalid_archive"
    """An import file is not a Confide archive, or is damaged."""
    IO_ERROR = "io_error"
    """Any other operating-system level read/write failure."""


class StoreError(Exception):
    """A storage failure the user can understand and act on."""

    def __init__(
        self,
        kind: StoreErrorKind,
        detail: str,
        *,
        latest_backup: Path | None = None,
    ) -> None:
        super().__init__(f"{kind.value}: {detail}")
        self.kind = kind
        self.detail = detail
        self.latest_backup = latest_backup

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments do not survive the default pickling of exceptions; the UI
        # may pass errors between threads or processes.
        return (_rebuild, (self.kind, self.detail, self.latest_backup))


def _rebuild(kind: StoreErrorKind, detail: str, latest_backup: Path | None) -> StoreError:
    return StoreError(kind, detail, latest_backup=latest_backup)
