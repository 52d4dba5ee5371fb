"""What a Markdown render hands to the UI: rich-text HTML and the code blocks it shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

#: Scheme of the link placed above every code block; the UI copies code block N when a link
#: ``confide-copy:N`` is clicked (``QTextDocument`` reports it through ``anchorAt``).
COPY_SCHEME = "confide-copy"


class CodeBlock(NamedTuple):
    """One fenced or indented code block, numbered in document order from 0."""

    number: int
    language: str
    code: str


class RenderResult(NamedTuple):
    """Rendered HTML split in two: the part that will not change, and the part still streaming.

    A render of a finished text has everything in ``stable_html``. While an answer streams,
    ``stable_html`` only ever grows by whole blocks (the UI may append the difference instead
    of re-importing everything) except in the rare case where a late link reference definition
    changes earlier blocks; ``tail_html`` is a quick preview of the unfinished end.
    ``open_code_at`` is where, in ``tail_html``, the box of a code block still being written
    starts, when the answer ends in one (at the top level) and -1 otherwise. That block is the
    last of ``code_blocks``, with the code received so far: the UI may show it by appending
    what arrives rather than by setting the whole tail again.
    A NamedTuple rather than a dataclass because a streaming answer builds one per update.
    """

    stable_html: str
    tail_html: str
    code_blocks: tuple[CodeBlock, ...]
    open_code_at: int = -1

    @property
    def html(self) -> str:
        return self.stable_html + self.tail_html


@dataclass(frozen=True)
class RenderOptions:
    """Everything besides the text that changes the output.

    The labels are English defaults; the UI passes them through Qt's translation.
    """

    dark: bool = False
    copy_label: str = "Copy"
    image_label: str = "image"


def copy_href(number: int) -> str:
    """The link above code block ``number``."""
    return f"{COPY_SCHEME}:{number}"


def code_index_from_href(href: str) -> int | None:
    """The code block number named by a copy link, or None when ``href`` is something else."""
    prefix = COPY_SCHEME + ":"
    if not href.startswith(prefix):
        return None
    number = href[len(prefix) :]
    return int(number) if number.isdecimal() else None
