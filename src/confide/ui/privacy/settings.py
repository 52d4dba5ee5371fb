"""The privacy settings kept (encrypted) in the store, and how their values are read back."""

from __future__ import annotations

from confide.core.store.settings import RETENTION_DAYS

LOCK_AFTER_MINUTES = "privacy.lock_after_minutes"
"""int or null: lock Confide after this many minutes without input; off when unset."""

RETENTION_SETTING = RETENTION_DAYS
"""int or null: the core's own key, read by ``Store.apply_retention``."""

MAX_LOCK_MINUTES = 24 * 60
MAX_RETENTION_DAYS = 100 * 365
DEFAULT_LOCK_MINUTES = 10
DEFAULT_RETENTION_DAYS = 365


def _positive_int(value: object, maximum: int) -> int | None:
    # JSON from an older or newer Confide (or a hand-edited archive) may hold anything.
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return min(value, maximum)


def read_minutes(value: object) -> int | None:
    return _positive_int(value, MAX_LOCK_MINUTES)


def read_days(value: object) -> int | None:
    return _positive_int(value, MAX_RETENTION_DAYS)
