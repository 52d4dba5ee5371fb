"""A conversation as a PDF: Qt's text layout painted page by page onto a ``QPdfWriter``.

Runs on a worker thread, never the GUI thread: laying out a 1,000-message conversation
takes seconds. That is allowed because every Qt object used here is created, used and
destroyed on the calling thread (``QTextDocument``, ``QPdfWriter``, ``QBuffer``), painting
targets a PDF (``QPainter`` may paint on printers and images off the GUI thread), and fonts
are passed in as plain values. The PDF is built in memory and returned as bytes; the caller
decides where it goes.

Each page: a small header (the conversation title; on the first page also its date and
models), the body, and a footer "Page N of M". The body is one ``QTextDocument`` whose page
size is the body area, so Qt moves a line that would straddle pages onto the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QPen,
    QTextOption,
)

from confide.ui.chat.rich_text import SafeDocument

RESOLUTION_DPI = 300
MARGIN_MM = (20.0, 18.0, 20.0, 16.0)  # left, top, right, bottom
_HEADER_GAP_MM = 6.0
_FOOTER_GAP_MM = 6.0
_INK = QColor(20, 20, 20)
_QUIET_INK = QColor(95, 95, 95)
_RULE = QColor(180, 180, 180)
_LINK = QColor(20, 60, 150)

# Office-document look: modest headings, code in a fixed-width face on a light tint, tables
# with thin borders. QTextDocument understands this subset of CSS.
_STYLE = """
h1 { font-size: 17pt; margin-bottom: 4px; }
h2 { font-size: 14pt; }
h3 { font-size: 12pt; }
p { margin-top: 4px; margin-bottom: 6px; }
pre { font-family: monospace; background-color: #f3f3f3; }
code { font-family: monospace; }
blockquote { color: #444444; margin-left: 16px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #999999; padding: 3px; }
"""


@dataclass(frozen=True)
class PdfPageText:
    """Words printed around the body, already translated."""

    title: str
    first_page_line: str
    """Under the title on page 1: the date and the model(s)."""
    page_of: str
    """"Page %1 of %2"."""


@dataclass(frozen=True)
class PdfFont:
    """The body font as plain values, so it can cross threads safely."""

    family: str
    point_size: float = 10.5


def _mm(millimetres: float, dpi: int) -> float:
    return millimetres / 25.4 * dpi


def render_pdf(html: str, text: PdfPageText, font: PdfFont) -> bytes:
    """The PDF for ``html`` (from ``Store.export_html``), A4, as bytes."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(text.title)
    writer.setCreator("Confide")
    try:
        _paint(writer, html, text, font)
    finally:
        del writer  # ends the PDF before the buffer is read
    buffer.close()
    data: QByteArray = buffer.data()
    return bytes(data.data())


def _paint(writer: QPdfWriter, html: str, text: PdfPageText, font: PdfFont) -> None:
    dpi = writer.resolution()
    left, top, right, bottom = (_mm(value, dpi) for value in MARGIN_MM)
    page_width, page_height = float(writer.width()), float(writer.height())
    body_font = QFont(font.family)
    body_font.setPointSizeF(font.point_size)
    small_font = QFont(font.family)
    small_font.setPointSizeF(max(7.0, font.point_size * 0.82))
    small = QFontMetricsF(small_font, writer)

    # Every page reserves the same header band (two lines) so that all body areas have the
    # same height, which QTextDocument's pagination needs.
    header_height = 2 * small.lineSpacing() + _mm(_HEADER_GAP_MM, dpi)
    footer_height = small.lineSpacing() + _mm(_FOOTER_GAP_MM, dpi)
    body_width = page_width - left - right
    body_top = top + header_height
    body_height = page_height - top - bottom - header_height - footer_height

    document = SafeDocument()
    layout = document.documentLayout()
    layout.setPaintDevice(writer)
    document.setDefaultFont(body_font)
    document.setDocumentMargin(0)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    document.setDefaultTextOption(option)
    document.setDefaultStyleSheet(_STYLE)
    document.setPageSize(QSizeF(body_width, body_height))
    document.setHtml(html)
    pages = max(1, document.pageCount())

    palette = QPalette()
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
        palette.setColor(role, _INK)
    palette.setColor(QPalette.ColorRole.Link, _LINK)
    context = QAbstractTextDocumentLayout.PaintContext()
    context.palette = palette

    painter = QPainter()
    if not painter.begin(writer):
        raise OSError("the PDF could not be started")
    try:
        for page in range(pages):
            if page and not writer.newPage():
                raise OSError("the PDF could not get a new page")
            _paint_header(painter, text, small_font, small, page, left, top, body_width)
            painter.save()
            painter.translate(left, body_top - page * body_height)
            visible = QRectF(0, page * body_height, body_width, body_height)
            painter.setClipRect(visible)
            context.clip = visible
            layout.draw(painter, context)
            painter.restore()
            footer = text.page_of.replace("%1", str(page + 1)).replace("%2", str(pages))
            painter.setFont(small_font)
            painter.setPen(_QUIET_INK)
            painter.drawText(
                QRectF(
                    left, page_height - bottom - small.lineSpacing(), body_width, small.height()
                ),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                footer,
            )
    finally:
        painter.end()


def _paint_header(
    painter: QPainter,
    text: PdfPageText,
    font: QFont,
    metrics: QFontMetricsF,
    page: int,
    left: float,
    top: float,
    width: float,
) -> None:
    painter.setFont(font)
    painter.setPen(_QUIET_INK)
    line = metrics.lineSpacing()
    lines = [text.title] + ([text.first_page_line] if page == 0 and text.first_page_line else [])
    for number, words in enumerate(lines):
        painter.drawText(
            QRectF(left, top + number * line, width, metrics.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(words, Qt.TextElideMode.ElideRight, width),
        )
    rule_y = top + 2 * line + line * 0.25
    painter.setPen(QPen(_RULE, max(1.0, metrics.height() / 40)))
    painter.drawLine(int(left), int(rule_y), int(left + width), int(rule_y))
