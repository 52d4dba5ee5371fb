"""Stable identifiers for conversations, messages and attachments.

UUIDs keep exported archives mergeable: importing the same archive twice, or on another
computer, finds the same ids and creates no duplicates. Version 7 (time-ordered) rather than
random version 4, because new rows then land at the end of every id index: a streamed answer
touches the same few index pages instead of a random page per message, which keeps the bytes
written per token low.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last = 0


def new_id() -> str:
    """A fresh RFC 9562 version-7 UUID in its canonical text form.

    Strictly increasing within the process (RFC 9562 "monotonic random": within one
    millisecond the 74 random bits are incremented), so ids also sort in creation order.
    """
    global _last
    with _lock:
        millis = time.time_ns() // 1_000_000
        counter = int.from_bytes(os.urandom(10), "big") >> 6  # 74 random bits
        candidate = (millis & ((1 << 48) - 1)) << 74 | counter
        if candidate <= _last:
            candidate = _last + 1
        _last = candidate
    millis_part = candidate >> 74
    counter = candidate & ((1 << 74) - 1)
    rand_a = counter >> 62  # 12 bits
    rand_b = counter & ((1 << 62) - 1)  # 62 bits
    value = millis_part << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def is_valid_id(text: str) -> bool:
    """True for a canonical (lower-case, hyphenated) UUID string, as this module writes them."""
    try:
        return str(uuid.UUID(text)) == text
    except (ValueError, TypeError, AttributeError):
        return False
