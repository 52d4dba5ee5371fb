"""What a model says and how each endpoint frames it.

`plan_reply` turns the scripted behaviour into a token plan (thinking, then content, then tool
calls; cut by num_predict or a full context), and the emitters build chat/generate chunks with
the Go structs' field order and omitempty rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .behaviours import Behaviour, text_of
from .generation import apply_stop, num_predict, split_tokens, tool_calls_wire
from .wire import utc_timestamp


@dataclass
class Piece:
    kind: str  # "thinking", "content" or "tools"
    text: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Plan:
    pieces: list[Piece]
    done_reason: str
    prompt_tokens: int
    final_calls: list[dict[str, Any]] = field(default_factory=list)


def plan_reply(
    beh: Behaviour,
    body: dict[str, Any],
    request_json: dict[str, Any],
    *,
    thinks: bool,
    default_reply: str,
    options: dict[str, Any],
    prompt_tokens: int,
    num_ctx: int,
    want_tools: bool,
) -> Plan:
    calls = tool_calls_wire(beh.tool_calls) if want_tools and beh.tool_calls else []
    thinking = (
        text_of(beh.thinking, request_json, "The user wants a short answer. I will reply briefly.")
        if thinks
        else ""
    )
    reply = "" if calls and beh.reply is None else text_of(beh.reply, request_json, default_reply)
    reply, _stopped = apply_stop(reply, options)
    tokens = [Piece("thinking", t) for t in split_tokens(thinking)]
    tokens += [Piece("content", t) for t in split_tokens(reply)]
    limit = num_predict(options)
    if body.get("shift") is False:
        room = max(0, num_ctx - prompt_tokens)
        limit = room if limit is None else min(limit, room)
    done_reason = "stop"
    if limit is not None and len(tokens) > limit:
        tokens, done_reason = tokens[:limit], "length"
    plan = Plan(tokens, done_reason, prompt_tokens)
    if calls and done_reason == "stop":
        if beh.tool_calls_in_final:
            plan.final_calls = calls
        else:
            plan.pieces.append(Piece("tools", calls=calls))
    return plan


class Emitter:
    """Builds one endpoint's chunks (field order = the Go struct's)."""

    def __init__(self, model: str) -> None:
        self.model = model

    def chunk(self, piece: Piece) -> dict[str, Any]:
        raise NotImplementedError

    def final(self, plan: Plan, metrics: dict[str, int], done: bool) -> dict[str, Any]:
        raise NotImplementedError

    def aggregate(
        self, plan: Plan, sent: list[Piece], metrics: dict[str, int], done: bool
    ) -> dict[str, Any]:
        raise NotImplementedError


def assistant_message(
    content: str, thinking: str = "", calls: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if thinking:
        message["thinking"] = thinking
    if calls:
        message["tool_calls"] = calls
    return message


class ChatEmitter(Emitter):
    def __init__(self, model: str, want_tools: bool) -> None:
        super().__init__(model)
        self.want_tools = want_tools

    def chunk(self, piece: Piece) -> dict[str, Any]:
        if piece.kind == "thinking":
            message = assistant_message("", thinking=piece.text)
        elif piece.kind == "tools":
            message = assistant_message("", calls=piece.calls)
        else:
            message = assistant_message(piece.text)
        return {
            "model": self.model,
            "created_at": utc_timestamp(),
            "message": message,
            "done": False,
        }

    def final(self, plan: Plan, metrics: dict[str, int], done: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model,
            "created_at": utc_timestamp(),
            "message": assistant_message("", calls=plan.final_calls),
            "done": done,
        }
        if done:
            out["done_reason"] = plan.done_reason
            out.update(metrics)
        return out

    def aggregate(
        self, plan: Plan, sent: list[Piece], metrics: dict[str, int], done: bool
    ) -> dict[str, Any]:
        calls = [c for p in sent if p.kind == "tools" for c in p.calls] + (
            plan.final_calls if done else []
        )
        message = assistant_message(
            "".join(p.text for p in sent if p.kind == "content"),
            thinking="".join(p.text for p in sent if p.kind == "thinking"),
            calls=calls if self.want_tools else None,
        )
        out: dict[str, Any] = {
            "model": self.model,
            "created_at": utc_timestamp(),
            "message": message,
            "done": done,
        }
        if done:
            out["done_reason"] = plan.done_reason
            out.update(metrics)
        return out


class GenerateEmitter(Emitter):
    def __init__(self, model: str, raw: bool) -> None:
        super().__init__(model)
        self.raw = raw

    def _base(self, response: str, thinking: str, done: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model,
            "created_at": utc_timestamp(),
            "response": response,
        }
        if thinking:
            out["thinking"] = thinking
        out["done"] = done
        return out

    def chunk(self, piece: Piece) -> dict[str, Any]:
        out = self._base(
            piece.text if piece.kind == "content" else "",
            piece.text if piece.kind == "thinking" else "",
            False,
        )
        if piece.kind == "tools":
            out["tool_calls"] = piece.calls
        return out

    def _finish(
        self, out: dict[str, Any], plan: Plan, metrics: dict[str, int], calls: list[dict[str, Any]]
    ) -> None:
        out["done_reason"] = plan.done_reason
        if not self.raw:
            count = plan.prompt_tokens + metrics.get("eval_count", 0)
            out["context"] = [(i * 7919) % 32000 + 1 for i in range(count)]
        out.update(metrics)
        if calls:
            out["tool_calls"] = calls

    def final(self, plan: Plan, metrics: dict[str, int], done: bool = True) -> dict[str, Any]:
        out = self._base("", "", done)
        if done:
            self._finish(out, plan, metrics, plan.final_calls)
        return out

    def aggregate(
        self, plan: Plan, sent: list[Piece], metrics: dict[str, int], done: bool
    ) -> dict[str, Any]:
        out = self._base(
            "".join(p.text for p in sent if p.kind == "content"),
            "".join(p.text for p in sent if p.kind == "thinking"),
            done,
        )
        if done:
            calls = [c for p in sent if p.kind == "tools" for c in p.calls] + plan.final_calls
            self._finish(out, plan, metrics, calls)
        return out
