"""The finished blocks of an answer as a stack of documents: what is kept, what is set up."""

from __future__ import annotations

import gc
from typing import Any

from PySide6.QtGui import QFont

from confide.core.markdown import CodeBlock, render_markdown
from confide.core.markdown.result import RenderOptions
from confide.ui.chat.code_colours import CodeColourer
from confide.ui.chat.rich_text import DocumentStack, code_document


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


def test_a_document_no_longer_shown_is_not_coloured(qapp: Any) -> None:
    colourer = CodeColourer()
    coloured: list[int] = []
    colourer.coloured.connect(lambda uid, _changed: coloured.append(uid))
    document = code_document("<p>python</p><pre>def f(): pass</pre>", RenderOptions(), QFont(), 400)
    colourer.colour(1, document, CodeBlock(0, "python", "def f(): pass"), dark=False)
    assert colourer.busy
    del document  # the row was laid out again: nothing holds the old document
    gc.collect()
    colourer.finish_all()
    assert not colourer.busy and coloured == []
