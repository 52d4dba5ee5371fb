"""Measure what streaming an answer costs compared with rendering it once.

``bench/render_stream.py`` reports the ratio; the tests keep it in check.
"""

from __future__ import annotations

import time

from confide.core.markdown.incremental import IncrementalMarkdown
from confide.core.markdown.render import render_markdown


def measure_streaming_cost(
    text: str, chunk_chars: int = 4, *, join_html: bool = True
) -> tuple[float, float]:
    """CPU seconds to stream ``text`` in ``chunk_chars`` pieces, and to render it once.

    The streaming figure covers every ``feed`` and the final ``finish``, and with
    ``join_html`` also building the full HTML string after each update, as a view that
    re-imports the whole answer would. Caches (lexers, formulas) are warmed by one untimed
    render first, so neither figure pays for them.
    """
    render_markdown(text)
    stream = IncrementalMarkdown()
    started = time.process_time()
    for start in range(0, len(text), chunk_chars):
        result = stream.feed(text[start : start + chunk_chars])
        if join_html:
            result.html  # noqa: B018 - the cost of a view asking for the whole answer
    stream.finish()
    streaming = time.process_time() - started
    started = time.process_time()
    render_markdown(text)
    single = time.process_time() - started
    return streaming, single


_PROSE = (
    "Under the lease, the **tenant** must give *written* notice at least `30 days` before "
    "the end of the term; see [clause 4.2](https://example.com/lease#4.2) for how notice is "
    "served. If the landlord fails to respond, the notice stands, and the deposit of $1,200 "
    "must be returned within 14 days unless there is a documented claim against it."
)

_CODE = '''```python
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass
class Notice:
    """A notice served under the lease."""

    served_on: date
    days: int = 30

    def deadline(self) -> date:
        # Notice runs from the day after service.
        return self.served_on + timedelta(days=self.days + 1)


print(Notice(date(2024, 3, 1)).deadline())
```'''

_TABLE = """| Clause | Party | Deadline | Consequence |
|:-------|:-----:|---------:|-------------|
| 2.1 | Tenant | 30 days | Lease renews for 12 months |
| 4.2 | Landlord | 14 days | Deposit returned in full |
| 7.3 | Either | 60 days | Early termination fee of **two months' rent** |
| 9.1 | Tenant | Immediately | Report damage in writing |"""

_LIST = """1. **Read the notice clause** carefully:
   - the notice period (`30 days` here);
   - how notice must be *served* (post, e-mail, hand delivery).
2. Draft the notice and keep a copy.
3. Send it by a method that gives you proof of delivery."""

_QUOTE = "> The tenant shall give not less than thirty (30) days' written notice.\n> — Clause 2.1"

_MATH = "The daily rate is $r = \\frac{R}{365}$, so the amount owed is\n\n$$\nA = r \\times d\n$$"


def sample_answer(chars: int = 32_000) -> str:
    """A long, realistic chat answer: headings, prose, lists, tables, code, quotes, maths.

    About four characters make a token, so the default is an 8k-token answer.
    """
    pieces: list[str] = []
    size = 0
    section = 0
    while size < chars:
        section += 1
        for piece in (
            f"## {section}. Notice and deadlines",
            _PROSE,
            _LIST,
            _PROSE,
            _TABLE,
            _CODE,
            _QUOTE,
            _MATH,
            _PROSE,
        ):
            pieces.append(piece)
            size += len(piece) + 2
    return "\n\n".join(pieces) + "\n"


def long_block_answer(kind: str, chars: int = 32_000) -> str:
    """An answer that is mostly one long block ("code": a program, "table": a table of many
    rows, "listcode": a program inside a list item), the case where re-rendering the
    unfinished block grows with its square."""
    if kind in ("code", "listcode"):
        lines = [
            f"def step_{i}(value: int) -> int:\n    return value * {i} + {i % 7}  # step {i}"
            for i in range(chars // 70 + 1)
        ]
        block = "```python\n" + "\n".join(lines) + "\n```"
        if kind == "listcode":
            indented = "\n".join(f"   {line}" if line else "" for line in block.split("\n"))
            block = f"1. Save this as `steps.py`:\n\n{indented}\n\n2. Run it."
    elif kind == "table":
        rows = [
            f"| {i} | clause {i % 40}.{i % 9} | {i * 3} days | notice served in writing |"
            for i in range(chars // 55 + 1)
        ]
        block = "| Row | Clause | Deadline | Note |\n|---:|---|---:|---|\n" + "\n".join(rows)
    else:
        raise ValueError(f"unknown block kind: {kind}")
    return f"Here is the whole of it:\n\n{block}\n\nThat is everything.\n"
