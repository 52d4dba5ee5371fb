"""Markdown to plain text, for "Copy as plain text".

What a reader needs survives (list markers and numbers, line structure, code exactly,
formulas as readable text, where links point); what only decorates goes (emphasis marks,
heading hashes, table rules). Table cells are separated by tabs, so that a table pasted into
a word processor or spreadsheet lands in columns.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from confide.core.markdown.latex import latex_to_unicode
from confide.core.markdown.parser import answer_parser


def to_plain_text(markdown: str, *, image_label: str = "image") -> str:
    tree = SyntaxTreeNode(answer_parser().parse(markdown, {}))
    return "\n\n".join(_blocks(tree, image_label))


def _blocks(node: SyntaxTreeNode, image_label: str) -> list[str]:
    out = []
    for child in node.children:
        text = _block(child, image_label)
        if text is not None:
            out.append(text)
    return out


def _block(node: SyntaxTreeNode, image_label: str) -> str | None:
    kind = node.type
    if kind in ("paragraph", "heading"):
        return _inline_of(node, image_label)
    if kind in ("fence", "code_block"):
        return node.content.removesuffix("\n")
    if kind in ("math_block", "math_block_label"):
        return latex_to_unicode(node.content)
    if kind == "hr":
        return "———"
    if kind == "blockquote":
        inner = "\n\n".join(_blocks(node, image_label))
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
    if kind in ("bullet_list", "ordered_list"):
        return _list(node, image_label)
    if kind == "table":
        return _table(node, image_label)
    return None  # link reference definitions show nothing


def _list(node: SyntaxTreeNode, image_label: str) -> str:
    ordered = node.type == "ordered_list"
    number = int(node.attrGet("start") or 1) if ordered else 0
    items = []
    for item in node.children:
        marker = f"{number}. " if ordered else "- "
        number += 1
        body = "\n".join(_blocks(item, image_label))
        indent = " " * len(marker)
        lines = body.split("\n")
        rest = [f"{indent}{line}" if line else "" for line in lines[1:]]
        items.append("\n".join([marker + lines[0], *rest]))
    return "\n".join(items)


def _table(node: SyntaxTreeNode, image_label: str) -> str:
    rows = []
    for section in node.children:  # thead, tbody
        for row in section.children:
            rows.append("\t".join(_inline_of(cell, image_label) for cell in row.children))
    return "\n".join(rows)


def _inline_of(node: SyntaxTreeNode, image_label: str) -> str:
    if not node.children:
        return ""
    token = node.children[0].token
    return _inline(token.children if token is not None and token.children else [], image_label)


def _inline(tokens: Sequence[Token], image_label: str) -> str:
    out: list[str] = []
    links: list[tuple[str, int]] = []
    for token in tokens:
        kind = token.type
        if kind in ("text", "code_inline", "html_inline"):
            out.append(token.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind in ("math_inline", "math_inline_double"):
            out.append(latex_to_unicode(token.content))
        elif kind == "image":
            alt = _inline(token.children or [], image_label)
            out.append(f"[{image_label}: {alt}] ({token.attrGet('src') or ''})")
        elif kind == "link_open":
            links.append((str(token.attrGet("href") or ""), len(out)))
        elif kind == "link_close" and links:
            href, start = links.pop()
            label = "".join(out[start:])
            # Keep where a link points unless its text already says it.
            if href and href not in (label, f"mailto:{label}"):
                out.append(f" ({href})")
    return "".join(out)
