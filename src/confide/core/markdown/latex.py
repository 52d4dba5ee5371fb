"""TeX maths made readable as Unicode text, and the ``\\( \\)`` / ``\\[ \\]`` delimiters.

A chat answer cannot run MathJax inside a QTextDocument, so formulas are shown as text:
``\\frac{a}{b}`` becomes ``a/b``, ``\\alpha`` becomes ``α``. Dollar delimiters are handled
by ``mdit_py_plugins.dollarmath``; the bracket forms that many models prefer are parsed here,
into the same token types, so that one set of render rules serves both.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from pylatexenc.latex2text import LatexNodes2Text

# "based-on-source" keeps the spaces the author typed after macros ("\alpha + \beta" reads
# "α + β", not "α+ β").
_converter = LatexNodes2Text(strict_latex_spaces="based-on-source")


@lru_cache(maxsize=1024)
def latex_to_unicode(latex: str) -> str:
    """Best-effort Unicode rendering of a TeX formula; the source itself when that fails.

    Cached: a streaming answer renders the same formula again on every preview.
    """
    source = latex.strip()
    try:
        text = _converter.latex_to_text(source)
    except Exception:  # pylatexenc is tolerant, but a formula must never break an answer
        return source
    # pylatexenc leaves its substitution template behind for a macro missing its arguments.
    if "%s" in text and "%s" not in source:
        return source
    return " ".join(text.split()) or source


_INLINE_CLOSERS = {"(": "\\)", "[": "\\]"}


def _bracket_inline(state: StateInline, silent: bool) -> bool:
    """``\\(x\\)`` as inline maths and ``\\[x\\]`` inside a paragraph as display-style inline maths.

    Runs before the backslash-escape rule, which would otherwise turn ``\\(`` into ``(``.
    A pair ``\\\\(`` is never seen here: the escape rule consumes ``\\\\`` first.
    """
    src, pos = state.src, state.pos
    if src[pos] != "\\" or pos + 1 >= state.posMax:
        return False
    opener = src[pos + 1]
    closer = _INLINE_CLOSERS.get(opener)
    if closer is None:
        return False
    end = src.find(closer, pos + 2, state.posMax)
    if end < 0 or not src[pos + 2 : end].strip():
        return False
    if not silent:
        token = state.push("math_inline" if opener == "(" else "math_inline_double", "math", 0)
        token.content = src[pos + 2 : end]
        token.markup = "\\" + opener
    state.pos = end + 2
    return True


def _bracket_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """``\\[`` at the start of a line up to a line ending in ``\\]``: display maths.

    The closing line is searched only up to the next blank line, the way ``$$`` blocks are
    configured too: a block then never depends on text beyond a blank line, which is what
    lets the streaming renderer treat everything before a blank line as settled.
    """
    if state.is_code_block(start_line):
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    first = state.src[begin : state.eMarks[start_line]].rstrip()
    if not first.startswith("\\["):
        return False
    body = first[2:]
    if "\\]" in body and not body.endswith("\\]"):
        return False  # "\[x\] and more" is a sentence, left to the inline rule
    line = start_line
    parts: list[str] = []
    while True:
        if body.endswith("\\]"):
            parts.append(body[:-2])
            break
        parts.append(body)
        line += 1
        if line >= end_line or state.isEmpty(line):
            return False
        if state.sCount[line] < state.blkIndent:
            return False  # the enclosing list item or quote ended first
        text_begin = state.bMarks[line] + state.tShift[line]
        body = state.src[text_begin : state.eMarks[line]].rstrip()
    if not "".join(parts).strip():
        return False
    if silent:
        return True
    state.line = line + 1
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = "\n".join(parts)
    token.markup = "\\["
    token.map = [start_line, state.line]
    return True


def bracket_math_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("escape", "math_bracket_inline", _bracket_inline)
    # Like a fence, display maths may interrupt a paragraph: models often write
    # "The total is:\n\\[ ... \\]" without a blank line.
    md.block.ruler.before(
        "fence",
        "math_bracket_block",
        _bracket_block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
