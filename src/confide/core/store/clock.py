"""Time as the store keeps it: integer milliseconds since the Unix epoch, in UTC.

Integers sort and compare cheaply in SQL (retention, date filters) and have no time-zone
ambiguity; the public models turn them into aware ``datetime`` objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

Clock = Callable[[], int]
"""Returns "now" in epoch milliseconds. Injected so tests can move time."""


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MS = timedelta(milliseconds=1)


def system_clock() -> int:
    return time.time_ns() // 1_000_000


def to_datetime(millis: int) -> datetime:
    # Integer arithmetic: a float detour could turn .123 into .122.
    return _EPOCH + timedelta(milliseconds=millis)


def to_millis(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime (e.g. with tz=timezone.utc)")
    return (moment - _EPOCH) // _ONE_MS


def to_iso(millis: int) -> str:
    """``2025-01-31T12:00:00.123Z``: exact to the millisecond, for archives."""
    moment = to_datetime(millis)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def from_iso(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return to_millis(moment)
