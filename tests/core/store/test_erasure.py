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


def _fts_config(store: Store) -> dict[str, object]:
    with store._db.reading("test") as conn:
        return dict(conn.execute("SELECT k, v FROM messages_fts_config").fetchall())


def test_a_big_erasure_merges_the_index_and_restores_its_settings(
    make_store: Callable[..., Store],
) -> None:
    store = make_store()
    before = _fts_config(store)
    kept = _conversation(store, "Kept zebra")
    doomed = store.conversations.create("Doomed")
    parent = None
    for number in range(30):  # enough to take the delete-then-merge way
        parent = store.conversations.add_message(
            doomed.id, parent, Role.USER, f"giraffe number {number}"
        ).id
    store.index_now()
    assert len(store.search("giraffe", limit=100)) == 30
    assert store.conversations.erase_conversations([doomed.id]) == 1
    assert store.search("giraffe") == []
    assert [hit.conversation_id for hit in store.search("zebra")] == [kept]
    after = _fts_config(store)
    assert after.get("secure-delete") == before.get("secure-delete") == 1
    # Merging was paused during the deletion only: the schema's setting (eight segments at a
    # time) and FTS5's default crisis threshold again.
    assert after.get("automerge") == before.get("automerge") == 8
    assert after.get("crisismerge", 16) == before.get("crisismerge", 16) == 16
    with store._db.reading("test") as conn:
        conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")


def test_stale_stream_logs_go_at_set_up_and_live_ones_are_reported(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store]
) -> None:
    leftover = paths.database_file.with_name("confide.db-stream-3")
    leftover.write_bytes(b"from an earlier installation")
    store = make_store()  # first run
    assert not leftover.exists()
    conv = store.conversations.create("Report")
    writer = store.begin_answer(conv.id, None, "m")
    writer.append("streaming")
    writer.flush()
    items = {item.path: item for item in data_report(paths, key_store).items}
    log = paths.database_file.with_name("confide.db-stream-1")
    assert items[log].kind is DataKind.DATABASE_JOURNAL and items[log].encrypted
    writer.finish()
