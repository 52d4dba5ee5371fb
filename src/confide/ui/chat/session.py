"""One conversation, kept in step with the encrypted store while the user chats.

Promise: nothing is lost. The user's message is committed to the store before the request
is sent; the answer is appended as it streams and saved at least once a second, at Stop, on
an error and when it finishes. Regenerating or editing never overwrites: the new message is
a sibling of the old one, and "‹ 2/3 ›" switches between them.

The session changes the transcript model (GUI thread) and reaches the store only through the
gateway (store thread) and the daemon only through the task runner (network thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from confide.core.chat.images import ImageAttachment
from confide.core.conversation_settings import ConversationSettings
from confide.core.conversation_tree import ConversationTree, ThreadMessage
from confide.core.ollama.client import OllamaClient, ensure_supported
from confide.core.ollama.errors import OllamaError, OllamaErrorKind
from confide.core.ollama.types import (
    ChatChunk,
    ChatMessage,
    ChatMetrics,
    ChatOptions,
    ChatRequest,
    ModelInfo,
)
from confide.core.store import ShownLengths, Store
from confide.core.store.models import (
    Conversation,
    Message,
    MessageStats,
    MessageStatus,
    NewAttachment,
    Role,
)
from confide.ui.chat.transcript_model import EntryStatus, TranscriptEntry, TranscriptModel
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import ProgressSink, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

ClientProvider = Callable[[], OllamaClient | None]
SAVE_INTERVAL_S = 1.0  # the most of an answer a crash may cost
# How often a streaming answer reaches the transcript: 20 times a second reads as smooth,
# and each delivery re-lays out the answer's unfinished tail, so fewer cost less (measured
# by bench/render_stream.py, which streams at this rate).
STREAM_INTERVAL_S = 1 / 20
FIRST_PAGE = 240  # messages shown before the rest of a long conversation has loaded

_STATUS = {
    MessageStatus.COMPLETE: EntryStatus.COMPLETE,
    MessageStatus.STOPPED: EntryStatus.STOPPED,
    MessageStatus.INTERRUPTED: EntryStatus.INTERRUPTED,
    MessageStatus.ERROR: EntryStatus.ERROR,
    MessageStatus.STREAMING: EntryStatus.STREAMING,
}
_SENDABLE = (EntryStatus.COMPLETE, EntryStatus.STOPPED, EntryStatus.INTERRUPTED)
# A continued answer that ended like this replaces the stopped one; one that failed does not,
# so that the stopped one can still be continued once the problem is solved.
_REPLACES_WHAT_IT_CONTINUED = (EntryStatus.COMPLETE, EntryStatus.STOPPED)


# -- events from a running answer (merged by the task runner, ~30 deliveries a second) -------


@dataclass(frozen=True)
class _ConversationReady:
    conversation: Conversation


@dataclass(frozen=True)
class _UserSaved:
    message: Message


@dataclass(frozen=True)
class _AnswerStarted:
    message_id: str


def merge_events(items: list[Any]) -> list[Any]:
    """Joins consecutive text chunks; keeps every other event, in order."""
    merged: list[Any] = []
    for item in items:
        for event in item if isinstance(item, list) else [item]:
            if isinstance(event, ChatChunk) and merged and isinstance(merged[-1], ChatChunk):
                last = merged[-1]
                merged[-1] = ChatChunk(
                    content=last.content + event.content,
                    thinking=last.thinking + event.thinking,
                    done=event.done,
                    metrics=event.metrics or last.metrics,
                )
            else:
                merged.append(event)
    return merged


def stats_from(metrics: ChatMetrics | None) -> MessageStats:
    if metrics is None:
        return MessageStats()
    return MessageStats(
        eval_count=metrics.eval_count,
        eval_duration_ns=metrics.eval_duration,
        prompt_eval_count=metrics.prompt_eval_count,
        prompt_eval_duration_ns=metrics.prompt_eval_duration,
        load_duration_ns=metrics.load_duration,
        total_duration_ns=metrics.total_duration,
    )


def metrics_from(stats: MessageStats) -> ChatMetrics | None:
    if stats.eval_count is None and stats.total_duration_ns is None:
        return None
    return ChatMetrics(
        done_reason="stop",
        total_duration=stats.total_duration_ns or 0,
        load_duration=stats.load_duration_ns or 0,
        prompt_eval_count=stats.prompt_eval_count or 0,
        prompt_eval_duration=stats.prompt_eval_duration_ns or 0,
        eval_count=stats.eval_count or 0,
        eval_duration=stats.eval_duration_ns or 0,
    )


def _load_images(store: Store, messages: Sequence[Message]) -> dict[str, tuple[bytes, ...]]:
    images: dict[str, tuple[bytes, ...]] = {}
    for message in messages:
        pictures = [a for a in message.attachments if a.mime_type.startswith("image/")]
        if pictures:
            images[message.id] = tuple(store.conversations.attachment_data(a.id) for a in pictures)
    return images


@dataclass(frozen=True)
class _Page:
    conversation: Conversation
    messages: list[Message]
    images: dict[str, tuple[bytes, ...]]


class ChatSession(QObject):
    conversationChanged = Signal(object)  # Conversation | None: a different one is shown
    conversationSaved = Signal(object)  # Conversation: created, renamed or touched
    busyChanged = Signal(bool)  # an answer started / ended
    answerStarted = Signal(str)  # the model asked to answer (send, retry, regenerate…)
    answerFinished = Signal(object)  # TranscriptEntry, complete
    answerFailed = Signal(object)  # the exception (OllamaError, StoreError…)
    storeFailed = Signal(object)  # StoreError from any other store call
    unsentText = Signal(str)  # a question that could not be saved goes back to the composer
    revealRequested = Signal(int)  # row to scroll to (a search result)
    loaded = Signal()  # the whole conversation (every branch) is in memory

    def __init__(
        self,
        gateway: StoreGateway,
        runner: TaskRunner,
        client_provider: ClientProvider,
        transcript: TranscriptModel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._gateway = gateway
        self._runner = runner
        self._client_provider = client_provider
        self._transcript = transcript
        self.conversation: Conversation | None = None
        self.draft_settings = ConversationSettings()  # for a conversation not created yet
        self.tree = ConversationTree()
        self._entries: dict[str, TranscriptEntry] = {}  # by message id: keeps layout caches
        self._answer: TaskHandle | None = None
        self._answer_entry: TranscriptEntry | None = None
        self._answer_stop = _StopMark()
        self._answer_replaces: str | None = None  # a stopped answer being continued
        self._loading: TaskHandle | None = None
        self._generation = 0  # bumped whenever another conversation is shown

    # -- state --------------------------------------------------------------------------------

    @property
    def answering(self) -> bool:
        return self._answer is not None

    @property
    def settings(self) -> ConversationSettings:
        conversation = self.conversation
        if conversation is None:
            return self.draft_settings
        return ConversationSettings.from_conversation(conversation)

    def set_settings(self, settings: ConversationSettings) -> None:
        """Applies from the next question on; saved with the conversation."""
        conversation = self.conversation
        if conversation is None:
            self.draft_settings = settings
            return
        options = settings.options_json()
        prompt = settings.stored_system_prompt
        self.conversation = replace(
            conversation, system_prompt=prompt, preset_key=settings.preset_key, options=options
        )
        conversation_id = conversation.id

        def save(store: Store) -> None:
            store.conversations.set_settings(conversation_id, prompt, options, settings.preset_key)

        self._watch(self._gateway.run("save-settings", save))

    def _watch(self, handle: TaskHandle) -> TaskHandle:
        handle.failed.connect(self.storeFailed)
        return handle

    # -- showing a conversation ----------------------------------------------------------------

    def new_conversation(self) -> None:
        self.stop()
        self._generation += 1
        self.conversation = None
        self.draft_settings = ConversationSettings()
        self.tree = ConversationTree()
        self._entries.clear()
        self._transcript.clear()
        self.conversationChanged.emit(None)

    def open(self, conversation_id: str, reveal_message_id: str | None = None) -> None:
        """Shows a stored conversation: its last screenful at once, the rest right after."""
        if self.conversation is not None and self.conversation.id == conversation_id:
            if reveal_message_id is not None:
                self._reveal(reveal_message_id)
            return
        self.stop()
        self._generation += 1
        generation = self._generation
        if self._loading is not None:
            self._loading.cancel()

        def first_page(store: Store) -> _Page:
            conversation = store.conversations.get(conversation_id)
            messages = store.conversations.branch(conversation_id, limit=FIRST_PAGE)
            return _Page(conversation, messages, _load_images(store, messages))

        handle = self._watch(self._gateway.run("open-conversation", first_page))
        handle.succeeded.connect(
            lambda page: self._on_first_page(generation, page, reveal_message_id)
        )
        self._loading = handle

    def _on_first_page(self, generation: int, page: _Page, reveal: str | None) -> None:
        if generation != self._generation:
            return
        self.conversation = page.conversation
        self.tree = ConversationTree(page.messages)
        self._entries.clear()
        for message in page.messages:
            self._entry_for(ThreadMessage(message, (message.id,)), page.images)
        entries = [self._entries[m.id] for m in page.messages]
        _mark_model_changes(entries)
        self._transcript.reset_entries(entries)
        self.conversationChanged.emit(page.conversation)
        self._load_rest(generation, page.conversation.id, reveal)

    def _load_rest(self, generation: int, conversation_id: str, reveal: str | None) -> None:
        known = set(self._entries)

        def everything(store: Store) -> _Page:
            conversation = store.conversations.get(conversation_id)
            messages = store.conversations.all_messages(conversation_id)
            unseen = [m for m in messages if m.id not in known]
            return _Page(conversation, messages, _load_images(store, unseen))

        handle = self._watch(self._gateway.run("open-conversation-rest", everything))

        def loaded(page: _Page) -> None:
            if generation != self._generation:
                return
            self._loading = None
            self.tree = ConversationTree(page.messages)
            self._show_thread(page.conversation.active_leaf_id, page.images)
            if reveal is not None:
                self._reveal(reveal)
            self.loaded.emit()

        handle.succeeded.connect(loaded)
        self._loading = handle

    def _reveal(self, message_id: str) -> None:
        if message_id not in self.tree:
            return
        if self._transcript.position_of(message_id) is None:
            # The message is on another branch (an older version): show that branch.
            self._switch_to_leaf(self.tree.newest_leaf_below(message_id))
        position = self._transcript.position_of(message_id)
        if position is not None:
            self.revealRequested.emit(self._transcript.show_around(position))

    def _entry_for(
        self, item: ThreadMessage, images: dict[str, tuple[bytes, ...]] | None = None
    ) -> TranscriptEntry:
        message = item.message
        entry = self._entries.get(message.id)
        if entry is None:
            entry = TranscriptEntry(
                role="user" if message.role is Role.USER else "assistant",
                content=message.content,
                model=message.model or "",
                thinking=message.thinking,
                status=_STATUS[message.status],
                metrics=metrics_from(message.stats),
                message_id=message.id,
                parent_id=message.parent_id,
                images=(images or {}).get(message.id, ()),
                thinking_expanded=False,
            )
            if message.status is MessageStatus.ERROR:
                entry.error_title = self.tr("The answer failed")
            self._entries[message.id] = entry
        if entry.siblings != item.siblings:
            entry.siblings = item.siblings
            entry.revision += 1
        return entry

    def _show_thread(
        self, leaf_id: str | None, images: dict[str, tuple[bytes, ...]] | None = None
    ) -> None:
        thread = self.tree.path_to(leaf_id)
        entries = [self._entry_for(item, images) for item in thread]
        _mark_model_changes(entries)
        self._transcript.replace_entries(entries)
        for entry in entries[-self._transcript.rowCount() or 0 :]:
            self._transcript.entry_changed(entry)

    def _switch_to_leaf(self, leaf_id: str) -> None:
        conversation = self.conversation
        if conversation is None:
            return
        self._show_thread(leaf_id)
        conversation_id = conversation.id
        self.conversation = replace(conversation, active_leaf_id=leaf_id)
        self._watch(
            self._gateway.run(
                "switch-branch",
                lambda store: store.conversations.set_active_leaf(conversation_id, leaf_id),
            )
        )

    # -- actions on messages -------------------------------------------------------------------

    def switch_sibling(self, entry: TranscriptEntry, step: int) -> None:
        """ "‹" / "›": shows the previous or next version of this message and its replies."""
        if self.answering or entry.message_id is None:
            return
        position = entry.sibling_position - 1 + step
        if not 0 <= position < len(entry.siblings):
            return
        self._switch_to_leaf(self.tree.newest_leaf_below(entry.siblings[position]))

    def delete_message(self, entry: TranscriptEntry) -> None:
        """Erases the message and its replies (for real: the store overwrites them)."""
        conversation = self.conversation
        message_id = entry.message_id
        if self.answering or conversation is None or message_id is None:
            return
        generation = self._generation
        handle = self._watch(
            self._gateway.run(
                "delete-message", lambda store: store.conversations.delete_message(message_id)
            )
        )

        def deleted(_count: object) -> None:
            if generation != self._generation or message_id not in self.tree:
                return
            parent = self.tree.get(message_id).parent_id
            for gone in self.tree.remove_subtree(message_id):
                self._entries.pop(gone, None)
            remaining = self.tree.children(parent)
            if remaining:
                leaf: str | None = self.tree.newest_leaf_below(remaining[-1])
            else:
                leaf = parent if parent is not None else self.tree.default_leaf()
            self._show_thread(leaf)

        handle.succeeded.connect(deleted)

    # -- asking --------------------------------------------------------------------------------

    def send(
        self,
        text: str,
        model: str,
        info: ModelInfo | None = None,
        images: Sequence[ImageAttachment] = (),
        *,
        title: str = "",
    ) -> bool:
        """Saves the question, then asks ``model``. False if nothing was sent."""
        if self.answering or not (text.strip() or images):
            return False
        parent = self._last_message_id()
        return self._ask_with_question(text, model, info, images, parent, title=title)

    def edit_and_resend(
        self,
        entry: TranscriptEntry,
        text: str,
        model: str,
        info: ModelInfo | None = None,
        images: Sequence[ImageAttachment] | None = None,
    ) -> bool:
        """Sends a corrected question as a new version; the old one and its answer stay."""
        if self.answering or entry.role != "user" or not (text.strip() or images):
            return False
        position = self._position(entry)
        if position is None:
            return False
        self._truncate_to(position)
        if images is not None:
            return self._ask_with_question(text, model, info, images, entry.parent_id)
        images = [
            ImageAttachment(f"image-{number}", "image/png", data)
            for number, data in enumerate(entry.images, 1)
        ]
        return self._ask_with_question(text, model, info, images, entry.parent_id)

    def regenerate(self, entry: TranscriptEntry, model: str, info: ModelInfo | None = None) -> bool:
        """Asks again for this answer; the earlier answer stays as a sibling ("‹ 1/2 ›")."""
        if self.answering or entry.role != "assistant" or self.conversation is None:
            return False
        position = self._position(entry)
        if position is None or entry.parent_id is None:
            return False
        self._truncate_to(position)
        return self._ask(model, info, entry.parent_id)

    def continue_answer(
        self, entry: TranscriptEntry, model: str, info: ModelInfo | None = None
    ) -> bool:
        """Lets the model carry on from where a stopped or interrupted answer ended.

        The answer grows in place: the continued one starts with the stopped one's words, so
        the stopped one is deleted once the continued one is on disk, instead of staying as
        an earlier version that is only its beginning. It stays when a reply was asked after
        it (with its branch), and when continuing fails (to be continued later)."""
        if self.answering or entry.role != "assistant" or self.conversation is None:
            return False
        if entry.status not in (EntryStatus.STOPPED, EntryStatus.INTERRUPTED) or not entry.content:
            return False
        position = self._position(entry)
        if position is None or entry.parent_id is None:
            return False
        partial = entry.content
        stopped_id = entry.message_id
        replaces = stopped_id if stopped_id and not self.tree.children(stopped_id) else None
        self._truncate_to(position)
        return self._ask(model, info, entry.parent_id, prefix=partial, replaces=replaces)

    def retry_last(self, model: str, info: ModelInfo | None = None) -> bool:
        """After a failed answer: asks again (the failed one stays, marked, as a sibling)."""
        last = self._transcript.last()
        if last is None or self.answering:
            return False
        if last.role == "assistant":
            if last.message_id is None:
                self._transcript.remove_last()
                parent = self._last_message_id()
                if parent is None:
                    return False
                return self._ask(model, info, parent)
            return self.regenerate(last, model, info)
        if last.message_id is not None:
            return self._ask(model, info, last.message_id)
        return False

    def stop(self) -> None:
        handle = self._answer
        if handle is None:
            return
        answer = self._answer_entry
        if answer is not None:
            # Set before the cancel is sent, so the worker sees it when the cancel lands.
            self._answer_stop.shown = ShownLengths(len(answer.content), len(answer.thinking))
        handle.cancel()
        # The handle reports "cancelled" a moment later; the user sees the result at once.
        entry = self._end_answer(EntryStatus.STOPPED)
        if entry is not None:
            # Read back once the store has finished it (the read is queued after the finish).
            handle.finished.connect(lambda e=entry: self._sync_from_store(e))

    # -- internals -----------------------------------------------------------------------------

    def _position(self, entry: TranscriptEntry) -> int | None:
        for position, candidate in enumerate(self._transcript.entries()):
            if candidate is entry:
                return position
        return None

    def _truncate_to(self, position: int) -> None:
        """Shows the branch up to (not including) ``position``; the rest stays in the tree."""
        entries = self._transcript.entries()[:position]
        self._transcript.replace_entries(entries)

    def _last_message_id(self) -> str | None:
        last = self._transcript.last()
        return last.message_id if last is not None else None

    def _history(self) -> list[ChatMessage]:
        messages: list[ChatMessage] = []
        for entry in self._transcript.entries():
            if entry.role == "user":
                messages.append(ChatMessage("user", entry.content, entry.images))
            elif entry.content and entry.status in _SENDABLE:
                messages.append(ChatMessage("assistant", entry.content))
        return messages

    def _request(self, model: str, messages: list[ChatMessage]) -> ChatRequest:
        settings = self.settings
        return ChatRequest(
            model=model,
            messages=tuple(messages),
            system=settings.stored_system_prompt,
            options=settings.to_options(),
        )

    def _ask_with_question(
        self,
        text: str,
        model: str,
        info: ModelInfo | None,
        images: Sequence[ImageAttachment],
        parent_id: str | None,
        *,
        title: str = "",
    ) -> bool:
        question = TranscriptEntry(
            role="user",
            content=text,
            parent_id=parent_id,
            images=tuple(image.data for image in images),
        )
        self._transcript.append(question)
        attachments = [NewAttachment(i.name, i.mime_type, i.data) for i in images]
        conversation = self.conversation
        settings = self.settings

        async def save_question(push: ProgressSink) -> tuple[str, str]:
            current = conversation
            if current is None:
                current = await self._gateway.call(
                    lambda store: store.conversations.create(
                        title=title,
                        model=model,
                        system_prompt=settings.stored_system_prompt,
                        options=settings.options_json(),
                        preset_key=settings.preset_key,
                    )
                )
                push(_ConversationReady(current))
            conversation_id = current.id
            saved = await self._gateway.call(
                lambda store: store.conversations.add_message(
                    conversation_id, parent_id, Role.USER, text, attachments=attachments
                )
            )
            push(_UserSaved(saved))
            return conversation_id, saved.id

        return self._start_answer(model, info, save_question, question=question)

    def _ask(
        self,
        model: str,
        info: ModelInfo | None,
        parent_id: str,
        *,
        prefix: str = "",
        replaces: str | None = None,
    ) -> bool:
        conversation = self.conversation
        if conversation is None:
            return False
        conversation_id = conversation.id

        async def nothing_to_save(_push: ProgressSink) -> tuple[str, str]:
            return conversation_id, parent_id

        return self._start_answer(model, info, nothing_to_save, prefix=prefix, replaces=replaces)

    def _start_answer(
        self,
        model: str,
        info: ModelInfo | None,
        before: Callable[[ProgressSink], Awaitable[tuple[str, str]]],
        *,
        question: TranscriptEntry | None = None,
        prefix: str = "",
        replaces: str | None = None,
    ) -> bool:
        client = self._client_provider()
        messages = self._history()
        if prefix:
            # The model continues its own unfinished message.
            messages.append(ChatMessage("assistant", prefix))
        request = self._request(model, messages)
        answer = TranscriptEntry(
            role="assistant", content="", model=model, status=EntryStatus.STREAMING
        )
        last_user = question or self._transcript.last()
        answer.parent_id = last_user.message_id if last_user is not None else None
        previous_models = [e.model for e in self._transcript.entries() if e.role == "assistant"]
        if previous_models and previous_models[-1] and previous_models[-1] != model:
            answer.model_changed_from = previous_models[-1]
        self._transcript.append(answer)
        if prefix:
            self._transcript.extend_last(prefix)
        self._answer_entry = answer
        gateway = self._gateway
        stop_mark = self._answer_stop = _StopMark()
        self._answer_replaces = replaces

        async def job(push: ProgressSink) -> Message:
            if info is not None:
                ensure_supported(request, info)
            if client is None:
                raise OllamaError(OllamaErrorKind.NOT_RUNNING, "no client for the endpoint")
            conversation_id, parent_id = await before(push)
            return await _stream_answer(
                gateway,
                client,
                request,
                conversation_id,
                parent_id,
                push,
                stop_mark,
                prefix=prefix,
                replaces=replaces,
            )

        handle = self._runner.run("chat", job, merge=merge_events, interval=STREAM_INTERVAL_S)
        handle.progress.connect(self._on_events)
        handle.succeeded.connect(lambda message, h=handle: self._on_finished(h, message))
        handle.failed.connect(lambda error, h=handle: self._on_failed(h, error))
        self._answer = handle
        self.busyChanged.emit(True)
        self.answerStarted.emit(model)
        log.info("chat request started (model %s, %d messages)", model, len(request.messages))
        return True

    def _on_events(self, payload: object) -> None:
        events = payload if isinstance(payload, list) else [payload]
        for event in events:
            if isinstance(event, ChatChunk):
                self._transcript.extend_last(event.content, event.thinking)
                if event.metrics is not None:
                    self._transcript.update_last(metrics=event.metrics)
            elif isinstance(event, _ConversationReady):
                self.conversation = event.conversation
                self.conversationSaved.emit(event.conversation)
            elif isinstance(event, _UserSaved):
                self._question_saved(event.message)
            elif isinstance(event, _AnswerStarted):
                entry = self._answer_entry
                if entry is not None:
                    entry.message_id = event.message_id
                    # The continued answer stands for the stopped one it grows from.
                    siblings = [
                        sibling
                        for sibling in self.tree.children(entry.parent_id)
                        if sibling != self._answer_replaces
                    ]
                    entry.siblings = (*siblings, event.message_id)
                    self._entries[event.message_id] = entry
                    self._transcript.entry_changed(entry)

    def _question_saved(self, message: Message) -> None:
        self.tree.add(message)
        for entry in reversed(self._transcript.entries()):
            if entry.role == "user" and entry.message_id is None:
                entry.message_id = message.id
                entry.siblings = self.tree.siblings(message.id)
                self._entries[message.id] = entry
                self._transcript.entry_changed(entry)
                break
        answer = self._answer_entry
        if answer is not None:
            answer.parent_id = message.id

    def _end_answer(self, status: EntryStatus, **changes: Any) -> TranscriptEntry | None:
        entry = self._answer_entry
        self._answer = None
        self._answer_entry = None
        replaced, self._answer_replaces = self._answer_replaces, None
        if replaced is not None and status in _REPLACES_WHAT_IT_CONTINUED:
            self.tree.remove_subtree(replaced)  # as the store does (see _stream_answer)
            self._entries.pop(replaced, None)
        if entry is not None and entry is self._transcript.last():
            self._transcript.update_last(status=status, **changes)
        self.busyChanged.emit(False)
        return entry

    def _on_finished(self, handle: TaskHandle, message: Message) -> None:
        if handle is not self._answer:
            return
        self.tree.add(message)
        entry = self._end_answer(EntryStatus.COMPLETE)
        if entry is not None:
            entry.siblings = self.tree.siblings(message.id)
            self._transcript.entry_changed(entry)
            self.answerFinished.emit(entry)
        if self.conversation is not None:
            self.conversation = replace(self.conversation, active_leaf_id=message.id)
            self.conversationSaved.emit(self.conversation)

    def _on_failed(self, handle: TaskHandle, error: object) -> None:
        if handle is not self._answer:
            return
        entries = self._transcript.entries()
        last_user = next((e for e in reversed(entries) if e.role == "user"), None)
        if last_user is not None and last_user.message_id is None:
            # The question never reached the disk (or was refused before): give it back
            # to the composer rather than pretend it was sent.
            self._answer = None
            self._answer_entry = None
            while self._transcript.last() is not last_user:
                self._transcript.remove_last()
            self._transcript.remove_last()
            self.busyChanged.emit(False)
            self.unsentText.emit(last_user.content)
            self.answerFailed.emit(error)
            return
        entry = self._end_answer(EntryStatus.ERROR)
        if entry is not None:
            self._sync_from_store(entry)
        self.answerFailed.emit(error)

    def _sync_from_store(self, entry: TranscriptEntry) -> None:
        """Reads back an answer ended by Stop or an error: the store has the final word."""
        message_id = entry.message_id
        if message_id is None:
            return
        generation = self._generation
        handle = self._gateway.run(
            "read-answer", lambda store: store.conversations.get_message(message_id)
        )

        def read(message: Message) -> None:
            if generation != self._generation:
                return
            self.tree.add(message)
            entry.siblings = self.tree.siblings(message.id)
            if entry.content != message.content:
                entry.content = message.content
                entry.rendered = None
            self._transcript.entry_changed(entry)

        handle.succeeded.connect(read)


async def _stream_answer(
    gateway: StoreGateway,
    client: OllamaClient,
    request: ChatRequest,
    conversation_id: str,
    parent_id: str,
    push: ProgressSink,
    stop_mark: _StopMark,
    *,
    prefix: str = "",
    replaces: str | None = None,
) -> Message:
    """Streams the answer into the store: appended in memory, saved once a second, and
    finished with the right status whatever happens (Stop, an error, success).

    Stopped by the user, it keeps what was on screen at Stop: the words that arrived while
    the cancel was on its way (a moment on a busy machine) would otherwise appear after it."""
    writer = await gateway.call(
        lambda store: store.begin_answer(conversation_id, parent_id, request.model)
    )
    push(_AnswerStarted(writer.message_id))
    if prefix:
        writer.append(prefix)
    status = MessageStatus.ERROR
    error_code: str | None = None
    metrics: ChatMetrics | None = None
    last_save = time.monotonic()
    try:
        async with contextlib.aclosing(client.chat(request)) as stream:
            async for chunk in stream:
                writer.append(chunk.content, chunk.thinking)
                push(chunk)
                if chunk.metrics is not None:
                    metrics = chunk.metrics
                now = time.monotonic()
                if now - last_save >= SAVE_INTERVAL_S:
                    last_save = now
                    await gateway.call(lambda _store: writer.flush())
        status = MessageStatus.COMPLETE
    except asyncio.CancelledError:
        status = MessageStatus.STOPPED
        raise
    except OllamaError as failure:
        error_code = failure.kind.value
        raise
    except Exception as failure:
        error_code = type(failure).__name__
        raise
    finally:
        shown = stop_mark.shown if status is MessageStatus.STOPPED else None
        # Queued after every save made so far; it runs even if this task was cancelled.
        finished = gateway.submit(
            lambda _store: writer.finish(status, stats_from(metrics), error_code, shown)
        )
        if replaces is not None and _STATUS[status] in _REPLACES_WHAT_IT_CONTINUED:
            # Only now: until the continued answer is finished on disk, a crash must find the
            # stopped one still there. The continued one holds its words from the start.
            gateway.submit(lambda store: store.conversations.delete_message(replaces))
    return await asyncio.wrap_future(finished)


@dataclass
class _StopMark:
    """What the user had on screen when they pressed Stop (None: not stopped by the user)."""

    shown: ShownLengths | None = None


def _mark_model_changes(entries: list[TranscriptEntry]) -> None:
    previous = ""
    for entry in entries:
        if entry.role != "assistant" or not entry.model:
            continue
        entry.model_changed_from = previous if previous and previous != entry.model else None
        previous = entry.model


def summary_request(entries: Sequence[TranscriptEntry], model: str, num_ctx: int) -> ChatRequest:
    """Asks the model for a summary that can start a new chat when this one is full."""
    messages = [
        ChatMessage("user" if e.role == "user" else "assistant", e.content)
        for e in entries
        if e.content and (e.role == "user" or e.status in _SENDABLE)
    ]
    messages.append(
        ChatMessage(
            "user",
            "Summarise our conversation so far in the language we used: the facts, "
            "decisions and open questions, so that it can continue in a new chat. "
            "Write only the summary.",
        )
    )
    return ChatRequest(model=model, messages=tuple(messages), options=ChatOptions(num_ctx=num_ctx))


__all__ = ["ChatSession", "merge_events", "summary_request"]
