"""The transcript as a user meets it: Markdown, links, Copy buttons, thinking, nothing loaded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QObject, QPoint, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QGuiApplication,
    QImage,
    QPalette,
    QTextTable,
)
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from confide.core.markdown import highlight_runs, palette, render_markdown
from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.rich_text import SafeDocument, new_document
from confide.ui.chat.transcript_model import EntryStatus, TranscriptEntry
from confide.ui.theme import MIN_LINK_CONTRAST, apply_theme, contrast
from tests.ui.conftest import MessageBoxes, find_anchor, pixels_in_colour, row_layout

ANSWER = (
    "## Notice periods\n\n"
    "| Contract | Notice |\n|---|---|\n| Indefinite | **3 months** |\n\n"
    "```python\nend = start + relativedelta(months=3)\n```\n\n"
    "See [the statute](https://isap.sejm.gov.pl/act) for details.\n\n"
    '<img src="http://tracker.example/pixel.png"> ![chart](http://tracker.example/chart.png)\n'
)


@pytest.fixture
def page(bare_page: ChatPage) -> ChatPage:
    SafeDocument.refused.clear()
    return bare_page


def show_answer(qtbot: QtBot, page: ChatPage, text: str, thinking: str = "") -> None:
    page.transcript.append(TranscriptEntry(role="user", content="Question"))
    page.transcript.append(
        TranscriptEntry(role="assistant", content=text, model="qwen3:latest", thinking=thinking)
    )
    page._show_transcript()
    qtbot.wait(50)


def test_markdown_is_rendered_and_raw_html_is_only_text(qtbot: QtBot, page: ChatPage) -> None:
    show_answer(qtbot, page, ANSWER)
    entry = page.transcript.entries()[1]
    rendered = page.transcript.rendered(entry)
    assert "<table" in rendered.stable_html and "<h2" in rendered.stable_html
    assert "<img" not in rendered.stable_html  # neither the raw tag nor the Markdown image
    assert "&lt;img" in rendered.stable_html  # the raw tag is shown as text
    page.view.viewport().repaint()
    assert SafeDocument.refused == []  # and no document ever asked for a resource


def test_clicking_a_link_asks_first_and_fetches_nothing(
    qtbot: QtBot, page: ChatPage, monkeypatch: pytest.MonkeyPatch, message_boxes: MessageBoxes
) -> None:
    show_answer(qtbot, page, ANSWER)
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    message_boxes.answer = "Cancel"
    point = find_anchor(page, 1, "https://isap.sejm.gov.pl/act")
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    [asked] = message_boxes.asked
    assert asked.question == "Open this link in your browser?"
    assert "https://isap.sejm.gov.pl/act" in asked.details  # the target is shown
    assert set(asked.buttons) == {"Open", "Cancel"} and asked.default == "Cancel"
    assert opened == []

    message_boxes.answer = "Open"
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert [url.toString() for url in opened] == ["https://isap.sejm.gov.pl/act"]


def test_copy_button_copies_the_code_block(qtbot: QtBot, page: ChatPage) -> None:
    show_answer(qtbot, page, ANSWER)
    QGuiApplication.clipboard().clear()
    point = find_anchor(page, 1, "confide-copy:0")
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert QGuiApplication.clipboard().text() == "end = start + relativedelta(months=3)"


def test_thinking_folds_when_the_answer_starts_and_can_be_opened(
    qtbot: QtBot, page: ChatPage
) -> None:
    page.transcript.append(TranscriptEntry(role="user", content="Question"))
    page.transcript.append(
        TranscriptEntry(role="assistant", content="", status=EntryStatus.STREAMING)
    )
    page._show_transcript()
    page.transcript.extend_last("", "Let me weigh Art. 673 first.")
    entry = page.transcript.last()
    assert entry is not None and entry.thinking_expanded
    page.transcript.extend_last("The notice period is three months.")
    assert not entry.thinking_expanded and entry.thinking_seconds is not None
    page.transcript.update_last(status=EntryStatus.COMPLETE)
    qtbot.wait(50)
    option, _docs, geometry, _entry = row_layout(page, 1)
    toggle = geometry.thinking_toggle
    assert toggle is not None
    click = QPoint(int(toggle.left()) + 5, option.rect.top() + int(toggle.center().y()))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=click)
    assert entry.thinking_expanded


def test_streamed_markdown_ends_identical_to_a_single_render(page: ChatPage) -> None:
    page.transcript.append(
        TranscriptEntry(role="assistant", content="", status=EntryStatus.STREAMING)
    )
    for start in range(0, len(ANSWER), 3):
        page.transcript.extend_last(ANSWER[start : start + 3])
    page.transcript.update_last(status=EntryStatus.COMPLETE)
    entry = page.transcript.last()
    assert entry is not None and entry.rendered is not None and entry.markdown is None
    assert entry.rendered.html == render_markdown(ANSWER, copy_label="Copy").html


def bar_pixels(page: ChatPage, row: int) -> int:
    """Pixels of one row in the colour quote bars are drawn with."""
    return pixels_in_colour(page, QPalette.ColorRole.Mid, row)


def test_a_quote_is_marked_by_a_bar_beside_it_not_only_indented(
    qtbot: QtBot, page: ChatPage
) -> None:
    show_answer(qtbot, page, "Art. 36 says:\n\n> The notice period is three months.\n\nSo: 3.")
    page.transcript.append(TranscriptEntry(role="user", content="And without a quote?"))
    page.transcript.append(TranscriptEntry(role="assistant", content="Three months.", model="m"))
    qtbot.wait(50)
    line = page.view.fontMetrics().height()
    assert bar_pixels(page, 1) >= 3 * line  # a bar 3 px wide, as tall as the quoted line
    assert bar_pixels(page, 3) < line  # the answer without a quote: no bar


def test_quote_bars_follow_nesting_and_span_the_whole_quote(qapp: Any) -> None:
    document = new_document(QFont(), 500)
    document.setHtml(render_markdown("Before\n\n> first\n>\n> second\n>\n> > nested\n\nAfter").html)
    outer, inner = document.quote_bars()
    blocks = {}
    block = document.begin()
    while block.isValid():
        blocks[block.text().strip()] = document.documentLayout().blockBoundingRect(block)
        block = block.next()
    # One bar for the whole quote, from its first paragraph to the nested one's end; a second,
    # further right, beside the nested quote only; none beside the text around the quote.
    assert outer.top() == blocks["first"].top() and outer.bottom() == blocks["nested"].bottom()
    assert inner.top() == blocks["nested"].top() and inner.bottom() == blocks["nested"].bottom()
    assert inner.left() > outer.right()
    assert outer.bottom() < blocks["After"].top() and outer.top() > blocks["Before"].bottom()
    plain = new_document(QFont(), 500)
    plain.setHtml(render_markdown("No quote here.").html)
    assert plain.quote_bars() == []


def quote_bars_of(text: str) -> tuple[list[QRectF], dict[str, QRectF]]:
    """The bars beside ``text``'s quotes, and where each line of text is."""
    document = new_document(QFont(), 500)
    document.setHtml(render_markdown(text).html)
    lines = {}
    block = document.begin()
    while block.isValid():
        lines[block.text().strip()] = document.documentLayout().blockBoundingRect(block)
        block = block.next()
    return document.quote_bars(), lines


