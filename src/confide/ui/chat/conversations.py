"""Keeps the sidebar in step with the store: listing, renaming, pinning, deleting with undo.

Deleting moves a conversation to the bin at once (it disappears from the list) and shows
"Undo" for a few seconds; when that time is up it is erased for real (overwritten, the
write-ahead log truncated, the file's free pages vacuumed). A conversation still in the bin
when the app quits or crashes is erased at the next start.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject

from confide.core.store import Store
from confide.core.store.models import Conversation, ConversationSummary
from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.conversation_list import ConversationListModel
from confide.ui.chat.sidebar import Sidebar
from confide.ui.history import ConversationExporter
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskHandle
from confide.ui.undo_bar import UndoBar

log = logging.getLogger(__name__)

LIST_LIMIT = 1_000_000  # the list model handles every conversation; no paging needed


def summary_of(conversation: Conversation) -> ConversationSummary:
    return ConversationSummary(
        id=conversation.id,
        title=conversation.title,
        model=conversation.model,
        pinned=conversation.pinned,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        deleted_at=conversation.deleted_at,
    )


class ConversationsController(QObject):
    def __init__(
        self,
        gateway: StoreGateway,
        sidebar: Sidebar,
        conversations: ConversationListModel,
        undo_bar: UndoBar,
        chat: ChatPage,
        exporter: ConversationExporter,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._gateway = gateway
        self._sidebar = sidebar
        self._list = conversations
        self._undo_bar = undo_bar
        self._chat = chat
        self._exporter = exporter
        self._pending_deletion: str | None = None
        sidebar.conversationActivated.connect(self.open)
        sidebar.newChatRequested.connect(chat.new_chat)
        sidebar.renameRequested.connect(self.rename)
        sidebar.pinRequested.connect(self.set_pinned)
        sidebar.deleteRequested.connect(self.delete)
        sidebar.exportRequested.connect(self.export)
        undo_bar.undone.connect(self._undo_delete)
        undo_bar.expired.connect(self._erase_deleted)
        chat.conversationSaved.connect(self._saved)
        chat.session.conversationChanged.connect(self._shown)

    def _run(self, name: str, call: object) -> TaskHandle:
        handle = self._gateway.run(name, call)  # type: ignore[arg-type]
        handle.failed.connect(self._failed)
        return handle

    def _failed(self, error: object) -> None:
        if isinstance(error, BaseException):
            self._chat.show_problem(error)

    def load(self) -> None:
        """Lists every conversation; also erases any left in the bin by a previous run."""

        def read(store: Store) -> list[ConversationSummary]:
            store.purge_deleted()
            return store.conversations.list_conversations(limit=LIST_LIMIT)

        self._run("list-conversations", read).succeeded.connect(self._list.set_conversations)

    def open(self, conversation_id: str, reveal_message_id: str | None = None) -> None:
        self._chat.open_conversation(conversation_id, reveal_message_id)
        self._sidebar.select(conversation_id)

    def _shown(self, conversation: Conversation | None) -> None:
        self._sidebar.select(conversation.id if conversation is not None else None)

    def _saved(self, conversation: Conversation) -> None:
        self._list.upsert(summary_of(conversation))
        self._sidebar.select(conversation.id)

    def _refresh(self, conversation_id: str) -> None:
        handle = self._run(
            "read-conversation", lambda store: store.conversations.get(conversation_id)
        )
        handle.succeeded.connect(self._updated)

    def _updated(self, conversation: Conversation) -> None:
        self._list.upsert(summary_of(conversation))
        current = self._chat.session.conversation
        if current is not None and current.id == conversation.id:
            self._chat.session.conversation = conversation

    def rename(self, conversation_id: str, title: str) -> None:
        def rename(store: Store) -> Conversation:
            store.conversations.rename(conversation_id, title)
            return store.conversations.get(conversation_id)

        self._run("rename", rename).succeeded.connect(self._updated)

    def set_pinned(self, conversation_id: str, pinned: bool) -> None:
        def pin(store: Store) -> Conversation:
            store.conversations.set_pinned(conversation_id, pinned)
            return store.conversations.get(conversation_id)

        self._run("pin", pin).succeeded.connect(self._updated)

    def delete(self, conversation_id: str) -> None:
        current = self._chat.session.conversation
        if current is not None and current.id == conversation_id and self._chat.answering:
            self._chat.stop()
        summary = self._list.summary(conversation_id)
        title = summary.title if summary is not None else ""
        # A second deletion makes the first one final (UndoBar emits expired for it first).
        self._undo_bar.show_message(
            self.tr("“%1” deleted.").replace("%1", title) if title else self.tr("Deleted."),
            self.tr("Undo"),
        )
        self._pending_deletion = conversation_id
        self._list.remove(conversation_id)
        if current is not None and current.id == conversation_id:
            self._chat.new_chat()
        self._run(
            "delete-conversation",
            lambda store: store.conversations.soft_delete(conversation_id),
        )

    def _undo_delete(self) -> None:
        conversation_id, self._pending_deletion = self._pending_deletion, None
        if conversation_id is None:
            return

        def restore(store: Store) -> Conversation:
            store.conversations.undelete(conversation_id)
            return store.conversations.get(conversation_id)

        self._run("undelete", restore).succeeded.connect(self._restored)

    def _restored(self, conversation: Conversation) -> None:
        self._list.upsert(summary_of(conversation))
        self.open(conversation.id)

    def _erase_deleted(self) -> None:
        conversation_id, self._pending_deletion = self._pending_deletion, None
        if conversation_id is None:
            return
        # Straight onto the store's queue (not through a task), so that it is done even when
        # this happens on the way out; if it fails, the next start erases what is in the bin.
        erased = self._gateway.submit(
            lambda store: store.conversations.erase_conversations([conversation_id])
        )
        erased.add_done_callback(
            lambda done: log.info(
                "erasing a deleted conversation: %s",
                "failed" if done.exception() else "done",
            )
        )

    def finish(self) -> None:
        """At quit: a deletion still waiting for Undo becomes final now."""
        self._undo_bar.finish()

    def export(self, conversation_id: str) -> None:
        summary = self._list.summary(conversation_id)
        current = self._chat.session.conversation
        leaf = (
            current.active_leaf_id
            if current is not None and current.id == conversation_id
            else None
        )
        self._exporter.export(conversation_id, summary.title if summary else "", leaf)
