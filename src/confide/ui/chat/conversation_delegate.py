"""Paints the conversation list's rows and edits titles in place.

Conversation rows: the title on one line, elided, and for pinned ones a drawn pin (the
"Pinned" heading, the tooltip and the spoken text say it in words too). Headings: bold
text, not selectable. Every row is as tall as the others, so a 10,000-row list lays out
instantly (the view uses uniform item sizes).

Renaming never changes the model: the delegate reports the new title
(``renameCommitted``) and whoever owns the data decides.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPainterPath, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from confide.ui.chat.conversation_list import ConversationRole

Index = QModelIndex | QPersistentModelIndex

_PAD_X = 10
_PAD_Y = 7
_PIN = 12  # the pin glyph's box, in pixels


class TitleEditor(QLineEdit):
    """The inline title editor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationTitleEditor")
        self.setAccessibleName(self.tr("Conversation title"))
        self.setAccessibleDescription(
            self.tr("Press Enter to rename the conversation, Escape to keep the old title.")
        )
        self.setPlaceholderText(self.tr("Type a title"))


class ConversationDelegate(QStyledItemDelegate):
    renameCommitted = Signal(str, str)  # conversation id, new title (trimmed, not empty)
    renameRefused = Signal()  # Enter was pressed on an empty title

    # -- geometry -------------------------------------------------------------------------

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        metrics = QFontMetrics(option.font)
        height = max(metrics.height(), _PIN) + 2 * _PAD_Y
        # No width of its own: rows take the width of the list, however narrow.
        return QSize(0, height)

    # -- painting -------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        rect: QRect = opt.rect
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        palette: QPalette = opt.palette
        painter.save()
        try:
            if index.data(ConversationRole.IS_HEADER):
                self._paint_heading(painter, opt, rect, text, palette)
                return
            # The style draws background, selection, hover and focus; the text is ours.
            opt.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
            selected = bool(opt.state & QStyle.StateFlag.State_Selected)
            role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            color = palette.color(role)
            text_rect = rect.adjusted(_PAD_X, 0, -_PAD_X, 0)
            if index.data(ConversationRole.PINNED):
                pin_box = QRectF(
                    text_rect.right() - _PIN, rect.center().y() - _PIN / 2 + 1, _PIN, _PIN
                )
                _paint_pin(painter, pin_box, color)
                text_rect.setRight(text_rect.right() - _PIN - 6)
            font = QFont(opt.font)
            painter.setFont(font)
            painter.setPen(color)
            elided = QFontMetrics(font).elidedText(
                text, Qt.TextElideMode.ElideRight, max(text_rect.width(), 0)
            )
            painter.drawText(
                text_rect,
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                elided,
            )
        finally:
            painter.restore()

    @staticmethod
    def _paint_heading(
        painter: QPainter, opt: QStyleOptionViewItem, rect: QRect, text: str, palette: QPalette
    ) -> None:
        font = QFont(opt.font)
        font.setBold(True)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 0.9)
        painter.setFont(font)
        # Set apart by weight and position, not by a faint colour: it must stay readable.
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        text_rect = rect.adjusted(_PAD_X, _PAD_Y // 2, -_PAD_X, 0)
        elided = QFontMetrics(font).elidedText(
            text, Qt.TextElideMode.ElideRight, max(text_rect.width(), 0)
        )
        painter.drawText(
            text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), elided
        )

    # -- editing --------------------------------------------------------------------------

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        return TitleEditor(parent)

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QLineEdit):
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))
            editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        if not isinstance(editor, QLineEdit):
            return
        conversation_id = index.data(ConversationRole.ID)
        title = editor.text().strip()
        old = str(index.data(Qt.ItemDataRole.EditRole) or "")
        if conversation_id and title and title != old:
            self.renameCommitted.emit(str(conversation_id), title)

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> None:
        rect: QRect = option.rect
        editor.setGeometry(rect.adjusted(_PAD_X // 2, 1, -_PAD_X // 2, -1))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(watched, QLineEdit)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not watched.text().strip()
        ):
            # An empty title is refused: the editor stays open and says why.
            message = self.tr("A conversation needs a title. Press Escape to keep the old one.")
            watched.setToolTip(message)
            QToolTip.showText(watched.mapToGlobal(watched.rect().bottomLeft()), message, watched)
            self.renameRefused.emit()
            return True
        return super().eventFilter(watched, event)


def _paint_pin(painter: QPainter, box: QRectF, color: QColor) -> None:
    """A push pin, tilted: round head, short body, needle."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(box.center())
    painter.rotate(45)
    size = box.width()
    head = QPainterPath()
    head.addRoundedRect(QRectF(-size * 0.28, -size * 0.5, size * 0.56, size * 0.22), 1.5, 1.5)
    head.addRect(QRectF(-size * 0.16, -size * 0.3, size * 0.32, size * 0.28))
    head.addRoundedRect(QRectF(-size * 0.34, -size * 0.04, size * 0.68, size * 0.14), 1.5, 1.5)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawPath(head.simplified())
    pen_width = max(size / 10, 1.2)
    painter.setPen(color)
    pen = painter.pen()
    pen.setWidthF(pen_width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.drawLine(QPointF(0, size * 0.1), QPointF(0, size * 0.5))
    painter.restore()