def test_a_quote_bar_runs_beside_code_and_tables_in_the_quote(qapp: Any) -> None:
    # The bar stopped at the first code box or table, as if the quote had ended there.
    quote = "> Save this:\n>\n> ```python\n> x = 1\n> ```\n>\n> | a | b |\n> |---|---|\n"
    [bar], lines = quote_bars_of(f"{quote}> | 1 | 2 |\n>\n> Run it.\n\nAfter.")
    assert bar.top() == lines["Save this:"].top() and bar.bottom() == lines["Run it."].bottom()
    assert bar.top() < lines["x = 1"].top() and lines["x = 1"].bottom() < bar.bottom()
    assert bar.bottom() < lines["After."].top()
    # A list's code box is indented too, but no quote: no bar.
    bars, _ = quote_bars_of("1. Save:\n\n   ```python\n   x = 1\n   ```\n\n2. Run.\n")
    assert bars == []
    # A code box in a list in a quote: the quote's bar only, not a second one.
    [bar], lines = quote_bars_of("> - item\n>\n>   ```\n>   x = 1\n>   ```\n")
    assert bar.bottom() >= lines["x = 1"].bottom()


def shown_text(page: ChatPage, row: int) -> str:
    """The text a row shows now: its finished blocks, then its unfinished end."""
    _option, docs, _geometry, _entry = row_layout(page, row)
    parts = [document.toPlainText() for document in docs.body.documents]
    if docs.tail is not None:
        parts.append(docs.tail.toPlainText())
    if docs.thinking is not None:
        parts.append(docs.thinking.toPlainText())
    return "\n".join(parts)


