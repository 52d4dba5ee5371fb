"""Exporting one conversation: PDF, Word, Markdown or JSON, to a file the user chooses.

Three steps, none on the GUI thread once the file is chosen:

1. the store thread reads the conversation (the branch on screen; JSON: every branch);
2. a worker thread (a ``QThreadPool`` owned by the exporter, i.e. a real ``QThread`` with
   its own event dispatcher, which Qt's text layout expects) turns it into bytes: Markdown,
   DOCX (python-docx) or a PDF laid out and painted by Qt (see ``pdf.py``);
3. the same worker writes the bytes with ``write_atomically``: a hidden temporary file in the
   chosen folder, renamed over the chosen name. Nothing is written anywhere else, and a
   failed export never leaves a half-written file.

The store thread is only busy for the read, so an answer being saved meanwhile never waits
behind a long PDF.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QStandardPaths, QThreadPool, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QFileDialog, QWidget

from confide.core.store import Conversation, ExportLabels, Message, Role, Store
from confide.core.store import export as core_export
from confide.core.store.fsutil import write_atomically
from confide.ui.confirm import confirm
from confide.ui.history.export_errors import export_error_message
from confide.ui.history.filenames import safe_file_name
from confide.ui.history.labels import export_labels
from confide.ui.history.pdf import PdfFont, PdfPageText, render_pdf
from confide.ui.store_gateway import StoreGateway

log = logging.getLogger(__name__)


class ExportFormat(enum.Enum):
    PDF = ".pdf"
    DOCX = ".docx"
    MARKDOWN = ".md"
    JSON = ".json"

    @property
    def suffix(self) -> str:
        return self.value


_SUFFIXES = {
    ".pdf": ExportFormat.PDF,
    ".docx": ExportFormat.DOCX,
    ".md": ExportFormat.MARKDOWN,
    ".markdown": ExportFormat.MARKDOWN,
    ".json": ExportFormat.JSON,
}


@dataclass(frozen=True)
class _Branch:
    conversation: Conversation
    messages: list[Message]


def _models(conversation: Conversation, messages: Sequence[Message]) -> str:
    """The models that answered, in order of first answer, then the conversation's own."""
    names: list[str] = []
    answered = [m.model for m in messages if m.role is Role.ASSISTANT]
    for name in [*answered, conversation.model]:
        if name and name not in names:
            names.append(name)
    return ", ".join(names)


@dataclass(frozen=True)
class _Pending:
    """An export whose conversation is being read on the store thread."""

    path: Path
    export_format: ExportFormat
    make_bytes: Callable[[object], Callable[[], bytes]]


class _Render(QObject):
    """One export's worker-side job. Lives on the GUI thread; ``run`` is called on a pool
    thread, so its signals reach the exporter through queued connections."""

    done = Signal(str)
    error = Signal(object)

    def __init__(self, path: Path, make_bytes: Callable[[], bytes]) -> None:
        super().__init__()
        self.path = path
        self._make_bytes = make_bytes

    def run(self) -> None:
        try:
            data = self._make_bytes()
            write_atomically(self.path, data)
        except Exception as exc:  # every failure becomes a message, never a traceback
            self.error.emit(exc)
            return
        self.done.emit(str(self.path))


