"""The "Your data" screen: every file Confide keeps, its size, and how it is protected."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from confide.core.paths import AppPaths
from confide.core.store.database import sidecar_files
from confide.core.store.keys import KeyStore, Protection
from confide.core.store.streamlog import log_files


class DataKind(enum.Enum):
    DATABASE = "database"
    """Conversations, attachments, presets, settings and the search index."""
    DATABASE_JOURNAL = "database_journal"
    """The database's write-ahead log, and the logs of answers being written; encrypted."""
    KEY_INFO = "key_info"
    """Key check value, scrypt salt and (with a passphrase) the wrapped key."""
    BACKUP = "backup"
    LOG = "log"
    """Technical logs; the store writes no message text, titles or passphrases to them."""
    CACHE = "cache"
    SETTINGS = "settings"
    OTHER = "other"


@dataclass(frozen=True)
class DataItem:
    kind: DataKind
    path: Path
    size: int
    encrypted: bool


@dataclass(frozen=True)
class DataReport:
    protection: Protection | None
    """How the database key is kept; None before set-up."""
    keyring_backend: str | None
    """The keyring in use (e.g. ``keyring.backends.Windows.WinVaultKeyring``), if any."""
    items: tuple[DataItem, ...]

    @property
    def total_size(self) -> int:
        return sum(item.size for item in self.items)


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file())


def data_report(paths: AppPaths, key_store: KeyStore) -> DataReport:
    items: list[DataItem] = []
    seen: set[Path] = set()

    def add(kind: DataKind, path: Path, encrypted: bool) -> None:
        if path in seen or not path.is_file():
            return
        seen.add(path)
        items.append(DataItem(kind, path, path.stat().st_size, encrypted))

    add(DataKind.DATABASE, paths.database_file, True)
    for sidecar in sidecar_files(paths.database_file):
        add(DataKind.DATABASE_JOURNAL, sidecar, True)
    for _, stream_log in log_files(paths.database_file):
        add(DataKind.DATABASE_JOURNAL, stream_log, True)
    add(DataKind.KEY_INFO, key_store.key_file, False)
    for path in _files_under(paths.backup_dir):
        add(DataKind.BACKUP, path, True)
    for path in _files_under(paths.data_dir):
        add(DataKind.OTHER, path, False)
    for path in _files_under(paths.log_dir):
        add(DataKind.LOG, path, False)
    for path in _files_under(paths.cache_dir):
        add(DataKind.CACHE, path, False)
    add(DataKind.SETTINGS, paths.settings_file, False)
    for path in _files_under(paths.config_dir):
        add(DataKind.SETTINGS, path, False)
    protection = key_store.protection()
    backend = key_store.keyring.backend_name() if protection is Protection.KEYRING else None
    return DataReport(protection, backend, tuple(items))
