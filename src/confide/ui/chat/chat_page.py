"""The chat: pick an installed model, type, and watch the answer stream in.

The page never talks HTTP itself: it builds a request, hands a job to the task runner and
applies the coalesced chunks that come back on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QCursor,
    QDesktopServices,
    QGuiApplication,
    QKeySequence,
    QPalette,
    QShortcut,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from confide.core.markdown import to_plain_text
from confide.core.ollama.client import OllamaClient
from confide.core.ollama.errors import OllamaError
from confide.core.ollama.names import normalise
from confide.core.ollama.types import InstalledModel, ModelInfo
from confide.core.settings import PreferencesStore
from confide.core.store.models import Conversation
from confide.ui.chat.composer import Composer
from confide.ui.chat.message_delegate import MessageAction, MessageDelegate
from confide.ui.chat.session import ChatSession
from confide.ui.chat.transcript_model import (
    EntryStatus,
    TranscriptEntry,
    TranscriptModel,
    TranscriptRole,
)
from confide.ui.errors import describe_error
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import ProgressSink, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

SLIDE_STEP = 80  # messages the transcript's window moves at a time

ClientProvider = Callable[[], OllamaClient | None]


class ChatPage(QWidget):
    daemonTrouble = Signal()  # a request failed in a way that suggests the daemon went away
    libraryRequested = Signal()  # "Models…" in the header: open the model library

    def __init__(
        self,
        runner: TaskRunner,
        gateway: StoreGateway,
        client_provider: ClientProvider,
        preferences: PreferencesStore,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chatPage")
        self._runner = runner
        self._client_provider = client_provider
        self._preferences = preferences
        self._models_task: TaskHandle | None = None
        self._editing: TranscriptEntry | None = None  # a question being corrected
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
        self.session = ChatSession(gateway, runner, client_provider, self.transcript, self)
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

        # Shown while a question is being corrected (sending makes a new version of it).
        self.edit_bar = QFrame(self)
        self.edit_bar.setObjectName("editBar")
        edit_text = QLabel(
            self.tr("Editing your message. Sending keeps the earlier version too."), self.edit_bar
        )
        edit_text.setWordWrap(True)
        self.cancel_edit_button = QPushButton(self.tr("Cancel editing"), self.edit_bar)
        self.cancel_edit_button.setToolTip(self.tr("Cancel editing (Esc)"))
        edit_layout = QHBoxLayout(self.edit_bar)
        edit_layout.setContentsMargins(16, 4, 16, 0)
        edit_layout.addWidget(edit_text, 1)
        edit_layout.addWidget(self.cancel_edit_button)
        self.edit_bar.hide()
        self.cancel_edit_button.clicked.connect(self.cancel_edit)

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
        layout.addWidget(self.edit_bar)
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
        stop_shortcut.activated.connect(self._escape_pressed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._show_context_menu)
        self.delegate.actionRequested.connect(self.run_action)
        self.session.busyChanged.connect(self._on_busy)
        self.session.conversationChanged.connect(self._on_conversation_changed)
        self.session.answerFailed.connect(self._on_answer_failed)
        self.session.storeFailed.connect(self._show_failure)
        self.session.unsentText.connect(self._on_unsent)
        self.session.revealRequested.connect(self._on_reveal)
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
        return self.session.answering

    def model_info(self, model: str | None) -> ModelInfo | None:
        return self._model_info.get(model) if model else None

    def new_chat(self) -> None:
        self.cancel_edit()
        self.session.new_conversation()
        self.delegate.forget_layouts()
        self.error_bar.hide()
        self._show_welcome()
        self.composer.edit.setFocus()

    def open_conversation(self, conversation_id: str, reveal_message_id: str | None = None) -> None:
        self.cancel_edit()
        self.error_bar.hide()
        self.session.open(conversation_id, reveal_message_id)

    def send(self, text: str) -> None:
        model = self.current_model
        if self.answering or not model or not text.strip():
            return
        self.error_bar.hide()
        self._follow_tail = True
        editing, self._editing = self._editing, None
        self._show_edit_state()
        info = self.model_info(model)
        if editing is not None:
            sent = self.session.edit_and_resend(editing, text, model, info)
        else:
            sent = self.session.send(text, model, info, title=fallback_title(text))
        if sent:
            self._show_transcript()
            self.composer.edit.clear()

    def retry(self) -> None:
        """Asks again after a failed answer; the failed attempt stays as an earlier version."""
        model = self.current_model
        if self.answering or not model:
            return
        self.error_bar.hide()
        self.session.retry_last(model, self.model_info(model))

    def stop(self) -> None:
        self.session.stop()
        self.composer.edit.setFocus()

    def _escape_pressed(self) -> None:
        if self.answering:
            self.stop()
        else:
            self.cancel_edit()

    # -- actions on one message ------------------------------------------------------------

    def regenerate(self, entry: TranscriptEntry) -> None:
        model = self.current_model
        if model:
            self.error_bar.hide()
            self._follow_tail = True
            self.session.regenerate(entry, model, self.model_info(model))

    def continue_answer(self, entry: TranscriptEntry) -> None:
        model = self.current_model
        if model:
            self.error_bar.hide()
            self._follow_tail = True
            self.session.continue_answer(entry, model, self.model_info(model))

    def start_edit(self, entry: TranscriptEntry) -> None:
        """Puts a question back in the composer; sending it makes a new version."""
        if self.answering or entry.role != "user" or entry.message_id is None:
            return
        self._editing = entry
        self.composer.edit.setPlainText(entry.content)
        self.composer.edit.moveCursor(QTextCursor.MoveOperation.End)
        self.composer.edit.setFocus()
        self._show_edit_state()

    def edit_last_question(self) -> None:
        for entry in reversed(self.transcript.entries()):
            if entry.role == "user":
                self.start_edit(entry)
                return

    def cancel_edit(self) -> None:
        if self._editing is None:
            return
        self._editing = None
        self.composer.edit.clear()
        self._show_edit_state()

    def _show_edit_state(self) -> None:
        self.edit_bar.setVisible(self._editing is not None)

    def delete_message(self, entry: TranscriptEntry) -> None:
        if self.answering or entry.message_id is None:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Delete this message?"),
            self.tr(
                "The message and every reply after it will be erased from this computer. "
                "This cannot be undone."
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.session.delete_message(entry)

    def copy_message(self, entry: TranscriptEntry, *, plain: bool) -> None:
        text = entry.content
        if plain and entry.role == "assistant":
            text = to_plain_text(text)
        QGuiApplication.clipboard().setText(text)
        QToolTip.showText(QCursor.pos(), self.tr("Copied"), self.view)

    def run_action(self, action: str, entry: TranscriptEntry) -> None:
        """One of the actions under a message (or in its context menu)."""
        handlers: dict[str, Callable[[], None]] = {
            MessageAction.COPY: lambda: self.copy_message(entry, plain=False),
            MessageAction.COPY_TEXT: lambda: self.copy_message(entry, plain=True),
            MessageAction.REGENERATE: lambda: self.regenerate(entry),
            MessageAction.CONTINUE: lambda: self.continue_answer(entry),
            MessageAction.EDIT: lambda: self.start_edit(entry),
            MessageAction.DELETE: lambda: self.delete_message(entry),
            MessageAction.PREVIOUS: lambda: self.session.switch_sibling(entry, -1),
            MessageAction.NEXT: lambda: self.session.switch_sibling(entry, +1),
        }
        handler = handlers.get(action)
        if handler is not None:
            handler()

    def _show_context_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        entry = index.data(TranscriptRole.ENTRY) if index.isValid() else None
        if not isinstance(entry, TranscriptEntry):
            return
        menu = QMenu(self)
        for action, label in self.delegate.actions_for(entry, answering=self.answering):
            item = menu.addAction(label)
            item.triggered.connect(lambda _c=False, a=action: self.run_action(a, entry))
        menu.popup(self.view.viewport().mapToGlobal(position))

    # -- session events --------------------------------------------------------------------

    def _on_busy(self, busy: bool) -> None:
        self.composer.set_busy(busy)
        self.delegate.answering = busy

    def _on_conversation_changed(self, conversation: Conversation | None) -> None:
        self.delegate.forget_layouts()
        if conversation is None:
            self._show_welcome()
            return
        self._show_transcript()
        if conversation.model:
            index = self.model_picker.findData(conversation.model)
            if index >= 0:
                self.model_picker.setCurrentIndex(index)
        QTimer.singleShot(0, self.view.scrollToBottom)

    def _on_answer_failed(self, error: object) -> None:
        if isinstance(error, BaseException):
            self._show_failure(error)

    def _on_unsent(self, text: str) -> None:
        if not self.composer.edit.toPlainText().strip():
            self.composer.edit.setPlainText(text)
        if self.transcript.rowCount() == 0:
            self._show_welcome()

    def _on_reveal(self, row: int) -> None:
        index = self.transcript.index(row)
        self._follow_tail = False
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _show_failure(self, error: BaseException) -> None:
        text = describe_error(error)
        last = self.transcript.last()
        if last is not None and last.role == "assistant" and last.status is EntryStatus.ERROR:
            self.transcript.update_last(error_title=text.title, error_message=text.message)
        self.error_text.setText(f"<b>{_escape(text.title)}</b><br>{_escape(text.message)}")
        self.retry_button.setVisible(text.can_retry and self.transcript.rowCount() > 0)
        self.error_bar.show()
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


def fallback_title(text: str, words: int = 6, limit: int = 50) -> str:
    """Until a title is generated: the first words of the first question."""
    head = " ".join(text.split()[:words])
    if len(head) > limit:
        head = head[:limit].rsplit(" ", 1)[0]
    return head + ("…" if head != " ".join(text.split()) else "")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
