"""Paints transcript rows: a bubble for the user, an open column for the assistant.

Layouts are cached per (entry, revision, width): scrolling never re-lays-out text, and while
an answer streams only the last row is laid out again.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from confide.ui.chat.transcript_model import EntryStatus, TranscriptEntry, TranscriptRole

Index = QModelIndex | QPersistentModelIndex

OUTER_H = 20
OUTER_V = 8
PAD = 12
USER_MAX_FRACTION = 0.72
MAX_READING_WIDTH = 820
RADIUS = 12.0


class _Layout:
    """Everything needed to paint one row at one width."""

    def __init__(
        self,
        header: str,
        body: QTextDocument,
        thinking: QTextDocument | None,
        footer: str,
        body_width: float,
    ) -> None:
        self.header = header
        self.body = body
        self.thinking = thinking
        self.footer = footer
        self.body_width = body_width


class MessageDelegate(QStyledItemDelegate):
    def __init__(self, view: QAbstractItemView, parent: QObject | None = None) -> None:
        super().__init__(parent or view)
        self._view = view
        self._cache: dict[tuple[int, int, int], _Layout] = {}

    # -- sizes --------------------------------------------------------------------------------

    def _column(self) -> tuple[float, float]:
        """Left edge and width of the reading column, centred in wide windows."""
        available = max(self._view.viewport().width() - 2 * OUTER_H, 120)
        width = min(available, MAX_READING_WIDTH)
        return OUTER_H + (available - width) / 2, width

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        layout = self._layout(option, index)
        if layout is None:
            return QSize(0, 0)
        return QSize(int(self._column()[1]), int(self._height(option, layout)) + 2 * OUTER_V)

    def _small_font(self, option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setPointSizeF(max(font.pointSizeF() * 0.86, 7.0))
        return font

    def _height(self, option: QStyleOptionViewItem, layout: _Layout) -> float:
        small = QFontMetrics(self._small_font(option)).height()
        height = layout.body.size().height() + 2 * PAD
        if layout.header:
            height += small + 4
        if layout.thinking is not None:
            height += layout.thinking.size().height() + 6
        if layout.footer:
            height += small + 4
        return height

    def _layout(self, option: QStyleOptionViewItem, index: Index) -> _Layout | None:
        entry = index.data(TranscriptRole.ENTRY)
        if not isinstance(entry, TranscriptEntry):
            return None
        _, column_width = self._column()
        key = (entry.uid, entry.revision, int(column_width))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if len(self._cache) > 4000:
            self._cache.clear()
        is_user = entry.role == "user"
        body_width = (column_width * USER_MAX_FRACTION if is_user else column_width) - 2 * PAD
        body = self._document(option.font, entry.content or self._placeholder(entry), body_width)
        if is_user:
            # Short messages get a snug bubble instead of a full-width one.
            body.setTextWidth(min(body_width, body.idealWidth() + 1))
        thinking = None
        if entry.thinking and not is_user:
            thinking = self._document(self._small_font(option), entry.thinking.strip(), body_width)
        layout = _Layout(self._header(entry), body, thinking, self._footer(entry), body_width)
        self._cache[key] = layout
        return layout

    @staticmethod
    def _document(font: QFont, text: str, width: float) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(font)
        document.setDocumentMargin(0)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        document.setDefaultTextOption(option)
        # Plain text: model output is never interpreted as HTML.
        document.setPlainText(text)
        document.setTextWidth(width)
        return document

    def _placeholder(self, entry: TranscriptEntry) -> str:
        if entry.status is EntryStatus.STREAMING:
            return self.tr("Thinking…") if entry.thinking else self.tr("Waiting for the model…")
        return ""

    def _header(self, entry: TranscriptEntry) -> str:
        if entry.role == "user":
            return ""
        return entry.model.removesuffix(":latest") or self.tr("Assistant")

    def _footer(self, entry: TranscriptEntry) -> str:
        if entry.role == "user":
            return ""
        if entry.status is EntryStatus.STOPPED:
            return self.tr("■ Stopped by you")
        if entry.status is EntryStatus.ERROR:
            return "⚠ " + entry.error_title
        metrics = entry.metrics
        if entry.status is EntryStatus.COMPLETE and metrics is not None:
            parts = [self.tr("%n tokens", "", metrics.eval_count)]
            rate = metrics.tokens_per_second
            if rate:
                parts.append(self.tr("%1 tokens/s").replace("%1", f"{rate:.1f}"))
            if metrics.total_duration:
                parts.append(self.tr("%1 s").replace("%1", f"{metrics.total_duration / 1e9:.1f}"))
            return " · ".join(parts)
        return ""

    # -- painting -----------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        layout = self._layout(option, index)
        entry = index.data(TranscriptRole.ENTRY)
        if layout is None or not isinstance(entry, TranscriptEntry):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = option.palette
        small = self._small_font(option)
        small_height = QFontMetrics(small).height()
        left, column_width = self._column()
        top = option.rect.top() + OUTER_V
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        is_user = entry.role == "user"

        content_height = self._height(option, layout)
        if is_user:
            bubble_width = layout.body.textWidth() + 2 * PAD
            bubble = QRectF(left + column_width - bubble_width, top, bubble_width, content_height)
            highlight = palette.color(QPalette.ColorRole.Highlight)
            base = palette.color(QPalette.ColorRole.Base)
            fill = QColor(
                int(base.red() * 0.82 + highlight.red() * 0.18),
                int(base.green() * 0.82 + highlight.green() * 0.18),
                int(base.blue() * 0.82 + highlight.blue() * 0.18),
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(bubble, RADIUS, RADIUS)
            x, y = bubble.left() + PAD, bubble.top() + PAD
        else:
            x, y = left + PAD, top + PAD
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(left, top, column_width, content_height), RADIUS, RADIUS)

        if layout.header:
            header_font = QFont(small)
            header_font.setBold(True)
            painter.setFont(header_font)
            painter.setPen(muted)
            painter.drawText(
                QRectF(x, y, layout.body_width, small_height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                layout.header,
            )
            y += small_height + 4
        if layout.thinking is not None:
            self._draw_document(painter, layout.thinking, x, y, muted)
            y += layout.thinking.size().height() + 6
        text_colour = palette.color(QPalette.ColorRole.Text)
        if not entry.content:
            text_colour = muted
        self._draw_document(painter, layout.body, x, y, text_colour)
        y += layout.body.size().height()
        if layout.footer:
            painter.setFont(small)
            error = entry.status is EntryStatus.ERROR
            painter.setPen(QColor("#c94040") if error else muted)
            painter.drawText(
                QRectF(x, y + 4, layout.body_width, small_height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                layout.footer,
            )
        painter.restore()

    @staticmethod
    def _draw_document(
        painter: QPainter, document: QTextDocument, x: float, y: float, colour: QColor
    ) -> None:
        painter.save()
        painter.translate(x, y)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, colour)
        document.documentLayout().draw(painter, context)
        painter.restore()

    def forget_layouts(self) -> None:
        self._cache.clear()
