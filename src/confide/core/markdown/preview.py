"""A cheap look at text that arrived since the last real render of a streaming answer.

Re-rendering the unfinished end of an answer on every update is what makes long answers
crawl, so between renders the newest text is spliced, escaped, into the last render: inside
the element that was open at its end, so that a sentence simply grows. New table rows and
list items get a row or item of their own; code goes into the open ``<pre>`` as is. Inline
Markdown in that text shows raw until the next real render.
"""

from __future__ import annotations

import re
from enum import Enum
from html import escape


class SpliceKind(Enum):
    NONE = "none"  # nothing open at the end: new text becomes a paragraph of its own
    CODE = "code"  # inside <pre>
    LIST = "list"  # inside a list item
    TABLE = "table"  # inside a table cell
    PARAGRAPH = "paragraph"  # inside a <p>
    BLOCK = "block"  # inside a heading or formula: later lines make a paragraph after it


_LIST_MARKER = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]+")
_TABLE_DELIMITER = re.compile(r"[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|?)+[ \t]*")


def closing_run(html: str) -> tuple[int, tuple[str, ...]]:
    """Where the run of closing tags (and blanks) ending ``html`` starts, and the names of
    those tags, innermost first. ``(len(html), ())`` when ``html`` ends otherwise."""
    offset = len(html)
    names: list[str] = []
    while True:
        trimmed = html[:offset].rstrip()
        if not trimmed.endswith(">"):
            break
        start = trimmed.rfind("</")
        if start < 0 or not trimmed[start + 2 : -1].isalnum():
            break
        names.append(trimmed[start + 2 : -1].lower())
        offset = start
    if not names:
        return len(html), ()
    return offset, tuple(reversed(names))


def _kind(closing: tuple[str, ...]) -> SpliceKind:
    if not closing:
        return SpliceKind.NONE
    innermost = closing[0]
    if innermost == "pre":
        return SpliceKind.CODE
    if innermost in ("td", "th"):
        return SpliceKind.TABLE
    if innermost == "li" or (innermost == "p" and len(closing) > 1 and closing[1] == "li"):
        return SpliceKind.LIST
    return SpliceKind.PARAGRAPH if innermost == "p" else SpliceKind.BLOCK


def _close(names: tuple[str, ...]) -> str:
    return "".join(f"</{name}>" for name in names)


class Preview:
    """The last real render of a fragment, plus the raw text typed after it.

    ``starts_line`` says that the raw text begins a new line rather than continuing the
    last line of the fragment. The HTML stays well-formed: every tag opened by the splice is
    closed by it or by the closing tags that end the fragment.

    ``extend`` runs on every streamed update, so the strings around the unfinished line are
    prepared once per line, and an update costs one escape and one join.
    """

    def __init__(self, html: str, starts_line: bool) -> None:
        offset, self._closing = closing_run(html)
        self.kind = _kind(self._closing)
        self._head = html[:offset]  # the fragment up to the splice, then converted lines
        self._foot = html[offset:]  # the closing tags of the elements open at the splice
        self._after = ""  # converted lines for a paragraph after the fragment
        self._line = ""  # raw text of the unfinished line
        self._line_html = ""  # the same, escaped (escaping works character by character)
        self._continues = not starts_line  # the unfinished line continues the fragment's last
        self._arrange()

    def extend(self, text: str) -> str:
        """Add streamed text; returns the fragment's HTML with all raw text so far."""
        if "\n" in text and self.kind is not SpliceKind.CODE:
            self._complete_lines(text)
        else:
            # Inside <pre> newlines need nothing; elsewhere the unfinished line grows.
            self._line += text
            if "&" in text or "<" in text or ">" in text:
                text = escape(text, quote=False)
            self._line_html += text
        return self.html()

    def html(self) -> str:
        if not self._line_html:
            return self._empty
        if self._simple:
            return self._before + self._line_html + self._behind
        converted, closing = self._convert(self._line)
        foot = self._foot if closing is self._closing else _close(closing)
        return self._before + converted + foot + self._after_paragraph()

    def _complete_lines(self, text: str) -> None:
        *complete, rest = (self._line + text).split("\n")
        for line in complete:
            if self._goes_after():
                if line.strip():
                    self._after += ("<br />" if self._after else "") + escape(line, quote=False)
            else:
                converted, closing = self._convert(line)
                self._head += converted
                if closing is not self._closing:
                    self._closing, self._foot = closing, _close(closing)
            self._continues = False
        self._line = rest
        self._line_html = escape(rest, quote=False)
        self._arrange()

    def _goes_after(self) -> bool:
        """Whether the unfinished line belongs in a paragraph after the fragment."""
        kind = self.kind
        return kind is SpliceKind.NONE or (kind is SpliceKind.BLOCK and not self._continues)

    def _after_paragraph(self) -> str:
        return f"<p>{self._after}</p>\n" if self._after else ""

    def _arrange(self) -> None:
        """Prepare the HTML before and behind the unfinished line."""
        kind = self.kind
        # With nothing on the unfinished line: no empty paragraph, no trailing line break.
        self._empty = self._head + self._foot + self._after_paragraph()
        self._simple = True
        if self._goes_after():
            self._before = f"{self._head}{self._foot}<p>{self._after}"
            if self._after:
                self._before += "<br />"
            self._behind = "</p>\n"
            return
        self._before, self._behind = self._head, self._foot + self._after_paragraph()
        if kind is SpliceKind.PARAGRAPH and not self._continues:
            self._before += "<br />"
        elif kind in (SpliceKind.LIST, SpliceKind.TABLE) and not self._continues:
            self._simple = False  # a new item or row depends on the whole line

    def _convert(self, line: str) -> tuple[str, tuple[str, ...]]:
        """HTML for one raw line spliced inside the fragment, and the elements then open."""
        kind = self.kind
        if self._continues or kind is SpliceKind.CODE:
            return escape(line, quote=False), self._closing
        if kind is SpliceKind.PARAGRAPH:
            return "<br />" + escape(line, quote=False), self._closing
        if kind is SpliceKind.LIST:
            return _list_line(line, self._closing), self._closing
        return _table_line(line, self._closing)


def _list_line(line: str, closing: tuple[str, ...]) -> str:
    marker = _LIST_MARKER.match(line)
    if marker is None:
        return "<br />" + escape(line, quote=False) if line.strip() else ""
    # Close up to and including the open <li>, open a new one, and reopen what was inside it
    # (a loose list's <p>); the closing tags of the fragment close them all again.
    depth = closing.index("li")
    reopen = "".join(f"<{name}>" for name in reversed(closing[:depth]))
    return f"{_close(closing[: depth + 1])}<li>{reopen}{escape(line[marker.end() :], quote=False)}"


def _table_line(line: str, closing: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    if not line.strip() or _TABLE_DELIMITER.fullmatch(line):
        return "", closing
    cells = line.strip().removeprefix("|").removesuffix("|").split("|")
    body = "</td><td>".join(escape(value.strip(), quote=False) for value in cells)
    if closing[0] == "th" and "thead" in closing:
        # The first row after the header: leave the header, start the body.
        depth = closing.index("thead")
        return (
            f"{_close(closing[: depth + 1])}<tbody><tr><td>{body}",
            ("td", "tr", "tbody", *closing[depth + 1 :]),
        )
    return f"{_close(closing[:2])}<tr><td>{body}", closing
