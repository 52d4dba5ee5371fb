"""Paints transcript rows: a bubble for the user, an open Markdown column for the assistant.

Rows the view has not painted yet get an estimated height (cheap, from the text length), so
a long conversation opens without laying out thousands of documents. A painted row builds
its documents once per (entry revision, width); when its real height differs from the
estimate the view is told, and only then lays the list out again: once for all the rows
corrected in a turn of the event loop, keeping the text the user reads where it is.

The view asks every row's height on every layout, so heights and row geometry are cached per
(entry revision, width); painting draws only the part of a row inside the area being
repainted (after a scroll, the strip that came into view).
"""

from __future__ import annotations

import bisect
import collections
import enum
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRectF,
    QSize,
    QSizeF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPalette,
    QPixmap,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from confide.core.markdown import CodeBlock, code_index_from_href
from confide.core.markdown.result import RenderOptions
from confide.core.store.textfold import fold_for_match
from confide.ui.chat.code_colours import CodeColourer
from confide.ui.chat.layout_budget import MAX_WAIT_S, LayoutBudget
from confide.ui.chat.rich_text import DocumentStack, GrowingCode, SafeDocument, new_document
from confide.ui.chat.transcript_model import (
    EntryStatus,
    TranscriptEntry,
    TranscriptModel,
    TranscriptRole,
)

Index = QModelIndex | QPersistentModelIndex

OUTER_H = 20
OUTER_V = 8
PAD = 12
USER_MAX_FRACTION = 0.72
MAX_READING_WIDTH = 820
RADIUS = 12.0
SECTION_GAP = 6.0
ERROR_COLOUR = "#c94040"
# The match the find bar is on, as browsers mark it (amber where the others are in the
# highlight colour), and underlined: not told apart by colour alone.
CURRENT_MATCH_COLOUR = "#f6b73c"
CURRENT_MATCH_TEXT = "#1f2328"
PREFETCH_ROWS = 4  # rows rendered ahead, in each direction
PREFETCH_BUDGET_S = 0.004  # GUI-thread time prefetching may take per turn of the event loop
MAX_CACHED_ROWS = 400  # rows whose laid-out documents are kept (more than the window's screens)


class MessageAction(str, enum.Enum):
    COPY = "copy"
    COPY_TEXT = "copy-text"
    REGENERATE = "regenerate"
    CONTINUE = "continue"
    EDIT = "edit"
    DELETE = "delete"
    PREVIOUS = "previous"
    NEXT = "next"


THUMBNAIL = 96  # height of a picture's preview in a question, in device-independent pixels


@dataclass
class _RowDocs:
    """The laid-out documents of one row at one width."""

    revision: int
    width: int
    body: DocumentStack
    tail: SafeDocument | None
    thinking: SafeDocument | None
    # Where the parts sit, kept while nothing it depends on changed (see _geometry).
    geometry: _Geometry | None = None
    geometry_key: tuple[object, ...] = ()
    gap: float = 0.0  # between body documents, as in the DocumentStack
    # Bottom edge of each body document, extended as documents are appended while an answer
    # streams (adding up hundreds of heights on every delivery made streaming cost grow
    # with the square of the answer's length).
    ends: list[float] = field(default_factory=list)
    ends_first: SafeDocument | None = None
    # While the answer streams: what the tail document shows ("" for a placeholder), and
    # when the tail and the reasoning are laid out again as they grow.
    tail_html: str = ""
    growing_code: GrowingCode | None = None  # shown as the tail while a code block is written
    thinking_text: str = ""  # what the reasoning document shows
    tail_budget: LayoutBudget = field(default_factory=LayoutBudget)
    thinking_budget: LayoutBudget = field(default_factory=LayoutBudget)

    def body_ends(self) -> list[float]:
        documents = self.body.documents
        first = documents[0] if documents else None
        if first is not self.ends_first or len(self.ends) > len(documents):
            self.ends, self.ends_first = [], first  # the stack was rebuilt, not appended to
        for document in documents[len(self.ends) :]:
            top = self.ends[-1] + self.gap if self.ends else 0.0
            self.ends.append(top + document.size().height())
        return self.ends

    @property
    def body_height(self) -> float:
        ends = self.body_ends()
        return ends[-1] if ends else 0.0

    def visible_body(self, top: float, bottom: float) -> list[tuple[float, SafeDocument]]:
        """The body documents overlapping [top, bottom] (body coordinates), with their tops."""
        ends = self.body_ends()
        documents = self.body.documents
        placed = []
        for i in range(bisect.bisect_left(ends, top), len(documents)):
            start = ends[i - 1] + self.gap if i else 0.0
            if start > bottom:
                break
            placed.append((start, documents[i]))
        return placed


@dataclass(frozen=True)
class _Fonts:
    """The fonts and measurements rows use, worked out once per font."""

    font: QFont
    small: QFont
    line_spacing: float
    average_char: float
    small_height: float
    small_metrics: QFontMetricsF


@dataclass
class _Geometry:
    """Where each part of a row sits, relative to the row's top-left corner."""

    bubble: QRectF
    header: QRectF | None
    thinking_toggle: QRectF | None
    thinking: QRectF | None
    body: QRectF
    tail: QRectF | None
    footer: QRectF | None
    height: float
    images: list[QRectF] = field(default_factory=list)
    actions: list[tuple[str, QRectF, str]] = field(default_factory=list)  # (action, where, label)


