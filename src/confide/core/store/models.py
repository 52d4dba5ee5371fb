"""The plain values the store hands to the UI. Immutable; no database handles inside."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias

JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"
JSONObject = dict[str, JSONValue]


class Role(enum.Enum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class MessageStatus(enum.Enum):
    STREAMING = "streaming"
    """Being written right now (``AnswerWriter.snapshot``); never stored: after a crash the
    saved part is stored as INTERRUPTED."""
    COMPLETE = "complete"
    STOPPED = "stopped"
    """The user pressed Stop; the text is what had arrived."""
    INTERRUPTED = "interrupted"
    """The app or computer stopped mid-answer; the text is what had been saved."""
    ERROR = "error"
    """The model failed; ``Message.error`` says why (no user text in it)."""


FINAL_STATUSES = frozenset(
    {MessageStatus.COMPLETE, MessageStatus.STOPPED, MessageStatus.INTERRUPTED, MessageStatus.ERROR}
)


@dataclass(frozen=True, slots=True)
class MessageStats:
    """Ollama's generation figures for one answer; all optional."""

    eval_count: int | None = None
    eval_duration_ns: int | None = None
    prompt_eval_count: int | None = None
    prompt_eval_duration_ns: int | None = None
    load_duration_ns: int | None = None
    total_duration_ns: int | None = None

    @property
    def tokens_per_second(self) -> float | None:
        if not self.eval_count or not self.eval_duration_ns:
            return None
        return self.eval_count / (self.eval_duration_ns / 1e9)


@dataclass(frozen=True, slots=True)
class Attachment:
    """Metadata only; the bytes come from ``ConversationStore.attachment_data``."""

    id: str
    message_id: str
    name: str
    mime_type: str
    size: int
    sha256: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewAttachment:
    name: str
    mime_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    conversation_id: str
    parent_id: str | None
    role: Role
    content: str
    thinking: str
    model: str | None
    status: MessageStatus
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    stats: MessageStats = field(default_factory=MessageStats)
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    title: str
    model: str | None
    system_prompt: str | None
    options: JSONObject
    preset_key: str | None
    pinned: bool
    active_leaf_id: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One row of the conversation list."""

    id: str
    title: str
    model: str | None
    pinned: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class Preset:
    """A reusable system prompt plus options. Built-ins have stable keys the UI translates."""

    key: str
    name: str
    system_prompt: str
    options: JSONObject
    builtin: bool
    position: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching message. ``highlights`` are (start, end) offsets into ``snippet``."""

    message_id: str
    conversation_id: str
    conversation_title: str
    role: Role
    model: str | None
    created_at: datetime
    snippet: str
    highlights: tuple[tuple[int, int], ...]
