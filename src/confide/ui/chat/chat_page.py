"""The chat: pick an installed model, type, and watch the answer stream in.

The page never talks HTTP itself: it builds a request, hands a job to the task runner and
applies the coalesced chunks that come back on the GUI thread.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QCursor,
    QDesktopServices,
    QGuiApplication,
    QKeySequence,
    QPalette,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from confide.core.ollama.client import OllamaClient, ensure_supported
from confide.core.ollama.errors import OllamaError
from confide.core.ollama.names import normalise
from confide.core.ollama.types import (
    ChatChunk,
    ChatMessage,
    ChatRequest,
    InstalledModel,
    ModelInfo,
)
from confide.core.settings import PreferencesStore
from confide.ui.chat.composer import Composer
from confide.ui.chat.message_delegate import MessageDelegate
from confide.ui.chat.transcript_model import EntryStatus, TranscriptEntry, TranscriptModel
from confide.ui.errors import describe_error
from confide.ui.tasks import ProgressSink, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

SLIDE_STEP = 80  # messages the transcript's window moves at a time

ClientProvider = Callable[[], OllamaClient | None]


def merge_chunks(chunks: list[Any]) -> ChatChunk:
    """Coalesces streamed chunks: the text joined, the last chunk's end-of-answer data."""
    last = chunks[-1]
    return ChatChunk(
        content="".join(chunk.content for chunk in chunks),
        thinking="".join(chunk.thinking for chunk in chunks),
        done=last.done,
        metrics=last.metrics,
    )


