"""'Import model file…': make a model from a .gguf file, for offices without internet.

Three steps, each with progress and a Cancel that works at once: the file is hashed (it
is identified by its SHA-256, like every blob in Ollama), copied into Ollama unless Ollama
already has it, then turned into a named model. Before any of that, the file's header is
checked, so a wrong file is refused in a second with a clear reason rather than after
minutes of copying.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from confide.core.ollama.errors import OllamaError, OllamaErrorKind
from confide.core.ollama.names import normalise, same_model
from confide.ui.errors import describe_error
from confide.ui.models.add_by_name import name_problem
from confide.ui.models.chat_formats import (
    ARCHITECTURE_GUESS,
    CHAT_FORMATS,
    FAMILY_FORMATS,
    chat_format,
)
from confide.ui.models.controller import ModelLibrary
from confide.ui.models.gguf_check import GGUFHeader, GGUFProblem, GGUFProblemKind, read_gguf_header
from confide.ui.models.text import format_size, tr
from confide.ui.tasks import ProgressSink, TaskHandle

log = logging.getLogger(__name__)

_OWN_FORMAT = "own"


class ImportStage(Enum):
    HASHING = "hashing"
    UPLOADING = "uploading"
    CREATING = "creating"


@dataclass(frozen=True, slots=True)
class ImportProgress:
    stage: ImportStage
    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class ImportRefused:
    problem: GGUFProblem


class _Stopped(Exception):
    """Raised inside the hashing thread to end it when the user cancels."""


def suggested_name(path: Path) -> str:
    """A valid model name from a file name: 'Bielik-11B.Q4_K_M.gguf' -> 'bielik-11b.q4_k_m'."""
    stem = path.name.removesuffix(".gguf").removesuffix(".GGUF").lower()
    name = re.sub(r"[^a-z0-9_.-]+", "-", stem)
    name = re.sub(r"-{2,}", "-", name)
    name = re.sub(r"-*([._])-*", r"\1", name).strip("-._")  # "instruct-.q4" -> "instruct.q4"
    return name[:80] or "imported-model"


def latest_progress(items: list[Any]) -> Any:
    return items[-1]


class ImportDialog(QDialog):
    imported = Signal(str)

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryImport")
        self.setWindowTitle(self.tr("Import a model file"))
        self.library = library
        self._path: Path | None = None
        self._header: GGUFHeader | None = None
        self._inspect: TaskHandle | None = None
        self._task: TaskHandle | None = None
        self._stop = threading.Event()
        self._imported_name: str | None = None

        intro = QLabel(
            self.tr(
                "Make a model from a GGUF file on this computer, for example one copied "
                "from a USB stick. Nothing is downloaded from the internet."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.file_field = QLineEdit(self)
        self.file_field.setReadOnly(True)
        self.file_field.setPlaceholderText(self.tr("No file chosen"))
        self.file_field.setAccessibleName(self.tr("Model file"))
        self.choose_button = QPushButton(self.tr("Choose file…"), self)
        self.choose_button.setAccessibleName(self.tr("Choose a GGUF model file"))
        self.file_info = QLabel(self)
        self.file_info.setObjectName("libraryHint")
        self.file_info.setWordWrap(True)
        self.file_problem = QLabel(self)
        self.file_problem.setObjectName("libraryError")
        self.file_problem.setWordWrap(True)
        self.file_problem.hide()

        self.name = QLineEdit(self)
        self.name.setObjectName("libraryNameField")
        self.name.setAccessibleName(self.tr("Name for the new model"))
        self.name_problem = QLabel(self)
        self.name_problem.setObjectName("libraryError")
        self.name_problem.setWordWrap(True)
        self.name_problem.hide()
        self.format = QComboBox(self)
        self.format.setAccessibleName(self.tr("Chat format"))
        self.format_hint = QLabel(self)
        self.format_hint.setObjectName("libraryHint")
        self.format_hint.setWordWrap(True)

        grid = QGridLayout()
        file_label = QLabel(self.tr("&File:"), self)
        file_label.setBuddy(self.choose_button)
        name_label = QLabel(self.tr("&Name:"), self)
        name_label.setBuddy(self.name)
        format_label = QLabel(self.tr("Chat &format:"), self)
        format_label.setBuddy(self.format)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_field, 1)
        file_row.addWidget(self.choose_button)
        grid.addWidget(file_label, 0, 0)
        grid.addLayout(file_row, 0, 1)
        grid.addWidget(self.file_info, 1, 1)
        grid.addWidget(self.file_problem, 2, 1)
        grid.addWidget(name_label, 3, 0)
        grid.addWidget(self.name, 3, 1)
        grid.addWidget(self.name_problem, 4, 1)
        grid.addWidget(format_label, 5, 0)
        grid.addWidget(self.format, 5, 1)
        grid.addWidget(self.format_hint, 6, 1)

        self.progress = QProgressBar(self)
        self.progress.setObjectName("libraryProgress")
        self.progress.setAccessibleName(self.tr("Import progress"))
        self.progress.hide()
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.hide()

        self.import_button = QPushButton(self.tr("Import"), self)
        self.import_button.setObjectName("primaryButton")
        self.import_button.setEnabled(False)
        self.use_button = QPushButton(self.tr("Use in chat"), self)
        self.use_button.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.import_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)
        self.resize(560, self.heightForWidth(560))

        self.choose_button.clicked.connect(self.choose_file)
        self.name.textChanged.connect(self._update)
        self.format.currentIndexChanged.connect(self._update_format_hint)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self.use_button.clicked.connect(self._use)
        self._fill_formats(has_own=False, guess=None)

    # -- choosing -------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None

    def choose_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a model file"),
            "",
            self.tr("GGUF model files (*.gguf);;All files (*)"),
        )
        if chosen:
            self.set_file(Path(chosen))

    def set_file(self, path: Path) -> None:
        self._path = path
        self._header = None
        self.file_field.setText(str(path))
        self.file_info.setText(self.tr("Checking the file…"))
        self.file_problem.hide()
        if not self.name.text().strip() or self._imported_name is not None:
            self.name.setText(suggested_name(path))
        self._imported_name = None
        self.use_button.hide()
        self.status.hide()
        if self._inspect is not None:
            self._inspect.cancel()

        async def job(_push: ProgressSink) -> GGUFHeader | ImportRefused:
            try:
                return await asyncio.to_thread(read_gguf_header, path)
            except GGUFProblem as problem:
                return ImportRefused(problem)

        handle = self.library.services.runner.run("inspect-gguf", job)
        self._inspect = handle
        handle.succeeded.connect(lambda result, h=handle: self._on_inspected(h, result))
        self._update()

    def _on_inspected(self, handle: TaskHandle, result: object) -> None:
        if handle is not self._inspect:
            return
        self._inspect = None
        if isinstance(result, ImportRefused):
            self.file_info.setText("")
            self._show_file_problem(result.problem)
            self._update()
            return
        assert isinstance(result, GGUFHeader)
        self._header = result
        parts = [self.tr("GGUF model file, %1").replace("%1", format_size(result.size_bytes))]
        if result.architecture:
            parts.append(self.tr("architecture “%1”").replace("%1", result.architecture))
        if result.parameter_count:
            billions = result.parameter_count / 1e9
            parts.append(
                self.tr("%1 billion parameters").replace(
                    "%1", f"{billions:.1f}" if billions < 10 else f"{billions:.0f}"
                )
            )
        text = ", ".join(parts) + "."
        if result.has_chat_template:
            text += " " + self.tr("It carries its own chat format.")
        self.file_info.setText(text)
        guess = ARCHITECTURE_GUESS.get(result.architecture)
        self._fill_formats(has_own=result.has_chat_template, guess=guess)
        self._update()

    def _show_file_problem(self, problem: GGUFProblem) -> None:
        if problem.kind is GGUFProblemKind.NOT_GGUF:
            text = self.tr(
                "This is not a GGUF model file, so Ollama cannot use it. Choose a file "
                "ending in .gguf (other formats must be converted first)."
            )
        elif problem.kind is GGUFProblemKind.UNSUPPORTED_VERSION:
            text = self.tr(
                "This GGUF file is version %1; Ollama reads versions 2 and 3. Get a newer "
                "copy of the model."
            ).replace("%1", str(problem.version))
        elif problem.kind is GGUFProblemKind.DAMAGED:
            text = self.tr(
                "This file starts like a GGUF model but is damaged or incomplete. Copy it again."
            )
        else:
            text = self.tr("The file cannot be read. Check that it is still there.")
        self.file_problem.setText(text)
        self.file_problem.show()
        self.fit_height()

    def _fill_formats(self, *, has_own: bool, guess: str | None) -> None:
        self.format.blockSignals(True)
        self.format.clear()
        if has_own:
            self.format.addItem(self.tr("The file's own chat format (recommended)"), _OWN_FORMAT)
        snapshot = self.library.snapshot
        if snapshot is not None:
            # The families of the catalog whose format we know, under the names people know.
            for family in snapshot.catalog.families:
                format_id = FAMILY_FORMATS.get(family.id)
                if format_id is not None:
                    self.format.addItem(self.tr("Like %1").replace("%1", family.name), format_id)
        else:
            for item in CHAT_FORMATS:
                self.format.addItem(tr(item.label), item.id)
        if not has_own and guess is not None:
            index = self.format.findData(guess)
            if index >= 0:
                self.format.setCurrentIndex(index)
        self.format.blockSignals(False)
        self._update_format_hint()

    def _update_format_hint(self, *_args: object) -> None:
        choice = self.format.currentData()
        if choice == _OWN_FORMAT:
            self.format_hint.setText("")
        elif self._header is not None and not self._header.has_chat_template:
            self.format_hint.setText(
                self.tr(
                    "This file does not say how to lay out a conversation. Choose the "
                    "family it comes from; Confide made a first guess."
                )
            )
        else:
            self.format_hint.setText(
                self.tr("Only needed for files without a chat format of their own.")
            )
        self.format_hint.setVisible(bool(self.format_hint.text()))
        self.fit_height()

    def _update(self, *_args: object) -> None:
        text = self.name.text()
        problem = name_problem(text) if text.strip() else None
        if problem is None and text.strip() and self._name_taken(text):
            self.name_problem.setText(
                self.tr("A model with this name is installed already; importing replaces it.")
            )
            self.name_problem.show()
        else:
            self.name_problem.setText(problem or "")
            self.name_problem.setVisible(problem is not None)
        self.fit_height()
        self.import_button.setEnabled(
            not self.busy and self._header is not None and bool(text.strip()) and problem is None
        )

    def _name_taken(self, name: str) -> bool:
        snapshot = self.library.snapshot
        if snapshot is None:
            return False
        return any(same_model(m.name, name) for e in snapshot.entries for m in e.installed)

    # -- importing ------------------------------------------------------------------------

    def start_import(self) -> None:
        path, name = self._path, self.name.text().strip()
        if path is None or self._header is None or self.busy or name_problem(name) is not None:
            return
        client = self.library.services.clients.get()
        if client is None:
            self._finish_with(describe_error(OllamaError(OllamaErrorKind.NOT_RUNNING)).message)
            return
        choice = self.format.currentData()
        lent = chat_format(choice) if isinstance(choice, str) and choice != _OWN_FORMAT else None
        template = lent.template if lent is not None else None
        parameters = dict(lent.parameters) if lent is not None else None
        stop = self._stop = threading.Event()

        async def job(push: ProgressSink) -> str | ImportRefused:
            try:
                await asyncio.to_thread(read_gguf_header, path)  # it may have changed since
            except GGUFProblem as problem:
                return ImportRefused(problem)
            loop = asyncio.get_running_loop()

            def on_hash(done: int, total: int) -> None:
                # Runs on the hashing thread: stop it if the user cancelled, and hand
                # progress to the loop thread, where the task runner coalesces it.
                if stop.is_set():
                    raise _Stopped
                loop.call_soon_threadsafe(push, ImportProgress(ImportStage.HASHING, done, total))

            def on_upload(done: int, total: int) -> None:
                push(ImportProgress(ImportStage.UPLOADING, done, total))

            stream = client.create_from_gguf(
                name,
                path,
                template=template,
                parameters=parameters,
                on_hash=on_hash,
                on_upload=on_upload,
            )
            async with contextlib.aclosing(stream) as steps:
                async for step in steps:
                    push(ImportProgress(ImportStage.CREATING, step.completed, step.total))
            return name

        handle = self.library.services.runner.run("import-gguf", job, merge=latest_progress)
        self._task = handle
        handle.progress.connect(self._on_progress)
        handle.succeeded.connect(lambda result, h=handle: self._on_done(h, result))
        handle.failed.connect(lambda error, h=handle: self._on_failed(h, error))
        self._set_running(True)
        self.progress.setRange(0, 0)
        self.status.setText(self.tr("Step 1 of 3: reading the file…"))
        log.info("model import started")

    def _on_progress(self, progress: ImportProgress) -> None:
        fraction = progress.done / progress.total if progress.total else None
        percent = f" {fraction * 100:.0f}%" if fraction is not None else ""
        if progress.stage is ImportStage.HASHING:
            text = self.tr("Step 1 of 3: reading the file…%1")
        elif progress.stage is ImportStage.UPLOADING:
            text = self.tr("Step 2 of 3: copying it into Ollama…%1")
        else:
            text = self.tr("Step 3 of 3: creating the model…%1")
        self.status.setText(text.replace("%1", percent))
        if fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(fraction * 1000))

    def _on_done(self, handle: TaskHandle, result: object) -> None:
        if handle is not self._task:
            return
        self._task = None
        self._set_running(False)
        if isinstance(result, ImportRefused):
            self._show_file_problem(result.problem)
            self._header = None
            self.status.hide()
            self.progress.hide()
            self._update()
            return
        # The daemon lists it in its short form ("name:latest"): use that from now on, so
        # that "Use in chat" finds it in the chat's list.
        name = normalise(str(result))
        self._imported_name = name
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)
        self.status.setText(self.tr("“%1” is ready to use.").replace("%1", name))
        self.use_button.show()
        self.cancel_button.setText(self.tr("Close"))
        log.info("model import finished")
        self.imported.emit(name)
        self.library.refresh()
        self.library.installedChanged.emit()

    def _on_failed(self, handle: TaskHandle, error: object) -> None:
        if handle is not self._task:
            return
        self._task = None
        self._set_running(False)
        assert isinstance(error, BaseException)
        text = describe_error(error)
        if isinstance(error, OllamaError) and "magic" in error.detail:
            self._finish_with(self.tr("Ollama could not read this file as a model."))
        else:
            self._finish_with(f"{text.title}. {text.message}")

    def _finish_with(self, message: str) -> None:
        self.progress.hide()
        self.status.setText(message)
        self.status.show()

    def cancel_import(self) -> None:
        handle = self._task
        if handle is None:
            return
        self._stop.set()
        handle.cancel()
        self._task = None
        self._set_running(False)
        self._finish_with(self.tr("Import cancelled."))
        log.info("model import cancelled")

    def _cancel_or_close(self) -> None:
        if self.busy:
            self.cancel_import()
        else:
            self.close()

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.status.setVisible(True)
        self.choose_button.setEnabled(not running)
        self.name.setEnabled(not running)
        self.format.setEnabled(not running)
        self.cancel_button.setText(self.tr("Cancel import") if running else self.tr("Close"))
        self._update()

    def _use(self) -> None:
        if self._imported_name:
            self.library.use(self._imported_name)
            self.close()

    def done(self, result: int) -> None:
        # Closing the window with Esc or the title bar must not leave a copy running.
        self.cancel_import()
        if self._inspect is not None:
            self._inspect.cancel()
            self._inspect = None
        super().done(result)

    def fit_height(self) -> None:
        """Grows the window to fit wrapped text that just appeared (problems, file facts);
        a window's layout does not do that by itself for word-wrapped labels."""
        wanted = self.heightForWidth(self.width())
        if wanted > self.height():
            self.resize(self.width(), wanted)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_height()
