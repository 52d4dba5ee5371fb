"""Where a growing Markdown text has settled: the blocks that no later text can change.

CommonMark decides block structure line by line, with little look-ahead, and none of it
across a blank line: a blank line ends paragraphs, tables, quotes and (as configured here)
maths blocks, and nothing after it can reach back. Two things do continue past a blank line,
and the parser tells which: lists and indented code (when the next line is indented or is a
list item), and an unclosed code fence. So the parser's own division into top-level blocks
(from the token ``map`` line ranges) is used, and a block is final when

- a blank line follows it and it is neither a list nor indented code; or
- the next top-level block has started after a blank line (its first line complete, or its
  first character already ruling out indentation and a list marker); or
- it is a heading, a rule, a maths block or a closed fence whose last line is complete, it
  is the first block after a blank line, and its first line has no ``|`` (which a following
  table delimiter row could turn into a table header). Its start after a blank line matters:
  an unclosed ``$$`` or ``\\[`` above it could still close below it and swallow it.

Link reference definitions are the one thing in Markdown that acts backwards (a definition
at the end turns ``[x]`` in the first paragraph into a link); the streaming renderer handles
them itself, by rendering settled blocks again when a new label is defined.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token

# Final as soon as their last line is complete (given the conditions above).
_FINAL_WHEN_COMPLETE = frozenset({"heading_open", "hr", "math_block", "math_block_label"})
# May go on after a blank line.
_CONTINUE_AFTER_BLANK = frozenset({"bullet_list_open", "ordered_list_open", "code_block"})
# First characters that, after a blank line, can never continue the previous block: not
# indentation (list item or indented code continuation) and not a list marker.
_NOT_A_CONTINUATION = frozenset(" \t-+*0123456789")


def settled_prefix(
    tokens: Sequence[Token], lines: Sequence[str], region_start: bool = True
) -> tuple[int, int]:
    """How many leading lines, and how many leading tokens, are final.

    ``lines`` is the parsed text split on ``"\\n"``: every element but the last was
    terminated by a newline; the last is the unfinished line (possibly empty).
    ``region_start`` says whether the text follows a blank line (or nothing), rather than
    directly following text settled earlier. Returns ``(0, 0)`` when nothing is final yet.
    """
    complete = len(lines) - 1  # lines[:complete] each ended with a newline
    starts = [i for i, token in enumerate(tokens) if _is_top_level_start(token)]
    best_line, best_token = 0, 0
    for position, index in enumerate(starts):
        token = tokens[index]
        assert token.map is not None
        start, end = token.map
        following = starts[position + 1] if position + 1 < len(starts) else len(tokens)
        after_blank = is_blank(lines[start - 1]) if start > 0 else region_start
        if (
            position > 0
            and 0 < start <= complete
            and after_blank
            and (start < complete or _starts_new_block(lines[start]))
        ):
            best_line, best_token = start, index
        if end < complete and is_blank(lines[end]):
            if token.type not in _CONTINUE_AFTER_BLANK:
                best_line, best_token = end + 1, following
        elif (
            end <= complete
            and after_blank
            and "|" not in lines[start]
            and _final_when_complete(token, lines)
        ):
            best_line, best_token = end, following
    return best_line, best_token


def is_blank(line: str) -> bool:
    """A blank line as markdown-it sees it: spaces and tabs only (a no-break space is text)."""
    return not line.strip(" \t")


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