def start_streaming(page: ChatPage) -> None:
    page.transcript.append(TranscriptEntry(role="user", content="Write the program"))
    page.transcript.append(
        TranscriptEntry(role="assistant", content="", model="m", status=EntryStatus.STREAMING)
    )
    page._show_transcript()


LONG_CODE = "```python\n" + "".join(f"total += item_{i} * rate  # line {i}\n" for i in range(600))


LONG_TABLE = "| Item | Amount |\n|---|---|\n" + "".join(
    f"| item {i} | {i} EUR |\n" for i in range(600)
)


@pytest.mark.parametrize("kind", ["table", "code block", "reasoning"])
def test_a_long_unfinished_block_is_not_laid_out_again_on_every_delivery(
    qtbot: QtBot, page: ChatPage, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    laid_out: list[int] = []  # characters given to Qt to lay out, per document set up
    for name in ("setHtml", "setPlainText"):
        original = getattr(SafeDocument, name)

        def counting(document: SafeDocument, text: str, original: Any = original) -> None:
            laid_out.append(len(text))
            original(document, text)

        monkeypatch.setattr(SafeDocument, name, counting)
    start_streaming(page)
    reasoning = kind == "reasoning"
    block = {"table": LONG_TABLE, "code block": LONG_CODE + "```\n"}.get(kind, LONG_CODE)
    text = block if reasoning else "Here it is:\n\n" + block + "\nDone."
    for start in range(0, len(text), 100):
        piece = text[start : start + 100]
        if reasoning:
            page.transcript.extend_last("", thinking=piece)
        else:
            page.transcript.extend_last(piece)
        QApplication.processEvents()  # the window takes in each delivery as it comes
    # Laying out the whole of it again on each of 200 deliveries: ~2.4 million characters.
    assert sum(laid_out) < 10 * len(text)
    if reasoning:
        page.transcript.extend_last("Done.")
        entry = page.transcript.last()
        assert entry is not None
        entry.thinking_expanded = True
    page.transcript.update_last(status=EntryStatus.COMPLETE)
    qtbot.wait(50)
    shown = shown_text(page, 1)
    last_line = "item 599" if kind == "table" else "# line 599"
    assert last_line in shown and "Done." in shown  # at the end, all of it is on screen


@pytest.mark.parametrize("intro", ["Here it is:\n\n", "Here it is:\n"], ids=["apart", "glued"])
def test_a_code_block_being_written_grows_by_appending_each_delivery(
    qtbot: QtBot, page: ChatPage, intro: str
) -> None:
    start_streaming(page)
    page.transcript.extend_last(intro + "```python\n")
    QApplication.processEvents()
    growing = row_layout(page, 1)[1].tail
    assert growing is not None
    changes: list[tuple[int, int, int]] = []  # (where, characters removed, added)
    growing.contentsChange.connect(lambda *change: changes.append(change))
    for i in range(600):
        page.transcript.extend_last(f"total += item_{i} * rate  # line {i}\n")
        QApplication.processEvents()
        # Every line shows as it arrives, however long the block has grown.
        assert shown_text(page, 1).endswith(f"# line {i}")
    assert row_layout(page, 1)[1].tail is growing
    # What arrived was appended: Qt never had the whole block to lay out again.
    assert len(changes) >= 600 and all(removed == 0 for _where, removed, _added in changes)
    QGuiApplication.clipboard().clear()  # its Copy link copies what has arrived so far
    point = find_anchor(page, 1, "confide-copy:0")
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert QGuiApplication.clipboard().text().endswith("total += item_599 * rate  # line 599")
    # Once it ends, everything shows once, in order, as a single render would show it.
    page.transcript.extend_last("```\nRun it.")
    QApplication.processEvents()
    shown = shown_text(page, 1)
    assert shown.count("Here it is:") == 1 and shown.count("# line 599") == 1
    assert shown.index("Here it is:") < shown.index("# line 599") < shown.index("Run it.")


def test_a_code_block_being_written_looks_like_the_finished_one(page: ChatPage) -> None:
    start_streaming(page)
    code = "def notice_ends(start):\n    return start + relativedelta(months=3)"
    page.transcript.extend_last("Here it is:\n\n```python\n" + code + "\n")
    QApplication.processEvents()
    option, docs, geometry, _entry = row_layout(page, 1)
    growing = docs.tail
    assert growing is not None and geometry.tail is not None
    finished = new_document(option.font, growing.textWidth())
    finished.setHtml(render_markdown(f"```python\n{code}\n```").html)
    assert growing.size().height() == finished.size().height()
    assert line_positions(growing) == line_positions(finished)
    # Its box is painted in the code background, as the finished box's table is.
    page.view.viewport().repaint()
    image = page.view.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    box = geometry.tail.translated(0, option.rect.top()).toRect()
    colour = QColor(palette(page.transcript.render_options.dark).code_background)
    pixel = bytes([colour.blue(), colour.green(), colour.red(), 0xFF])
    painted = bytes(image.copy(box).constBits()).count(pixel)
    assert painted > 0.6 * box.width() * box.height()
    # Once the block ends, the text after it is shown as text, not in a code box.
    page.transcript.extend_last("```\n\nThen call it with the date of the")
    QApplication.processEvents()
    tail = row_layout(page, 1)[1].tail
    assert tail is not None and tail.toPlainText().strip() == "Then call it with the date of the"
    assert tail.box_colour is None and tail.documentMargin() == 0


LONG_LINE = "notice = '" + "Wypowiedzenie umowy najmu lokalu " * 12 + "'  # END"


@pytest.mark.parametrize("streaming", [False, True], ids=["finished", "being written"])
def test_a_code_line_wider_than_the_column_wraps_inside_the_box(
    qtbot: QtBot, page: ChatPage, streaming: bool
) -> None:
    # A box as wide as its longest line ran past the column and the window's edge, and the
    # end of the line could not be seen at all: the transcript has no sideways scrolling.
    code = f"def notice_text():\n    {LONG_LINE}\n    return notice"
    if streaming:
        start_streaming(page)
        page.transcript.extend_last("Here it is:\n\n```python\n")
        for line in code.split("\n"):  # appended to the box being written, line by line
            page.transcript.extend_last(line + "\n")
            QApplication.processEvents()
    else:
        show_answer(qtbot, page, "Here it is:\n\n```python\n" + code + "\n```\n\nDone.")
    option, docs, geometry, _entry = row_layout(page, 1)
    shown = [*docs.body.documents, *([docs.tail] if docs.tail is not None else [])]
    box = next(document for document in shown if "# END" in document.toPlainText())
    assert box.size().width() <= box.textWidth()
    assert geometry.body.right() <= option.rect.right()
    unwrapped = box.clone()
    unwrapped.setTextWidth(10 * box.textWidth())
    assert box.size().height() > unwrapped.size().height()
    if streaming:  # wrapped as the finished box will wrap it
        finished = new_document(option.font, box.textWidth())
        finished.setHtml(render_markdown(f"```python\n{code}\n```").html)
        assert box.size().height() == finished.size().height()
    # Wrapping is only how it is shown: Copy copies the line as it was written.
    QGuiApplication.clipboard().clear()
    point = find_anchor(page, 1, "confide-copy:0")
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert QGuiApplication.clipboard().text().splitlines()[1] == "    " + LONG_LINE


def test_an_answer_stopped_inside_a_code_block_keeps_the_code_in_its_box(page: ChatPage) -> None:
    start_streaming(page)
    page.transcript.extend_last("Here it is:\n\n```python\ndef notice_ends(start):\n    return")
    QApplication.processEvents()
    assert row_layout(page, 1)[1].growing_code is not None
    page.transcript.update_last(status=EntryStatus.STOPPED)
    QApplication.processEvents()
    _option, docs, _geometry, _entry = row_layout(page, 1)
    assert docs.growing_code is None  # the answer is no longer being written
    shown = [*docs.body.documents, *([docs.tail] if docs.tail is not None else [])]
    box = [document for document in shown if "def notice_ends(start):" in document.toPlainText()]
    # Shown in the finished box (a table, with the Copy link), not the growing document.
    assert len(box) == 1 and box[0].box_colour is None
    assert any(isinstance(frame, QTextTable) for frame in box[0].rootFrame().childFrames())
    assert "Copy" in box[0].toPlainText()


LONG_PYTHON = "\n".join(f"def rate_{i}(amount):\n    return amount * {i}  # {i}" for i in range(90))


def keyword_colour(page: ChatPage) -> QColor:
    dark = page.transcript.render_options.dark
    runs = highlight_runs("def f(): pass", "python", dark)
    return QColor(next(style.colour for style, text in runs if text.startswith("def")))


def coloured_keywords(document: SafeDocument, colour: QColor) -> int:
    """How many runs of ``document`` read "def" in bold ``colour``, as the keyword is shown."""
    count = 0
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            char_format = fragment.charFormat()
            count += (
                fragment.text().startswith("def")
                and char_format.foreground().color() == colour
                and char_format.fontWeight() == QFont.Weight.Bold
            )
            fragments += 1
        block = block.next()
    return count


def code_box(page: ChatPage, row: int) -> SafeDocument:
    """The document showing the long code block in ``row``, drawn as a box of its own."""
    boxes = [
        document
        for document in row_layout(page, row)[1].body.documents
        if "def rate_0(amount):" in document.toPlainText()
    ]
    assert len(boxes) == 1 and boxes[0].box_colour is not None
    return boxes[0]


def test_a_long_code_block_is_coloured_a_piece_at_a_time_once_it_ends(
    qtbot: QtBot, page: ChatPage
) -> None:
    # Highlighting it and laying it out again all at once, when its closing fence came,
    # froze the window for a third of a second (280 ms for 32,000 characters).
    start_streaming(page)
    page.transcript.extend_last("Here it is:\n\n```python\n")
    lines = LONG_PYTHON.split("\n")
    for start in range(0, len(lines), 20):
        page.transcript.extend_last("\n".join(lines[start : start + 20]) + "\n")
        QApplication.processEvents()
    growing = row_layout(page, 1)[1].growing_code
    assert growing is not None
    slices: list[int] = []
    page.delegate._colourer.coloured.connect(lambda uid, _changed: slices.append(uid))
    page.transcript.extend_last("```\n\nRun it.")
    # The block is done: the document that showed it growing stays, as laid out, and plain.
    box = code_box(page, 1)
    assert box is growing.document
    colour = keyword_colour(page)
    assert coloured_keywords(box, colour) == 0 and page.delegate.colouring_code
    qtbot.waitUntil(lambda: not page.delegate.colouring_code)
    assert coloured_keywords(box, colour) == len(lines) // 2  # every "def", in one go or more
    assert len(slices) > 1  # in pieces, the event loop running in between
    assert pixels_in_colour(page, colour, row=1) > 0  # and the colours are on screen
    assert box.toPlainText().endswith(lines[-1]) and "Run it." in shown_text(page, 1)


def test_a_long_code_block_in_an_opened_chat_is_coloured_after_it_is_shown(
    qtbot: QtBot, page: ChatPage
) -> None:
    show_answer(qtbot, page, f"Here it is:\n\n```python\n{LONG_PYTHON}\n```\n\nRun it.")
    colour = keyword_colour(page)
    qtbot.waitUntil(lambda: not page.delegate.colouring_code)
    assert coloured_keywords(code_box(page, 1), colour) == 90
    # A new width lays the row out again; the new document is coloured again too.
    page.resize(page.width() - 200, page.height())
    box = code_box(page, 1)
    assert coloured_keywords(box, colour) == 0
    qtbot.waitUntil(lambda: not page.delegate.colouring_code)
    assert coloured_keywords(box, colour) == 90
    # Colour is only how it looks: Copy copies the code as written.
    page.view.scrollToTop()
    QGuiApplication.clipboard().clear()
    point = find_anchor(page, 1, "confide-copy:0")
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert QGuiApplication.clipboard().text() == LONG_PYTHON


def in_a_list(code: str) -> str:
    indented = "\n".join(f"   {line}" for line in code.split("\n"))
    return f"1. Save this:\n\n   ```python\n{indented}\n   ```\n\n2. Run it.\n"


def in_a_quote(code: str) -> str:
    quoted = "\n".join(f"> {line}" for line in code.split("\n"))
    return f"> Save this:\n>\n> ```python\n{quoted}\n> ```\n>\n> Run it.\n"


def list_document(page: ChatPage, row: int) -> SafeDocument:
    """The document showing the list (or quote), with the long code block in its box."""
    [document] = [
        document
        for document in row_layout(page, row)[1].body.documents
        if "def rate_0(amount):" in document.toPlainText()
    ]
    assert document.box_colour is None and "Run it." in document.toPlainText()
    return document


@pytest.mark.parametrize("nest", [in_a_list, in_a_quote], ids=["list", "quote"])
def test_a_long_code_block_inside_a_list_or_quote_is_coloured_after_it_is_shown(
    qtbot: QtBot, page: ChatPage, nest: Callable[[str], str]
) -> None:
    # Coloured as the list was rendered, a 400-line program in a list item froze the window
    # for 0.2 s: it is shown plain, in its box in the list, and coloured a piece at a time.
    slices: list[int] = []
    page.delegate._colourer.coloured.connect(lambda uid, _changed: slices.append(uid))
    show_answer(qtbot, page, nest(LONG_PYTHON))
    colour = keyword_colour(page)
    document = list_document(page, 1)
    qtbot.waitUntil(lambda: not page.delegate.colouring_code)
    assert coloured_keywords(document, colour) == 90 and len(slices) > 1
    assert pixels_in_colour(page, colour, row=1) > 0
    QGuiApplication.clipboard().clear()
    page.view.scrollToTop()
    point = find_anchor(page, 1, "confide-copy:0")
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert QGuiApplication.clipboard().text() == LONG_PYTHON


def test_a_long_code_block_streamed_inside_a_list_is_coloured_once_the_list_ends(
    qtbot: QtBot, page: ChatPage
) -> None:
    start_streaming(page)
    text = in_a_list(LONG_PYTHON)
    end_of_code = text.index("2. Run it.")
    for start in range(0, end_of_code, 400):
        page.transcript.extend_last(text[start : min(start + 400, end_of_code)])
        QApplication.processEvents()
    colour = keyword_colour(page)
    page.transcript.extend_last(text[end_of_code:] + "\nThat is all.")
    document = list_document(page, 1)  # the list is finished, in the body
    assert coloured_keywords(document, colour) == 0 and page.delegate.colouring_code
    qtbot.waitUntil(lambda: not page.delegate.colouring_code)
    assert coloured_keywords(document, colour) == 90
    assert "That is all." in shown_text(page, 1)


def line_positions(document: SafeDocument) -> dict[str, tuple[float, float]]:
    """Where each line of text sits in ``document``: the same in two boxes that look alike."""
    layout = document.documentLayout()
    positions = {}
    block = document.begin()
    while block.isValid():
        if block.text():
            rect = layout.blockBoundingRect(block)
            positions[block.text()] = (rect.left(), rect.top())
        block = block.next()
    return positions


@pytest.mark.parametrize("reasoning", [False, True], ids=["paragraph", "reasoning"])
def test_a_paragraph_at_an_ordinary_speed_grows_on_screen_with_every_delivery(
    page: ChatPage, reasoning: bool
) -> None:
    # A local model writing ~40 tokens a second: about 8 characters per delivery. Every
    # delivery must show, or the text moves in jerks (it did, in half-second steps, once a
    # paragraph passed ~60 characters). Longer ones: test_layout_budget.
    start_streaming(page)
    words = " ".join(f"clause{i}" for i in range(140))  # one paragraph of ~1,100 characters
    for start in range(0, len(words), 8):
        piece = words[start : start + 8]
        if reasoning:
            page.transcript.extend_last("", thinking=piece)
            entry = page.transcript.last()
            assert entry is not None
            entry.thinking_expanded = True
        else:
            page.transcript.extend_last(piece)
        QApplication.processEvents()
        assert shown_text(page, 1).rstrip().endswith(words[: start + 8].rstrip())


def test_what_arrived_is_shown_within_a_moment_even_if_nothing_more_comes(
    qtbot: QtBot, page: ChatPage
) -> None:
    start_streaming(page)
    page.transcript.extend_last("Here it is:\n\n" + LONG_TABLE)
    QApplication.processEvents()
    assert "item 599" in shown_text(page, 1)
    # A few characters do not pay for laying out 20,000 again at once; then the model pauses.
    page.transcript.extend_last("| the last words |")
    QApplication.processEvents()
    assert "the last words" not in shown_text(page, 1)
    qtbot.waitUntil(lambda: "the last words" in shown_text(page, 1), timeout=2000)


@contextmanager
def system_in_dark_mode(qtbot: QtBot, page: ChatPage) -> Iterator[None]:
    """Switches the application palette to a dark one, as Qt does when the system's colour
    scheme changes, and back to light afterwards."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    dark = QPalette(light)
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.Base, "#1b1c1e"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
    ):
        dark.setColor(role, QColor(colour))
    app.setPalette(dark)
    try:
        qtbot.waitUntil(lambda: page.transcript.render_options.dark, timeout=2000)
        yield
    finally:
        app.setPalette(light)
    qtbot.waitUntil(lambda: not page.transcript.render_options.dark, timeout=2000)


CODE_BOXES = {dark: QColor(palette(dark).code_background) for dark in (False, True)}


@pytest.mark.parametrize("length", ["short", "long"])  # a long block is a document of its own
def test_code_follows_the_system_switching_to_dark_and_back(
    qtbot: QtBot, page: ChatPage, length: str
) -> None:
    show_answer(qtbot, page, ANSWER if length == "short" else f"```python\n{LONG_PYTHON}```\n")
    assert pixels_in_colour(page, CODE_BOXES[False], row=1) > 0
    with system_in_dark_mode(qtbot, page):
        qtbot.waitUntil(lambda: pixels_in_colour(page, CODE_BOXES[True], row=1) > 0, timeout=2000)
        assert pixels_in_colour(page, CODE_BOXES[False], row=1) == 0
    qtbot.waitUntil(lambda: pixels_in_colour(page, CODE_BOXES[False], row=1) > 0, timeout=2000)
    assert pixels_in_colour(page, CODE_BOXES[True], row=1) == 0


def test_an_answer_streaming_when_the_system_turns_dark_ends_dark(
    qtbot: QtBot, page: ChatPage
) -> None:
    start_streaming(page)
    page.transcript.extend_last("First:\n\n```python\nprint(1)\n```\n\n")
    QApplication.processEvents()
    with system_in_dark_mode(qtbot, page):
        page.transcript.extend_last("Then:\n\n```python\nprint(2)\n```\n")
        page.transcript.update_last(status=EntryStatus.COMPLETE)
        entry = page.transcript.entries()[1]
        assert page.transcript.rendered(entry) == render_markdown(entry.content, dark=True)
        assert pixels_in_colour(page, CODE_BOXES[False], row=1) == 0
        assert pixels_in_colour(page, CODE_BOXES[True], row=1) > 0


@pytest.fixture
def app_style_sheet(qapp: QApplication) -> Iterator[QApplication]:
    """The app's own look (Fusion and Confide's style sheet), as app.main() sets it up."""
    style, sheet, app_palette = qapp.style().name(), qapp.styleSheet(), qapp.palette()
    apply_theme(qapp)
    yield qapp
    for follower in qapp.findChildren(QObject):
        if type(follower).__name__ == "_StyleSheetFollowsPalette":
            shiboken6.delete(follower)  # now, so that restoring the palette cannot wake it
    qapp.setStyleSheet(sheet)
    qapp.setPalette(app_palette)
    qapp.setStyle(style)


def test_links_stay_readable_when_the_system_turns_dark(
    qtbot: QtBot, app_style_sheet: QApplication, page: ChatPage
) -> None:
    # Qt keeps its dark blue links in a dark palette (Windows does this): the actions under
    # an answer (Copy, Regenerate...) and its links could hardly be read.
    show_answer(qtbot, page, ANSWER)
    system_link = app_style_sheet.palette().color(QPalette.ColorRole.Link)
    with system_in_dark_mode(qtbot, page):
        base = page.view.palette().color(QPalette.ColorRole.Base)
        assert contrast(QColor(system_link), base) < MIN_LINK_CONTRAST  # as the system gave it
        qtbot.waitUntil(
            lambda: (
                contrast(app_style_sheet.palette().color(QPalette.ColorRole.Link), base)
                >= MIN_LINK_CONTRAST
            )
        )
        link = page.view.palette().color(QPalette.ColorRole.Link)
        assert contrast(link, base) >= MIN_LINK_CONTRAST
        page.view.setCurrentIndex(page.transcript.index(1))  # its actions are shown
        qtbot.waitUntil(lambda: pixels_in_colour(page, link, row=1) > 0)
    # Back to light: a readable link on white, whatever it is.
    light_base = page.view.palette().color(QPalette.ColorRole.Base)
    link = page.view.palette().color(QPalette.ColorRole.Link)
    assert contrast(link, light_base) >= MIN_LINK_CONTRAST


def test_with_the_apps_style_sheet_the_whole_window_follows_the_system_to_dark(
    qtbot: QtBot, app_style_sheet: QApplication, page: ChatPage
) -> None:
    # The style sheet gives the widgets it styles palettes of their own, fixed when it is
    # applied (the page is made after it, as in the app): they must still turn dark.
    show_answer(qtbot, page, ANSWER)
    with system_in_dark_mode(qtbot, page):
        base = page.view.palette().color(QPalette.ColorRole.Base)
        assert base.lightness() < 128
        qtbot.waitUntil(lambda: pixels_in_colour(page, CODE_BOXES[True], row=1) > 0)