class ChatPage(QWidget):
    daemonTrouble = Signal()  # a request failed in a way that suggests the daemon went away
    libraryRequested = Signal()  # "Models…" in the header: open the model library

    def __init__(
        self,
        runner: TaskRunner,
        client_provider: ClientProvider,
        preferences: PreferencesStore,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chatPage")
        self._runner = runner
        self._client_provider = client_provider
        self._preferences = preferences
        self._answer: TaskHandle | None = None
        self._models_task: TaskHandle | None = None
        self._follow_tail = True
        self._wanted_model: str | None = None  # chosen in the library, not yet listed here
        self._sliding = False
        self._model_info: dict[str, ModelInfo] = {}

        # Header: which model answers.
        header = QFrame(self)
        header.setObjectName("chatHeader")
        self.model_label = QLabel(self.tr("Model"), header)
        self.model_picker = QComboBox(header)
        self.model_picker.setObjectName("modelPicker")
        self.model_picker.setMinimumContentsLength(22)
        self.model_picker.setAccessibleName(self.tr("Model"))
        self.model_picker.setAccessibleDescription(self.tr("The installed model that answers"))
        self.model_label.setBuddy(self.model_picker)
        self.new_chat_button = QPushButton(self.tr("New chat"), header)
        self.new_chat_button.setAccessibleDescription(self.tr("Starts an empty conversation"))
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(16, 8, 16, 8)
        header_layout.addWidget(self.model_label)
        header_layout.addWidget(self.model_picker)
        self.library_button = QPushButton(self.tr("Models…"), header)
        self.library_button.setAccessibleName(self.tr("Open the model library"))
        self.library_button.clicked.connect(self.libraryRequested)
        header_layout.addWidget(self.library_button)
        header_layout.addStretch(1)
        header_layout.addWidget(self.new_chat_button)

        # Transcript, or a welcome text while it is empty.
        self.transcript = TranscriptModel(self)
        self.view = QListView(self)
        self.view.setObjectName("transcript")
        self.view.setModel(self.transcript)
        self.delegate = MessageDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setAccessibleName(self.tr("Conversation"))
        self.view.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.view.setMouseTracking(True)
        self.delegate.linkActivated.connect(self.open_link)
        self.delegate.codeCopyRequested.connect(self._copy_code)
        self.transcript.set_dark(self.palette().color(QPalette.ColorRole.Base).lightness() < 128)

        self.welcome = QLabel(self)
        self.welcome.setObjectName("welcome")
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome.setWordWrap(True)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.view)

        # Inline error with a way out.
        self.error_bar = QFrame(self)
        self.error_bar.setObjectName("errorBar")
        self.error_text = QLabel(self.error_bar)
        self.error_text.setWordWrap(True)
        self.retry_button = QPushButton(self.tr("Retry"), self.error_bar)
        self.dismiss_button = QPushButton(self.tr("Dismiss"), self.error_bar)
        error_layout = QHBoxLayout(self.error_bar)
        error_layout.setContentsMargins(16, 8, 16, 8)
        error_layout.addWidget(self.error_text, 1)
        error_layout.addWidget(self.retry_button)
        error_layout.addWidget(self.dismiss_button)
        self.error_bar.hide()
        self.retry_button.clicked.connect(self.retry)
        self.dismiss_button.clicked.connect(self.error_bar.hide)

        self.composer = Composer(self)
        composer_row = QHBoxLayout()
        composer_row.setContentsMargins(16, 4, 16, 16)
        composer_row.addWidget(self.composer)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error_bar)
        layout.addLayout(composer_row)

        self.composer.sendRequested.connect(self.send)
        self.composer.stopRequested.connect(self.stop)
        self.new_chat_button.clicked.connect(self.new_chat)
        self.model_picker.currentIndexChanged.connect(self._on_model_chosen)
        # Ctrl+K: switch among installed models from the keyboard (the library is Ctrl+Shift+M).
        switch_model = QShortcut(QKeySequence("Ctrl+K"), self)
        switch_model.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        switch_model.activated.connect(self.switch_model)
        focus_composer = QShortcut(QKeySequence("Ctrl+L"), self)
        focus_composer.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        focus_composer.activated.connect(self.composer.edit.setFocus)
        stop_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        stop_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        stop_shortcut.activated.connect(self.stop)
        self.transcript.rowsInserted.connect(self._on_rows_changed)
        self.transcript.dataChanged.connect(self._on_rows_changed)
        self._show_welcome()

    # -- models -------------------------------------------------------------------------------

    def switch_model(self) -> None:
        """Opens the list of installed models, ready for arrow keys and Enter."""
        self.model_picker.setFocus()
        self.model_picker.showPopup()

    @property
    def current_model(self) -> str | None:
        data = self.model_picker.currentData()
        return data if isinstance(data, str) else None

    def select_model(self, name: str) -> None:
        """Makes ``name`` the answering model; a model just installed is listed first."""
        index = self.model_picker.findData(normalise(name))
        if index >= 0:
            self.model_picker.setCurrentIndex(index)
        else:
            self._wanted_model = normalise(name)
            self.refresh_models()

    def refresh_models(self) -> None:
        client = self._client_provider()
        if client is None:
            return
        if self._models_task is not None:
            self._models_task.cancel()

        async def job(_push: ProgressSink) -> list[tuple[InstalledModel, ModelInfo | None]]:
            return await client.list_models_with_info()

        self._models_task = self._runner.run("list-models", job)
        self._models_task.succeeded.connect(self._on_models)
        self._models_task.failed.connect(self._on_models_failed)

    def _on_models(self, models: list[tuple[InstalledModel, ModelInfo | None]]) -> None:
        self._models_task = None
        previous = self._wanted_model or self.current_model or self._preferences.load().last_model
        self._wanted_model = None
        self.model_picker.blockSignals(True)
        self.model_picker.clear()
        self._model_info = {model.name: info for model, info in models if info is not None}
        for model, info in models:
            if info is not None and not info.supports("completion"):
                continue  # embedding-only models index documents; they cannot chat
            label = model.name.removesuffix(":latest")
            if model.details.parameter_size:
                label += f"  ·  {model.details.parameter_size}"
            self.model_picker.addItem(label, model.name)
        index = self.model_picker.findData(previous) if previous else -1
        self.model_picker.setCurrentIndex(index if index >= 0 else 0)
        self.model_picker.blockSignals(False)
        self._update_can_send()
        self._show_welcome()

    def _on_models_failed(self, error: object) -> None:
        self._models_task = None
        if isinstance(error, OllamaError) and error.daemon_unreachable:
            self.daemonTrouble.emit()

    def _on_model_chosen(self) -> None:
        model = self.current_model
        if model:
            preferences = self._preferences.load()
            preferences.last_model = model
            self._preferences.save(preferences)
        self._update_can_send()

    def _update_can_send(self) -> None:
        if self.model_picker.count() == 0:
            self.composer.set_can_send(False, self.tr("Install a model first"))
        else:
            self.composer.set_can_send(True)

    # -- conversation -------------------------------------------------------------------------

    @property
    def answering(self) -> bool:
        return self._answer is not None

    def new_chat(self) -> None:
        self.stop()
        self.transcript.clear()
        self.delegate.forget_layouts()
        self.error_bar.hide()
        self._show_welcome()
        self.composer.edit.setFocus()

    def send(self, text: str) -> None:
        model = self.current_model
        if self.answering or not model or not text.strip():
            return
        self.error_bar.hide()
        self._follow_tail = True
        self.transcript.append(TranscriptEntry(role="user", content=text))
        self._ask(model)

    def retry(self) -> None:
        """Asks again for the last answer (after an error), replacing the failed attempt."""
        last = self.transcript.last()
        model = self.current_model
        if self.answering or last is None or last.role != "assistant" or not model:
            return
        self.error_bar.hide()
        self.transcript.remove_last()
        self._ask(model)

    def stop(self) -> None:
        handle = self._answer
        if handle is None:
            return
        handle.cancel()
        self._answer = None
        self.transcript.update_last(status=EntryStatus.STOPPED)
        self.composer.set_busy(False)
        self.composer.edit.setFocus()

    def _history(self) -> tuple[ChatMessage, ...]:
        messages = []
        for entry in self.transcript.entries():
            if entry.role == "user":
                messages.append(ChatMessage("user", entry.content))
            elif entry.content and entry.status in (EntryStatus.COMPLETE, EntryStatus.STOPPED):
                messages.append(ChatMessage("assistant", entry.content))
        return tuple(messages)

    def _ask(self, model: str) -> None:
        client = self._client_provider()
        if client is None:
            self.daemonTrouble.emit()
            return
        request = ChatRequest(model=model, messages=self._history())
        self.transcript.append(
            TranscriptEntry(role="assistant", content="", model=model, status=EntryStatus.STREAMING)
        )
        self._show_transcript()
        info = self._model_info.get(model)
        if info is not None:
            try:
                ensure_supported(request, info)
            except OllamaError as refused:
                self._show_failure(refused)
                return

        async def job(push: ProgressSink) -> None:
            async with contextlib.aclosing(client.chat(request)) as stream:
                async for chunk in stream:
                    push(chunk)

        handle = self._runner.run("chat", job, merge=merge_chunks)
        handle.progress.connect(self._on_chunk)
        handle.succeeded.connect(lambda _r, h=handle: self._on_finished(h))
        handle.failed.connect(lambda error, h=handle: self._on_failed(h, error))
        self._answer = handle
        self.composer.set_busy(True)
        log.info("chat request started (model %s, %d messages)", model, len(request.messages))

    def _on_chunk(self, chunk: ChatChunk) -> None:
        self.transcript.extend_last(chunk.content, chunk.thinking)
        if chunk.metrics is not None:
            self.transcript.update_last(metrics=chunk.metrics)

    def _on_finished(self, handle: TaskHandle) -> None:
        if handle is not self._answer:
            return
        self._answer = None
        self.transcript.update_last(status=EntryStatus.COMPLETE)
        self.composer.set_busy(False)

    def _on_failed(self, handle: TaskHandle, error: object) -> None:
        if handle is not self._answer:
            return
        self._answer = None
        assert isinstance(error, BaseException)
        self._show_failure(error)

    def _show_failure(self, error: BaseException) -> None:
        text = describe_error(error)
        self.transcript.update_last(
            status=EntryStatus.ERROR, error_title=text.title, error_message=text.message
        )
        self.error_text.setText(f"<b>{_escape(text.title)}</b><br>{_escape(text.message)}")
        self.retry_button.setVisible(text.can_retry)
        self.error_bar.show()
        self.composer.set_busy(False)
        if isinstance(error, OllamaError):
            log.warning("chat request failed: %s", error.kind.value)
            if error.daemon_unreachable:
                self.daemonTrouble.emit()

    # -- links and code ------------------------------------------------------------------------

    def open_link(self, href: str) -> None:
        """Opens a link from an answer in the browser, only after the user saw where it goes."""
        url = QUrl(href)
        if url.scheme() not in ("http", "https", "mailto"):
            return
        answer = QMessageBox.question(
            self,
            self.tr("Open this link?"),
            self.tr(
                "The answer links to:\n\n%1\n\nOpening it leaves Confide and uses the "
                "internet. Open it in your browser?"
            ).replace("%1", url.toDisplayString()),
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Open:
            QDesktopServices.openUrl(url)

    def _copy_code(self, code: str) -> None:
        QGuiApplication.clipboard().setText(code)
        QToolTip.showText(QCursor.pos(), self.tr("Code copied"), self.view)

    # -- view ---------------------------------------------------------------------------------

    def _show_welcome(self) -> None:
        if self.transcript.rowCount() > 0:
            return
        if self.model_picker.count() == 0:
            text = self.tr(
                "No models are installed yet. Download one from the model library to "
                "start chatting."
            )
        else:
            text = self.tr("How can I help?")
        self.welcome.setText(
            f"<p style='font-size:20pt'>{_escape(text)}</p><p>"
            + _escape(self.tr("Everything you write stays on this computer."))
            + "</p>"
        )
        self.stack.setCurrentWidget(self.welcome)

    def _show_transcript(self) -> None:
        self.stack.setCurrentWidget(self.view)

    def _on_scrolled(self, value: int) -> None:
        bar = self.view.verticalScrollBar()
        self._follow_tail = value >= bar.maximum() - 8 and self.transcript.at_tail
        if self._sliding:
            return
        margin = self.view.viewport().height()
        if value < margin and self.transcript.has_earlier:
            self._slide(earlier=True)
        elif value > bar.maximum() - margin and self.transcript.has_later:
            self._slide(earlier=False)

    def _slide(self, *, earlier: bool) -> None:
        """Moves the transcript's window, keeping the message under the user's eye in place."""
        anchor = self.view.indexAt(QPoint(1, 1))
        if not anchor.isValid():
            return
        anchor_entry = self.transcript.entry_at(anchor.row())
        anchor_top = self.view.visualRect(anchor).top()
        self._sliding = True
        try:
            if earlier:
                self.transcript.load_earlier(SLIDE_STEP)
            else:
                self.transcript.load_later(SLIDE_STEP)
            self.view.doItemsLayout()
            for row in range(self.transcript.rowCount()):
                if self.transcript.entry_at(row) is anchor_entry:
                    moved = self.view.visualRect(self.transcript.index(row)).top() - anchor_top
                    bar = self.view.verticalScrollBar()
                    bar.setValue(bar.value() + moved)
                    break
        finally:
            self._sliding = False

    def _on_rows_changed(self, first: QModelIndex, *_args: object) -> None:
        row = self.transcript.rowCount() - 1
        if row < 0:
            return
        # Heights change as text streams in; tell the view to lay the row out again.
        self.delegate.sizeHintChanged.emit(self.transcript.index(row))
        if self._follow_tail:
            QTimer.singleShot(0, self.view.scrollToBottom)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
