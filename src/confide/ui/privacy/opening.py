"""The disk work behind opening the store at start-up, run on the store thread.

No Qt here: each function is one job for the gateway. Expected failures come back as a
:class:`Failure` value (with the backup to offer already looked up, which touches the disk)
instead of an exception, so the GUI side only decides what to show.
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from confide.core.paths import AppPaths
from confide.core.store import (
    BackupInfo,
    KeyStatus,
    KeyStore,
    Protection,
    Store,
    StoreError,
    StoreOptions,
    list_backups,
)
from confide.core.store.clock import Clock
from confide.core.store.database import os_error, sidecar_files
from confide.core.store.keys import KEYRING_PENDING_USERNAME, KEYRING_USERNAME

log = logging.getLogger(__name__)

T = TypeVar("T")

SET_ASIDE_PREFIX = "set-aside-"
KEYCHAIN_RECORD = "keychain-entries.json"


@dataclass(frozen=True)
class Failure:
    """A store problem the user must resolve, with the backup that could replace the file."""

    error: StoreError
    backup: BackupInfo | None = None


@dataclass(frozen=True)
class Probe:
    status: KeyStatus
    keyring_usable: bool


def attempt(
    paths: AppPaths, job: Callable[[], T], tried_backups: Collection[Path] = ()
) -> T | Failure:
    """Runs ``job``; a StoreError becomes a Failure offering the newest backup not yet tried
    (restoring one that already failed would go round in circles)."""
    try:
        return job()
    except StoreError as exc:
        backup = None
        if exc.latest_backup is not None:
            backup = next(
                (info for info in list_backups(paths.backup_dir) if info.path not in tried_backups),
                None,
            )
        log.info("opening the store: %s", exc.kind.value)
        return Failure(exc, backup)


def probe(paths: AppPaths, key_store: KeyStore) -> Probe:
    status = key_store.status(paths.database_file)
    # Asking the keyring can take a moment (D-Bus on Linux): only needed before set-up.
    usable = key_store.keyring_usable() if status is KeyStatus.FIRST_RUN else False
    return Probe(status, usable)


def create_store(
    paths: AppPaths,
    key_store: KeyStore,
    protection: Protection,
    passphrase: str | None,
    options: StoreOptions | None,
) -> Store:
    return Store.create(paths, key_store, protection, passphrase, options)


def open_store(
    paths: AppPaths, key_store: KeyStore, passphrase: str | None, options: StoreOptions | None
) -> Store:
    return Store.open(paths, key_store, passphrase, options)


def set_aside(paths: AppPaths, key_store: KeyStore, clock: Clock) -> Path:
    """Moves the unopenable history out of the way, deleting nothing, so that set-up can start
    afresh: the database (with its journal), its key file and its backups go into one folder
    among the backups; keychain entries holding its key are renamed, not removed.

    Returns the folder. "Delete all my data" removes it along with everything else."""
    try:
        return _set_aside(paths, key_store, clock)
    except OSError as exc:
        raise os_error(exc, "setting the history aside") from exc


def _set_aside(paths: AppPaths, key_store: KeyStore, clock: Clock) -> Path:
    stamp = clock()
    folder = paths.backup_dir / f"{SET_ASIDE_PREFIX}{stamp:013d}"
    folder.mkdir(parents=True, exist_ok=False)
    database = paths.database_file
    # The database and everything named after it: its journal, and the logs of answers that
    # were being written into it (encrypted with the same key, useless to a new history).
    companions = sorted(database.parent.glob(glob.escape(database.name) + "-*"))
    for path in (database, *sidecar_files(database), *companions, key_store.key_file):
        if path.is_file():
            os.replace(path, folder / path.name)
    # Backups are encrypted with the old key: the new history could never open them.
    for info in list_backups(paths.backup_dir):
        os.replace(info.path, folder / info.path.name)
    kept: list[str] = []
    for username in (KEYRING_USERNAME, KEYRING_PENDING_USERNAME):
        with contextlib.suppress(StoreError):  # no reachable keychain: nothing to keep there
            secret = key_store.keyring.get(username)
            if secret is None:
                continue
            aside = f"{username}-{SET_ASIDE_PREFIX}{stamp:013d}"
            key_store.keyring.set(aside, secret)
            key_store.keyring.delete(username)
            kept.append(aside)
    record = {"service": key_store.keyring.service, "entries": kept}
    (folder / KEYCHAIN_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    log.info("history set aside for a fresh start (%d keychain entries kept)", len(kept))
    return folder


def forget_set_aside_keys(paths: AppPaths, key_store: KeyStore) -> int:
    """Removes the keychain entries that :func:`set_aside` kept; returns how many went."""
    removed = 0
    for record in sorted(paths.backup_dir.glob(f"{SET_ASIDE_PREFIX}*/{KEYCHAIN_RECORD}")):
        try:
            entries = json.loads(record.read_text(encoding="utf-8")).get("entries", [])
        except (OSError, ValueError, AttributeError):
            continue
        for username in entries:
            if isinstance(username, str) and username.startswith(
                (KEYRING_USERNAME, KEYRING_PENDING_USERNAME)
            ):
                with contextlib.suppress(StoreError):
                    removed += int(key_store.keyring.delete(username))
    return removed
