"""Render rules that turn markdown-it tokens into Qt's rich-text HTML subset.

QTextDocument understands a small, old subset of HTML 4 and CSS
(https://doc.qt.io/qt-6/richtext-html-subset.html): table attributes instead of CSS boxes,
``align`` instead of ``text-align``, inline ``style`` with colours and fonts only. Nothing here
ever emits ``<img>`` or any other tag that could make Qt load a resource.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, NamedTuple

from markdown_it.common.utils import unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from confide.core.markdown.highlight import Palette, highlight_code, palette
from confide.core.markdown.latex import latex_to_unicode
from confide.core.markdown.result import CodeBlock, RenderOptions, copy_href

CONTEXT_KEY = "confide"
_ALLOWED_HREF = re.compile(r"(?:https?|mailto):", re.IGNORECASE)
_ALIGN = re.compile(r"text-align:\s*(left|center|right)")
_MATH_STYLE = "font-family:serif; font-style:italic"
CODE_BOX_PADDING = 6  # around a code block's text, in pixels; twice that above its code
# A code block this long (in characters) is shown plain at first and coloured a piece at a
# time by the UI: highlighting and laying out 30,000 characters at once froze the window for
# a third of a second. Below this it costs < ~25 ms. At the top level it is also a document
# of its own; inside a list or a quote it stays in its box there, marked for colouring.
LONG_CODE_CHARS = 3000
_LONG_CODE_OPEN = "<!--confide-code:"  # then the block's number and "-->"
_LONG_CODE_CLOSE = "<!--/confide-code-->\n"
_LONG_CODE_MARK = re.compile(
    re.escape(_LONG_CODE_OPEN) + r"(\d+)-->(.*?)" + re.escape(_LONG_CODE_CLOSE), re.DOTALL
)
_COLOUR_LATER = "<!--confide-colour:"  # then the block's number and "-->", before its box
_COLOUR_LATER_MARK = re.compile(re.escape(_COLOUR_LATER) + r"(\d+)-->")


@dataclass
class RenderContext:
    """Per-render state, carried through markdown-it's ``env``.

    ``code_offset`` numbers code blocks of a fragment in the whole answer (a streamed answer
    renders block by block). ``preview_fence`` is the code block still being streamed: it is
    shown unhighlighted, so the newest text can be appended to it without a re-render.
    ``separate_long_code``: long code blocks become documents of their own (see
    ``LONG_CODE_CHARS`` and ``split_documents``); not in a streamed answer's preview, which
    the UI shows as one document.
    """

    options: RenderOptions
    code_offset: int = 0
    preview_fence: Token | None = None
    separate_long_code: bool = True
    code_blocks: list[CodeBlock] = field(default_factory=list)
    palette: Palette = field(init=False)
    _dropped_links: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.palette = palette(self.options.dark)


def context_of(env: EnvType) -> RenderContext:
    context = env[CONTEXT_KEY]
    assert isinstance(context, RenderContext)
    return context


class QtRichTextRenderer(RendererHTML):
    # A format of its own, so that plugins' HTML render rules (KaTeX-style <div>s) never
    # replace the rules below.
    __output__ = "qt-rich-text"

    def code_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        background = context_of(env).palette.inline_code_background
        content = escape(tokens[idx].content, quote=False)
        return f'<code style="background-color:{background}">{content}</code>'

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        info = unescapeAll(tokens[idx].info).strip()
        return self._code_box(tokens[idx], info.split(maxsplit=1)[0] if info else "", env)

    def code_block(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return self._code_box(tokens[idx], "", env)

    def _code_box(self, token: Token, language: str, env: EnvType) -> str:
        context = context_of(env)
        colours = context.palette
        code = token.content.removesuffix("\n")
        number = context.code_offset + len(context.code_blocks)
        block = CodeBlock(number, language, code)
        context.code_blocks.append(block)
        long = len(code) >= LONG_CODE_CHARS
        if long and context.separate_long_code and token.level == 0:
            html = growing_code_html(block, context.options)
            return f"{_LONG_CODE_OPEN}{number}-->{html}{_LONG_CODE_CLOSE}"
        mark = ""
        if token is context.preview_fence:
            body = escape(token.content, quote=False)
        elif long:
            body = escape(token.content, quote=False)
            mark = f"{_COLOUR_LATER}{number}-->"
        else:
            body = highlight_code(code, language, context.options.dark)
        # A one-column table gives the block a background and padding, which a bare <pre>
        # does not get in QTextDocument; its first row holds the Copy link.
        return (
            f"{mark}"
            f'<table width="100%" border="0" cellspacing="0" cellpadding="{CODE_BOX_PADDING}" '
            f'bgcolor="{colours.code_background}">'
            f'<tr><td align="right">{_code_header(block, context.options, colours)}</td></tr>'
            f"<tr><td>{_code_pre(body, colours)}</td></tr>"
            "</table>\n"
        )

    def table_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return '<table border="1" cellspacing="0" cellpadding="4">\n'

    def th_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return self._cell("th", tokens[idx])

    def td_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return self._cell("td", tokens[idx])

    @staticmethod
    def _cell(tag: str, token: Token) -> str:
        # markdown-it writes style="text-align:..."; Qt reads the HTML 4 attribute.
        match = _ALIGN.search(str(token.attrGet("style") or ""))
        return f'<{tag} align="{match.group(1)}">' if match else f"<{tag}>"

    def link_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        href = str(tokens[idx].attrGet("href") or "")
        # The parser already refuses other schemes; this is the second lock on the door.
        allowed = _ALLOWED_HREF.match(href) is not None
        context_of(env)._dropped_links.append(not allowed)
        return f'<a href="{escape(href)}">' if allowed else ""

    def link_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        dropped = context_of(env)._dropped_links
        return "" if dropped and dropped.pop() else "</a>"

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        # Never an <img>: a picture would be fetched from wherever the model pointed.
        token = tokens[idx]
        alt = self.renderInlineAsText(token.children or [], options, env)
        label = context_of(env).options.image_label
        text = f"[{label}: {alt}] ({token.attrGet('src') or ''})"
        return escape(text, quote=False)

    def math_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return _math_span(tokens[idx].content)

    def math_inline_double(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        # Display maths written inside a paragraph; a block cannot sit in a <p>, so it stays
        # inline.
        return _math_span(tokens[idx].content)

    def math_block(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return f'<p align="center">{_math_span(tokens[idx].content)}</p>\n'

    def definition(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return ""  # a link reference definition shows nothing, as in any Markdown renderer

    def html_block(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        # Not produced with html=False; kept so that raw HTML could only ever show as text.
        return f"<p>{escape(tokens[idx].content, quote=False)}</p>\n"

    def html_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return escape(tokens[idx].content, quote=False)


def growing_code_html(block: CodeBlock, options: RenderOptions) -> str:
    """The box of a code block still being written, for a document of its own that grows as
    lines are appended to it (Qt lays out a table whole again whenever one of its cells
    changes, which made each update of a long block cost its whole length).

    The document shows the box's Copy line and its code; its margin of ``CODE_BOX_PADDING``
    and a ``code_background`` fill, both the UI's, make it look like the finished box.
    """
    colours = palette(options.dark)
    return (
        f'<p align="right" style="margin-top:0; margin-bottom:{2 * CODE_BOX_PADDING}px">'
        f"{_code_header(block, options, colours)}</p>"
        f"{_code_pre(escape(block.code, quote=False), colours)}"
    )


class DocumentPiece(NamedTuple):
    """Part of rendered HTML to show as a document of its own (see ``split_documents``)."""

    html: str
    code_number: int  # the long code block it shows, plain; -1 for any other HTML
    end: int  # where the piece, with its markers, ends in the HTML it was cut from


def split_documents(html: str) -> list[DocumentPiece]:
    """``html`` cut where it should go into separate documents: each long code block (shown
    as ``growing_code_html``, uncoloured) is one, and so is the HTML between them."""
    pieces: list[DocumentPiece] = []
    start = 0
    for match in _LONG_CODE_MARK.finditer(html):
        if match.start() > start:
            pieces.append(DocumentPiece(html[start : match.start()], -1, match.start()))
        pieces.append(DocumentPiece(match.group(2), int(match.group(1)), match.end()))
        start = match.end()
    if start < len(html):
        pieces.append(DocumentPiece(html[start:], -1, len(html)))
    return pieces


def code_to_colour(html: str) -> list[int]:
    """The long code blocks that ``html`` shows plain in their boxes, for the UI to colour a
    piece at a time (those inside a list or quote; see ``LONG_CODE_CHARS``)."""
    return [int(number) for number in _COLOUR_LATER_MARK.findall(html)]


def _code_header(block: CodeBlock, options: RenderOptions, colours: Palette) -> str:
    """The line above a code block: its language, then the Copy link."""
    label = ""
    if block.language:
        label = f'<span style="color:{colours.muted}">{escape(block.language)}</span> &nbsp; '
    return f'{label}<a href="{copy_href(block.number)}">{escape(options.copy_label)}</a>'


def _code_pre(body: str, colours: Palette) -> str:
    # pre-wrap: a line wider than the column wraps, as the transcript cannot scroll sideways
    # (unwrapped, the box ran past the window's edge and the end of the line was lost).
    style = f"margin-top:0; margin-bottom:0; white-space:pre-wrap; color:{colours.code_foreground}"
    return f'<pre style="{style}">{body}</pre>'


def _math_span(latex: str) -> str:
    return f'<span style="{_MATH_STYLE}">{escape(latex_to_unicode(latex), quote=False)}</span>'


def new_env(context: RenderContext, references: dict[str, Any] | None = None) -> EnvType:
    return {CONTEXT_KEY: context, "references": {} if references is None else references}
