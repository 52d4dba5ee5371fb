"""What happens between a chat/generate request and its first byte, and how text becomes tokens.

Token estimate (the double has no tokenizer): a text costs ceil(len(text) / 4) tokens; a chat
prompt costs 1 (BOS) + per message (4 + content tokens, + 768 per image on vision models) + 3
for the assistant header; the model's SYSTEM is prepended when the request has no system
message. That puts "Say hello" at 11 prompt tokens, as in the captured transcript.
Replies are cut into tokens of at most 6 characters, a leading space kept with its word.
"""

from __future__ import annotations

import math
import re
import secrets
import string
import time
from dataclasses import dataclass
from typing import Any

from .behaviours import BUSY, Behaviour
from .exchange import Exchange
from .state import DaemonState, Installed, Runner

IMAGE_TOKENS = 768
PROMPT_TOO_LONG = (
    "the prompt is longer than the context length currently available to the model; shorten the "
    "prompt, adjust the context length in settings, or use a model with a longer context length"
)

_TOKEN = re.compile(r" ?[^\s]{1,6}|\s")

# api.Options / api.Runner fields and the type names used in the daemon's error message.
OPTION_TYPES = {
    "num_ctx": "integer",
    "num_batch": "integer",
    "num_gpu": "integer",
    "main_gpu": "integer",
    "use_mmap": "boolean",
    "num_thread": "integer",
    "num_keep": "integer",
    "seed": "integer",
    "num_predict": "integer",
    "top_k": "integer",
    "top_p": "float32",
    "min_p": "float32",
    "typical_p": "float32",
    "repeat_last_n": "integer",
    "temperature": "float32",
    "repeat_penalty": "float32",
    "presence_penalty": "float32",
    "frequency_penalty": "float32",
    "stop": "array",
    "draft_num_predict": "integer",
}


def count_tokens(text: str) -> int:
    return math.ceil(len(text) / 4) if text else 0


def split_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def option_error(options: dict[str, Any]) -> str | None:
    """opts.FromMap: unknown keys are ignored, wrongly typed known keys are an error (-> 500)."""
    for key, value in options.items():
        kind = OPTION_TYPES.get(key)
        if kind is None or value is None:
            continue
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind in ("integer", "float32") and not number:
            return f'option "{key}" must be of type {kind}'
        if kind == "boolean" and not isinstance(value, bool):
            return f'option "{key}" must be of type boolean'
        if kind == "array":
            if not isinstance(value, list):
                return f'option "{key}" must be of type array'
            if not all(isinstance(item, str) for item in value):
                return f'option "{key}" must be of an array of strings'
    return None


def effective_options(model: Installed, requested: dict[str, Any]) -> dict[str, Any]:
    """Defaults < Modelfile PARAMETERs < request options."""
    merged = dict(model.spec.parameters or {})
    merged.update({k: v for k, v in requested.items() if v is not None})
    return merged


def effective_num_ctx(model: Installed, options: dict[str, Any], default: int) -> int:
    num_ctx = int(options.get("num_ctx") or default)
    if model.spec.context_length:
        num_ctx = min(num_ctx, model.spec.context_length)
    if "vision" in model.spec.capabilities:
        num_ctx = max(num_ctx, 2048)
    return max(num_ctx, 4)


def num_predict(options: dict[str, Any]) -> int | None:
    value = options.get("num_predict")
    return int(value) if isinstance(value, (int, float)) and value > 0 else None


def apply_stop(text: str, options: dict[str, Any]) -> tuple[str, bool]:
    """Cuts the reply at the first stop sequence; True if one was hit."""
    stops = options.get("stop") or []
    cut = min((text.find(s) for s in stops if isinstance(s, str) and s and s in text), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


# --- prompts and truncation -------------------------------------------------------------------


def _message_tokens(message: dict[str, Any], vision: bool) -> int:
    images = len(message.get("images") or []) if vision else 0
    return 4 + count_tokens(str(message.get("content") or "")) + IMAGE_TOKENS * images


def chat_prompt_tokens(messages: list[dict[str, Any]], vision: bool) -> int:
    return 1 + sum(_message_tokens(m, vision) for m in messages) + 3


def truncate_messages(
    messages: list[dict[str, Any]], num_ctx: int, vision: bool
) -> list[dict[str, Any]]:
    """Drops the oldest non-system messages until the prompt fits (always keeps the last one and
    the system messages before the cut), as chatPrompt does. Silent: only the count shows it."""
    for start in range(len(messages)):
        kept = [m for m in messages[:start] if m.get("role") == "system"] + messages[start:]
        if chat_prompt_tokens(kept, vision) <= num_ctx:
            return kept
    return [m for m in messages[:-1] if m.get("role") == "system"] + messages[-1:]


def tool_call_id() -> str:
    return "call_" + "".join(
        secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8)
    )


def tool_calls_wire(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """api.ToolCall in struct order; `index` has no omitempty so it is always there."""
    out = []
    for index, call in enumerate(calls):
        function = {
            "index": call.get("index", index),
            "name": call["name"],
            "arguments": call.get("arguments", {}),
        }
        out.append({"id": call.get("id") or tool_call_id(), "function": function})
    return out


# --- scheduling -------------------------------------------------------------------------------


@dataclass
class Scheduled:
    """A request that holds a slot on a loaded runner; `release()` exactly once."""

    state: DaemonState
    runner: Runner
    slot_key: str
    load_ns: int

    def release(self) -> None:
        self.state.release_runner(self.runner)
        self.state.release_slot(self.slot_key)


def schedule(
    ex: Exchange, model: Installed, beh: Behaviour, num_ctx: int, keep_alive: float
) -> Scheduled | None:
    """Queue for a slot, then load the model if needed; nothing is written meanwhile.

    Returns None when it has answered (503) or the client left (counted as cancelled).
    """
    state = ex.daemon.state
    conn = ex.conn
    if beh.busy:
        ex.error(503, BUSY)
        return None
    key = model.name.key
    outcome = state.acquire_slot(
        key, max(1, beh.num_parallel), beh.max_queue, alive=lambda: not conn.gone()
    )
    if outcome == "busy":
        ex.error(503, BUSY)
        return None
    if outcome == "gone":
        state.mark_cancelled(ex.record, "queue", generation=True)
        return None
    started = time.monotonic_ns()
    runner, needs_load = state.claim_runner(model, num_ctx, keep_alive)
    if needs_load:
        alive = conn.pause(beh.load_delay)
    else:
        alive = conn.pause(0)
        while alive and runner.loading:
            alive = conn.pause(0.01)
    if not alive:
        state.release_runner(runner, failed_load=needs_load)
        state.release_slot(key)
        state.mark_cancelled(ex.record, "load", generation=True)
        return None
    if needs_load:
        state.runner_loaded(runner)
    # A loaded model still costs the scheduler a moment; never report 0 (it would be omitted).
    load_ns = max(time.monotonic_ns() - started, 250_000)
    return Scheduled(state, runner, key, load_ns)
