"""Qt documents for rendered answers: nothing is ever loaded, and growing text is appended."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QRectF, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextOption,
)

from confide.core.markdown import (
    CODE_BOX_PADDING,
    CodeBlock,
    code_to_colour,
    growing_code_html,
    palette,
    split_documents,
)
from confide.core.markdown.result import RenderOptions
from confide.core.store.textfold import fold_for_match

# Qt indents each level of <blockquote> by this much (QTextHtmlImporter); the bar marking a
# quote sits in that indent, so it needs no room of its own.
QUOTE_INDENT = 40.0
QUOTE_BAR_WIDTH = 3.0
QUOTE_BAR_INSET = 24.0  # from the left edge of the level's indent: near the text it marks


class SafeDocument(QTextDocument):
    """A QTextDocument that refuses every resource (images, style sheets), local or remote.

    The Markdown renderer never emits <img>, but this is the last line of defence: model
    output must never make Confide touch the network or a local file.
    """

    # What was asked for (URLs only, never content), so tests can see nothing was loaded.
    refused: ClassVar[list[str]] = []

    box_colour: QColor | None = None  # filled behind the whole document when it is drawn
    _folded: tuple[int, str] | None = None  # (revision, text) for folded_text
    _bars: tuple[tuple[int, float], list[QRectF]] | None = None  # for quote_bars

    def folded_text(self) -> str:
        """The document's characters folded for finding words (see textfold.fold_for_match):
        one for one, so an offset in it is a cursor position in the document."""
        if self._folded is None or self._folded[0] != self.revision():
            self._folded = (self.revision(), fold_for_match(self.toRawText()))
        return self._folded[1]

    def quote_bars(self) -> list[QRectF]:
        """Where to draw a bar beside quoted text, one per level of quoting, in document
        coordinates: Qt only indents a block quote, which alone does not read as a quote."""
        key = (self.revision(), self.textWidth())
        if self._bars is None or self._bars[0] != key:
            self._bars = (key, self._find_quote_bars())
        return self._bars[1]

    def _find_quote_bars(self) -> list[QRectF]:
        layout = self.documentLayout()
        left = self.documentMargin()
        bars: list[QRectF] = []
        open_bars: list[QRectF] = []  # one per level of the quote the last block was in
        block = self.begin()
        after_table = False
        while block.isValid():
            block_format = block.blockFormat()
            margin = block_format.leftMargin()
            rect = layout.blockBoundingRect(block)
            # Looked up inside a quote only: outside one a table changes nothing, and most
            # documents (a long code block's, for one) have no quote at all.
            table = QTextCursor(block).currentTable() if open_bars else None
            if table is not None:
                # A table (a code box, or a table) in a quote: its frame has the quote's
                # indent, and the bar runs beside all of it.
                margin = table.format().leftMargin()
                frame = layout.frameBoundingRect(table)
                rect = QRectF(rect.left(), frame.top(), rect.width(), frame.height())
            elif after_table and not block.text():
                after_table = False  # the empty line Qt puts after a table: not the quote's end
                block = block.next()
                continue
            after_table = table is not None
            # Qt marks only a quote's first paragraph as quoted; the ones after it keep the
            # quote's indent (lists indent otherwise, with no margin).
            quoted = (
                table is None and block_format.hasProperty(QTextFormat.Property.BlockQuoteLevel)
            ) or (bool(open_bars) and margin >= QUOTE_INDENT)
            depth = max(1, round(margin / QUOTE_INDENT)) if quoted else 0
            if table is not None:
                # Never a new level: a quote opens on a quoted paragraph (Qt puts an empty
                # one before a table that starts it), and a list's indent adds to the margin.
                depth = min(depth, len(open_bars))
            del open_bars[depth:]  # levels this block is not in have ended
            for bar in open_bars:
                bar.setBottom(rect.bottom())  # the quote goes on: one bar across its paragraphs
            for level in range(len(open_bars), depth):
                x = left + level * QUOTE_INDENT + QUOTE_BAR_INSET
                bar = QRectF(x, rect.top(), QUOTE_BAR_WIDTH, rect.height())
                bars.append(bar)
                open_bars.append(bar)
            block = block.next()
        return bars

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        SafeDocument.refused.append(url.toString() if isinstance(url, QUrl) else str(url))
        return None


def new_document(font: QFont, width: float) -> SafeDocument:
    document = SafeDocument()
    document.setDefaultFont(font)
    document.setDocumentMargin(0)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    document.setDefaultTextOption(option)
    document.setTextWidth(width)
    return document


def code_document(html: str, options: RenderOptions, font: QFont, width: float) -> SafeDocument:
    """A document showing one code block's box (``growing_code_html``): its margin is the
    box's padding, and its background is filled in when it is drawn."""
    document = new_document(font, width)
    document.setDocumentMargin(CODE_BOX_PADDING)
    document.box_colour = QColor(palette(options.dark).code_background)
    document.setHtml(html)
    return document


