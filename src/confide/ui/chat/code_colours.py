"""Colours long code blocks a piece at a time, so that showing one never freezes the window.

A long code block (``LONG_CODE_CHARS`` and more) is shown plain at first, in a document of
its own. Highlighting 30,000 characters and laying them out again takes about a third of a
second, so here it is done in slices of a few milliseconds, one per turn of the event loop,
colouring the document in place from its top down.
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor

from confide.core.markdown import CodeBlock, TokenStyle, highlight_runs
from confide.ui.chat.rich_text import SafeDocument

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
        """Colours ``document``, which shows ``block`` plain (``growing_code_html``) after
        a header line, starting on the next turn of the event loop."""
        header = document.begin()
        code_start = header.next().position() if header.next().isValid() else 0
        shown = document.characterCount() - 1 - code_start
        # Qt drops a newline right after <pre>: the code may be shown one character short.
        position = code_start - (len(block.code) - shown)
        document.setUndoRedoEnabled(False)  # colouring is not an edit anyone undoes
        runs = highlight_runs(block.code, block.language, dark)
        self._jobs.append(_Job(uid, weakref.ref(document), runs, position, code_start))
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
        cursor = QTextCursor(document)
        cursor.beginEditBlock()  # one layout for the slice, not one per run
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
                    return True
            return False
        finally:
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
