"""Markdown rendering of chat answers for Qt's rich-text engine, without importing Qt.

- ``render_markdown(text)``: a finished answer, as HTML in the QTextDocument subset, plus
  its code blocks (each has a ``confide-copy:N`` link above it for the Copy button).
- ``IncrementalMarkdown``: the same while an answer streams, at a cost close to one render.
- ``split_documents(html)``: where the UI puts a long code block in a document of its own,
  shown plain and coloured a piece at a time with ``highlight_runs``.
- ``to_plain_text(text)``: for "Copy as plain text".
- ``measure_streaming_cost`` and ``sample_answer``: for the streaming benchmark.
"""

from __future__ import annotations

from confide.core.markdown.bench import measure_streaming_cost, sample_answer
from confide.core.markdown.highlight import PLAIN, TokenStyle, highlight_runs, palette
from confide.core.markdown.incremental import IncrementalMarkdown
from confide.core.markdown.latex import latex_to_unicode
from confide.core.markdown.plain import to_plain_text
from confide.core.markdown.render import render_markdown
from confide.core.markdown.result import (
    COPY_SCHEME,
    CodeBlock,
    RenderResult,
    code_index_from_href,
    copy_href,
)
from confide.core.markdown.richtext import (
    CODE_BOX_PADDING,
    LONG_CODE_CHARS,
    DocumentPiece,
    code_to_colour,
    growing_code_html,
    split_documents,
)

__all__ = [
    "CODE_BOX_PADDING",
    "COPY_SCHEME",
    "LONG_CODE_CHARS",
    "PLAIN",
    "CodeBlock",
    "DocumentPiece",
    "IncrementalMarkdown",
    "RenderResult",
    "TokenStyle",
    "code_index_from_href",
    "code_to_colour",
    "copy_href",
    "growing_code_html",
    "highlight_runs",
    "latex_to_unicode",
    "measure_streaming_cost",
    "palette",
    "render_markdown",
    "sample_answer",
    "split_documents",
    "to_plain_text",
]
