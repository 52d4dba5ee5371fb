"""The one Markdown dialect of chat answers: CommonMark, GFM tables and strikethrough, maths.

Raw HTML is never interpreted (``html=False``): model output is untrusted text. Links survive
only for http, https and mailto; anything else (``javascript:``, ``file:``, ``data:``, relative
paths) stays as the literal Markdown text.
"""

from __future__ import annotations

import re
from functools import cache

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from confide.core.markdown.latex import bracket_math_plugin
from confide.core.markdown.richtext import QtRichTextRenderer

_ALLOWED_LINK = re.compile(r"(?:https?|mailto):", re.IGNORECASE)


class _AnswerMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        return _ALLOWED_LINK.match(url) is not None


@cache
def answer_parser() -> MarkdownIt:
    """The shared parser. Parsing keeps no state in it, so sharing across threads is safe."""
    md = _AnswerMarkdown(
        "commonmark",
        # inline_definitions: link reference definitions become (invisible) tokens, so the
        # streaming renderer can see where they are and which block defines which label.
        # breaks: a single newline is a line break, as people expect in a chat.
        {"html": False, "inline_definitions": True, "breaks": True},
        renderer_cls=QtRichTextRenderer,
    )
    md.enable(["table", "strikethrough"])
    # $...$ is maths only with no space inside the dollars and no digit right after the
    # closing one (nor right before the opening one), so "costs $5 and $10" stays text.
    # No blank lines inside $$...$$: a block never reaches past a blank line.
    dollarmath_plugin(
        md,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        allow_blank_lines=False,
        double_inline=True,
    )
    bracket_math_plugin(md)
    return md