class ConversationExporter(QObject):
    started = Signal(str)
    """The path being written (the export runs in the background)."""
    exported = Signal(str)
    """The path written."""
    failed = Signal(str)
    """A translated, human explanation."""

    def __init__(self, gateway: StoreGateway, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._gateway = gateway
        self._parent_widget = parent_widget
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one export at a time; others queue behind it
        self._last_folder: Path | None = None
        self._last_format = ExportFormat.PDF
        self._reads: dict[QObject, _Pending] = {}
        self._renders: set[QObject] = set()

    # -- asking -------------------------------------------------------------------------

    def filters(self) -> dict[ExportFormat, str]:
        return {
            ExportFormat.PDF: self.tr("PDF document (*.pdf)"),
            ExportFormat.DOCX: self.tr("Word document (*.docx)"),
            ExportFormat.MARKDOWN: self.tr("Markdown (*.md)"),
            ExportFormat.JSON: self.tr("JSON (*.json)"),
        }

    def _folder(self) -> Path:
        if self._last_folder is not None and self._last_folder.is_dir():
            return self._last_folder
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        return Path(documents) if documents else Path.home()

    def export(self, conversation_id: str, title: str, leaf_id: str | None = None) -> bool:
        """Asks for a format and a file, then exports in the background. False if the user
        cancelled (nothing is written then)."""
        filters = self.filters()
        name = safe_file_name(title, self.tr("Conversation"))
        proposed = self._folder() / (name + self._last_format.suffix)
        chosen, chosen_filter = QFileDialog.getSaveFileName(
            self._parent_widget,
            self.tr("Export conversation"),
            str(proposed),
            ";;".join(filters.values()),
            filters[self._last_format],
        )
        if not chosen:
            return False
        path = Path(chosen)
        export_format = _SUFFIXES.get(path.suffix.lower())
        if export_format is None:
            # No known extension typed: the chosen filter says which format, and the name
            # gets its extension (the file dialog only confirmed the name without it).
            export_format = next(
                (f for f, text in filters.items() if text == chosen_filter), ExportFormat.PDF
            )
            path = path.with_name(path.name + export_format.suffix)
            if path.exists() and not self._confirm_replace(path):
                return False
        self._last_folder = path.parent
        self._last_format = export_format
        self.start(conversation_id, path, export_format, leaf_id)
        return True

    def _confirm_replace(self, path: Path) -> bool:
        return confirm(
            self._parent_widget,
            self.tr("Replace “%1”?").replace("%1", path.name),
            self.tr("A file with this name already exists there. Replacing it overwrites it."),
            self.tr("Replace"),
            destructive=True,
        )

    # -- exporting ----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return bool(self._reads or self._renders)

    def start(
        self,
        conversation_id: str,
        path: Path,
        export_format: ExportFormat,
        leaf_id: str | None = None,
    ) -> None:
        """Exports without asking (the file was chosen already)."""
        labels = export_labels()
        font = _pdf_font()
        page_of = self.tr("Page %1 of %2")

        def read(store: Store) -> object:
            if export_format is ExportFormat.JSON:
                return store.export_json(conversation_id)
            return _Branch(
                store.conversations.get(conversation_id),
                store.conversations.branch(conversation_id, leaf_id),
            )

        def make_bytes(data: object) -> Callable[[], bytes]:
            if isinstance(data, str):
                return lambda: data.encode("utf-8")
            assert isinstance(data, _Branch)
            if export_format is ExportFormat.MARKDOWN:
                return lambda: core_export.to_markdown(
                    data.conversation, data.messages, labels
                ).encode("utf-8")
            if export_format is ExportFormat.DOCX:
                return lambda: core_export.docx_bytes(data.conversation, data.messages, labels)
            return lambda: _pdf_bytes(data, labels, font, page_of)

        task = self._gateway.run("history.export.read", read)
        task.succeeded.connect(self._on_read)
        task.failed.connect(self._on_read_failed)
        self._reads[task] = _Pending(path, export_format, make_bytes)
        self.started.emit(str(path))

    def _on_read(self, data: object) -> None:
        pending = self._reads.pop(self.sender(), None)
        if pending is None:
            return
        render = _Render(pending.path, pending.make_bytes(data))
        render.done.connect(self._on_done)
        render.error.connect(self._on_error)
        self._renders.add(render)
        log.info("exporting a conversation as %s", pending.export_format.name)
        self._pool.start(QRunnable.create(render.run))

    def _on_read_failed(self, error: object) -> None:
        if self._reads.pop(self.sender(), None) is not None:
            self._report(error)

    def _on_done(self, path: str) -> None:
        self._renders.discard(self.sender())
        self.exported.emit(path)

    def _on_error(self, error: object) -> None:
        self._renders.discard(self.sender())
        self._report(error)

    def _report(self, error: object) -> None:
        if isinstance(error, BaseException):
            log.warning("export failed: %s", type(error).__name__)
            self.failed.emit(export_error_message(error))
        else:
            self.failed.emit(self.tr("The conversation could not be exported."))

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Waits for exports being written (at shutdown, so a file is never left half done)."""
        return self._pool.waitForDone(timeout_ms)


def _pdf_font() -> PdfFont:
    """The system's interface font: Segoe UI on Windows, the desktop's sans on Linux."""
    family = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont).family()
    if family.startswith("."):
        family = "Helvetica Neue"  # macOS's private UI font is not meant for documents
    return PdfFont(family)


def _pdf_bytes(branch: _Branch, labels: ExportLabels, font: PdfFont, page_of: str) -> bytes:
    conversation, messages = branch.conversation, branch.messages
    title = conversation.title.strip() or labels.untitled
    first_line = f"{labels.date}: {labels.format_time(conversation.created_at)}"
    models = _models(conversation, messages)
    if models:
        first_line += f" · {labels.model}: {models}"
    html = core_export.to_html(conversation, messages, labels)
    return render_pdf(html, PdfPageText(title, first_line, page_of), font)
