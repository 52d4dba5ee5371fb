"""When a document that grows while an answer streams is laid out again.

Qt lays a document out whole each time its text is set. The unfinished end of an answer
(its tail: the paragraph, list, table or code block still being written) and a model's
reasoning are set again as they grow, so doing it on every delivery costs the square of
their length: a 150-line code block or a 200-row table made every delivery of its last part
take 10-20 ms, and the whole answer 10-30 times the work of showing it once.

The rule is the Markdown renderer's (``core.markdown.incremental``): every character that
arrived since the last layout earns ``rate`` characters of layout, and a layout costs the
document's length. A tail of a few hundred characters (most paragraphs) is laid out on every
delivery; a long one less often, so that the work stays proportional to the answer. What the
user sees is never more than ``max_wait`` seconds behind what arrived.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

RATE = 4.0  # characters of layout each new character pays for
MAX_WAIT_S = 0.5  # the longest a long tail may lag behind the text that arrived
MAX_CREDIT = 4096.0  # saved while tails are short; more would let a long one run up the square


@dataclass
class LayoutBudget:
    """Decides, for one growing document, whether to lay it out again now."""

    rate: float = RATE
    max_wait: float = MAX_WAIT_S
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _credit: float = 0.0
    _seen: int = 0  # length of the source text when last asked
    _laid_out_at: float | None = None

    def due(self, source_length: int, cost: int, *, required: bool = False) -> bool:
        """Whether to lay out now a document of ``cost`` characters, its source having grown
        to ``source_length``. ``required``: it must be (its content changed otherwise).
        When the answer is True the caller lays it out, and the budget is charged for it."""
        grown = max(0, source_length - self._seen)
        self._seen = source_length
        self._credit = min(self._credit + self.rate * grown, MAX_CREDIT)
        now = self.clock()
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
