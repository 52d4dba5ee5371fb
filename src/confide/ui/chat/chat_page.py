"""The chat: pick an installed model, type, and watch the answer stream in.

The page never talks HTTP itself: it builds a request, hands a job to the task runner and
applies the coalesced chunks that come back on the GUI thread.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, QUrl, Signal
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
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from confide.core.chat.context_budget import (
    ANSWER_RESERVE_TOKENS,
    check_next_turn,
    estimate_conversation_tokens,
)
from confide.core.chat.images import ImageAttachment
from confide.core.chat_titles import fallback_title
from confide.core.conversation_settings import ConversationSettings
from confide.core.markdown import to_plain_text
from confide.core.ollama.client import OllamaClient
from confide.core.ollama.errors import OllamaError
from confide.core.ollama.names import normalise
from confide.core.ollama.types import InstalledModel, ModelInfo
from confide.core.settings import PreferencesStore
from confide.core.store.models import Conversation
from confide.ui.chat.composer import Composer
from confide.ui.chat.context_meter import ContextMeter
from confide.ui.chat.conversation_settings import ConversationSettingsDialog
from confide.ui.chat.find_bar import FindBar
from confide.ui.chat.message_delegate import MessageAction, MessageDelegate
from confide.ui.chat.session import ChatSession, summary_request
from confide.ui.chat.titles import TitleMaker
from confide.ui.chat.transcript_model import (
    EntryStatus,
    TranscriptEntry,
    TranscriptModel,
    TranscriptRole,
)
from confide.ui.confirm import confirm, question_box
from confide.ui.errors import describe_error
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import ProgressSink, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

DEFAULT_NUM_CTX = 4096  # Ollama's default on machines with less than 23 GiB of VRAM

ClientProvider = Callable[[], OllamaClient | None]


class ChatPage(QWidget):
    daemonTrouble = Signal()  # a request failed in a way that suggests the daemon went away
    libraryRequested = Signal()  # "Models…" in the header: open the model library
    conversationSaved = Signal(object)  # Conversation created, renamed (titled) or touched
    answerStarted = Signal(str)  # the model asked to answer: a message really went out
    answerReady = Signal(str)  # the model that just finished answering

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
        self._gateway = gateway
        self.settings_dialog: ConversationSettingsDialog | None = None
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
        self.library_button.setAccessibleDescription(
            self.tr("Browse open models, download them and manage the ones installed")
        )
        self.library_button.clicked.connect(self.libraryRequested)
        header_layout.addWidget(self.library_button)
        self.settings_button = QPushButton(self.tr("Instructions…"), header)
        self.settings_button.setObjectName("conversationSettingsButton")
        self.settings_button.setAccessibleName(self.tr("Conversation settings"))
        self.settings_button.setToolTip(
            self.tr("Instructions for the model (presets), temperature, context length, seed")
        )
        self.settings_button.clicked.connect(self.open_settings)
        header_layout.addWidget(self.settings_button)
        header_layout.addStretch(1)
        header_layout.addWidget(self.new_chat_button)

        # Transcript, or a welcome text while it is empty.
        self.transcript = TranscriptModel(self)
        self.session = ChatSession(gateway, runner, client_provider, self.transcript, self)
        self.titles = TitleMaker(runner, gateway, client_provider, self)
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
        self.view.setAccessibleDescription(
            self.tr(
                "The messages of this conversation. The arrow keys move from message to "
                "message; the menu key lists what can be done with the chosen one."
            )
        )
        self.view.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.view.setMouseTracking(True)
        self.delegate.linkActivated.connect(self.open_link)
        self.delegate.codeCopyRequested.connect(self._copy_code)
        self._follow_theme()

        self.welcome = QLabel(self)
        self.welcome.setObjectName("welcome")
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome.setWordWrap(True)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.view)
        # Shown when the user scrolled up while an answer streams (the view stops following).
        self.jump_button = QPushButton(self.tr("↓ Jump to latest"), self.view)
        self.jump_button.setObjectName("jumpToLatest")
        self.jump_button.setAccessibleName(self.tr("Jump to the latest message"))
        self.jump_button.setAccessibleDescription(
            self.tr("Scrolls to the end of the conversation and follows the answer again")
        )
        self.jump_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.jump_button.hide()
        self.jump_button.clicked.connect(self.jump_to_latest)
        self.view.installEventFilter(self)
        self.find_bar = FindBar(self.transcript, self)
        self.find_bar.matchChosen.connect(self._reveal_match)
        self.find_bar.termChanged.connect(self._on_find_term)
        self.find_bar.closed.connect(self.composer_focus)

        # Inline error with a way out.
        self.error_bar = QFrame(self)
        self.error_bar.setObjectName("errorBar")
        self.error_text = QLabel(self.error_bar)
        self.error_text.setWordWrap(True)
        self.retry_button = QPushButton(self.tr("Retry"), self.error_bar)
        self.retry_button.setAccessibleDescription(
            self.tr("Asks the model again; the failed attempt stays as an earlier version")
        )
        self.dismiss_button = QPushButton(self.tr("Dismiss"), self.error_bar)
        self.dismiss_button.setAccessibleName(self.tr("Dismiss the error"))
        self.dismiss_button.setAccessibleDescription(self.tr("Hides this message"))
        error_layout = QHBoxLayout(self.error_bar)
        error_layout.setContentsMargins(16, 8, 16, 8)
        error_layout.addWidget(self.error_text, 1)
        error_layout.addWidget(self.retry_button)
        error_layout.addWidget(self.dismiss_button)
        self.error_bar.hide()
        self.retry_button.clicked.connect(self.retry)
        self.dismiss_button.clicked.connect(self.error_bar.hide)

        self.composer = Composer(self, runner=runner)
        self.context_meter = ContextMeter(self)
        composer_row = QHBoxLayout()
        composer_row.setContentsMargins(16, 4, 16, 16)
        composer_row.addWidget(self.composer)
        meter_row = QHBoxLayout()
        meter_row.setContentsMargins(16, 0, 16, 4)
        meter_row.addStretch(1)
        meter_row.addWidget(self.context_meter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error_bar)
        layout.addLayout(composer_row)
        layout.addLayout(meter_row)

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
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.find_bar.open)
        self.session.answerFinished.connect(self._on_answer_finished)
        self.session.answerStarted.connect(self.answerStarted)
        self.session.conversationSaved.connect(self.conversationSaved)
        self.titles.titled.connect(self._on_titled)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._show_context_menu)
        self.delegate.actionRequested.connect(self.run_action)
        self.session.busyChanged.connect(self._on_busy)
        self.session.conversationChanged.connect(self._on_conversation_changed)
        self.session.answerFailed.connect(self._on_answer_failed)
        self.session.storeFailed.connect(self._show_failure)
        self.session.unsentText.connect(self._on_unsent)
        self.session.revealRequested.connect(self._reveal_message)
        self.composer.editLastRequested.connect(self.edit_last_question)
        self.composer.editCancelled.connect(self._on_edit_cancelled)
        self.composer.draftChanged.connect(self.update_context_meter)
        self.session.answerFinished.connect(lambda _entry: self.update_context_meter())
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

        async def job(_push: ProgressSink) -> list[tuple[InstalledModel, ModelInfo | None]]:
            return await client.list_models_with_info()

        # A listing already under way is left to end and its answer ignored, not cancelled:
        # cancelling it while it connects could leave a connection open (seen in the tests
        # when the daemon comes back), and it takes a moment at most.
        handle = self._models_task = self._runner.run("list-models", job)

        def if_latest(slot: Callable[[Any], None]) -> Callable[[Any], None]:
            return lambda outcome: slot(outcome) if handle is self._models_task else None

        handle.succeeded.connect(if_latest(self._on_models))
        handle.failed.connect(if_latest(self._on_models_failed))

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
        self._update_images_allowed()
        self.update_context_meter()
        self._show_welcome()

    def _on_models_failed(self, error: object) -> None:
        self._models_task = None
        if isinstance(error, OllamaError) and error.daemon_unreachable:
            self.daemonTrouble.emit()

    def _on_model_chosen(self) -> None:
        self._update_images_allowed()
        self.update_context_meter()
        model = self.current_model
        if model:
            preferences = self._preferences.load()
            preferences.last_model = model
            self._preferences.save(preferences)
        self._update_can_send()

    def _update_images_allowed(self) -> None:
        model = self.current_model
        info = self.model_info(model)
        name = (model or "").removesuffix(":latest")
        self.composer.set_images_allowed(
            info is None or info.can_see,
            self.tr(
                "%1 cannot see images. Choose a model that can (shown with “Vision” in the "
                "model library), for example gemma3."
            ).replace("%1", name),
        )

    # -- context budget ------------------------------------------------------------------------

    def context_limit(self) -> int:
        """The context the daemon will use: the conversation's own, or Ollama's smallest
        default (4096 tokens), never beyond what the model was trained for."""
        chosen = self.session.settings.num_ctx
        info = self.model_info(self.current_model)
        limit = chosen or DEFAULT_NUM_CTX
        if info is not None and info.context_length:
            limit = min(limit, info.context_length)
        return limit

    def _measured_tokens(self) -> tuple[int, int]:
        """(exact tokens of the last measured exchange, estimate of what came after it)."""
        entries = self.transcript.entries()
        for position in range(len(entries) - 1, -1, -1):
            metrics = entries[position].metrics
            if metrics is not None and (metrics.prompt_eval_count or metrics.eval_count):
                later = entries[position + 1 :]
                return metrics.prompt_eval_count + metrics.eval_count, estimate_conversation_tokens(
                    (e.content, len(e.images)) for e in later
                )
        return 0, estimate_conversation_tokens((e.content, len(e.images)) for e in entries)

    def update_context_meter(self) -> None:
        measured, unmeasured = self._measured_tokens()
        self.context_meter.set_budget(
            measured + unmeasured + self.composer.draft_tokens(), self.context_limit()
        )

    def _confirm_fits(self, text: str, images: int) -> bool:
        """Warns before a turn that will not fit: Ollama would silently drop the oldest part."""
        measured, unmeasured = self._measured_tokens()
        limit = self.context_limit()
        check = check_next_turn(measured, text, limit, images=images, unmeasured_tokens=unmeasured)
        if check.fits:
            return True
        needed = check.budget.used_tokens + ANSWER_RESERVE_TOKENS
        info = self.model_info(self.current_model)
        maximum = info.context_length if info is not None and info.context_length else None
        box = question_box(
            self,
            self.tr("This message will not fit. Send it anyway?"),
            self.tr(
                "The conversation and this message need about %1 tokens, but the model reads "
                "only %2. Ollama would silently leave out the beginning of the conversation."
            )
            .replace("%1", f"{needed:,}")
            .replace("%2", f"{limit:,}"),
            warning=True,
        )
        raise_button = None
        if maximum is None or maximum > limit:
            raise_button = box.addButton(
                self.tr("Raise the context length"), QMessageBox.ButtonRole.AcceptRole
            )
        summary_button = box.addButton(
            self.tr("New chat with a summary"), QMessageBox.ButtonRole.ActionRole
        )
        send_button = box.addButton(self.tr("Send anyway"), QMessageBox.ButtonRole.DestructiveRole)
        box.exec()
        clicked = box.clickedButton()
        if clicked is send_button:
            return True
        if raise_button is not None and clicked is raise_button:
            size = 2048
            while size < needed:
                size *= 2
            if maximum is not None:
                size = min(size, maximum)
            self.session.set_settings(replace(self.session.settings, num_ctx=size))
            self.update_context_meter()
            return True
        if clicked is summary_button:
            self.start_summary_chat()
        return False

    def start_summary_chat(self) -> None:
        """Asks the model to summarise this conversation, then opens a new chat with the
        summary in the composer, above what the user had written there, for them to read
        before sending."""
        model = self.current_model
        client = self._client_provider()
        if not model or client is None:
            return
        request = summary_request(self.transcript.entries(), model, self.context_limit())

        async def job(_push: ProgressSink) -> str:
            parts: list[str] = []
            async with contextlib.aclosing(client.chat(request)) as stream:
                async for chunk in stream:
                    parts.append(chunk.content)
            return "".join(parts).strip()

        handle = self._runner.run("summary", job)
        self.composer.set_can_send(False, self.tr("Writing a summary…"))

        def done(summary: str) -> None:
            draft = self.composer.edit.toPlainText().strip()  # as it is now, edits included
            self.new_chat()
            self._update_can_send()
            self.composer.set_text_for_edit(
                self.tr("Summary of our earlier conversation:")
                + "\n\n"
                + summary
                + ("\n\n" + draft if draft else "")
            )

        handle.succeeded.connect(done)

        def failed(error: object) -> None:
            self._update_can_send()
            if isinstance(error, BaseException):
                self._show_failure(error)

        handle.failed.connect(failed)

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
        images = self.composer.attachments()
        if self.answering or not model or not (text.strip() or images):
            return
        if not self._confirm_fits(text, len(images)):
            self.composer.keep_message()  # not sent: nothing the user wrote is lost
            return
        self.error_bar.hide()
        self._follow_tail = True
        editing, self._editing = self._editing, None
        info = self.model_info(model)
        if editing is not None:
            sent = self.session.edit_and_resend(editing, text, model, info, images)
        else:
            sent = self.session.send(text, model, info, images, title=fallback_title(text))
        if sent:
            if self.composer.editing:
                self.composer.set_editing(False)
            self._show_transcript()
            self.composer.edit.clear()
            self.composer.clear_attachments()
        else:
            self.composer.keep_message()

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
        elif self.find_bar.isVisible():
            self.find_bar.close_bar()
        else:
            self.cancel_edit()

    def composer_focus(self) -> None:
        self.composer.edit.setFocus()

    def jump_to_latest(self) -> None:
        self._follow_tail = True
        self.transcript.show_tail()
        self.view.scrollToBottom()
        self.jump_button.hide()
        self.composer.edit.setFocus()

    def _place_jump_button(self) -> None:
        hint = self.jump_button.sizeHint()
        area = self.view.rect()
        self.jump_button.setGeometry(
            (area.width() - hint.width()) // 2,
            area.height() - hint.height() - 12,
            hint.width(),
            hint.height(),
        )

    def _update_jump_button(self) -> None:
        show = not self._follow_tail and self.transcript.rowCount() > 0
        if show:
            self._place_jump_button()
            self.jump_button.raise_()
        self.jump_button.setVisible(show)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "transcript"):
            self._follow_theme()

    def _follow_theme(self) -> None:
        """Light or dark, as the system is now. Plain text takes its colours from the palette
        when drawn; code colours and boxes are part of the rendered answers, which are laid
        out again."""
        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        if dark == self.transcript.render_options.dark:
            return
        self.delegate.forget_layouts()
        self.transcript.set_dark(dark)
        self.view.viewport().update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Resize:
            self._place_jump_button()
        return super().eventFilter(watched, event)

    def _on_find_term(self, term: str) -> None:
        self.delegate.highlight = term
        self.delegate.current_match = None  # until a match is chosen
        self.view.viewport().update()

    def _on_answer_finished(self, entry: TranscriptEntry) -> None:
        self.answerReady.emit(entry.model)
        conversation = self.session.conversation
        entries = self.transcript.entries()
        first_exchange = len(entries) == 2 and entries[0].role == "user"
        if (
            conversation is None
            or not first_exchange
            or not self._preferences.load().generate_titles
        ):
            return
        info = self.model_info(entry.model)
        self.titles.make(
            conversation,
            entries[0].content,
            entry.content,
            entry.model,
            self.session.settings.num_ctx,
            can_think=info is not None and info.can_think,
        )

    def _on_titled(self, conversation: Conversation) -> None:
        current = self.session.conversation
        if current is not None and current.id == conversation.id:
            self.session.conversation = conversation
        self.conversationSaved.emit(conversation)

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
        self.composer.set_text_for_edit(entry.content)
        self.composer.restore_attachments(
            ImageAttachment(f"image-{n}.png", "image/png", data)
            for n, data in enumerate(entry.images, 1)
        )
        self.composer.set_editing(True)

    def edit_last_question(self) -> None:
        if self.answering:
            return
        for entry in reversed(self.transcript.entries()):
            if entry.role == "user":
                self.start_edit(entry)
                return

    def cancel_edit(self) -> None:
        if self._editing is None:
            return
        self._editing = None
        if self.composer.editing:
            self.composer.cancel_editing()

    def _on_edit_cancelled(self) -> None:
        self._editing = None

    def delete_message(self, entry: TranscriptEntry) -> None:
        if self.answering or entry.message_id is None:
            return
        if confirm(
            self,
            self.tr("Delete this message?"),
            self.tr(
                "The message and every reply after it will be erased from this computer. "
                "This cannot be undone."
            ),
            self.tr("Delete"),
            destructive=True,
        ):
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

    def _reveal_message(self, row: int) -> None:
        index = self.transcript.index(row)
        self._follow_tail = False
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _reveal_match(self, row: int, occurrence: int) -> None:
        """Brings a match found by the find bar to the middle of the view: the words
        themselves, not only their message, which may be many screens tall."""
        self._reveal_message(row)
        index = self.transcript.index(row)
        offset = self.delegate.choose_match(index, occurrence)
        self.view.viewport().update()  # the match marked as the current one may have moved
        if offset is not None:
            bar = self.view.verticalScrollBar()
            middle = self.view.viewport().height() / 2
            bar.setValue(bar.value() + round(self.view.visualRect(index).top() + offset - middle))

    def show_problem(self, error: BaseException) -> None:
        """Shows a failure in the error bar, in words (never a traceback)."""
        self._show_failure(error)

    def open_settings(self) -> None:
        """The conversation's instructions (presets), temperature, context length and seed."""
        dialog = ConversationSettingsDialog(
            self._gateway, self.session.settings, self.model_info(self.current_model), self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._apply_settings(dialog.settings()))
        dialog.open()
        self.settings_dialog = dialog

    def _apply_settings(self, settings: ConversationSettings) -> None:
        self.session.set_settings(settings)
        self.update_context_meter()

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
        if confirm(
            self,
            self.tr("Open this link in your browser?"),
            self.tr(
                "The answer links to:\n\n%1\n\nOpening it leaves Confide and uses the internet."
            ).replace("%1", url.toDisplayString()),
            self.tr("Open"),
        ):
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
        self._update_jump_button()
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
            # The model's step (a third of its window): one layout of the window's rows, and
            # height estimates for the rows that enter, fit in a frame with the painting.
            step = self.transcript.slide_step
            if earlier:
                self.transcript.load_earlier(step)
            else:
                self.transcript.load_later(step)
            self.view.doItemsLayout()
            row = self.transcript.row_of(anchor_entry)
            if row is not None:
                moved = self.view.visualRect(self.transcript.index(row)).top() - anchor_top
                bar = self.view.verticalScrollBar()
                bar.setValue(bar.value() + moved)
        finally:
            self._sliding = False

    def _on_rows_changed(self, first: QModelIndex, *args: object) -> None:
        row = self.transcript.rowCount() - 1
        if row < 0:
            return
        # Only a change reaching the last row matters here (an answer streaming, a message
        # added); rows elsewhere correct their own heights when painted. dataChanged gives
        # (top-left, bottom-right), rowsInserted (parent, first, last).
        last = args[0] if first.isValid() else (args[1] if len(args) > 1 else row)
        last_row = last.row() if isinstance(last, QModelIndex) else last
        if not isinstance(last_row, int) or last_row < row:
            return
        # Heights change as text streams in: the view lays the list out again when the
        # row's height changed (a new line), and otherwise repaints only that row.
        self.delegate.row_changed(self.transcript.index(row))
        self._update_jump_button()
        if self._follow_tail:
            QTimer.singleShot(0, self.view.scrollToBottom)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
