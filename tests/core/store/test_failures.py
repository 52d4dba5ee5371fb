"""Known failures give the right StoreError kind, and damage nothing already stored."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from confide.core.paths import AppPaths
from confide.core.store import (
    KeyStatus,
    KeyStore,
    MessageStatus,
    Protection,
    Role,
    Store,
    StoreError,
    StoreErrorKind,
    StoreOptions,
    restore_backup,
)
from confide.core.store.database import PAGE_SIZE, connect, os_error
from confide.core.store.keys import KEYRING_SERVICE, KEYRING_USERNAME
from tests.core.store.conftest import PASSPHRASE, MemoryKeyring


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _seed(store: Store) -> tuple[str, str]:
    conv = store.conversations.create(title="Kept")
    message = store.conversations.add_message(conv.id, None, Role.USER, "Nothing may be lost")
    return conv.id, message.id


def _intact(store: Store, ids: tuple[str, str]) -> None:
    assert store.conversations.get_message(ids[1]).content == "Nothing may be lost"
    assert [m.id for m in store.conversations.branch(ids[0])] == [ids[1]]


def _kind(call: Callable[[], object]) -> StoreError:
    with pytest.raises(StoreError) as info:
        call()
    return info.value


def test_wrong_passphrase(paths: AppPaths, key_store: KeyStore, options: StoreOptions) -> None:
    with Store.create(paths, key_store, Protection.PASSPHRASE, PASSPHRASE, options) as store:
        ids = _seed(store)
    before = _digest(paths.database_file)
    assert key_store.status(paths.database_file) is KeyStatus.PASSPHRASE
    error = _kind(lambda: Store.open(paths, key_store, "Nope-7d1e", options))
    assert error.kind is StoreErrorKind.WRONG_KEY
    assert "Nope-7d1e" not in str(error) and PASSPHRASE not in str(error)
    assert (
        _kind(lambda: Store.open(paths, key_store, None, options)).kind is StoreErrorKind.WRONG_KEY
    )
    assert _digest(paths.database_file) == before
    with Store.open(paths, key_store, PASSPHRASE, options) as store:
        _intact(store, ids)


def test_keyring_entry_missing_never_starts_empty(
    paths: AppPaths,
    key_store: KeyStore,
    make_store: Callable[..., Store],
    memory_keyring: MemoryKeyring,
) -> None:
    store = make_store()
    ids = _seed(store)
    store.close()
    before = _digest(paths.database_file)
    saved = memory_keyring.entries.pop((KEYRING_SERVICE, KEYRING_USERNAME))

    assert _kind(lambda: Store.open(paths, key_store)).kind is StoreErrorKind.KEY_MISSING
    assert _kind(lambda: Store.create(paths, key_store, Protection.KEYRING)).kind is (
        StoreErrorKind.ALREADY_SET_UP
    )
    assert _digest(paths.database_file) == before

    memory_keyring.entries[(KEYRING_SERVICE, KEYRING_USERNAME)] = os.urandom(32).hex()
    assert _kind(lambda: Store.open(paths, key_store)).kind is StoreErrorKind.WRONG_KEY

    memory_keyring.entries[(KEYRING_SERVICE, KEYRING_USERNAME)] = saved
    _intact(make_store(), ids)


def test_key_file_missing_never_starts_empty(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store]
) -> None:
    make_store().close()
    key_store.key_file.unlink()
    before = _digest(paths.database_file)
    assert _kind(lambda: key_store.status(paths.database_file)).kind is StoreErrorKind.KEY_MISSING
    assert _kind(lambda: Store.create(paths, key_store, Protection.KEYRING)).kind is (
        StoreErrorKind.KEY_MISSING
    )
    assert _digest(paths.database_file) == before


def test_keyring_unavailable(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store]
) -> None:
    make_store().close()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # the fixture restores the original
    assert _kind(lambda: Store.open(paths, key_store)).kind is StoreErrorKind.KEYRING_UNAVAILABLE
    assert not key_store.keyring_usable()


def test_database_missing_offers_the_backup(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store], options: StoreOptions
) -> None:
    store = make_store()
    ids = _seed(store)
    backup = store.backup_now()
    store.close()
    paths.database_file.unlink()
    error = _kind(lambda: Store.open(paths, key_store, options=options))
    assert error.kind is StoreErrorKind.DATABASE_MISSING
    assert error.latest_backup == backup
    assert not paths.database_file.exists(), "opening must never create an empty database"
    restore_backup(paths, backup)
    _intact(make_store(), ids)


def test_not_set_up(paths: AppPaths, key_store: KeyStore) -> None:
    assert key_store.status(paths.database_file) is KeyStatus.FIRST_RUN
    assert _kind(lambda: Store.open(paths, key_store)).kind is StoreErrorKind.NOT_SET_UP
    assert not paths.database_file.exists()


def test_read_only_data_folder_at_open(
    paths: AppPaths,
    key_store: KeyStore,
    make_store: Callable[..., Store],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = make_store()
    ids = _seed(store)
    store.close()
    before = _digest(paths.database_file)
    # Fail at the OS seam: root (as in many CI containers) ignores permission bits, so chmod
    # alone cannot prove the mapping everywhere.
    real_open = os.open

    def read_only_open(path: str | os.PathLike[str], flags: int, *args: int) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only_open)
    error = _kind(lambda: Store.open(paths, key_store))
    monkeypatch.undo()
    assert error.kind is StoreErrorKind.READ_ONLY
    assert _digest(paths.database_file) == before
    _intact(make_store(), ids)


def test_read_only_data_folder_for_real(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store]
) -> None:
    """With permission bits (as a normal user). Root writes anyway; then the store must
    simply open, and the injected failure above is what proves the mapping."""
    store = make_store()
    ids = _seed(store)
    store.close()
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    os.chmod(paths.data_dir, 0o555)
    try:
        if is_root:
            make_store().close()
        else:
            assert _kind(lambda: Store.open(paths, key_store)).kind is StoreErrorKind.READ_ONLY
    finally:
        os.chmod(paths.data_dir, 0o755)
    _intact(make_store(), ids)


def test_writes_refused_mid_session(store: Store) -> None:
    ids = _seed(store)
    store._db.connection.execute("PRAGMA query_only = 1")  # SQLite answers SQLITE_READONLY
    error = _kind(lambda: store.conversations.add_message(ids[0], ids[1], Role.USER, "x"))
    assert error.kind is StoreErrorKind.READ_ONLY
    store._db.connection.execute("PRAGMA query_only = 0")
    _intact(store, ids)


def test_disk_full(store: Store) -> None:
    ids = _seed(store)
    writer = store.begin_answer(ids[0], ids[1], "m")
    writer.append("Saved before the disk filled up. ")
    writer.flush()
    conn = store._db.connection
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 1}")  # SQLite answers SQLITE_FULL

    big = "A long answer. " * 2000
    error = _kind(lambda: store.conversations.add_message(ids[0], ids[1], Role.USER, big))
    assert error.kind is StoreErrorKind.DISK_FULL
    # Periodic saves need no new page (the stream slot is pre-allocated): they still work.
    writer.append("Still saving. ")
    assert writer.flush()
    writer.append(big)
    assert _kind(lambda: writer.finish()).kind is StoreErrorKind.DISK_FULL
    assert not writer.finished  # the answer stays in memory; finish can be retried

    conn.execute("PRAGMA max_page_count = 4294967294")
    answer = writer.finish()
    assert answer.status is MessageStatus.COMPLETE and answer.content.endswith(big)
    assert store.conversations.get_message(ids[1]).content == "Nothing may be lost"
    assert store.check_integrity()


def test_disk_full_while_exporting_leaves_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conv_id, _ = _seed(store)
    target = tmp_path / "out" / "chat.docx"
    target.parent.mkdir()

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    assert _kind(lambda: store.export_docx(conv_id, target)).kind is StoreErrorKind.DISK_FULL
    monkeypatch.undo()
    assert list(target.parent.iterdir()) == []  # no partial file left behind
    assert os_error(OSError(errno.EACCES, "x"), "op").kind is StoreErrorKind.READ_ONLY


def test_locked_by_another_instance(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store]
) -> None:
    first = make_store()
    ids = _seed(first)
    second_options = StoreOptions(busy_timeout_s=0.1)
    assert _kind(lambda: Store.open(paths, key_store, options=second_options)).kind is (
        StoreErrorKind.LOCKED
    )
    _intact(first, ids)


def test_schema_from_a_newer_version(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store]
) -> None:
    make_store().close()
    conn = connect(paths.database_file, key_store.unlock().current, create=False)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = _digest(paths.database_file)
    assert _kind(lambda: Store.open(paths, key_store)).kind is StoreErrorKind.TOO_NEW
    assert _digest(paths.database_file) == before


def test_corrupt_file_offers_the_latest_backup(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store]
) -> None:
    store = make_store()
    ids = _seed(store)
    store.backup_now("older")
    latest = store.backup_now()
    store.close()

    data = bytearray(paths.database_file.read_bytes())
    data[100:140] = os.urandom(40)  # inside page 1: its HMAC no longer matches
    paths.database_file.write_bytes(bytes(data))
    before = _digest(paths.database_file)

    error = _kind(lambda: Store.open(paths, key_store))
    assert error.kind is StoreErrorKind.CORRUPT
    assert error.latest_backup == latest
    assert _digest(paths.database_file) == before, "a failed open must not touch the file"

    moved = restore_backup(paths, latest)
    assert moved is not None and _digest(moved) == before  # kept for examination
    restored = make_store()
    _intact(restored, ids)
    # Backups carry no search index; it is rebuilt from the messages.
    assert [hit.message_id for hit in restored.search("lost")] == [ids[1]]


def test_corrupt_page_found_later(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store]
) -> None:
    store = make_store()
    conv = store.conversations.create(title="Big")
    last = None
    for index in range(40):
        last = store.conversations.add_message(
            conv.id, last.id if last else None, Role.USER, f"{index} " * 300
        )
    store.close()
    data = bytearray(paths.database_file.read_bytes())
    pages = len(data) // PAGE_SIZE
    for page in range(pages // 2, pages):  # damage the back half, keep the schema readable
        data[page * PAGE_SIZE + 10] ^= 0xFF
    paths.database_file.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        reopened = Store.open(paths, key_store)
        try:
            reopened.conversations.branch(conv.id)
            reopened.search("300")
        finally:
            reopened.close()
    assert info.value.kind is StoreErrorKind.CORRUPT


def test_options_are_plain_values() -> None:
    assert replace(StoreOptions(), flush_interval=2.0).flush_interval == 2.0


def test_errors_survive_the_trip_to_the_ui_thread() -> None:
    import pickle

    error = StoreError(StoreErrorKind.CORRUPT, "opening: SQLITE_NOTADB", latest_backup=Path("b.db"))
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.kind, copy.detail, copy.latest_backup) == (error.kind, error.detail, Path("b.db"))


def test_restoring_a_backup_keeps_answers_of_the_replaced_database_out(
    paths: AppPaths, make_store: Callable[..., Store]
) -> None:
    store = make_store()
    ids = _seed(store)
    backup = store.backup_now()
    writer = store.begin_answer(ids[0], ids[1], "m")
    writer.append("Streamed after the backup")
    writer.flush()
    store._db.close()  # the app dies mid-answer; then the user restores the backup

    moved = restore_backup(paths, backup)
    assert moved is not None
    assert list(paths.data_dir.glob("confide.db-stream-*")) == []
    assert [p.name for p in moved.parent.glob(moved.name + "-stream-*")] == [
        moved.name + "-stream-1"
    ]  # kept with the replaced database, like its WAL
    restored = make_store()
    _intact(restored, ids)
    assert _kind(lambda: restored.conversations.get_message(writer.message_id)).kind is (
        StoreErrorKind.NOT_FOUND
    )
