"""A real encrypted store (fast scrypt, in-memory keyring) behind a real gateway."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from confide.core.async_loop import LoopThread
from confide.core.paths import AppPaths
from confide.core.store import KeyStore, Protection, Store, StoreOptions
from confide.ui.privacy.open_flow import StoreOpener
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskRunner
from tests.core.store.conftest import Clock
from tests.keyring_double import FAST_SCRYPT

PASSPHRASE = "correct horse battery staple"


@dataclass
class Env:
    paths: AppPaths
    key_store: KeyStore
    gateway: StoreGateway
    runner: TaskRunner
    clock: Clock = field(default_factory=Clock)
    opened: list[Store] = field(default_factory=list)

    @property
    def options(self) -> StoreOptions:
        return StoreOptions(clock=self.clock)

    def create(self, protection: Protection = Protection.KEYRING, attach: bool = True) -> Store:
        """A store as after a first run; attached to the gateway unless told otherwise."""
        passphrase = PASSPHRASE if protection is Protection.PASSPHRASE else None
        store = Store.create(self.paths, self.key_store, protection, passphrase, self.options)
        self.opened.append(store)
        if attach:
            self.gateway.attach(store)
        return store

    def opener(self, **kwargs: Any) -> StoreOpener:
        kwargs.setdefault("options", self.options)
        kwargs.setdefault("clock", self.clock)
        return StoreOpener(self.paths, self.key_store, self.gateway, **kwargs)


@pytest.fixture
def env(qtbot: QtBot, tmp_path: Path) -> Iterator[Env]:
    paths = AppPaths.portable(tmp_path / "confide").ensure()
    key_store = KeyStore.for_paths(paths, scrypt=FAST_SCRYPT)
    runner = TaskRunner(LoopThread())
    gateway = StoreGateway(runner)
    setup = Env(paths, key_store, gateway, runner)
    yield setup
    for widget in QApplication.topLevelWidgets():
        widget.hide()
        widget.deleteLater()
    gateway.close()
    runner.shutdown()
    for store in setup.opened:
        store.close()


WaitFor = Callable[[Callable[[], object]], None]


@pytest.fixture
def wait_for(qtbot: QtBot) -> WaitFor:
    def wait(condition: Callable[[], object]) -> None:
        qtbot.waitUntil(lambda: bool(condition()), timeout=10_000)

    return wait
