"""Typed values exchanged with the daemon (plain dataclasses, no pydantic in the app)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]
ThinkSetting = bool | Literal["low", "medium", "high"] | None


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str
    images: tuple[bytes, ...] = ()
    thinking: str = ""

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.thinking:
            wire["thinking"] = self.thinking
        if self.images:
            # The daemon decodes []byte: standard alphabet, padded, no data: prefix.
            wire["images"] = [base64.b64encode(image).decode("ascii") for image in self.images]
        return wire


@dataclass(frozen=True)
class ChatOptions:
    temperature: float | None = None
    num_ctx: int | None = None
    seed: int | None = None
    top_p: float | None = None
    top_k: int | None = None
    num_predict: int | None = None
    stop: tuple[str, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            key: value
            for key, value in (
                ("temperature", self.temperature),
                ("num_ctx", self.num_ctx),
                ("seed", self.seed),
                ("top_p", self.top_p),
                ("top_k", self.top_k),
                ("num_predict", self.num_predict),
            )
            if value is not None
        }
        if self.stop:
            wire["stop"] = list(self.stop)
        return wire


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: tuple[ChatMessage, ...]
    system: str | None = None
    think: ThinkSetting = None
    options: ChatOptions = field(default_factory=ChatOptions)
    keep_alive: float | str | None = None

    def to_wire(self) -> dict[str, Any]:
        messages = [message.to_wire() for message in self.messages]
        if self.system:
            messages.insert(0, {"role": "system", "content": self.system})
        body: dict[str, Any] = {"model": self.model, "messages": messages, "stream": True}
        if self.think is not None:
            body["think"] = self.think
        options = self.options.to_wire()
        if options:
            body["options"] = options
        if self.keep_alive is not None:
            body["keep_alive"] = self.keep_alive
        return body


@dataclass(frozen=True)
class ChatMetrics:
    """The final chunk's figures. Durations are nanoseconds, as on the wire."""

    done_reason: str
    total_duration: int = 0
    load_duration: int = 0
    prompt_eval_count: int = 0
    prompt_eval_duration: int = 0
    eval_count: int = 0
    eval_duration: int = 0

    @property
    def tokens_per_second(self) -> float | None:
        if self.eval_count and self.eval_duration:
            return self.eval_count / self.eval_duration * 1e9
        return None


@dataclass(frozen=True, slots=True)
class ChatChunk:
    content: str
    thinking: str
    done: bool
    metrics: ChatMetrics | None = None


@dataclass(frozen=True)
class ModelDetails:
    family: str = ""
    parameter_size: str = ""
    quantization: str = ""
    format: str = ""


@dataclass(frozen=True)
class InstalledModel:
    name: str
    size: int
    digest: str
    modified_at: datetime | None
    details: ModelDetails


@dataclass(frozen=True)
class ModelInfo:
    name: str
    capabilities: frozenset[str]
    context_length: int | None
    details: ModelDetails
    template: str = ""
    parameters: str = ""
    license: str = ""
    parameter_count: int | None = None

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def can_think(self) -> bool:
        return "thinking" in self.capabilities

    @property
    def can_see(self) -> bool:
        return "vision" in self.capabilities


@dataclass(frozen=True)
class RunningModel:
    name: str
    size: int
    size_vram: int
    context_length: int | None
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class PullProgress:
    status: str
    digest: str = ""
    total: int = 0
    completed: int = 0

    @property
    def is_layer(self) -> bool:
        return bool(self.digest)


@dataclass(frozen=True)
class CreateProgress:
    status: str
    total: int = 0
    completed: int = 0
