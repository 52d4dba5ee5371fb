"""Paints one search result: conversation title and date, who wrote it, the marked snippet.

Snippet documents are built once per result and width and kept until the results change,
so scrolling never re-parses HTML. Colours come from the palette (light and dark themes);
the match marker has its own fixed colours and is bold as well (see ``snippet.py``).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextOption,
)
from PySide6.QtWidgets import (
    QApplication,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from confide.ui.chat.rich_text import SafeDocument
from confide.ui.history.search_model import ResultRow, SearchResultsModel
from confide.ui.history.snippet import snippet_html

PAD_X = 12
PAD_Y = 8
GAP = 3
MAX_SNIPPET_LINES = 3
_CACHE_LIMIT = 500
_FALLBACK_WIDTH = 560


def _small(font: QFont) -> QFont:
    small = QFont(font)
    if font.pointSizeF() > 0:
        small.setPointSizeF(font.pointSizeF() * 0.9)
    return small


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold


class SearchResultDelegate(QStyledItemDelegate):
    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        self._documents: dict[tuple[str, int, str], SafeDocument] = {}

    def forget(self) -> None:
        """Drops the cached snippet documents (the results changed)."""
        self._documents.clear()

    def _content_width(self) -> int:
        width = self._view.viewport().width()
        return max(80, (width if width > 0 else _FALLBACK_WIDTH) - 2 * PAD_X)

    def snippet_document(self, row: ResultRow, font: QFont, width: int) -> SafeDocument:
        """The laid-out snippet of ``row`` at ``width`` pixels (what the user sees)."""
        key = (row.hit.message_id, width, font.key())
        document = self._documents.get(key)
        if document is None:
            if len(self._documents) >= _CACHE_LIMIT:
                self._documents.clear()
            document = SafeDocument()
            document.setDefaultFont(font)
            document.setDocumentMargin(0)
            option = QTextOption()
            option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
            document.setDefaultTextOption(option)
            document.setTextWidth(width)
            document.setHtml(snippet_html(row.hit.snippet, row.hit.highlights))
            self._documents[key] = document
        return document

    @staticmethod
    def _snippet_height(document: SafeDocument) -> float:
        """The height of the first few lines: a long snippet is cut, never the row stretched."""
        layout = document.firstBlock().layout()
        if layout is None or layout.lineCount() <= MAX_SNIPPET_LINES:
            return document.size().height()
        return layout.lineAt(MAX_SNIPPET_LINES - 1).rect().bottom() + layout.position().y()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        row = index.data(SearchResultsModel.RowRole)
        font = QFont(option.font)
        title_height = QFontMetrics(_bold(font)).height()
        meta_height = QFontMetrics(_small(font)).height()
        snippet = QFontMetrics(font).lineSpacing()
        if isinstance(row, ResultRow):
            snippet = round(
                self._snippet_height(self.snippet_document(row, font, self._content_width()))
            )
        height = PAD_Y + title_height + GAP + meta_height + GAP + snippet + PAD_Y
        return QSize(self._content_width() + 2 * PAD_X, height)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row = index.data(SearchResultsModel.RowRole)
        if not isinstance(row, ResultRow):
            return
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        painter.save()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)

        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text = palette.color(text_role)
        quiet = text if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        font = QFont(option.font)
        title_font, small_font = _bold(font), _small(font)
        title_metrics, small_metrics = QFontMetrics(title_font), QFontMetrics(small_font)
        rect: QRect = option.rect
        left = rect.left() + PAD_X
        width = rect.width() - 2 * PAD_X
        top = rect.top() + PAD_Y

        # Title on the left, the date on the right; the title gives way.
        when_width = small_metrics.horizontalAdvance(row.when)
        painter.setFont(small_font)
        painter.setPen(quiet)
        painter.drawText(
            QRect(left + width - when_width, top, when_width, title_metrics.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            row.when,
        )
        title_width = max(0, width - when_width - 2 * PAD_X)
        painter.setFont(title_font)
        painter.setPen(text)
        painter.drawText(
            QRect(left, top, title_width, title_metrics.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            title_metrics.elidedText(row.title, Qt.TextElideMode.ElideRight, title_width),
        )
        top += title_metrics.height() + GAP
        painter.setFont(small_font)
        painter.setPen(quiet)
        painter.drawText(
            QRect(left, top, width, small_metrics.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            small_metrics.elidedText(row.source, Qt.TextElideMode.ElideRight, width),
        )
        top += small_metrics.height() + GAP

        document = self.snippet_document(row, font, width)
        height = self._snippet_height(document)
        context = QAbstractTextDocumentLayout.PaintContext()
        context_palette = QPalette(palette)
        context_palette.setColor(QPalette.ColorRole.Text, text)
        context.palette = context_palette
        context.clip = QRectF(0, 0, width, height)
        painter.translate(left, top)
        painter.setClipRect(QRectF(0, 0, width, height))
        document.documentLayout().draw(painter, context)
        painter.setClipping(False)
        painter.translate(-left, -top)

        # A hairline between results, so rows read as separate items without colour.
        painter.setPen(palette.color(QPalette.ColorRole.Midlight))
        painter.drawLine(rect.left() + PAD_X, rect.bottom(), rect.right() - PAD_X, rect.bottom())
        painter.restore()
