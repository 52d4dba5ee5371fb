"""A clock that moves only when a test moves it."""

from __future__ import annotations


class ManualClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now
