"""Render an answer while it streams, at a cost that stays close to rendering it once.

The text is split into a settled prefix (whole blocks that no later text can change; see
``boundary``) and an unfinished tail. Settled blocks are rendered exactly once and kept. The
tail is rendered again only now and then; in between, the newest text is spliced, escaped,
into the last render of the tail (see ``preview``), which costs next to nothing.

When to render the tail again is a budget: every streamed character earns ``preview_budget``
credits and a render costs one credit per character of tail. A tail that keeps growing is so
rendered at geometrically spaced lengths, and the total spent on previews stays proportional
to the answer length instead of growing with its square. A few events force a render
regardless, because they let blocks settle or change what the user should see: a blank line
ending a paragraph, table or quote; the first character of a new block after a blank line; a
code fence opening or closing; a heading; a table's delimiter row; a list's first item. A
code block that is still open is shown plain and grows by splicing alone; it is highlighted
once, when its closing fence arrives.

The budget is paid by characters, so when a model writes slowly (a few characters per
update) a long paragraph would show its ``**`` and backticks raw until it ends, seconds
later. So raw text is also never left waiting more than ``max_raw_wait`` seconds for a render
of a tail of up to ``raw_wait_limit`` characters: at most a couple of cheap renders a second.

``finish()`` renders whatever is left exactly; the result is then identical to
``render_markdown`` on the whole text.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token
from markdown_it.utils import EnvType

from confide.core.markdown.boundary import (
    fence_is_closed,
    is_blank,
    is_closing_fence,
    settled_prefix,
)
from confide.core.markdown.parser import answer_parser
from confide.core.markdown.preview import Preview, SpliceKind
from confide.core.markdown.render import render_tokens
from confide.core.markdown.result import CodeBlock, RenderOptions, RenderResult
from confide.core.markdown.richtext import CONTEXT_KEY, RenderContext, new_env

_FENCE_OPENER = re.compile(r" {0,3}(?:`{3,}|~{3,})")
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_LIST_ITEM = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_TABLE_DELIMITER = re.compile(r" {0,3}\|?(?:[ \t]*:?-+:?[ \t]*\|?)+[ \t]*")
# First characters after a blank line that may continue the block before it (indentation,
# list markers); any other one starts a new block.
_MAY_CONTINUE = frozenset(" \t-+*0123456789")


@dataclass
class _Chunk:
    """Settled source text and its render."""

    source: str
    html: str
    code_blocks: tuple[CodeBlock, ...]


@dataclass(frozen=True)
class _OpenFence:
    """The top-level code fence still open at the end of the tail, as last rendered."""

    markup: str
    code_block: CodeBlock
    content: str
    codes_before: tuple[CodeBlock, ...]  # every code block of the answer before this one


class IncrementalMarkdown:
    """Streaming renderer for one answer: ``feed`` deltas (or ``set_text``), then ``finish``.

    ``preview_budget`` is how many characters of tail re-rendering each streamed character
    pays for; ``initial_credit`` lets the first blocks of an answer render promptly;
    ``min_step`` is the fewest new characters worth a budgeted render; ``max_debt`` caps
    how far forced renders may overspend. The defaults keep streaming an answer in 4-character
    updates within about three single renders of it. ``max_raw_wait`` and ``raw_wait_limit``:
    see the module's docstring; ``clock`` measures that wait.
    """

    def __init__(
        self,
        *,
        dark: bool = False,
        copy_label: str = "Copy",
        image_label: str = "image",
        preview_budget: float = 0.15,
        initial_credit: float = 1024.0,
        min_step: int = 64,
        max_debt: float = 8192.0,
        max_raw_wait: float = 0.5,
        raw_wait_limit: int = 2048,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._options = RenderOptions(dark=dark, copy_label=copy_label, image_label=image_label)
        self._budget = preview_budget
        self._initial_credit = initial_credit
        self._min_step = min_step
        self._max_debt = max_debt
        self._max_raw_wait = max_raw_wait
        self._raw_wait_limit = raw_wait_limit
        self._clock = clock
        self.reset()

    # -- public API ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything, ready for a new answer."""
        self._chunks: list[_Chunk] = []
        self._settled_text = ""
        self._settled_html = ""
        self._settled_codes: tuple[CodeBlock, ...] = ()
        self._region_start = True  # the settled text ends with a blank line (or is empty)
        self._references: dict[str, Any] = {}
        self._tail = ""
        self._pending_cr = False
        self._finished = False
        self._credit = self._initial_credit
        # The last real render of the tail covers tail[:_base_len].
        self._base_len = 0
        self._raw_since: float | None = None  # when text first went unrendered after it
        self._preview = Preview("", starts_line=True)
        self._tail_codes: tuple[CodeBlock, ...] = ()
        self._codes: tuple[CodeBlock, ...] = ()
        self._open_fence: _OpenFence | None = None
        self._open_code_at = -1  # where the open fence's box starts in the preview's HTML
        # Line tracking, for the forced renders.
        self._line_start = 0  # where the unfinished line starts in the tail
        self._previous_line = ""  # the last complete line
        self._after_blank = False  # the last complete line was blank: watch the next one
        self._result = RenderResult("", "", ())

    @property
    def text(self) -> str:
        """The text received so far, line endings normalised."""
        return self._settled_text + self._tail

    @property
    def result(self) -> RenderResult:
        return self._result

    def feed(self, delta: str) -> RenderResult:
        """Append streamed text; returns the render of everything received so far."""
        if self._pending_cr or "\r" in delta:
            delta = self._normalise(delta)
        if not delta:
            return self._result
        if self._finished:
            return self._restart(self.text + delta)
        start = len(self._tail)
        self._tail += delta
        self._credit += self._budget * len(delta)
        forced = ("\n" in delta or self._after_blank) and self._scan(start)
        if (forced and self._credit > -self._max_debt) or (
            self._open_fence is None
            and (
                (
                    len(self._tail) - self._base_len >= self._min_step
                    and self._credit >= len(self._tail)
                )
                or self._raw_waited_too_long()
            )
        ):
            self._render_tail(final=False)
            tail_html = self._preview.html()
        else:
            tail_html = self._preview.extend(delta)
            if self._open_fence is not None:
                self._update_open_code()
        self._result = _result(self._settled_html, tail_html, self._codes, self._open_code_at)
        return self._result

    def set_text(self, text: str) -> RenderResult:
        """Show ``text``: appends when it extends what was shown, starts over otherwise."""
        if text.endswith("\r"):
            text = text[:-1]  # may be the first half of "\r\n"; wait for the rest
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        settled = len(self._settled_text)
        if (
            not self._finished
            and text.startswith(self._settled_text)
            and text.startswith(self._tail, settled)
        ):
            self._pending_cr = False
            return self.feed(text[settled + len(self._tail) :])
        return self._restart(text)

    def finish(self) -> RenderResult:
        """The answer is complete: render the rest exactly, as ``render_markdown`` would."""
        if self._finished:
            return self._result
        if self._pending_cr:
            self._pending_cr = False
            self._tail += "\n"
        if self._tail:
            self._render_tail(final=True)
        self._finished = True
        self._result = RenderResult(self._settled_html, "", self._settled_codes)
        return self._result

    # -- streaming ----------------------------------------------------------------------------

    def _normalise(self, delta: str) -> str:
        """CRLF and CR to LF, as markdown-it does, keeping a final CR until the next delta."""
        if self._pending_cr:
            delta = "\r" + delta
            self._pending_cr = False
        if delta.endswith("\r"):
            self._pending_cr = True
            delta = delta[:-1]
        return delta.replace("\r\n", "\n").replace("\r", "\n")

    def _restart(self, text: str) -> RenderResult:
        self.reset()
        self._tail = text
        self._scan(0)
        self._render_tail(final=False)
        html = self._preview.html()
        self._result = _result(self._settled_html, html, self._codes, self._open_code_at)
        return self._result

    def _scan(self, start: int) -> bool:
        """Look at the lines completed since ``start``; True when a render should happen now."""
        tail = self._tail
        force = False
        newline = tail.find("\n", start)
        while newline >= 0:
            force = self._line_completed(tail[self._line_start : newline]) or force
            self._line_start = newline + 1
            newline = tail.find("\n", self._line_start)
        if self._after_blank and self._line_start < len(tail):
            # The first character of the line after a blank one: a new block, unless it
            # indents or starts a list item (which may continue a list).
            self._after_blank = False
            force = force or (
                tail[self._line_start] not in _MAY_CONTINUE and self._unsettled_before_line()
            )
        return force

    def _line_completed(self, line: str) -> bool:
        previous, self._previous_line = self._previous_line, line
        if self._open_fence is not None:
            return is_closing_fence(line, self._open_fence.markup)
        if is_blank(line):
            self._after_blank = True
            # A blank line ends a paragraph, table or quote, which can then settle; not
            # lines of a list, which may go on after a blank line.
            return (
                not is_blank(previous)
                and previous[0] not in " \t"
                and _LIST_ITEM.match(previous) is None
                and self._unsettled_before_line()
            )
        new_block = self._after_blank and line[0] not in _MAY_CONTINUE
        self._after_blank = False
        kind = self._preview.kind
        return (
            (new_block and self._unsettled_before_line())
            or _FENCE_OPENER.match(line) is not None
            or _HEADING.match(line) is not None
            # A table or list whose structure the preview does not show yet: one render,
            # then further rows and items are spliced in as rows and items.
            or (
                kind is not SpliceKind.TABLE
                and "|" in previous
                and "-" in line
                and _TABLE_DELIMITER.fullmatch(line) is not None
            )
            or (kind is not SpliceKind.LIST and _LIST_ITEM.match(line) is not None)
        )

    def _raw_waited_too_long(self) -> bool:
        now = self._clock()
        if self._raw_since is None:
            self._raw_since = now
            return False
        return (
            now - self._raw_since >= self._max_raw_wait and len(self._tail) <= self._raw_wait_limit
        )

    def _unsettled_before_line(self) -> bool:
        """Whether the tail holds a block before the current line (else nothing can settle)."""
        return not is_blank(self._tail[: self._line_start].replace("\n", ""))

    def _render_tail(self, *, final: bool) -> None:
        """Render the tail for real; settle what has become final (everything when final)."""
        tail = self._tail
        context = RenderContext(self._options, code_offset=len(self._settled_codes))
        env = new_env(context, dict(self._references))
        tokens = answer_parser().parse(tail, env)
        lines = tail.split("\n")
        if final:
            settle_line, split = len(lines), len(tokens)
        else:
            settle_line, split = settled_prefix(tokens, lines, self._region_start)
        offset = min(len(tail), sum(len(line) + 1 for line in lines[:settle_line]))
        if offset > 0:
            if env["references"].keys() - self._references.keys():
                self._settle_with_own_references(tail[:offset])
            else:
                html = render_tokens(tokens[:split], env)
                self._settle(_Chunk(tail[:offset], html, tuple(context.code_blocks)))
            self._tail = tail[offset:]
            self._line_start -= offset
        # Settling is work a single render does too; only the preview is charged.
        self._credit -= len(self._tail)
        self._preview_tail(tokens[split:], lines, env)

    def _preview_tail(self, tokens: list[Token], lines: list[str], env: EnvType) -> None:
        """Render the unsettled tail (parsed as ``tokens``, from ``lines``) as the preview base."""
        tail = self._tail
        cut = tail.rfind("\n") + 1
        if 0 < cut < len(tail) and _ends_in_rows_or_items(tokens):
            # Rendered, a half-written row or item would be a finished one; the raw half can
            # only be spliced as a new row or item. So render up to the last newline.
            lines = tail[:cut].split("\n")
            tokens = answer_parser().parse(tail[:cut], env)
        else:
            cut = len(tail)
        fence = _streaming_fence(tokens, lines)
        context = RenderContext(
            self._options,
            code_offset=len(self._settled_codes),
            preview_fence=fence,
            separate_long_code=False,  # the UI shows the preview as one document
        )
        env[CONTEXT_KEY] = context
        # A fence at the top level that the text ends in is the last token: its box is
        # rendered apart, so that the UI knows where it starts.
        box_at = -1
        if fence is not None and fence.level == 0 and fence is tokens[-1]:
            html = render_tokens(tokens[:-1], env)
            box_at = len(html)
            html += render_tokens(tokens[-1:], env)
        else:
            html = render_tokens(tokens, env) if tokens else ""
        # markdown-it drops the spaces that end a paragraph; they are spliced back, so that
        # the next word does not stick to the last one.
        base = tail[:cut]
        if fence is None and base.rstrip(" \t") and not base.rstrip(" \t").endswith("\n"):
            base = base.rstrip(" \t")
        self._base_len = len(base)
        self._raw_since = None
        self._preview = Preview(html, starts_line=not base or base.endswith("\n"))
        self._preview.extend(tail[len(base) :])
        self._tail_codes = tuple(context.code_blocks)
        self._codes = self._settled_codes + self._tail_codes
        self._open_fence = None
        self._open_code_at = -1
        if (
            fence is not None
            and fence.level == 0
            and fence.map is not None
            and fence.map[0] < len(lines) - 1  # its opening line, with the language, is complete
            and self._tail_codes
        ):
            self._open_fence = _OpenFence(
                fence.markup, self._codes[-1], fence.content, self._codes[:-1]
            )
            self._open_code_at = box_at

    def _update_open_code(self) -> None:
        """The Copy button of a block still streaming copies what has arrived so far."""
        fence = self._open_fence
        assert fence is not None
        code = (fence.content + self._tail[self._base_len :]).removesuffix("\n")
        self._codes = (*fence.codes_before, fence.code_block._replace(code=code))

    def _settle_with_own_references(self, source: str) -> None:
        """Settle ``source`` parsed on its own, seeing only references defined up to its end.

        Needed when the tail defines link references: the tail's render saw all of them,
        including some defined after ``source``. When ``source`` defines new ones, the blocks
        settled before it may use them and are rendered again.
        """
        context = RenderContext(self._options, code_offset=len(self._settled_codes))
        env = new_env(context, dict(self._references))
        tokens = answer_parser().parse(source, env)
        html = render_tokens(tokens, env)
        references = env["references"]
        if references.keys() - self._references.keys():
            self._references = references
            self._rerender_settled()
        self._settle(_Chunk(source, html, tuple(context.code_blocks)))

    def _rerender_settled(self) -> None:
        md = answer_parser()
        offset = 0
        for chunk in self._chunks:
            context = RenderContext(self._options, code_offset=offset)
            env = new_env(context, dict(self._references))
            chunk.html = render_tokens(md.parse(chunk.source, env), env)
            chunk.code_blocks = tuple(context.code_blocks)
            offset += len(chunk.code_blocks)
        self._settled_html = "".join(chunk.html for chunk in self._chunks)
        self._settled_codes = tuple(code for chunk in self._chunks for code in chunk.code_blocks)

    def _settle(self, chunk: _Chunk) -> None:
        self._chunks.append(chunk)
        self._settled_text += chunk.source
        # Whether the next text starts after a blank line (settled chunks end with a newline).
        body = chunk.source.removesuffix("\n")
        self._region_start = is_blank(body[body.rfind("\n") + 1 :])
        self._settled_html += chunk.html
        self._settled_codes += chunk.code_blocks


def _result(
    stable_html: str, tail_html: str, codes: tuple[CodeBlock, ...], open_code_at: int
) -> RenderResult:
    # Built on every streamed update: tuple.__new__ skips the NamedTuple constructor's frame.
    return tuple.__new__(RenderResult, (stable_html, tail_html, codes, open_code_at))


def _ends_in_rows_or_items(tokens: list[Token]) -> bool:
    for token in reversed(tokens):
        if token.level == 0 and token.nesting >= 0:
            return token.type in ("table_open", "bullet_list_open", "ordered_list_open")
    return False


def _streaming_fence(tokens: list[Token], lines: list[str]) -> Token | None:
    """The code fence the text currently ends in, if any: shown plain while it grows."""
    line_count = len(lines) - (1 if lines[-1] == "" else 0)
    for token in reversed(tokens):
        if token.type == "fence" and token.map is not None:
            if token.map[1] >= line_count and not fence_is_closed(token, lines):
                return token
            return None
    return None