class GrowingCode:
    """A code block still being written at the end of an answer, in a document of its own
    that grows by appending: Qt then lays out only the new lines. (As part of the answer's
    tail, the block's box is a table, which Qt lays out whole again on every change: each
    update of a long block cost its whole length.) It looks like the finished box, whose
    table padding is this document's margin, and whose background the painter fills in."""

    def __init__(self, block: CodeBlock, options: RenderOptions, font: QFont, width: float) -> None:
        self.block = block
        self.options = options
        colours = palette(options.dark)
        document = code_document(growing_code_html(block, options), options, font, width)
        # Set here rather than taken from what the HTML made: an empty <pre> (a block that
        # has just opened) leaves no format to append with.
        self._cursor = QTextCursor(document)
        self._cursor.movePosition(QTextCursor.MoveOperation.End)
        self._format = QTextCharFormat()
        self._format.setFontFamilies(["monospace"])
        self._format.setForeground(QColor(colours.code_foreground))
        self.document = document
        document.size()  # laid out now: the row's height depends on it

    def shows(self, block: CodeBlock, options: RenderOptions) -> bool:
        """Whether this document shows exactly ``block``, as ``growing_code_html`` would."""
        return block == self.block and options == self.options

    def grow(self, block: CodeBlock, options: RenderOptions) -> bool:
        """Shows ``block`` if it is this one with more code; False when it is not (a new
        ``GrowingCode`` must show it)."""
        shown = self.block
        if (
            block.number != shown.number
            or block.language != shown.language
            or options != self.options
            or not block.code.startswith(shown.code)
        ):
            return False
        if len(block.code) > len(shown.code):
            self._cursor.insertText(block.code[len(shown.code) :], self._format)
            self.document.size()
        self.block = block
        return True


class DocumentStack:
    """Rendered HTML as a vertical stack of documents.

    While an answer streams, each newly settled piece of its stable HTML becomes one more
    small document, laid out once: Qt's layout work stays proportional to what is new.
    (Appending HTML into a single QTextDocument merges or splits blocks unpredictably, and
    re-importing the whole answer at the end stalls the window for a long answer.)
    A long code block is a document of its own (``split_documents``), shown plain; inside a
    list or quote it is shown plain in its box. The documents made for them by the last
    ``update`` are in ``new_code``, with the block's number, for colouring.
    """

    def __init__(self, font: QFont, width: float, gap: float, options: RenderOptions) -> None:
        self._font = QFont(font)  # a copy: the caller's font may be a temporary (style option)
        self._width = width
        self._gap = gap
        self._options = options
        self._html = ""
        self._ends: list[int] = []  # where each document's HTML ends in self._html
        self.documents: list[SafeDocument] = []
        self.new_code: list[tuple[SafeDocument, int]] = []  # (document, code block number)

    def update(
        self, html: str, growing: GrowingCode | None = None, codes: tuple[CodeBlock, ...] = ()
    ) -> bool:
        """Shows ``html``; returns whether that changed what the stack shows.

        The documents whose HTML ``html`` still begins with are kept; only what follows
        them is set up again (usually one new document for what was appended). A code block
        that ``growing`` shows as it is now (``codes`` are the answer's) keeps that document
        rather than getting a new one: it is already laid out.
        """
        self.new_code = []
        if html == self._html:
            return False
        kept = len(self._ends)
        if not html.startswith(self._html):  # the usual case, appended to, needs no search
            while kept and not html.startswith(self._html[: self._ends[kept - 1]]):
                kept -= 1
        start = self._ends[kept - 1] if kept else 0
        del self.documents[kept:], self._ends[kept:]
        for piece in split_documents(html[start:]):
            number = piece.code_number
            if number < 0:
                document = self._new_document(piece.html)
                self.new_code.extend((document, inner) for inner in code_to_colour(piece.html))
            else:
                document = self._new_code_document(piece.html, number, growing, codes)
            self.documents.append(document)
            self._ends.append(start + piece.end)
        self._html = html
        return True

    def show_document(self, document: SafeDocument) -> None:
        """Shows one ready-made document (plain text, for instance) instead of HTML."""
        self._html = ""
        self._ends = []
        self.documents = [document]
        self.new_code = []

    def _new_document(self, html: str) -> SafeDocument:
        document = new_document(self._font, self._width)
        document.setHtml(html)
        document.size()  # lay it out now, once, rather than during some later paint
        return document

    def _new_code_document(
        self, html: str, number: int, growing: GrowingCode | None, codes: tuple[CodeBlock, ...]
    ) -> SafeDocument:
        if (
            growing is not None
            and number < len(codes)
            and growing.shows(codes[number], self._options)
            and growing.document.textWidth() == self._width
        ):
            document = growing.document
        else:
            document = code_document(html, self._options, self._font, self._width)
            document.size()
        self.new_code.append((document, number))
        return document

    @property
    def height(self) -> float:
        if not self.documents:
            return 0.0
        heights = sum(document.size().height() for document in self.documents)
        return heights + self._gap * (len(self.documents) - 1)

    def positions(self) -> list[tuple[float, SafeDocument]]:
        """Each document with its top edge, relative to the stack's top."""
        placed = []
        top = 0.0
        for document in self.documents:
            placed.append((top, document))
            top += document.size().height() + self._gap
        return placed
