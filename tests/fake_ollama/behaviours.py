"""Per-test scripting: how the fake daemon should behave.

`Behaviour` holds every knob with a daemon-like default. `FakeOllama.behaviour` is the global
one; `FakeOllama.script(model=..., once=..., **knobs)` layers overrides on top for one model
(or all) and optionally for the next request only. Generation requests (chat, generate, embed)
resolve their effective behaviour once, when they arrive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from .names import parse_name

# A reply may be a fixed text or computed from the decoded request body.
TextSource = str | Callable[[dict[str, Any]], str]

RUNNER_ERROR = "an error was encountered while running the model: unexpected EOF"
RUNNER_DIED = (
    "model runner has unexpectedly stopped, this may be due to resource limitations or an "
    "internal error, check ollama server logs for details"
)
BUSY = "server busy, please try again.  maximum pending requests exceeded"


@dataclass
class Behaviour:
    """Every knob of the double. Times are seconds, rates per second."""

    # identity
    version: str = "0.33.0"
    # what the model says; None = a default echo of the last user message
    reply: TextSource | None = None
    # reasoning text for thinking models; None = a default sentence
    thinking: TextSource | None = None
    # tool calls to emit (when the request has tools): [{"name": ..., "arguments": {...}}]
    tool_calls: list[dict[str, Any]] | None = None
    tool_calls_in_final: bool = False  # native path: tool calls only in the done:true chunk
    # timing
    token_rate: float | None = None  # tokens/s; None or 0 = as fast as possible
    load_delay: float = 0.0  # when the model must be (re)loaded; headers are withheld meanwhile
    prompt_eval_delay: float = 0.0  # every request, before the first token; headers withheld
    # failures
    error_after: int | None = None  # mid-stream {"error": error_message} after N chunks
    error_message: str = RUNNER_ERROR
    drop_after: int | None = None  # hang up after N chunks without the terminating chunk
    no_final_chunk: bool = False  # end the stream cleanly without the done:true chunk
    busy: bool = False  # 503 server busy (two spaces, as the daemon writes it)
    runner_died: bool = False  # 500 model runner has unexpectedly stopped
    # downloads
    progress_interval: float = 0.06  # seconds between pull progress lines
    pull_rate: float | None = 200e6  # bytes/s per blob; None = instant
    # scheduler and server configuration (OLLAMA_* environment of a real daemon)
    default_num_ctx: int = 4096  # OLLAMA_CONTEXT_LENGTH / VRAM tier
    keep_alive: float = 300.0  # OLLAMA_KEEP_ALIVE, seconds
    num_parallel: int = 1  # OLLAMA_NUM_PARALLEL
    max_queue: int = 512  # OLLAMA_MAX_QUEUE
    allowed_origins: tuple[str, ...] = ()  # extra OLLAMA_ORIGINS entries; ("*",) allows all
    ps_blocks_during_load: bool = True  # /api/ps waits for loads in progress, like the daemon
    vram_fraction: float = 1.0  # size_vram / size in /api/ps


def knob_names() -> set[str]:
    return {f.name for f in fields(Behaviour)}


@dataclass
class Script:
    """Overrides for one model (or every model when `model` is None)."""

    model: str | None
    overrides: dict[str, Any]
    once: bool
    _owner: Scripts | None = None

    def matches(self, model: str) -> bool:
        if self.model is None:
            return True
        wanted, got = parse_name(self.model), parse_name(model)
        if wanted is None or got is None:
            return self.model.lower() == model.lower()
        return wanted.key == got.key

    def remove(self) -> None:
        if self._owner is not None:
            self._owner.remove(self)


class Scripts:
    """The ordered list of overrides; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Script] = []

    def add(self, model: str | None, once: bool, overrides: dict[str, Any]) -> Script:
        unknown = set(overrides) - knob_names()
        if unknown:
            raise TypeError(f"unknown behaviour knob(s): {', '.join(sorted(unknown))}")
        script = Script(model, dict(overrides), once, self)
        with self._lock:
            self._items.append(script)
        return script

    def remove(self, script: Script) -> None:
        with self._lock:
            if script in self._items:
                self._items.remove(script)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def resolve(self, base: Behaviour, model: str, *, consume: bool) -> Behaviour:
        """Base knobs, then every matching persistent script, then the first matching one-shot."""
        merged: dict[str, Any] = {}
        with self._lock:
            for script in self._items:
                if not script.once and script.matches(model):
                    merged.update(script.overrides)
            for script in self._items:
                if script.once and script.matches(model):
                    merged.update(script.overrides)
                    if consume:
                        self._items.remove(script)
                    break
        return replace(base, **merged) if merged else replace(base)


def text_of(source: TextSource | None, body: dict[str, Any], default: str) -> str:
    if source is None:
        return default
    return source(body) if callable(source) else source
