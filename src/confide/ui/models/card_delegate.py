"""Paints a model card: a shop-window tile, not a table row.

Colours come from the palette so light and dark themes both work; the only fixed hues are
faint status tints behind badge *text* (green "Fits this computer", amber "May be slow",
red "Too big"), so nothing is said by colour alone.
"""

from __future__ import annotations

import zlib

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QPainter,
    QPalette,
    QPen,
    QTextLayout,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from confide.ui.models.library_model import Badge, BadgeKind, Card, LibraryModel

CARD_WIDTH = 340
_PAD = 14
_GAP = 6
_AVATAR = 38
_RADIUS = 12.0
_BADGE_PAD_X = 8
_BADGE_PAD_Y = 2

_TINTS = {
    BadgeKind.FITS: QColor(46, 160, 67, 60),
    BadgeKind.SLOW: QColor(212, 154, 31, 70),
    BadgeKind.TOO_BIG: QColor(201, 64, 64, 60),
}


class CardDelegate(QStyledItemDelegate):
    def __init__(
        self, parent: QWidget | None = None, *, width: int = CARD_WIDTH, compact: bool = False
    ) -> None:
        super().__init__(parent)
        self.card_width = width
        #: Compact cards (the recommendations shelf) leave out the description and licence:
        #: the full card is right below and in the detail panel.
        self.compact = compact

    # -- geometry -------------------------------------------------------------------------

    @staticmethod
    def _fonts(base: QFont) -> tuple[QFont, QFont, QFont]:
        title = QFont(base)
        title.setPointSizeF(base.pointSizeF() * 1.25 if base.pointSizeF() > 0 else 12)
        title.setBold(True)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.9 if base.pointSizeF() > 0 else 9)
        return title, base, small

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        title, body, small = self._fonts(QFont(option.font))
        tm, bm, sm = QFontMetrics(title), QFontMetrics(body), QFontMetrics(small)
        header = max(_AVATAR, tm.height() + sm.height())
        badges = sm.height() + 2 * _BADGE_PAD_Y
        # The summary gets two lines: narrow cards and long languages wrap it.
        summary = 2 * bm.lineSpacing()
        if self.compact:
            return QSize(self.card_width, _PAD + header + _GAP + badges + _GAP + summary + _PAD)
        height = (
            _PAD
            + header
            + _GAP
            + 2 * bm.lineSpacing()  # description, two lines
            + _GAP
            + badges
            + _GAP
            + summary
            + sm.height()  # licence
            + sm.height()  # speed (blank when untested; keeps every card the same size)
            + _PAD
        )
        return QSize(self.card_width, height)

    # -- painting -------------------------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        card = index.data(LibraryModel.CardRole)
        if not isinstance(card, Card):
            return
        palette: QPalette = option.palette
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        focused = bool(state & QStyle.StateFlag.State_HasFocus)
        rect: QRect = option.rect.adjusted(3, 3, -3, -3)
        title_font, body_font, small_font = self._fonts(QFont(option.font))
        tm, bm, sm = QFontMetrics(title_font), QFontMetrics(body_font), QFontMetrics(small_font)
        text = palette.color(QPalette.ColorRole.Text)
        quiet = palette.color(QPalette.ColorRole.PlaceholderText)

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        border = palette.color(
            QPalette.ColorRole.Highlight
            if selected
            else QPalette.ColorRole.Mid
            if hovered
            else QPalette.ColorRole.Midlight
        )
        painter.setPen(QPen(border, 2.0 if selected or focused else 1.0))
        # The application palette, not the view's: the view's style sheet paints its own
        # background (the shelf) into the view palette's Base.
        painter.setBrush(QGuiApplication.palette().color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(QRectF(rect), _RADIUS, _RADIUS)

        left = rect.left() + _PAD
        width = rect.width() - 2 * _PAD
        top = rect.top() + _PAD

        # Avatar: the family's initial on a tint derived from its name, like a shop logo.
        avatar = QRect(left, top, _AVATAR, _AVATAR)
        tint = QColor(palette.color(QPalette.ColorRole.Highlight))
        tint.setHsv((zlib.crc32(card.key.encode()) % 360), 120, tint.value(), 70)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tint)
        painter.drawRoundedRect(QRectF(avatar), 9, 9)
        painter.setPen(text)
        painter.setFont(title_font)
        painter.drawText(avatar, Qt.AlignmentFlag.AlignCenter, (card.title[:1] or "?").upper())

        text_left = left + _AVATAR + 10
        text_width = width - _AVATAR - 10
        painter.drawText(
            QRect(text_left, top, text_width, tm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            tm.elidedText(card.title, Qt.TextElideMode.ElideRight, text_width),
        )
        painter.setFont(small_font)
        painter.setPen(quiet)
        painter.drawText(
            QRect(text_left, top + tm.height(), text_width, sm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            sm.elidedText(card.maker, Qt.TextElideMode.ElideRight, text_width),
        )
        top += max(_AVATAR, tm.height() + sm.height()) + _GAP

        if not self.compact:
            painter.setFont(body_font)
            painter.setPen(text)
            _draw_wrapped(
                painter,
                body_font,
                QRect(left, top, width, 2 * bm.lineSpacing()),
                card.description,
                2,
            )
            top += 2 * bm.lineSpacing() + _GAP

        top += self._paint_badges(painter, palette, small_font, card.badges, left, top, width)
        top += _GAP

        painter.setFont(body_font)
        painter.setPen(text)
        summary_lines = _draw_wrapped(
            painter, body_font, QRect(left, top, width, 2 * bm.lineSpacing()), card.summary, 2
        )
        top += summary_lines * bm.lineSpacing()
        if self.compact:
            painter.restore()
            return
        painter.setFont(small_font)
        painter.setPen(quiet)
        for line in (card.license_line, card.speed_line):
            if line:
                painter.drawText(
                    QRect(left, top, width, sm.height()),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    sm.elidedText(line, Qt.TextElideMode.ElideRight, width),
                )
            top += sm.height()
        painter.restore()

    @staticmethod
    def _paint_badges(
        painter: QPainter,
        palette: QPalette,
        font: QFont,
        badges: tuple[Badge, ...],
        left: int,
        top: int,
        width: int,
    ) -> int:
        metrics = QFontMetrics(font)
        height = metrics.height() + 2 * _BADGE_PAD_Y
        right = left + width
        painter.setFont(font)
        x = left
        for number, badge in enumerate(badges):
            badge_width = metrics.horizontalAdvance(badge.text) + 2 * _BADGE_PAD_X
            rest = len(badges) - number - 1
            marker = metrics.horizontalAdvance(f"+{rest}") + 8 if rest else 0
            if x + badge_width + marker > right:
                # No room: say how many more there are (all of them are in the detail panel).
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(
                    QRect(x, top, max(right - x, 0), height),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    f"+{rest + 1}",
                )
                break
            box = QRectF(x, top, badge_width, height)
            fill = _TINTS.get(badge.kind)
            if fill is None and badge.kind is BadgeKind.INSTALLED:
                fill = QColor(palette.color(QPalette.ColorRole.Highlight))
                fill.setAlpha(60)
            elif fill is None:
                fill = palette.color(QPalette.ColorRole.AlternateBase)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Midlight), 1.0))
            painter.setBrush(fill)
            painter.drawRoundedRect(box, height / 2, height / 2)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, badge.text)
            x += badge_width + 6
        return height


def _draw_wrapped(painter: QPainter, font: QFont, rect: QRect, text: str, max_lines: int) -> int:
    """Word-wrapped text in at most ``max_lines`` lines, the last one elided; returns the
    number of lines drawn."""
    metrics = QFontMetrics(font)
    layout = QTextLayout(text, font)
    layout.beginLayout()
    lines: list[tuple[int, int]] = []
    while len(lines) < max_lines:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(rect.width())
        lines.append((line.textStart(), line.textLength()))
    layout.endLayout()
    y = rect.top()
    for number, (start, length) in enumerate(lines):
        piece = text[start : start + length].rstrip()
        if number == len(lines) - 1 and start + length < len(text):
            piece = metrics.elidedText(
                text[start:].replace("\n", " "), Qt.TextElideMode.ElideRight, rect.width()
            )
        painter.drawText(
            QRect(rect.left(), y, rect.width(), metrics.lineSpacing()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            piece,
        )
        y += metrics.lineSpacing()
    return len(lines)
