"""Databases written by every earlier schema version open with today's code, losing nothing.

The fixtures in tests/data/store_versions/ were written by ``generate.py`` at the version
they are named after (see its docstring), encrypted with a fixed test key.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from confide.core.paths import AppPaths
from confide.core.store import LATEST_VERSION, Store, StoreOptions
from confide.core.store.backups import list_backups
from confide.core.store.database import Connection, connect
from confide.core.store.keys import KEYRING_SERVICE, KEYRING_USERNAME, KeyStore
from confide.core.store.migrations import MIGRATIONS, Migration, check_sequence
from confide.core.store.streamlog import log_files, log_path
from tests.core.store.conftest import Clock, MemoryKeyring

VERSIONS = Path(__file__).resolve().parents[2] / "data" / "store_versions"
FIXTURES = sorted(VERSIONS.glob("v*.db"), key=lambda p: int(p.stem[1:]))


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "store_versions_generate", VERSIONS / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()


def _install(fixture: Path, paths: AppPaths, keyring_backend: MemoryKeyring) -> KeyStore:
    paths.ensure()
    shutil.copyfile(fixture, paths.database_file)
    for number, stream_log in log_files(fixture):  # an answer cut off by a crash (v2 on)
        shutil.copyfile(stream_log, log_path(paths.database_file, number))
    keyring_backend.entries[(KEYRING_SERVICE, KEYRING_USERNAME)] = GENERATOR.FIXTURE_KEY.hex()
    key_store: KeyStore = GENERATOR.write_key_file(paths)
    return key_store


def _expected(fixture: Path) -> object:
    return json.loads(fixture.with_suffix(".expected.json").read_text(encoding="utf-8"))


def test_every_schema_version_has_a_fixture() -> None:
    assert [int(p.stem[1:]) for p in FIXTURES] == list(range(1, LATEST_VERSION + 1))


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_old_databases_open_and_lose_nothing(
    fixture: Path, paths: AppPaths, memory_keyring: MemoryKeyring, clock: Clock
) -> None:
    key_store = _install(fixture, paths, memory_keyring)
    version = int(fixture.stem[1:])
    with Store.open(paths, key_store, options=StoreOptions(clock=clock)) as store:
        assert store.schema_version == LATEST_VERSION
        assert GENERATOR.snapshot(store) == _expected(fixture)
        assert store.check_integrity()
    backups = list_backups(paths.backup_dir)
    if version < LATEST_VERSION:
        assert [b.schema_version for b in backups] == [version]
    else:
        assert backups == []  # nothing to migrate, nothing to back up


def _add_column(conn: Connection, now: int) -> None:
    conn.execute("ALTER TABLE conversations ADD COLUMN colour TEXT")
    conn.execute("UPDATE conversations SET colour = 'blue'")


def _broken(conn: Connection, now: int) -> None:
    conn.execute("ALTER TABLE conversations ADD COLUMN colour TEXT")
    raise RuntimeError("migration bug")


def test_a_migration_is_preceded_by_an_encrypted_backup(
    paths: AppPaths, memory_keyring: MemoryKeyring, clock: Clock
) -> None:
    fixture = FIXTURES[-1]
    key_store = _install(fixture, paths, memory_keyring)
    future = (*MIGRATIONS, Migration(LATEST_VERSION + 1, "test: add a column", _add_column))
    with Store.open(
        paths, key_store, options=StoreOptions(clock=clock, migrations=future)
    ) as store:
        assert store.schema_version == LATEST_VERSION + 1
        assert GENERATOR.snapshot(store) == _expected(fixture)
    (backup,) = list_backups(paths.backup_dir)
    assert backup.schema_version == LATEST_VERSION
    assert b"SQLite format 3" not in backup.path.read_bytes()[:100]  # encrypted
    conn = connect(backup.path, GENERATOR.FIXTURE_KEY, create=False)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    finally:
        conn.close()


def test_a_failed_migration_changes_nothing(
    paths: AppPaths, memory_keyring: MemoryKeyring, clock: Clock
) -> None:
    fixture = FIXTURES[-1]
    key_store = _install(fixture, paths, memory_keyring)
    broken = (*MIGRATIONS, Migration(LATEST_VERSION + 1, "test: fails", _broken))
    with pytest.raises(RuntimeError, match="migration bug"):
        Store.open(paths, key_store, options=StoreOptions(clock=clock, migrations=broken))
    with Store.open(paths, key_store, options=StoreOptions(clock=clock)) as store:
        assert store.schema_version == LATEST_VERSION
        assert GENERATOR.snapshot(store) == _expected(fixture)
    assert len(list_backups(paths.backup_dir)) == 1


def test_only_the_newest_backups_are_kept(
    paths: AppPaths, memory_keyring: MemoryKeyring, clock: Clock
) -> None:
    key_store = _install(FIXTURES[-1], paths, memory_keyring)
    with Store.open(paths, key_store, options=StoreOptions(clock=clock, keep_backups=2)) as store:
        made = [store.backup_now() for _ in range(4)]
    assert [b.path for b in list_backups(paths.backup_dir)] == made[:1:-1]


def test_migrations_are_numbered_without_gaps() -> None:
    check_sequence(MIGRATIONS)
    with pytest.raises(ValueError):
        check_sequence([Migration(1, "a", _add_column), Migration(3, "b", _add_column)])


def test_version_2_moves_streaming_out_of_the_database(
    paths: AppPaths, memory_keyring: MemoryKeyring, clock: Clock
) -> None:
    """v1 kept answers being streamed in blobs inside the database: the upgrade stores the one
    a crash left there (checked against v1.expected.json above), drops the tables, gives
    their pages back, and erasures still clean a v1 backup taken before the upgrade."""
    key_store = _install(VERSIONS / "v1.db", paths, memory_keyring)
    with Store.open(paths, key_store, options=StoreOptions(clock=clock)) as store:
        with store._db.reading("test") as conn:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")}
            assert not {"stream_slots", "stream_spills"} & names
            assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
        deleted = next(
            c for c in store.conversations.list_conversations(include_deleted=True) if c.deleted_at
        )
        assert store.purge_deleted() == 1
    (backup,) = list_backups(paths.backup_dir)
    assert backup.schema_version == 1
    conn = connect(backup.path, GENERATOR.FIXTURE_KEY, create=False)
    try:
        assert conn.execute(
            "SELECT count(*) FROM conversations WHERE id = ?", (deleted.id,)
        ).fetchone() == (0,)
        assert {
            bytes(row[0]).strip(b"\0") for row in conn.execute("SELECT data FROM stream_slots")
        } == {b""}  # the v1 slots in the backup were zeroed too
    finally:
        conn.close()
