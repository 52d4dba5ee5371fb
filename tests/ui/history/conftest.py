"""A real encrypted store behind a real gateway, with a clock the test moves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pytest

from confide.core.async_loop import LoopThread
from confide.core.paths import AppPaths
from confide.core.store import KeyStore, Protection, Role, Store, StoreOptions
from confide.core.store.clock import to_datetime
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskRunner
from tests.core.store.conftest import Clock
from tests.keyring_double import FAST_SCRYPT

T = TypeVar("T")


@dataclass
class History:
    gateway: StoreGateway
    clock: Clock

    def now(self) -> datetime:
        return to_datetime(self.clock.now + 1)

    def do(self, fn: Callable[[Store], T]) -> T:
        """Runs ``fn`` on the store thread, as the app would, and waits for it."""
        return self.gateway.wait(fn)

    def conversation(
        self, title: str, *turns: tuple[Role, str, str | None]
    ) -> tuple[str, list[str]]:
        """A conversation of (role, text, model) turns, each replying to the previous one;
        returns its id and the message ids in order."""

        def create(store: Store) -> tuple[str, list[str]]:
            conversation = store.conversations.create(title)
            ids: list[str] = []
            parent: str | None = None
            for role, text, model in turns:
                message = store.conversations.add_message(
                    conversation.id, parent, role, text, model=model
                )
                parent = message.id
                ids.append(message.id)
            return conversation.id, ids

        return self.do(create)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    paths = AppPaths.portable(tmp_path / "confide").ensure()
    clock = Clock()
    store = Store.create(
        paths,
        KeyStore.for_paths(paths, scrypt=FAST_SCRYPT),
        Protection.KEYRING,
        options=StoreOptions(clock=clock),
    )
    runner = TaskRunner(LoopThread())
    gateway = StoreGateway(runner, store)
    try:
        yield History(gateway, clock)
    finally:
        gateway.close()
        runner.shutdown()
