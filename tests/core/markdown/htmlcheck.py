"""Checks that rendered HTML stays inside what QTextDocument understands, and is balanced."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# https://doc.qt.io/qt-6/richtext-html-subset.html, narrowed to what the renderer may use.
ALLOWED_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "hr", "br"}
    | {"table", "thead", "tbody", "tr", "td", "th", "pre", "code", "a", "strong", "em", "s"}
    | {"span"}
)
VOID_TAGS = frozenset({"br", "hr"})
ALLOWED_ATTRIBUTES = frozenset(
    {"href", "style", "align", "start", "border", "cellspacing", "cellpadding", "width", "bgcolor"}
)
ALLOWED_CSS = frozenset(
    {
        "color",
        "background-color",
        "font-family",
        "font-style",
        "font-weight",
        "text-decoration",
        "margin-top",
        "margin-bottom",
        "white-space",
    }
)
ALLOWED_HREF = re.compile(r"(?:https?:|mailto:|confide-copy:\d+$)", re.IGNORECASE)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and (tag != "a" or not ALLOWED_HREF.match(value or "")):
                self.problems.append(f"href {value!r}")
            if name == "style":
                for declaration in (value or "").split(";"):
                    prop = declaration.split(":")[0].strip()
                    if prop and prop not in ALLOWED_CSS:
                        self.problems.append(f"css {prop}")
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID_TAGS:
            self.problems.append(f"self-closing <{tag}/>")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_problems(html: str) -> list[str]:
    """Everything wrong with ``html``: unknown tags, attributes or CSS, unbalanced tags."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.problems + [f"<{tag}> never closed" for tag in checker.stack]


def visible_text(html: str) -> str:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return "".join(checker.text)
