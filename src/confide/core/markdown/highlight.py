"""Syntax highlighting of code blocks into spans that Qt's rich-text engine understands.

Pygments' own HTML formatter emits CSS that QTextDocument ignores or misreads (borders,
classes, ``<div>`` wrappers), so the tokens are turned into ``<span style>`` runs here, with
only colour, background, weight, slant and underline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from html import escape
from typing import Any

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.token import Token
from pygments.util import ClassNotFound

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"


@dataclass(frozen=True)
class Palette:
    """Colours around the highlighted code, chosen to sit on a light or a dark window."""

    code_background: str
    code_foreground: str
    inline_code_background: str
    muted: str


@cache
def palette(dark: bool) -> Palette:
    style = _style(dark)
    foreground = style.style_for_token(Token.Text).get("color") or ("e6edf3" if dark else "1f2328")
    return Palette(
        code_background=style.background_color,
        code_foreground="#" + foreground,
        inline_code_background="#343942" if dark else "#eff1f3",
        muted="#8b949e" if dark else "#6e7781",
    )


@dataclass(frozen=True)
class TokenStyle:
    """How a run of highlighted code looks: the few properties Qt's rich text renders."""

    colour: str = ""  # "#rrggbb", or "" for the code's own colour
    background: str = ""
    bold: bool = False
    italic: bool = False
    underline: bool = False

    @cached_property
    def css(self) -> str:
        parts = []
        if self.colour:
            parts.append(f"color:{self.colour}")
        if self.background:
            parts.append(f"background-color:{self.background}")
        if self.bold:
            parts.append("font-weight:bold")
        if self.italic:
            parts.append("font-style:italic")
        if self.underline:
            parts.append("text-decoration:underline")
        return "; ".join(parts)


PLAIN = TokenStyle()


def highlight_runs(code: str, language: str, dark: bool) -> Iterator[tuple[TokenStyle, str]]:
    """``code`` cut into runs of one style each, in order; their texts add up to ``code``.

    A generator, so that a caller may colour a long block a piece at a time. Runs of
    whitespace join the run before them: colouring blanks shows nothing, and fewer runs lay
    out faster.
    """
    lexer = _lexer(language.lower()) if language else None
    if lexer is None or not code:
        if code:
            yield PLAIN, code
        return
    styles = _token_styles(dark)
    run: list[str] = []
    run_style = PLAIN
    remaining = len(code)
    for token_type, value in lexer.get_tokens(code):
        # The lexer appends a newline to text that lacks one; drop what goes past the input.
        if len(value) > remaining:
            value = value[:remaining]
        remaining -= len(value)
        if not value:
            continue
        if value.isspace() and run:
            run.append(value)
            continue
        style = styles.get(token_type)
        if style is None:
            style = styles[token_type] = _token_style(_style(dark).style_for_token(token_type))
        if style != run_style and run:
            yield run_style, "".join(run)
            run.clear()
        run_style = style
        run.append(value)
    if run:
        yield run_style, "".join(run)


def highlight_code(code: str, language: str, dark: bool) -> str:
    """``code`` as escaped HTML, coloured when ``language`` names a known lexer.

    The text is reproduced exactly (no stripped blank lines, no added final newline), so the
    block looks like what the Copy button puts on the clipboard.
    """
    return "".join(_span(style.css, text) for style, text in highlight_runs(code, language, dark))


def _span(css: str, text: str) -> str:
    escaped = escape(text, quote=False)
    return f'<span style="{css}">{escaped}</span>' if css else escaped


def _token_style(style: dict[str, Any]) -> TokenStyle:
    return TokenStyle(
        colour=f"#{style['color']}" if style.get("color") else "",
        background=f"#{style['bgcolor']}" if style.get("bgcolor") else "",
        bold=bool(style.get("bold")),
        italic=bool(style.get("italic")),
        underline=bool(style.get("underline")),
    )


@cache
def _style(dark: bool) -> Any:
    return get_style_by_name(DARK_STYLE if dark else LIGHT_STYLE)


@cache
def _token_styles(dark: bool) -> dict[Any, TokenStyle]:
    # Filled lazily per token type; shared by every render with the same palette.
    return {}


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    try:
        # stripnl=False keeps leading and trailing blank lines that are part of the code.
        return get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        return None


COMMON_LANGUAGES = ("python", "bash", "json", "javascript", "sql", "html", "text")


def warm_up(languages: tuple[str, ...] = COMMON_LANGUAGES) -> None:
    """Loads the lexers answers use most; the first one costs ~0.25 s, so do it early,
    off the GUI thread, instead of when the first code block appears on screen."""
    for language in languages:
        _lexer(language)
