"""The finished blocks of an answer as a stack of documents: what is kept, what is set up."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFont

from confide.ui.chat.rich_text import DocumentStack


def texts(stack: DocumentStack) -> list[str]:
    return [document.toPlainText() for document in stack.documents]


def test_only_what_changed_is_set_up_again(qapp: Any) -> None:
    stack = DocumentStack(QFont(), 400, 6)
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
