"""Where a growing Markdown text has settled: the blocks that no later text can change.

CommonMark decides block structure line by line. Once a complete line has started a new
top-level block after a blank line, everything before it is final: a blank line ends
paragraphs, tables and quotes, and a list that a non-indented, non-marker line follows is
closed. The parser's own division into top-level blocks (from the token ``map`` line ranges)
tells where blocks start, so fences, lists and tables that span blank lines are handled by
the parser rather than guessed. On top of that rule, a few blocks are final as soon as their
last line is complete (a closed fence, a heading, a rule, a maths block), and a paragraph,
table or quote as soon as a blank line follows it.

Link reference definitions are the one thing in Markdown that acts backwards (a definition
at the end turns ``[x]`` in the first paragraph into a link); the streaming renderer handles
them itself, by rendering settled blocks again when a new label is defined.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token

# Final once their last line is complete: nothing after them can join them.
_FINAL_WHEN_COMPLETE = frozenset({"heading_open", "hr", "math_block", "math_block_label"})
# Final once a blank line follows: only lazy continuation lines could extend them.
_FINAL_AFTER_BLANK = frozenset({"paragraph_open", "table_open", "blockquote_open"})
# First characters that, after a blank line, can never continue the previous block: not
# indentation (list item or indented code continuation) and not a list marker.
_NOT_A_CONTINUATION = frozenset(" \t-+*0123456789")


def settled_prefix(tokens: Sequence[Token], lines: Sequence[str]) -> tuple[int, int]:
    """How many leading lines, and how many leading tokens, are final.

    ``lines`` is the parsed text split on ``"\\n"``: every element but the last was
    terminated by a newline; the last is the unfinished line (possibly empty). Returns
    ``(0, 0)`` when nothing is known to be final yet.
    """
    complete = len(lines) - 1  # lines[:complete] each ended with a newline
    starts = [i for i, token in enumerate(tokens) if _is_top_level_start(token)]
    best_line, best_token = 0, 0
    for position, index in enumerate(starts):
        token = tokens[index]
        assert token.map is not None
        start, end = token.map
        following = starts[position + 1] if position + 1 < len(starts) else len(tokens)
        if (
            position > 0
            and 0 < start <= complete
            and not lines[start - 1].strip()
            and (start < complete or _starts_new_block(lines[start]))
        ):
            best_line, best_token = start, index
        if _final_when_complete(token, lines) and end <= complete:
            best_line, best_token = end, following
        elif token.type in _FINAL_AFTER_BLANK and end < complete and not lines[end].strip():
            best_line, best_token = end + 1, following
    return best_line, best_token


def _is_top_level_start(token: Token) -> bool:
    return token.level == 0 and token.nesting >= 0 and token.map is not None


def _starts_new_block(partial_line: str) -> bool:
    """Whether an unfinished first line after a blank line already shows a new block.

    Its first character is enough when it can begin neither indentation nor a list marker.
    """
    return bool(partial_line) and partial_line[0] not in _NOT_A_CONTINUATION


def _final_when_complete(token: Token, lines: Sequence[str]) -> bool:
    if token.type in _FINAL_WHEN_COMPLETE:
        return True
    return token.type == "fence" and fence_is_closed(token, lines)


def fence_is_closed(token: Token, lines: Sequence[str]) -> bool:
    """Whether the last line of a top-level fence token is its closing fence.

    markdown-it runs an unclosed fence to the end of the text, so the token alone cannot
    tell "closed at the last line" from "still open".
    """
    assert token.map is not None
    start, end = token.map
    if end - 1 <= start or end - 1 >= len(lines) or not token.markup:
        return False
    return is_closing_fence(lines[end - 1], token.markup)


def is_closing_fence(line: str, markup: str) -> bool:
    """CommonMark's closing fence: up to three spaces, at least as many fence characters as
    the opening fence, nothing but blanks after them."""
    body = line.lstrip(" ")
    if len(line) - len(body) > 3:
        return False
    body = body.rstrip(" \t")
    return len(body) >= len(markup) and body == markup[0] * len(body)
