"""Syntax highlighting of code blocks into spans that Qt's rich-text engine understands.

Pygments' own HTML formatter emits CSS that QTextDocument ignores or misreads (borders,
classes, ``<div>`` wrappers), so the tokens are turned into ``<span style>`` runs here, with
only colour, background, weight, slant and underline.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
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


def highlight_code(code: str, language: str, dark: bool) -> str:
    """``code`` as escaped HTML, coloured when ``language`` names a known lexer.

    The text is reproduced exactly (no stripped blank lines, no added final newline), so the
    block looks like what the Copy button puts on the clipboard.
    """
    lexer = _lexer(language.lower()) if language else None
    if lexer is None or not code:
        return escape(code, quote=False)
    styles = _span_styles(dark)
    out: list[str] = []
    run: list[str] = []
    run_css = ""
    remaining = len(code)
    for token_type, value in lexer.get_tokens(code):
        # The lexer appends a newline to text that lacks one; drop what goes past the input.
        if len(value) > remaining:
            value = value[:remaining]
        remaining -= len(value)
        if not value:
            continue
        if value.isspace() and run:
            run.append(value)  # colouring blanks shows nothing; fewer spans lay out faster
            continue
        css = styles.get(token_type)
        if css is None:
            css = styles[token_type] = _css(_style(dark).style_for_token(token_type))
        if css != run_css and run:
            out.append(_span(run_css, "".join(run)))
            run.clear()
        run_css = css
        run.append(value)
    if run:
        out.append(_span(run_css, "".join(run)))
    return "".join(out)


def _span(css: str, text: str) -> str:
    escaped = escape(text, quote=False)
    return f'<span style="{css}">{escaped}</span>' if css else escaped


def _css(style: dict[str, Any]) -> str:
    parts = []
    if style.get("color"):
        parts.append(f"color:#{style['color']}")
    if style.get("bgcolor"):
        parts.append(f"background-color:#{style['bgcolor']}")
    if style.get("bold"):
        parts.append("font-weight:bold")
    if style.get("italic"):
        parts.append("font-style:italic")
    if style.get("underline"):
        parts.append("text-decoration:underline")
    return "; ".join(parts)


@cache
def _style(dark: bool) -> Any:
    return get_style_by_name(DARK_STYLE if dark else LIGHT_STYLE)


@cache
def _span_styles(dark: bool) -> dict[Any, str]:
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