class MessageDelegate(QStyledItemDelegate):
    linkActivated = Signal(str)  # an http(s) or mailto link the user clicked
    codeCopyRequested = Signal(str)  # the code block's text
    actionRequested = Signal(str, object)  # MessageAction, TranscriptEntry

    def __init__(self, view: QAbstractItemView, parent: QObject | None = None) -> None:
        super().__init__(parent or view)
        self._view = view
        self._docs: dict[int, _RowDocs] = {}  # oldest use first: the first to be dropped
        self._reported: dict[int, int] = {}  # uid -> height last given to the view
        # uid -> (revision, column width, row height): the view asks every row's height on
        # every layout, so answering must cost a dictionary look-up, not a text measurement.
        self._heights: dict[int, tuple[int, int, int]] = {}
        self._stale: set[int] = set()  # uids whose real height differs from what we reported
        self._announce = QTimer(self)
        self._announce.setSingleShot(True)
        self._announce.setInterval(0)
        self._announce.timeout.connect(self._announce_changes)
        # Rows just off screen are rendered while the window is idle, one per turn of the
        # event loop, so that scrolling finds them ready instead of rendering on the frame.
        self._prefetch = QTimer(self)
        self._prefetch.setSingleShot(True)
        self._prefetch.setInterval(0)
        self._prefetch.timeout.connect(self._prefetch_next)
        self._changed_rows: set[int] = set()  # rows the model changed, to measure again
        self._recheck = QTimer(self)
        self._recheck.setSingleShot(True)
        self._recheck.setInterval(0)
        self._recheck.timeout.connect(self._check_changed_rows)
        self._thumbnails: dict[int, list[QPixmap]] = {}
        # Rows whose growing tail or reasoning was left as it was, for the layout budget:
        # shown in full a moment later even if no more text comes.
        self._lagging: set[int] = set()
        self._catch_up = QTimer(self)
        self._catch_up.setSingleShot(True)
        self._catch_up.setInterval(int(MAX_WAIT_S * 1000) + 10)
        self._catch_up.timeout.connect(self._show_lagging)
        self._fonts_cache: _Fonts | None = None
        self.answering = False  # while an answer streams, actions that would ask again wait
        self.highlight = ""  # words the find bar is looking for
        # The match the find bar is on: the document showing it and where it starts there.
        self.current_match: tuple[SafeDocument, int] | None = None
        self._colourer = CodeColourer(self)
        self._colourer.coloured.connect(self._on_coloured)

    # -- geometry -------------------------------------------------------------------------------

    def _column(self) -> tuple[float, float]:
        """Left edge and width of the reading column, centred in wide windows."""
        available = max(self._view.viewport().width() - 2 * OUTER_H, 120)
        width = min(available, MAX_READING_WIDTH)
        return OUTER_H + (available - width) / 2, width

    @staticmethod
    def _small_font(font: QFont) -> QFont:
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() * 0.86, 7.0))
        return small

    def _fonts(self, font: QFont) -> _Fonts:
        cached = self._fonts_cache
        if cached is not None and cached.font == font:
            return cached
        metrics = QFontMetricsF(font)
        small = self._small_font(font)
        small_metrics = QFontMetricsF(small)
        cached = _Fonts(
            QFont(font),
            small,
            metrics.lineSpacing(),
            max(metrics.averageCharWidth(), 1.0),
            small_metrics.height(),
            small_metrics,
        )
        self._fonts_cache = cached
        return cached

    def _body_width(self, entry: TranscriptEntry) -> float:
        _, column = self._column()
        return (column * USER_MAX_FRACTION if entry.role == "user" else column) - 2 * PAD

    def _model(self, index: Index) -> TranscriptModel | None:
        model = index.model()
        return model if isinstance(model, TranscriptModel) else None

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        model = self._model(index)
        if model is None or not 0 <= index.row() < model.rowCount():
            return QSize(0, 0)
        entry = model.entry_at(index.row())
        _, column_f = self._column()
        column = int(column_f)
        known = self._heights.get(entry.uid)
        if known is not None and known[1] == column and known[0] == entry.revision:
            total = known[2]
        else:
            total = self._height(option, index, entry, column, known)
        self._reported[entry.uid] = total
        return QSize(column, total)

    def _height(
        self,
        option: QStyleOptionViewItem,
        index: Index,
        entry: TranscriptEntry,
        column: int,
        known: tuple[int, int, int] | None,
    ) -> int:
        """The row's height: exact when its documents are current, else the best guess."""
        docs = self._docs.get(entry.uid)
        if entry.status is EntryStatus.STREAMING and docs is not None:
            # The answer being written is on screen: it is laid out for the coming paint
            # anyway, and an estimate would make the row jump between two heights.
            docs = self._documents(option, index)
        if docs is not None and docs.revision == entry.revision and docs.width == column:
            total = int(self._geometry(option, entry, docs).height) + 2 * OUTER_V
            self._heights[entry.uid] = (entry.revision, column, total)
        elif known is not None and known[1] == column:
            # Changed since it was measured (a version switched, a status): the old height
            # is a far better guess than the text length; its paint will correct it.
            total = known[2]
        else:
            total = int(self._estimate(option, entry)) + 2 * OUTER_V
            self._heights[entry.uid] = (entry.revision, column, total)
        return total

    def _estimate(self, option: QStyleOptionViewItem, entry: TranscriptEntry) -> float:
        fonts = self._fonts(option.font)
        per_line = max(int(self._body_width(entry) / fonts.average_char), 8)
        lines = sum(1 + len(line) // per_line for line in entry.content.split("\n"))
        small = fonts.small_height
        chrome = 2 * PAD + (0 if entry.role == "user" else 2 * (small + 4)) + small + 6
        if entry.images:
            chrome += THUMBNAIL + SECTION_GAP
        return lines * fonts.line_spacing + chrome

    def _documents(self, option: QStyleOptionViewItem, index: Index) -> _RowDocs | None:
        entry = index.data(TranscriptRole.ENTRY)
        model = self._model(index)
        if not isinstance(entry, TranscriptEntry) or model is None:
            return None
        _, column = self._column()
        width = self._body_width(entry)
        docs = self._docs.pop(entry.uid, None)
        if docs is not None and docs.revision == entry.revision and docs.width == int(column):
            self._docs[entry.uid] = docs  # most recently used: dropped last
            return docs
        if docs is None or docs.width != int(column):
            gap = self._fonts(option.font).line_spacing * 0.5
            stack = DocumentStack(option.font, width, gap, model.render_options)
            docs = _RowDocs(-1, int(column), stack, None, None, gap=gap)
        self._docs[entry.uid] = docs
        if len(self._docs) > MAX_CACHED_ROWS:
            # Long chats: keep the rows used most recently (those on and near the screen);
            # dropping everything at once would make the next frames rebuild what is shown.
            for uid in list(itertools.islice(self._docs, len(self._docs) - MAX_CACHED_ROWS)):
                del self._docs[uid]
        self._fill(option, entry, model, docs, width)
        docs.revision = entry.revision
        return docs

    def _fill(
        self,
        option: QStyleOptionViewItem,
        entry: TranscriptEntry,
        model: TranscriptModel,
        docs: _RowDocs,
        width: float,
    ) -> None:
        if entry.role == "user":
            document = new_document(option.font, width)
            document.setPlainText(entry.content)  # what the user typed, exactly as typed
            document.setTextWidth(min(width, document.idealWidth() + 1))
            docs.body.show_document(document)
            docs.tail = None
        else:
            self._fill_answer(entry, model, docs, option.font, width)
        if entry.thinking and entry.role != "user" and entry.thinking_expanded:
            shown = entry.thinking.strip()
            required = docs.thinking is None or entry.status is not EntryStatus.STREAMING
            if shown == docs.thinking_text and docs.thinking is not None:
                pass  # nothing new to show: the answer or the status changed
            elif docs.thinking_budget.due(len(entry.thinking), len(shown), required=required):
                thinking = docs.thinking or new_document(self._fonts(option.font).small, width)
                thinking.setPlainText(shown)
                docs.thinking, docs.thinking_text = thinking, shown
            else:
                self._lag(entry)
        else:
            docs.thinking, docs.thinking_text = None, ""

    def _fill_answer(
        self,
        entry: TranscriptEntry,
        model: TranscriptModel,
        docs: _RowDocs,
        font: QFont,
        width: float,
    ) -> None:
        rendered = None
        if entry.content:
            rendered = entry.rendered if entry.markdown else model.rendered(entry)
            assert rendered is not None
        streaming = entry.status is EntryStatus.STREAMING
        if rendered is not None and rendered.open_code_at >= 0 and streaming:
            # The answer ends in a code block being written: shown by appending to it. What
            # comes before it in the tail (a paragraph right above its fence) is shown with
            # the finished blocks; the body starts again from where its HTML changed if a
            # render later shows it otherwise.
            tail_html, before_code = rendered.tail_html, rendered.open_code_at
            body_html = rendered.stable_html
            docs.body.update(body_html + tail_html[:before_code] if before_code else body_html)
            self._colour_new_code(entry, docs, rendered.code_blocks, model.render_options)
            block, options = rendered.code_blocks[-1], model.render_options
            growing = docs.growing_code
            if growing is None or not growing.grow(block, options):
                growing = GrowingCode(block, options, font, width)
            docs.tail, docs.tail_html, docs.growing_code = growing.document, tail_html, growing
            return
        if rendered is None:
            body_changed = docs.body.update("")
        else:
            # A long code block just finished keeps the document that showed it growing.
            codes = rendered.code_blocks
            body_changed = docs.body.update(rendered.stable_html, docs.growing_code, codes)
            self._colour_new_code(entry, docs, codes, model.render_options)
        tail_html = rendered.tail_html if rendered else ""
        if docs.growing_code is not None:
            # Its document is not one to reuse below (its margin, its background).
            docs.tail, docs.tail_html, docs.growing_code = None, "", None
        placeholder = self._placeholder(entry)
        if not tail_html and not placeholder:
            docs.tail, docs.tail_html = None, ""
            return
        # A tail that only grew may wait for the budget; anything else must show now
        # (a block settled into the body, a placeholder replaced, the answer ended).
        required = (
            docs.tail is None
            or body_changed
            or not streaming
            or not tail_html
            or not docs.tail_html
        )
        unchanged = tail_html and tail_html == docs.tail_html and not body_changed
        if unchanged and docs.tail is not None:
            pass  # nothing new to show: the reasoning or the status changed
        elif docs.tail_budget.due(len(entry.content), len(tail_html), required=required):
            # The same document is reused rather than a new one set up each time.
            tail = docs.tail or new_document(font, width)
            if tail_html:
                tail.setHtml(tail_html)
            else:
                tail.setPlainText(placeholder)
            tail.size()  # laid out now: the row's height depends on it
            docs.tail, docs.tail_html = tail, tail_html
        elif docs.tail_html != tail_html:
            self._lag(entry)

    def _colour_new_code(
        self,
        entry: TranscriptEntry,
        docs: _RowDocs,
        codes: tuple[CodeBlock, ...],
        options: RenderOptions,
    ) -> None:
        for document, number in docs.body.new_code:
            if number < len(codes):
                self._colourer.colour(entry.uid, document, codes[number], options.dark)

    def _on_coloured(self, uid: int, height_changed: bool) -> None:
        if height_changed:
            # Bold code wrapped differently: the row is measured again (see _show_lagging).
            docs = self._docs.get(uid)
            if docs is not None:
                docs.ends, docs.geometry = [], None
            self._lagging.add(uid)
            if not self._catch_up.isActive():
                self._catch_up.start()
        self._view.viewport().update()

    def _lag(self, entry: TranscriptEntry) -> None:
        """Part of a growing row was left as it was (see layout_budget): it is shown within
        a moment even if nothing more arrives."""
        self._lagging.add(entry.uid)
        if not self._catch_up.isActive():
            self._catch_up.start()

    def _show_lagging(self) -> None:
        lagging, self._lagging = self._lagging, set()
        model = self._model_of_view()
        if model is None:
            return
        for uid in lagging:
            docs = self._docs.get(uid)
            if docs is not None:
                docs.revision = -1  # filled again on the next look, the budget's wait over
        # The rows that grow are at the end (the answer streaming in): look there first, and
        # stop once they are all found, rather than walk a long conversation twice a second.
        for row in reversed(range(model.rowCount())):
            if not lagging:
                break
            uid = model.entry_at(row).uid
            if uid in lagging:
                lagging.discard(uid)
                index = model.index(row, 0)
                self.row_changed(index)
                self._view.update(index)

    def _geometry(
        self, option: QStyleOptionViewItem, entry: TranscriptEntry, docs: _RowDocs
    ) -> _Geometry:
        """Where the row's parts sit. Worked out again only when something it depends on
        changed: painting a row on every frame of a scroll must not re-measure it."""
        left, column = self._column()
        fonts = self._fonts(option.font)
        key = (
            docs.revision,
            entry.revision,
            left,
            column,
            fonts.font,
            self.answering,
            entry.status,
            entry.message_id,
            entry.siblings,
        )
        if docs.geometry is not None and docs.geometry_key == key:
            return docs.geometry
        geometry = self._measure(entry, docs, left, column, fonts)
        docs.geometry, docs.geometry_key = geometry, key
        return geometry

    def _measure(
        self, entry: TranscriptEntry, docs: _RowDocs, left: float, column: float, fonts: _Fonts
    ) -> _Geometry:
        small = fonts.small_height
        is_user = entry.role == "user"
        thumbnails = self._thumbnail_sizes(entry) if is_user else []
        strip = sum(size.width() for size in thumbnails) + 6.0 * max(len(thumbnails) - 1, 0)
        body_width = (
            docs.body.documents[0].textWidth()
            if is_user and docs.body.documents
            else (column - 2 * PAD)
        )
        if is_user:
            body_width = min(max(body_width, strip), column * USER_MAX_FRACTION - 2 * PAD)
        x = left + (column - body_width - 2 * PAD if is_user else 0) + PAD
        y: float = OUTER_V + PAD
        header = thinking_toggle = thinking = tail = footer = None
        images: list[QRectF] = []
        if thumbnails:
            image_x = x
            for size in thumbnails:
                images.append(QRectF(image_x, y, size.width(), size.height()))
                image_x += size.width() + 6
            y += THUMBNAIL + SECTION_GAP
        if not is_user:
            header = QRectF(x, y, body_width, small)
            y += small + 4
            if entry.thinking:
                thinking_toggle = QRectF(x, y, body_width, small)
                y += small + 4
                if docs.thinking is not None:
                    thinking = QRectF(x, y, body_width, docs.thinking.size().height())
                    y += thinking.height() + SECTION_GAP
        body = QRectF(x, y, body_width, docs.body_height)
        y += body.height()
        if docs.tail is not None:
            if docs.body.documents:
                y += SECTION_GAP
            tail = QRectF(x, y, body_width, docs.tail.size().height())
            y += tail.height()
        if self._footer(entry):
            footer = QRectF(x, y + 4, body_width, small)
            y += small + 4
        height = y + PAD - OUTER_V
        bubble = QRectF(x - PAD, OUTER_V, body_width + 2 * PAD, height)
        # The actions sit under the message; their line is always reserved, so that a row
        # does not change height when they appear.
        actions: list[tuple[str, QRectF, str]] = []
        line_top = OUTER_V + height + 2
        metrics = fonts.small_metrics
        cursor = bubble.left() + (0 if is_user else PAD)
        for action, label in self._action_labels(entry):
            width = metrics.horizontalAdvance(label) + 4
            actions.append((action, QRectF(cursor, line_top, width, small + 4), label))
            cursor += width + (4 if action in (MessageAction.PREVIOUS, "") else 12)
        if is_user and actions:
            shift = bubble.right() - (cursor - 12)
            actions = [(a, rect.translated(shift, 0), label) for a, rect, label in actions]
        height += small + 6
        return _Geometry(
            bubble, header, thinking_toggle, thinking, body, tail, footer, height, images, actions
        )

    def _thumbnail_sizes(self, entry: TranscriptEntry) -> list[QSizeF]:
        return [QSizeF(pixmap.deviceIndependentSize()) for pixmap in self._pixmaps(entry)]

    def _pixmaps(self, entry: TranscriptEntry) -> list[QPixmap]:
        """Previews of a question's pictures, decoded once (they never come from the network)."""
        if not entry.images:
            return []
        cached = self._thumbnails.get(entry.uid)
        if cached is None:
            ratio = self._view.devicePixelRatioF()
            cached = []
            for data in entry.images:
                pixmap = QPixmap()
                if not pixmap.loadFromData(data):
                    continue
                scaled = pixmap.scaledToHeight(
                    int(THUMBNAIL * ratio), Qt.TransformationMode.SmoothTransformation
                )
                scaled.setDevicePixelRatio(ratio)
                cached.append(scaled)
            self._thumbnails[entry.uid] = cached
        return cached

    def actions_for(self, entry: TranscriptEntry, *, answering: bool) -> list[tuple[str, str]]:
        """What can be done with a message, in words (menus, screen readers)."""
        actions: list[tuple[str, str]] = []
        if entry.content:  # an answer stopped before its first word has nothing to copy
            actions.append((MessageAction.COPY, self.tr("Copy")))
            if entry.role == "assistant":
                actions.append((MessageAction.COPY_TEXT, self.tr("Copy as plain text")))
        saved = entry.message_id is not None
        finished = entry.status is not EntryStatus.STREAMING
        if entry.role == "assistant":
            if saved and finished and not answering:
                if entry.status in (EntryStatus.STOPPED, EntryStatus.INTERRUPTED) and entry.content:
                    actions.append((MessageAction.CONTINUE, self.tr("Continue")))
                label = (
                    self.tr("Retry")
                    if entry.status in (EntryStatus.ERROR, EntryStatus.INTERRUPTED)
                    else self.tr("Regenerate")
                )
                actions.append((MessageAction.REGENERATE, label))
        elif saved and not answering:
            actions.append((MessageAction.EDIT, self.tr("Edit")))
        if saved and finished and not answering:
            actions.append((MessageAction.DELETE, self.tr("Delete")))
        position, count = entry.sibling_position, len(entry.siblings)
        if count > 1 and position and not answering:
            if position > 1:
                actions.append((MessageAction.PREVIOUS, self.tr("Previous version")))
            if position < count:
                actions.append((MessageAction.NEXT, self.tr("Next version")))
        return actions

    def _action_labels(self, entry: TranscriptEntry) -> list[tuple[str, str]]:
        """The line under a message: "‹ 2/3 ›" first, then the actions."""
        if entry.status is EntryStatus.STREAMING:
            return []
        labels: list[tuple[str, str]] = []
        position, count = entry.sibling_position, len(entry.siblings)
        if count > 1 and position:
            labels.append((MessageAction.PREVIOUS, "‹"))
            labels.append(("", f"{position}/{count}"))
            labels.append((MessageAction.NEXT, "›"))
        for action, label in self.actions_for(entry, answering=self.answering):
            if action not in (MessageAction.PREVIOUS, MessageAction.NEXT):
                labels.append((action, label))
        return labels

    # -- words ----------------------------------------------------------------------------------

    def _placeholder(self, entry: TranscriptEntry) -> str:
        if entry.status is EntryStatus.STREAMING and not entry.content:
            return self.tr("Thinking…") if entry.thinking else self.tr("Waiting for the model…")
        return ""

    def _header(self, entry: TranscriptEntry) -> str:
        name = entry.model.removesuffix(":latest") or self.tr("Assistant")
        if entry.model_changed_from:
            # Recorded in the transcript: from here on another model answers.
            return (
                self.tr("%1 · model changed from %2")
                .replace("%1", name)
                .replace("%2", entry.model_changed_from.removesuffix(":latest"))
            )
        return name

    def _thinking_label(self, entry: TranscriptEntry) -> str:
        arrow = "▾" if entry.thinking_expanded else "▸"
        if entry.thinking_seconds is not None:
            seconds = f"{entry.thinking_seconds:.0f}"
            return f"{arrow} " + self.tr("Thought for %1 s").replace("%1", seconds)
        if entry.status is not EntryStatus.STREAMING:
            # An answer from an opened chat: how long the model thought is not kept.
            return f"{arrow} " + self.tr("Thought process")
        return f"{arrow} " + self.tr("Thinking…")

    def _footer(self, entry: TranscriptEntry) -> str:
        if entry.role == "user":
            return ""
        if entry.status is EntryStatus.STOPPED:
            return self.tr("■ Stopped by you")
        if entry.status is EntryStatus.INTERRUPTED:
            return "⚠ " + self.tr("Interrupted: Confide closed before the answer was finished")
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

    # -- painting -------------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        entry = index.data(TranscriptRole.ENTRY)
        docs = self._documents(option, index)
        if docs is None or not isinstance(entry, TranscriptEntry):
            return
        geometry = self._geometry(option, entry, docs)
        self._measured(entry, docs.width, int(geometry.height) + 2 * OUTER_V)
        if not self._prefetch.isActive():
            self._prefetch.start()

        # Only the part of the row inside the viewport, and inside the area being repainted,
        # is drawn: a long answer is one row, mostly off screen, and drawing all of it on
        # every update is what makes chats crawl.
        visible = self._repainted(painter).translated(0, -option.rect.top())
        painter.save()
        painter.translate(0, option.rect.top())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = option.palette
        small = self._fonts(option.font).small
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        if entry.role == "user":
            highlight = palette.color(QPalette.ColorRole.Highlight)
            base = palette.color(QPalette.ColorRole.Base)
            fill = QColor(
                int(base.red() * 0.82 + highlight.red() * 0.18),
                int(base.green() * 0.82 + highlight.green() * 0.18),
                int(base.blue() * 0.82 + highlight.blue() * 0.18),
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(geometry.bubble, RADIUS, RADIUS)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(geometry.bubble, RADIUS, RADIUS)

        painter.setFont(small)
        if geometry.header is not None:
            bold = QFont(small)
            bold.setBold(True)
            painter.setFont(bold)
            painter.setPen(muted)
            painter.drawText(geometry.header, _LEFT, self._header(entry))
            painter.setFont(small)
        if geometry.thinking_toggle is not None:
            painter.setPen(palette.color(QPalette.ColorRole.Link))
            painter.drawText(geometry.thinking_toggle, _LEFT, self._thinking_label(entry))
        current = self.current_match
        if geometry.thinking is not None and docs.thinking is not None:
            _draw(
                painter,
                docs.thinking,
                geometry.thinking.topLeft(),
                palette,
                muted,
                visible,
                self.highlight,
                current,
            )
        text_colour = palette.color(QPalette.ColorRole.Text)
        body_top = geometry.body.top()
        for top, document in docs.visible_body(
            visible.top() - body_top, visible.bottom() - body_top
        ):
            at = geometry.body.topLeft() + QPointF(0, top)
            _draw(painter, document, at, palette, text_colour, visible, self.highlight, current)
        if geometry.tail is not None and docs.tail is not None:
            colour = text_colour if entry.content else muted
            _draw(
                painter,
                docs.tail,
                geometry.tail.topLeft(),
                palette,
                colour,
                visible,
                self.highlight,
                current,
            )
        if geometry.footer is not None:
            painter.setFont(small)
            error = entry.status is EntryStatus.ERROR
            painter.setPen(QColor(ERROR_COLOUR) if error else muted)
            painter.drawText(geometry.footer, _LEFT, self._footer(entry))
        for rect, pixmap in zip(geometry.images, self._pixmaps(entry), strict=False):
            painter.drawPixmap(rect.topLeft(), pixmap)
        self._paint_actions(painter, option, index, geometry, small)
        painter.restore()

    def _repainted(self, painter: QPainter) -> QRectF:
        """The part of the viewport this paint covers (after a scroll, only the strip that
        came into view; while an answer streams, only its row), in viewport coordinates."""
        viewport = QRectF(self._view.viewport().rect())
        engine = painter.paintEngine()
        region = engine.systemClip() if engine is not None else None
        if region is None or region.isEmpty():
            return viewport
        to_viewport, invertible = painter.deviceTransform().inverted()
        if not invertible:
            return viewport
        return viewport.intersected(to_viewport.mapRect(QRectF(region.boundingRect())))

    def _paint_actions(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: Index,
        geometry: _Geometry,
        font: QFont,
    ) -> None:
        """The version switcher is always shown; the other actions on the row under the
        mouse, the selected row and the last message (keyboard users have the context menu)."""
        state = option.state
        model = index.model()
        last = model is not None and index.row() == model.rowCount() - 1
        everything = (
            bool(state & (QStyle.StateFlag.State_MouseOver | QStyle.StateFlag.State_Selected))
            or last
        )
        palette = option.palette
        link = palette.color(QPalette.ColorRole.Link)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setFont(font)
        navigation = (MessageAction.PREVIOUS, MessageAction.NEXT, "")
        for action, rect, label in geometry.actions:
            if action not in navigation and not everything:
                continue
            painter.setPen(muted if action == "" else link)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)

    def _measured(self, entry: TranscriptEntry, column: int, exact: int) -> None:
        """Records a row's real height; if the view was told another, it lays out again."""
        self._heights[entry.uid] = (entry.revision, column, exact)
        reported = self._reported.get(entry.uid)
        if reported is not None and reported != exact:
            self._stale.add(entry.uid)
            self._announce.start()

    def _prefetch_next(self) -> None:
        """Renders rows just above and below the screen, within a few milliseconds per turn
        of the event loop, and corrects their heights before they scroll into view."""
        model = self._model_of_view()
        if model is None or not model.rowCount():
            return
        viewport = self._view.viewport().rect()
        first = self._view.indexAt(viewport.topLeft() + QPoint(1, 1))
        last = self._view.indexAt(viewport.bottomLeft() + QPoint(1, -1))
        top = first.row() if first.isValid() else 0
        bottom = last.row() if last.isValid() else model.rowCount() - 1
        option = QStyleOptionViewItem()
        self._view.initViewItemOption(option)
        _, column = self._column()
        started = time.perf_counter()
        rows = itertools.chain.from_iterable(
            itertools.zip_longest(
                range(bottom + 1, bottom + 1 + PREFETCH_ROWS),
                range(top - 1, top - 1 - PREFETCH_ROWS, -1),
            )
        )
        for row in rows:
            if row is None or not 0 <= row < model.rowCount():
                continue
            entry = model.entry_at(row)
            docs = self._docs.get(entry.uid)
            if docs is not None and docs.revision == entry.revision and docs.width == int(column):
                continue
            index = model.index(row, 0)
            docs = self._documents(option, index)
            if docs is not None:
                height = int(self._geometry(option, entry, docs).height) + 2 * OUTER_V
                self._measured(entry, docs.width, height)
            if time.perf_counter() - started > PREFETCH_BUDGET_S:
                self._prefetch.start()  # come back for the rest on the next turn
                return

    def row_changed(self, index: Index) -> None:
        """The model changed a row (an answer streaming in). The list is laid out again only
        when the row's height changed; otherwise only the row itself is repainted (the
        model's change signal does that). Checked on the next turn of the event loop, once
        for all the changes made until then; a row off screen is measured when it is back."""
        if index.isValid():
            self._changed_rows.add(index.row())
            self._recheck.start()

    def _check_changed_rows(self) -> None:
        rows, self._changed_rows = self._changed_rows, set()
        model = self._model_of_view()
        if model is None:
            return
        option = QStyleOptionViewItem()
        self._view.initViewItemOption(option)
        viewport = self._view.viewport().rect()
        for row in sorted(rows):
            if not 0 <= row < model.rowCount():
                continue
            index = model.index(row, 0)
            entry = model.entry_at(row)
            reported = self._reported.get(entry.uid)
            if reported is None or not self._view.visualRect(index).intersects(viewport):
                continue  # never laid out yet, or off screen: measured when it is shown
            docs = self._documents(option, index)
            if docs is None:
                continue
            exact = int(self._geometry(option, entry, docs).height) + 2 * OUTER_V
            self._heights[entry.uid] = (entry.revision, docs.width, exact)
            if exact != reported:
                self.sizeHintChanged.emit(index)

    def _model_of_view(self) -> TranscriptModel | None:
        model = self._view.model()
        return model if isinstance(model, TranscriptModel) else None

    def _announce_changes(self) -> None:
        """Lays the rows out again once for every row whose height was corrected, keeping
        what the user reads where it is: a row above the screen that grew must not push
        the text under the user's eyes down, and a view at the bottom stays at the bottom."""
        stale, self._stale = self._stale, set()
        model = self._model_of_view()
        if model is None or not stale or not model.rowCount():
            return
        view = self._view
        bar = view.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum()
        anchor_entry: TranscriptEntry | None = None
        anchor_top = 0
        height = view.viewport().height()
        y = 1
        while y < height:  # the first row on screen whose own height is unchanged
            index = view.indexAt(QPoint(1, y))
            if not index.isValid():
                break
            rect = view.visualRect(index)
            entry = model.entry_at(index.row())
            if entry.uid not in stale:
                anchor_entry, anchor_top = entry, rect.top()
                break
            y = rect.bottom() + 1
        view.doItemsLayout()  # one layout, whatever the number of rows corrected
        if at_bottom:
            bar.setValue(bar.maximum())
            return
        if anchor_entry is None:
            return
        row = model.row_of(anchor_entry)
        if row is not None:
            moved = view.visualRect(model.index(row, 0)).top() - anchor_top
            if moved:
                bar.setValue(bar.value() + moved)

    # -- clicks ---------------------------------------------------------------------------------

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if event.type() != QEvent.Type.MouseButtonRelease or not isinstance(event, QMouseEvent):
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        entry = index.data(TranscriptRole.ENTRY)
        docs = self._documents(option, index)
        if docs is None or not isinstance(entry, TranscriptEntry):
            return False
        geometry = self._geometry(option, entry, docs)
        point = event.position() - QPointF(0, option.rect.top())
        for action, rect, _label in geometry.actions:
            if action and rect.contains(point):
                self.actionRequested.emit(action, entry)
                return True
        if geometry.thinking_toggle is not None and geometry.thinking_toggle.contains(point):
            if isinstance(model, TranscriptModel):
                model.toggle_thinking(index.row())
            return True
        href = self.anchor_at(entry, docs, geometry, point)
        if not href:
            return False
        code_number = code_index_from_href(href)
        if code_number is not None:
            rendered = entry.rendered
            if rendered is not None and code_number < len(rendered.code_blocks):
                self.codeCopyRequested.emit(rendered.code_blocks[code_number].code)
            return True
        self.linkActivated.emit(href)
        return True

    @staticmethod
    def anchor_at(
        entry: TranscriptEntry, docs: _RowDocs, geometry: _Geometry, point: QPointF
    ) -> str:
        placed = [
            (geometry.body.topLeft() + QPointF(0, top), document)
            for top, document in docs.body.positions()
        ]
        if docs.tail is not None and geometry.tail is not None:
            placed.append((geometry.tail.topLeft(), docs.tail))
        for origin, document in placed:
            local = point - origin
            size = document.size()
            if 0 <= local.x() <= size.width() and 0 <= local.y() <= size.height():
                return document.documentLayout().anchorAt(local)
        return ""

    def action_rect(self, option: QStyleOptionViewItem, index: Index, action: str) -> QRectF:
        """Where an action sits on screen (view coordinates); empty if the row lacks it."""
        entry = index.data(TranscriptRole.ENTRY)
        docs = self._documents(option, index)
        if docs is None or not isinstance(entry, TranscriptEntry):
            return QRectF()
        for candidate, rect, _label in self._geometry(option, entry, docs).actions:
            if candidate == action:
                return rect.translated(0, option.rect.top())
        return QRectF()

    def choose_match(self, index: Index, occurrence: int) -> float | None:
        """Makes the ``occurrence``-th match of the find bar's words in the row the one it is
        on (marked apart from the others), and returns how far below the row's top it is
        shown (the middle of its line); None when the row shows none of them."""
        entry = index.data(TranscriptRole.ENTRY)
        if not self.highlight or not isinstance(entry, TranscriptEntry):
            return None
        option = QStyleOptionViewItem()
        self._view.initViewItemOption(option)
        docs = self._documents(option, index)
        if docs is None:
            return None
        geometry = self._geometry(option, entry, docs)
        placed = [(geometry.body.top() + top, document) for top, document in docs.body.positions()]
        if geometry.tail is not None and docs.tail is not None:
            placed.append((geometry.tail.top(), docs.tail))
        shown = (
            (top, document, start)
            for top, document in placed
            for start in _occurrences(document, self.highlight)
        )
        # The last one taken is the one asked for or, when the message's source holds more
        # than are shown (in a link's address, say), the last one shown: the nearest.
        chosen = collections.deque(itertools.islice(shown, occurrence + 1), maxlen=1)
        if not chosen:
            return None
        top, document, start = chosen[0]
        self.current_match = (document, start)
        return top + _line_middle(document, start)

    @property
    def colouring_code(self) -> bool:
        """Whether long code blocks are still being coloured (see code_colours)."""
        return self._colourer.busy

    def forget_layouts(self) -> None:
        self._docs.clear()
        self._reported.clear()
        self._heights.clear()
        self._stale.clear()
        self._thumbnails.clear()


_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _draw(
    painter: QPainter,
    document: SafeDocument,
    at: QPointF,
    palette: QPalette,
    colour: QColor,
    visible: QRectF,
    highlight: str = "",
    current: tuple[SafeDocument, int] | None = None,
) -> None:
    """Draws the part of `document` (placed at `at`) that falls inside `visible`, with the
    find bar's words marked (a highlight colour and an outline-free bold: not colour alone)."""
    clip = visible.translated(-at.x(), -at.y()).intersected(QRectF(QPointF(0, 0), document.size()))
    if clip.isEmpty():
        return
    painter.save()
    painter.translate(at)
    if document.box_colour is not None:
        painter.fillRect(clip, document.box_colour)
    context = QAbstractTextDocumentLayout.PaintContext()
    context.clip = clip
    context.palette = QPalette(palette)
    context.palette.setColor(QPalette.ColorRole.Text, colour)
    if highlight:
        on = current[1] if current is not None and current[0] is document else -1
        context.selections = _matches(document, highlight, palette, on)
    document.documentLayout().draw(painter, context)
    bars = [bar for bar in document.quote_bars() if bar.intersects(clip)]
    if bars:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Mid))
        painter.drawRects(bars)
    painter.restore()


