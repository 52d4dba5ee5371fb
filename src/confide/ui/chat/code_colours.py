"""Colours long code blocks a piece at a time, so that showing one never freezes the window.

A long code block (``LONG_CODE_CHARS`` and more) is shown plain at first: in a document of
its own, or in its box inside a list or quote. Highlighting 30,000 characters and laying them
out again takes about a third of a second, so here it is done in slices of a few
milliseconds, one per turn of the event loop, colouring the document in place from the top
of the code down.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor

from confide.core.markdown import CodeBlock, TokenStyle, copy_href, highlight_runs
from confide.ui.chat.rich_text import SafeDocument

log = logging.getLogger(__name__)

SLICE_S = 0.006  # work per turn of the event loop: well under a frame
_RUNS_PER_CHECK = 16  # runs coloured between looks at the clock


@dataclass
class _Job:
    uid: int  # the row showing the document
    document: weakref.ref[SafeDocument]
    runs: Iterator[tuple[TokenStyle, str]]
    # Where the next run starts in the document; it may start one character before the code
    # shown, when Qt dropped the code's first newline.
    position: int
    code_start: int  # where the code's first shown character is in the document
    # Code in a table (a box inside a list or quote) is coloured in one edit that stays open
    # from the first slice to the last: Qt lays a table out whole again after every edit,
    # which made colouring such a block in slices cost three times as much as at once.
    open_edit: QTextCursor | None = None


class CodeColourer(QObject):
    """Colours the code documents it is given, in slices of ``slice_s`` seconds of work.

    A document the transcript stops showing (its row rebuilt at a new width, or dropped from
    the cache) is held only weakly, and forgotten. ``coloured`` is emitted after each slice
    with the row's uid and whether the document's height changed.
    """

    coloured = Signal(int, bool)

    def __init__(self, parent: QObject | None = None, slice_s: float = SLICE_S) -> None:
        super().__init__(parent)
        self._slice_s = slice_s
        self._jobs: deque[_Job] = deque()
        # One format per style, shared by every block (a style is a light or dark one).
        self._formats: dict[TokenStyle, QTextCharFormat] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._work)

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def colour(self, uid: int, document: SafeDocument, block: CodeBlock, dark: bool) -> None:
        """Colours ``block`` in ``document``, which shows it plain under its header line
        (the one with its Copy link), starting on the next turn of the event loop."""
        extent = _code_extent(document, block.number)
        if extent is None:
            log.warning("code block %d not found in its document", block.number)
            return
        code_start, code_end, in_table = extent
        # Qt drops a newline right after <pre>: the code may be shown one character short.
        position = code_start - (len(block.code) - (code_end - code_start))
        document.setUndoRedoEnabled(False)  # colouring is not an edit anyone undoes
        runs = highlight_runs(block.code, block.language, dark)
        job = _Job(uid, weakref.ref(document), runs, position, code_start)
        if in_table:
            job.open_edit = QTextCursor(document)
            job.open_edit.beginEditBlock()
        self._jobs.append(job)
        self._timer.start()

    def finish_all(self) -> None:
        """Does all the remaining work now (for a caller that must see the final look)."""
        while self._jobs:
            self._work(deadline=float("inf"))

    def _work(self, deadline: float | None = None) -> None:
        if deadline is None:
            deadline = time.perf_counter() + self._slice_s
        while self._jobs and time.perf_counter() < deadline:
            job = self._jobs[0]
            document = job.document()
            if document is None:
                self._jobs.popleft()
                continue
            height = document.size().height()
            done = self._colour_slice(job, document, deadline)
            if done:
                self._jobs.popleft()
            self.coloured.emit(job.uid, document.size().height() != height)
        if self._jobs:
            self._timer.start()

    def _colour_slice(self, job: _Job, document: SafeDocument, deadline: float) -> bool:
        """Colours runs until ``deadline``; True when the block is done."""
        if job.open_edit is not None:
            cursor = job.open_edit
        else:
            cursor = QTextCursor(document)
            cursor.beginEditBlock()  # one layout for the slice, not one per run
        done = False
        try:
            while time.perf_counter() < deadline:
                batch = list(islice(job.runs, _RUNS_PER_CHECK))
                for style, text in batch:
                    start, job.position = job.position, job.position + len(text)
                    if not style.css or job.position <= job.code_start:
                        continue
                    cursor.setPosition(max(start, job.code_start))
                    cursor.setPosition(job.position, QTextCursor.MoveMode.KeepAnchor)
                    cursor.mergeCharFormat(self._char_format(style))
                if len(batch) < _RUNS_PER_CHECK:
                    done = True
                    return True
            return False
        finally:
            if done or job.open_edit is None:
                cursor.endEditBlock()

    def _char_format(self, style: TokenStyle) -> QTextCharFormat:
        char_format = self._formats.get(style)
        if char_format is None:
            char_format = QTextCharFormat()
            if style.colour:
                char_format.setForeground(QColor(style.colour))
            if style.background:
                char_format.setBackground(QColor(style.background))
            if style.bold:
                char_format.setFontWeight(QFont.Weight.Bold)
            if style.italic:
                char_format.setFontItalic(True)
            if style.underline:
                char_format.setFontUnderline(True)
            self._formats[style] = char_format
        return char_format


def _code_extent(document: SafeDocument, number: int) -> tuple[int, int, bool] | None:
    """Where code block ``number`` starts and ends in ``document``, and whether it is in a
    table: from the block after the line holding its Copy link, to the end of the document
    or of the table cell it is in."""
    href = copy_href(number)
    header = document.begin()
    while header.isValid():
        if any(part.format.anchorHref() == href for part in header.textFormats()):
            code = header.next()
            if not code.isValid():
                return None
            cursor = QTextCursor(code)
            table = cursor.currentTable()
            if table is None:
                return code.position(), document.characterCount() - 1, False
            return code.position(), table.cellAt(cursor).lastCursorPosition().position(), True
        header = header.next()
    return None
