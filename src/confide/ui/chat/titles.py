"""Names a new conversation after its first answer, with the same model, in the background.

Until then (or if the model gives nothing usable, or titles are turned off) the conversation
keeps the first words of its first question. Nothing waits for this: the user can go on
typing, and a title that arrives for a conversation renamed meanwhile is dropped.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from confide.core.chat_titles import clean_title, title_request
from confide.core.ollama.client import OllamaClient
from confide.core.store import Store
from confide.core.store.models import Conversation
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import ProgressSink, TaskRunner

log = logging.getLogger(__name__)


class TitleMaker(QObject):
    titled = Signal(object)  # the renamed Conversation

    def __init__(
        self,
        runner: TaskRunner,
        gateway: StoreGateway,
        client_provider: Callable[[], OllamaClient | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._gateway = gateway
        self._client_provider = client_provider

    def make(
        self,
        conversation: Conversation,
        question: str,
        answer: str,
        model: str,
        num_ctx: int | None = None,
        *,
        can_think: bool = False,
    ) -> None:
        client = self._client_provider()
        if client is None:
            return
        request = title_request(
            question, answer, model, num_ctx=num_ctx, think=False if can_think else None
        )
        placeholder = conversation.title
        conversation_id = conversation.id
        gateway = self._gateway

        async def job(_push: ProgressSink) -> Conversation | None:
            parts: list[str] = []
            async with contextlib.aclosing(client.chat(request)) as stream:
                async for chunk in stream:
                    parts.append(chunk.content)
            title = clean_title("".join(parts))
            if title is None:
                return None

            def rename(store: Store) -> Conversation | None:
                current = store.conversations.get(conversation_id)
                if current.title != placeholder:
                    return None  # the user named it meanwhile: theirs wins
                store.conversations.rename(conversation_id, title)
                return store.conversations.get(conversation_id)

            return await gateway.call(rename)

        handle = self._runner.run("title", job)
        handle.succeeded.connect(self._done)
        handle.failed.connect(
            lambda error: log.info("no title generated: %s", type(error).__name__)
        )

    def _done(self, conversation: object) -> None:
        if isinstance(conversation, Conversation):
            self.titled.emit(conversation)