def _line_middle(document: SafeDocument, position: int) -> float:
    """The middle of the line showing the character at ``position``, in document coordinates."""
    block = document.findBlock(position)
    top = document.documentLayout().blockBoundingRect(block).top()
    layout = block.layout()
    line = layout.lineForTextPosition(position - block.position()) if layout else None
    if line is None or not line.isValid():
        return top
    return top + line.y() + line.height() / 2


def _matches(
    document: SafeDocument, term: str, palette: QPalette, current: int = -1
) -> list[QAbstractTextDocumentLayout.Selection]:
    """The find bar's words in ``document``, marked; the one at ``current`` marked apart."""
    marked = QTextCharFormat()
    marked.setBackground(palette.color(QPalette.ColorRole.Highlight))
    marked.setForeground(palette.color(QPalette.ColorRole.HighlightedText))
    marked.setFontWeight(QFont.Weight.Bold)
    on = marked
    if current >= 0:
        on = QTextCharFormat(marked)
        on.setBackground(QColor(CURRENT_MATCH_COLOUR))
        on.setForeground(QColor(CURRENT_MATCH_TEXT))
        on.setFontUnderline(True)
    selections: list[QAbstractTextDocumentLayout.Selection] = []
    length = len(fold_for_match(term))
    for start in itertools.islice(_occurrences(document, term), 200):
        cursor = QTextCursor(document)
        cursor.setPosition(start)
        cursor.setPosition(start + length, QTextCursor.MoveMode.KeepAnchor)
        selection = QAbstractTextDocumentLayout.Selection()
        selection.cursor = cursor
        selection.format = on if start == current else marked
        selections.append(selection)
    return selections


def _occurrences(document: SafeDocument, term: str) -> Iterator[int]:
    """Where ``term`` is in the message ``document`` shows, found as the find bar counts it:
    ignoring case and accents ("lodz" finds "Łódź"), without overlapping. The line above a
    code block (its language, its Copy link) is Confide's, not the message's: not searched."""
    wanted = fold_for_match(term)
    text = document.folded_text()
    start = text.find(wanted)
    while start >= 0:
        if not _is_code_header(document.findBlock(start)):
            yield start
        start = text.find(wanted, start + len(wanted))


def _is_code_header(block: QTextBlock) -> bool:
    fragments = block.begin()
    while not fragments.atEnd():
        if code_index_from_href(fragments.fragment().charFormat().anchorHref()) is not None:
            return True
        fragments += 1
    return False
