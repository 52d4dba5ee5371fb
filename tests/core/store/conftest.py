"""Fixtures for the store tests: an in-memory keyring, fast scrypt, a fresh data folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest

from confide.core.paths import AppPaths
from confide.core.store import KeyStore, Protection, Store, StoreOptions
from tests.keyring_double import FAST_SCRYPT, MemoryKeyring

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths.portable(tmp_path / "confide").ensure()


@pytest.fixture
def key_store(paths: AppPaths, memory_keyring: MemoryKeyring) -> KeyStore:
    return KeyStore.for_paths(paths, scrypt=FAST_SCRYPT)


class Clock:
    """A settable clock in epoch milliseconds; ticks 1 ms per call so ordering is stable."""

    def __init__(self, start: int = 1_750_000_000_000) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1
        return self.now

    def advance_days(self, days: float) -> None:
        self.now += int(days * 86_400_000)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def options(clock: Clock) -> StoreOptions:
    return StoreOptions(clock=clock)


@pytest.fixture
def make_store(
    paths: AppPaths, key_store: KeyStore, options: StoreOptions
) -> Iterator[Callable[..., Store]]:
    """Opens (creating on first call) a keyring-protected store; closes all at teardown."""
    opened: list[Store] = []

    def factory(**overrides: object) -> Store:
        from dataclasses import replace

        opts = replace(options, **overrides) if overrides else options
        if key_store.protection() is None:
            store = Store.create(paths, key_store, Protection.KEYRING, options=opts)
        else:
            store = Store.open(paths, key_store, options=opts)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: Callable[..., Store]) -> Store:
    return make_store()
