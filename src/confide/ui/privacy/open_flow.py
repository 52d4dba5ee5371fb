"""Opening the encrypted store at start-up (first run, unlock, or a problem to resolve)."""

from __future__ import annotations

from confide.core.store import KeyStatus, Protection, Store
from confide.ui.services import AppServices


def open_store_interactively(services: AppServices) -> Store | None:
    """The store, ready to use, or None if the user chose to quit."""
    paths, key_store = services.paths, services.key_store
    if key_store.status(paths.database_file) is KeyStatus.FIRST_RUN:
        return Store.create(paths, key_store, Protection.KEYRING)
    return Store.open(paths, key_store)
