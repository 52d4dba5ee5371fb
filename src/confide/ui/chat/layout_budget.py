"""When a document that grows while an answer streams is laid out again.

Qt lays a document out whole each time its text is set. The unfinished end of an answer
(its tail: the paragraph, list, table or code block still being written) and a model's
reasoning are set again as they grow, so doing it on every delivery costs the square of
their length: a 150-line code block or a 200-row table made every delivery of its last part
take 10-20 ms, and the whole answer 10-30 times the work of showing it once.

So a document is laid out on every delivery only while that is cheap whatever the speed:
up to ``ALWAYS_UP_TO`` characters (a paragraph, a short list, table or code block: about a
millisecond, a few for a table). A longer one is laid out when it has earned it. Credit comes
from the text, as in the Markdown renderer (``core.markdown.incremental``): every character
that arrived earns ``rate`` characters of layout, which keeps the work proportional to the
answer however fast it comes. It also comes from time: ``allowance`` characters a second, so
that at an ordinary speed, when a few characters arrive per delivery, long reasoning or a long
paragraph still moves several times a second instead of in half-second jumps. A layout costs
the document's length, and what the user sees is never more than ``max_wait`` seconds behind
what arrived.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

ALWAYS_UP_TO = 1500  # characters of a document laid out on every delivery, at any speed
RATE = 4.0  # characters of layout each new character pays for
ALLOWANCE = 20_000.0  # characters of layout a second pays for (~1,000 a delivery)
MAX_WAIT_S = 0.5  # the longest a long tail may lag behind the text that arrived
MAX_CREDIT = 4096.0  # saved while tails are short (see due)


@dataclass
class LayoutBudget:
    """Decides, for one growing document, whether to lay it out again now."""

    rate: float = RATE
    allowance: float = ALLOWANCE
    max_wait: float = MAX_WAIT_S
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _credit: float = 0.0
    _seen: int = 0  # length of the source text when last asked
    _asked_at: float | None = None
    _laid_out_at: float | None = None

    def due(self, source_length: int, cost: int, *, required: bool = False) -> bool:
        """Whether to lay out now a document of ``cost`` characters, its source having grown
        to ``source_length``. ``required``: it must be (its content changed otherwise).
        When the answer is True the caller lays it out, and the budget is charged for it
        (not for a small document, which is laid out every time anyway)."""
        now = self.clock()
        grown = max(0, source_length - self._seen)
        elapsed = 0.0 if self._asked_at is None else max(0.0, now - self._asked_at)
        self._seen, self._asked_at = source_length, now
        earned = self.rate * grown + self.allowance * elapsed
        # Saved credit is capped, so that a long block after many short ones still waits its
        # turn; but never below one layout of this document, which it would otherwise never
        # earn (it would move only every max_wait).
        self._credit = min(self._credit + earned, max(MAX_CREDIT, float(cost)))
        if cost <= ALWAYS_UP_TO:
            self._laid_out_at = now
            return True
        if (
            not required
            and self._laid_out_at is not None
            and self._credit < cost
            and now - self._laid_out_at < self.max_wait
        ):
            return False
        self._credit = max(self._credit - cost, 0.0)
        self._laid_out_at = now
        return True
