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
from html import escape, unescape

from confide.core.markdown.boundary import is_blank


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

    ``extend`` runs on every streamed update, so everything around the unfinished line is
    prepared once per line, and an update usually costs one escape and one join.
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
        # Prepared by _arrange for each line: the HTML before and behind the unfinished line,
        # the line converted (for rows and items), and the whole when the line is empty.
        self._simple = True
        self._before = self._behind = self._empty = ""
        self._line_out = self._line_behind = ""
        self._line_closing = self._closing
        self._arrange()

    def extend(self, text: str) -> str:
        """Add streamed text; returns the fragment's HTML with all raw text so far."""
        if self._simple and ("\n" not in text or self.kind is SpliceKind.CODE):
            # The common case, kept short: the line (or <pre>, where newlines need nothing)
            # grows by the escaped text. The raw line is only kept when it is needed.
            if "&" in text or "<" in text or ">" in text:
                text = escape(text, quote=False)
            self._line_html += text
            return self._before + self._line_html + self._line_behind
        line = self._raw_line()
        if "\n" in text and self.kind is not SpliceKind.CODE:
            self._complete_lines(line + text)
        else:
            self._line = line = line + text
            if "&" in text or "<" in text or ">" in text:
                text = escape(text, quote=False)
            self._line_html += text
            if self._settled_prefix(text):
                self._line_out += text  # the row's last cell or the item's text grows
            else:
                self._line_out, self._line_behind = self._convert(line)
        return self.html()

    def html(self) -> str:
        if not self._line_html:
            return self._empty
        if self._simple:
            return self._before + self._line_html + self._line_behind
        return self._before + self._line_out + self._line_behind

    def _raw_line(self) -> str:
        # Escaping only touched &, < and >, so unescaping gives the raw text back exactly.
        return unescape(self._line_html) if self._simple else self._line

    def _settled_prefix(self, text: str) -> bool:
        """Whether new text on a row or item line only extends its last cell or its text.

        Decided on the line as it was before ``text``: that is what ``_line_out`` shows.
        """
        if self.kind is SpliceKind.TABLE:
            # Not after a blank or a pipe either: the cell's text is trimmed, the row closed.
            before = self._line[-len(text) - 1 : -len(text)]
            return "|" not in text and bool(self._line_out) and before not in ("", " ", "\t", "|")
        # A list marker is decided once the line is this long (a fast model may deliver the
        # marker and the item's first words at once: they must still be converted).
        return len(self._line[: len(self._line) - len(text)].lstrip(" \t")) > 12

    def _complete_lines(self, text: str) -> None:
        *complete, rest = text.split("\n")
        for line in complete:
            if self._goes_after():
                if not is_blank(line):
                    self._after += ("<br />" if self._after else "") + escape(line, quote=False)
            else:
                converted, _ = self._convert(line)
                self._head += converted
                self._closing = self._line_closing
                self._foot = _close(self._closing)
            self._continues = False
        self._line = rest
        self._line_html = escape(rest, quote=False)
        self._arrange()

    def _goes_after(self) -> bool:
        """Whether the unfinished line belongs in a paragraph after the fragment."""
        kind = self.kind
        return kind is SpliceKind.NONE or (kind is SpliceKind.BLOCK and not self._continues)

    def _arrange(self) -> None:
        """Prepare the HTML before and behind the unfinished line."""
        kind = self.kind
        after = f"<p>{self._after}</p>\n" if self._after else ""
        # With nothing on the unfinished line: no empty paragraph, no trailing line break.
        self._empty = self._head + self._foot + after
        self._simple = True
        self._line_closing = self._closing
        if self._goes_after():
            self._before = f"{self._head}{self._foot}<p>{self._after}"
            if self._after:
                self._before += "<br />"
            self._behind = "</p>\n"
        else:
            self._before, self._behind = self._head, self._foot + after
            if kind is SpliceKind.PARAGRAPH and not self._continues:
                self._before += "<br />"
            elif kind in (SpliceKind.LIST, SpliceKind.TABLE) and not self._continues:
                self._simple = False  # a new item or row depends on the whole line
        self._line_out, self._line_behind = self._line_html, self._behind
        if not self._simple:
            self._line_out, self._line_behind = self._convert(self._line)

    def _convert(self, line: str) -> tuple[str, str]:
        """HTML for one raw line spliced inside the fragment, and the HTML behind it."""
        kind = self.kind
        if self._continues or kind is SpliceKind.CODE:
            return escape(line, quote=False), self._behind
        if kind is SpliceKind.PARAGRAPH:
            return "<br />" + escape(line, quote=False), self._behind
        if kind is SpliceKind.LIST:
            return _list_line(line, self._closing), self._behind
        converted, closing = _table_line(line, self._closing)
        self._line_closing = closing
        if closing is self._closing:
            return converted, self._behind
        after = f"<p>{self._after}</p>\n" if self._after else ""
        return converted, _close(closing) + after


def _list_line(line: str, closing: tuple[str, ...]) -> str:
    marker = _LIST_MARKER.match(line)
    if marker is None:
        return "" if is_blank(line) else "<br />" + escape(line, quote=False)
    # Close up to and including the open <li>, open a new one, and reopen what was inside it
    # (a loose list's <p>); the closing tags of the fragment close them all again.
    depth = closing.index("li")
    reopen = "".join(f"<{name}>" for name in reversed(closing[:depth]))
    return f"{_close(closing[: depth + 1])}<li>{reopen}{escape(line[marker.end() :], quote=False)}"


def _table_line(line: str, closing: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    if is_blank(line) or _TABLE_DELIMITER.fullmatch(line):
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
