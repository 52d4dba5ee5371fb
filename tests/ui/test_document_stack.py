"""The finished blocks of an answer as a stack of documents: what is kept, what is set up."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

from PySide6.QtGui import QFont, QTextFragment

from confide.core.markdown import CodeBlock, growing_code_html, render_markdown
from confide.core.markdown.result import RenderOptions
from confide.ui.chat.code_colours import CodeColourer
from confide.ui.chat.rich_text import DocumentStack, SafeDocument, code_document


def texts(stack: DocumentStack) -> list[str]:
    return [document.toPlainText() for document in stack.documents]


def test_only_what_changed_is_set_up_again(qapp: Any) -> None:
    stack = DocumentStack(QFont(), 400, 6, RenderOptions())
    assert stack.update("<p>One</p>")
    assert stack.update("<p>One</p><p>Two</p>")  # appended: one more document
    first, second = stack.documents
    assert texts(stack) == ["One", "Two"]
    assert not stack.update("<p>One</p><p>Two</p>")

    # Back to where a document ended: the documents after it go, the others stay as they are.
    assert stack.update("<p>One</p>")
    assert stack.documents == [first]
    # A change after the first document: it stays; what follows is set up from the change.
    assert stack.update("<p>One</p><p>Deux</p><p>Three</p>")
    assert stack.documents[0] is first and stack.documents[1] is not second
    assert texts(stack) == ["One", "Deux\nThree"]
    # A change inside the first document: everything is set up again.
    assert stack.update("<p>Uno</p><p>Deux</p>")
    assert stack.documents[0] is not first and texts(stack) == ["Uno\nDeux"]
    assert stack.update("")
    assert stack.documents == []


def test_a_long_code_block_is_a_document_of_its_own_to_colour(qapp: Any) -> None:
    code = "\n".join(f"x_{i} = {i}  # a line of code" for i in range(150))
    rendered = render_markdown(f"Intro.\n\n```python\n{code}\n```\n\nOutro.")
    stack = DocumentStack(QFont(), 400, 6, RenderOptions())
    assert stack.update(rendered.stable_html)
    assert [doc.box_colour is not None for doc in stack.documents] == [False, True, False]
    assert stack.new_code == [(stack.documents[1], 0)]  # handed on for colouring
    assert texts(stack)[1].endswith(code) and texts(stack)[2].strip() == "Outro."
    kept = list(stack.documents)
    assert stack.update(rendered.stable_html + "<p>More.</p>")
    assert stack.documents[:3] == kept and stack.new_code == []  # not set up (or coloured) again


def test_a_long_code_block_in_a_list_is_handed_on_with_the_document_it_is_in(
    qapp: Any,
) -> None:
    code = "\n".join(f"x_{i} = {i}  # a line of code" for i in range(150))
    indented = "\n".join(f"   {line}" for line in code.split("\n"))
    rendered = render_markdown(f"Intro.\n\n1. Step:\n\n   ```python\n{indented}\n   ```\n")
    stack = DocumentStack(QFont(), 400, 6, RenderOptions())
    assert stack.update(rendered.stable_html)
    [document] = stack.documents
    assert stack.new_code == [(document, 0)] and document.box_colour is None
    assert code in document.toPlainText()


def test_the_code_found_and_coloured_is_the_block_asked_for(qapp: Any) -> None:
    # Two long blocks in one list: each is coloured where it is, and only it.
    first = "\n".join(f"def first_{i}(): pass" for i in range(200))
    second = "\n".join(f"def second_{i}(): pass" for i in range(200))
    text = "".join(
        f"{n}. Step:\n\n   ```python\n"
        + "\n".join(f"   {line}" for line in code.split("\n"))
        + "\n   ```\n\n"
        for n, code in ((1, first), (2, second))
    )
    rendered = render_markdown(text)
    stack = DocumentStack(QFont(), 400, 6, RenderOptions())
    stack.update(rendered.stable_html)
    [(document, number)] = stack.new_code[1:]
    colourer = CodeColourer()
    colourer.colour(1, document, rendered.code_blocks[number], dark=False)
    colourer.finish_all()
    coloured_lines = {
        document.findBlock(fragment.position()).text()
        for fragment in fragments(document)
        if fragment.charFormat().fontWeight() == QFont.Weight.Bold
    }
    # Keywords ("def", "pass") are bold: on every line of the second block, and no other.
    assert coloured_lines == {f"def second_{i}(): pass" for i in range(200)}


def test_code_in_a_box_is_coloured_in_slices_but_laid_out_once(qapp: Any) -> None:
    # Qt lays a table out whole after every edit in it: coloured in slices of one edit each,
    # a long program in a list cost three times as much as coloured at once.
    code = "\n".join(f"def step_{i}(value): return value * {i}" for i in range(300))
    indented = "\n".join(f"   {line}" for line in code.split("\n"))
    rendered = render_markdown(f"1. Step:\n\n   ```python\n{indented}\n   ```\n")
    stack = DocumentStack(QFont(), 400, 6, RenderOptions())
    stack.update(rendered.stable_html)
    [(document, number)] = stack.new_code
    changes: list[int] = []
    document.contentsChange.connect(lambda position, removed, added: changes.append(position))
    colourer = CodeColourer(slice_s=0.001)
    colourer.colour(1, document, rendered.code_blocks[number], dark=False)
    slices = 0
    while colourer.busy:
        colourer._work()
        slices += 1
    assert slices > 3 and len(changes) == 1  # many slices, one change to lay out
    assert "font-weight:700" in document.toHtml()  # the keywords, bold, once it is done


def fragments(document: SafeDocument) -> Iterator[QTextFragment]:
    block = document.begin()
    while block.isValid():
        parts = block.begin()
        while not parts.atEnd():
            yield parts.fragment()
            parts += 1
        block = block.next()


def test_a_document_no_longer_shown_is_not_coloured(qapp: Any) -> None:
    colourer = CodeColourer()
    coloured: list[int] = []
    colourer.coloured.connect(lambda uid, _changed: coloured.append(uid))
    block = CodeBlock(0, "python", "def f(): pass")
    html = growing_code_html(block, RenderOptions())
    document = code_document(html, RenderOptions(), QFont(), 400)
    colourer.colour(1, document, block, dark=False)
    assert colourer.busy
    del document  # the row was laid out again: nothing holds the old document
    gc.collect()
    colourer.finish_all()
    assert not colourer.busy and coloured == []
