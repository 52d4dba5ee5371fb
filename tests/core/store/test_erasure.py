"""Retention, "delete all my data" and the "Your data" report."""

from __future__ import annotations

from collections.abc import Callable

from confide.core.paths import AppPaths
from confide.core.store import (
    DataKind,
    KeyStatus,
    KeyStore,
    Protection,
    Role,
    Store,
    data_report,
    delete_all_data,
)
from confide.core.store.database import connect
from tests.core.store.conftest import Clock, MemoryKeyring


def _conversation(store: Store, title: str) -> str:
    conv = store.conversations.create(title)
    store.conversations.add_message(conv.id, None, Role.USER, f"Text of {title}")
    return conv.id


def test_retention_is_off_by_default_and_erases_old_conversations(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store], clock: Clock
) -> None:
    store = make_store()
    old = _conversation(store, "Old")
    store.conversations.set_pinned(old, True)  # retention rules are legal limits: no exemption
    clock.advance_days(40)
    recent = _conversation(store, "Recent")
    backup = store.backup_now()
    assert store.apply_retention() == 0  # no setting: off
    store.settings.set("retention_days", 30)
    assert store.apply_retention() == 1
    assert [c.id for c in store.conversations.list_conversations()] == [recent]
    assert store.search("Old") == []
    clock.advance_days(40)
    assert store.apply_retention(days=365) == 0
    store.close()
    # The erased conversation is gone from the backup as well.
    conn = connect(backup, key_store.unlock().current, create=False)
    try:
        titles = [row[0] for row in conn.execute("SELECT title FROM conversations")]
    finally:
        conn.close()
    assert titles == ["Recent"]


def test_delete_all_data_leaves_nothing(
    paths: AppPaths,
    key_store: KeyStore,
    make_store: Callable[..., Store],
    memory_keyring: MemoryKeyring,
) -> None:
    store = make_store()
    _conversation(store, "Anything")
    store.backup_now()
    store.close()
    paths.log_file.write_text("started\n")
    (paths.cache_dir / "thumbnails").mkdir()
    (paths.cache_dir / "thumbnails" / "a.png").write_bytes(b"png")
    paths.settings_file.write_text("{}")
    assert memory_keyring.entries

    report = delete_all_data(paths, key_store)

    assert report.complete, report.failed
    assert not memory_keyring.entries
    for folder in paths.all_dirs():
        assert not folder.exists()
    assert any(entry.startswith("keyring:") for entry in report.removed)
    assert str(paths.database_file) in report.removed
    assert key_store.status(paths.database_file) is KeyStatus.FIRST_RUN
    with Store.create(paths, key_store, Protection.KEYRING) as fresh:
        assert fresh.conversations.count() == 0


def test_data_report_lists_every_file(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store]
) -> None:
    store = make_store()
    _conversation(store, "Report")
    backup = store.backup_now()
    paths.log_file.write_text("log line\n")
    report = data_report(paths, key_store)
    store.close()
    kinds = {item.path: item for item in report.items}
    assert (
        kinds[paths.database_file].kind is DataKind.DATABASE
        and kinds[paths.database_file].encrypted
    )
    assert kinds[backup].kind is DataKind.BACKUP and kinds[backup].encrypted
    assert kinds[key_store.key_file].kind is DataKind.KEY_INFO
    assert kinds[paths.log_file].kind is DataKind.LOG and not kinds[paths.log_file].encrypted
    assert report.protection is Protection.KEYRING
    assert report.keyring_backend is not None and "MemoryKeyring" in report.keyring_backend
    assert report.total_size == sum(item.size for item in report.items) > 0
