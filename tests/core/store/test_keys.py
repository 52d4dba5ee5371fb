"""Key creation, detection of unusable keyrings, passphrase changes and key rotation."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import pytest

from confide.core.paths import AppPaths
from confide.core.store import (
    KeyStatus,
    KeyStore,
    Protection,
    Role,
    ScryptParams,
    Store,
    StoreError,
    StoreErrorKind,
    StoreOptions,
    keyring_backend_is_usable,
)
from confide.core.store.backups import list_backups
from confide.core.store.database import SQLiteError, connect
from confide.core.store.keys import KEYRING_PENDING_USERNAME, KEYRING_SERVICE, KEYRING_USERNAME
from tests.core.store.conftest import PASSPHRASE, MemoryKeyring


def _opens(path: object, key: bytes) -> bool:
    from pathlib import Path

    try:
        conn = connect(Path(str(path)), key, create=False)
    except SQLiteError:
        return False
    conn.close()
    return True


def _seed(store: Store) -> str:
    conv = store.conversations.create(title="Kept")
    store.conversations.add_message(conv.id, None, Role.USER, "Ostrożnie z kluczem")
    return conv.id


def _check(store: Store, conv_id: str) -> None:
    assert [m.content for m in store.conversations.branch(conv_id)] == ["Ostrożnie z kluczem"]


class _PlaintextFileKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's plaintext file backend (identified by its module)."""


_PlaintextFileKeyring.__module__ = "keyrings.alt.file"


class _Chain(keyring.backends.chainer.ChainerBackend):
    def __init__(self, children: list[keyring.backend.KeyringBackend]) -> None:
        self._children = children

    @property
    def backends(self) -> list[keyring.backend.KeyringBackend]:  # type: ignore[override]
        return self._children


def test_unusable_keyrings_are_detected(memory_keyring: MemoryKeyring) -> None:
    assert keyring_backend_is_usable(memory_keyring)
    assert not keyring_backend_is_usable(keyring.backends.fail.Keyring())
    assert not keyring_backend_is_usable(keyring.backends.null.Keyring())
    assert not keyring_backend_is_usable(_PlaintextFileKeyring())
    # The chainer writes to its first backend: that one decides.
    assert not keyring_backend_is_usable(_Chain([_PlaintextFileKeyring(), memory_keyring]))
    assert keyring_backend_is_usable(_Chain([memory_keyring, _PlaintextFileKeyring()]))
    assert not keyring_backend_is_usable(_Chain([]))


def test_no_usable_keyring_means_passphrase(
    paths: AppPaths, key_store: KeyStore, options: StoreOptions
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert not key_store.keyring_usable()
    with pytest.raises(StoreError) as error:
        Store.create(paths, key_store, Protection.KEYRING, None, options)
    assert error.value.kind is StoreErrorKind.KEYRING_UNAVAILABLE
    assert not paths.database_file.exists() and not key_store.key_file.exists()
    with Store.create(paths, key_store, Protection.PASSPHRASE, PASSPHRASE, options) as store:
        conv_id = _seed(store)
    assert key_store.status(paths.database_file) is KeyStatus.PASSPHRASE
    with Store.open(paths, key_store, PASSPHRASE, options) as store:
        _check(store, conv_id)


def test_production_scrypt_is_strong() -> None:
    params = ScryptParams()
    assert (params.n, params.r, params.p) == (2**17, 8, 1)  # 128 MiB, ~0.6 s on a laptop core
    with pytest.raises(ValueError):
        ScryptParams(n=2**30).validate()  # a tampered key file cannot demand gigabytes


def test_key_file_holds_no_usable_secret(
    paths: AppPaths, key_store: KeyStore, options: StoreOptions, memory_keyring: MemoryKeyring
) -> None:
    with Store.create(paths, key_store, Protection.KEYRING, options=options):
        pass
    key = key_store.unlock().current
    text = key_store.key_file.read_text()
    assert key.hex() not in text and json.loads(text)["wrapped_key"] is None
    assert memory_keyring.entries[(KEYRING_SERVICE, KEYRING_USERNAME)] == key.hex()


def test_passphrase_is_normalised(
    paths: AppPaths, key_store: KeyStore, options: StoreOptions
) -> None:
    composed = unicodedata.normalize("NFC", "Zażółć gęślą jaźń")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    with Store.create(paths, key_store, Protection.PASSPHRASE, composed, options) as store:
        conv_id = _seed(store)
    with Store.open(paths, key_store, decomposed, options) as store:
        _check(store, conv_id)


def test_rotate_key_reencrypts_database_and_backups(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store]
) -> None:
    store = make_store()
    conv_id = _seed(store)
    backup = store.backup_now()
    old = key_store.unlock().current
    store.rotate_key()
    new = key_store.unlock().current
    assert new != old
    _check(store, conv_id)
    store.close()
    assert not _opens(paths.database_file, old) and _opens(paths.database_file, new)
    assert not _opens(backup, old) and _opens(backup, new)
    _check(make_store(), conv_id)


@pytest.mark.parametrize("crash_after", ["begin", "rekey", "backups"])
def test_interrupted_rotation_is_finished_at_next_start(
    paths: AppPaths,
    key_store: KeyStore,
    make_store: Callable[..., Store],
    memory_keyring: MemoryKeyring,
    crash_after: str,
) -> None:
    from confide.core.store import backups

    store = make_store()
    conv_id = _seed(store)
    backup = store.backup_now()
    old = store._db.key
    fresh = key_store.begin_rotation(old)
    if crash_after in ("rekey", "backups"):
        store._db.rekey(fresh)
    if crash_after == "backups":
        backups.rekey_backups(paths.backup_dir, old, fresh)
    store._db.close()  # the "crash": nothing else runs

    assert key_store.has_pending_rotation()
    reopened = make_store()
    _check(reopened, conv_id)
    reopened.close()
    assert not key_store.has_pending_rotation()
    assert key_store.unlock().current == fresh
    assert (KEYRING_SERVICE, KEYRING_PENDING_USERNAME) not in memory_keyring.entries
    assert _opens(backup, fresh) and _opens(paths.database_file, fresh)


def test_change_passphrase(paths: AppPaths, key_store: KeyStore, options: StoreOptions) -> None:
    with Store.create(paths, key_store, Protection.PASSPHRASE, PASSPHRASE, options) as store:
        conv_id = _seed(store)
        old_key = store._db.key
        with pytest.raises(StoreError) as error:
            store.change_passphrase("not the passphrase", "new passphrase 42")
        assert error.value.kind is StoreErrorKind.WRONG_KEY
        store.change_passphrase(PASSPHRASE, "new passphrase 42")
        assert store._db.key != old_key  # rotated: an old key file + old passphrase open nothing
    with pytest.raises(StoreError) as error:
        Store.open(paths, key_store, PASSPHRASE, options)
    assert error.value.kind is StoreErrorKind.WRONG_KEY
    with Store.open(paths, key_store, "new passphrase 42", options) as store:
        _check(store, conv_id)
        store.rotate_key("new passphrase 42")
    with Store.open(paths, key_store, "new passphrase 42", options) as store:
        _check(store, conv_id)


def test_switch_between_keyring_and_passphrase(
    paths: AppPaths,
    key_store: KeyStore,
    make_store: Callable[..., Store],
    options: StoreOptions,
    memory_keyring: MemoryKeyring,
) -> None:
    store = make_store()
    conv_id = _seed(store)
    store.use_passphrase("ask me every time")  # "require passphrase at start"
    store.close()
    assert key_store.status(paths.database_file) is KeyStatus.PASSPHRASE
    assert not memory_keyring.entries
    with Store.open(paths, key_store, "ask me every time", options) as store:
        _check(store, conv_id)
        with pytest.raises(StoreError):
            store.use_keyring("wrong")
        store.use_keyring("ask me every time")
    assert key_store.status(paths.database_file) is KeyStatus.KEYRING
    assert (KEYRING_SERVICE, KEYRING_USERNAME) in memory_keyring.entries
    assert json.loads(key_store.key_file.read_text())["wrapped_key"] is None
    _check(make_store(), conv_id)
    assert list_backups(paths.backup_dir) == []


def test_an_interrupted_first_run_starts_over_cleanly(
    paths: AppPaths, key_store: KeyStore, options: StoreOptions
) -> None:
    key_store.create(Protection.PASSPHRASE, PASSPHRASE)  # crash: key saved, never marked ready
    paths.database_file.write_bytes(b"half-created database")
    assert key_store.status(paths.database_file) is KeyStatus.FIRST_RUN
    with Store.create(paths, key_store, Protection.PASSPHRASE, "another one", options) as store:
        conv_id = _seed(store)
    with Store.open(paths, key_store, "another one", options) as store:
        _check(store, conv_id)
