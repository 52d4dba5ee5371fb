"""POST /api/chat and POST /api/generate.

Order of checks follows the daemon: decode -> model -> unload shortcut -> capabilities ->
options -> schedule (queue, load; headers withheld) -> load-only answer -> runner errors ->
prompt evaluation (still withheld) -> tokens. The client hanging up at any point stops the work.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from .behaviours import RUNNER_DIED, Behaviour
from .decoding import CHAT_REQUEST, GENERATE_REQUEST
from .exchange import Exchange, NdjsonStream, decode_or_reply
from .generation import (
    PROMPT_TOO_LONG,
    Scheduled,
    chat_prompt_tokens,
    count_tokens,
    effective_num_ctx,
    effective_options,
    option_error,
    schedule,
    truncate_messages,
)
from .http11 import ClientGone
from .names import parse_name
from .replies import (
    ChatEmitter,
    Emitter,
    GenerateEmitter,
    Piece,
    Plan,
    assistant_message,
    plan_reply,
)
from .state import Installed
from .wire import utc_timestamp

# The runner's answer when a model without a vision projector gets images (the daemon does
# not check the capability itself).
NO_VISION = "this model is missing data required for image input"


def _format_error(fmt: Any) -> str | None:
    if fmt is None or fmt in ("", "json") or isinstance(fmt, dict):
        return None
    raw = json.dumps(fmt, separators=(",", ":"), ensure_ascii=False)
    quoted = json.dumps(raw, ensure_ascii=False)  # Go's %q of the raw bytes
    return f'invalid format: {quoted}; expected "json" or a valid JSON Schema object'


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."


# --- execution --------------------------------------------------------------------------------


def _metrics(
    ex: Exchange,
    sched: Scheduled,
    prompt_tokens: int,
    prompt_ns: int,
    eval_count: int,
    eval_ns: int,
) -> dict[str, int]:
    values = {
        "total_duration": time.monotonic_ns() - ex.arrival_ns,
        "load_duration": sched.load_ns,
        "prompt_eval_count": prompt_tokens,
        "prompt_eval_duration": max(prompt_ns, 1),
        "eval_count": eval_count,
        "eval_duration": max(eval_ns, 1) if eval_count else 0,
    }
    return {key: value for key, value in values.items() if value}  # omitempty


def _fail_before_output(ex: Exchange, stream: bool, status: int, message: str) -> None:
    """An error from the runner before the first chunk: real status, bare JSON when streaming."""
    if stream:
        ex.stream().fail(message, status)
    else:
        ex.error(status, message)


def _execute(
    ex: Exchange,
    sched: Scheduled,
    beh: Behaviour,
    plan: Plan,
    emitter: Emitter,
    stream: bool,
    prompt_ns: int,
) -> None:
    conn, state = ex.conn, ex.daemon.state
    out: NdjsonStream | None = ex.stream() if stream else None
    interval = 1.0 / beh.token_rate if beh.token_rate else 0.0
    sent: list[Piece] = []
    started = time.monotonic_ns()
    try:
        for index in range(len(plan.pieces) + 1):
            if beh.drop_after is not None and len(sent) >= beh.drop_after:
                conn.drop()
                return
            if beh.error_after is not None and len(sent) >= beh.error_after:
                if out is not None:
                    out.fail(beh.error_message)
                else:
                    ex.error(500, beh.error_message)
                return
            if index == len(plan.pieces):
                break
            if not conn.pause(interval):
                state.mark_cancelled(ex.record, "stream", generation=True)
                return
            piece = plan.pieces[index]
            if out is not None:
                out.line(emitter.chunk(piece))
            sent.append(piece)
        eval_count = sum(1 for p in sent if p.kind != "tools")
        metrics = _metrics(
            ex, sched, plan.prompt_tokens, prompt_ns, eval_count, time.monotonic_ns() - started
        )
        done = not beh.no_final_chunk
        if out is not None:
            if done:
                out.line(emitter.final(plan, metrics, True))
            out.finish()
        else:
            ex.json(200, emitter.aggregate(plan, sent, metrics, done))
        with state.lock:
            state.generations_completed += 1
    except ClientGone:
        state.mark_cancelled(ex.record, "stream", generation=True)
        raise


def _run(
    ex: Exchange,
    model: Installed,
    sent_name: str,
    body: dict[str, Any],
    *,
    load_reply: dict[str, Any] | None,
    stream: bool,
    prompt_tokens_of: Callable[[int], int],
    build_plan: Callable[[Behaviour, dict[str, Any], int, int], Plan],
    emitter: Emitter,
    runner_error: str | None = None,
) -> None:
    """Shared tail of chat and generate, from option checks to the last byte."""
    requested = body.get("options") or {}
    problem = option_error(requested)
    if problem:
        ex.error(500, problem)
        return
    beh = ex.daemon.resolve_behaviour(sent_name, consume=True)
    options = effective_options(model, requested)
    num_ctx = effective_num_ctx(model, options, beh.default_num_ctx)
    keep_alive = body.get("keep_alive", beh.keep_alive)
    sched = schedule(ex, model, beh, num_ctx, keep_alive)
    if sched is None:
        return
    try:
        if load_reply is not None:
            # A load request answers with one JSON object even when streaming was asked for.
            ex.json(200, {**load_reply, "created_at": utc_timestamp()})
            return
        problem = _format_error(body.get("format"))
        if problem:
            _fail_before_output(ex, stream, 500, problem)
            return
        if beh.runner_died:
            _fail_before_output(ex, stream, 500, RUNNER_DIED)
            return
        if runner_error:
            _fail_before_output(ex, stream, 500, runner_error)
            return
        prompt_tokens = prompt_tokens_of(num_ctx)
        if prompt_tokens > num_ctx:
            if body.get("shift") is False:
                _fail_before_output(ex, stream, 400, PROMPT_TOO_LONG)
                return
            prompt_tokens = num_ctx  # the runner drops the middle of the prompt, keeping num_keep
        prompt_started = time.monotonic_ns()
        if not ex.conn.pause(beh.prompt_eval_delay):
            ex.daemon.state.mark_cancelled(ex.record, "prompt", generation=True)
            return
        prompt_ns = time.monotonic_ns() - prompt_started
        plan = build_plan(beh, options, prompt_tokens, num_ctx)
        _execute(ex, sched, beh, plan, emitter, stream, prompt_ns)
    finally:
        sched.release()


# --- handlers ---------------------------------------------------------------------------------


def _request_json(ex: Exchange) -> dict[str, Any]:
    """The body as the client sent it (what reply/thinking callables receive)."""
    return ex.record.body if isinstance(ex.record.body, dict) else {}


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return str(message.get("content") or "")
    return ""


def chat(ex: Exchange) -> None:
    body = decode_or_reply(ex, CHAT_REQUEST)
    if body is None:
        return
    sent = body.get("model", "")
    if not sent:
        ex.error(400, "model is required")
        return
    top = body.get("top_logprobs", 0)
    if top < 0 or top > 20:
        ex.error(400, "top_logprobs must be between 0 and 20")
        return
    name = parse_name(sent)
    if name is None:
        ex.error(400, "invalid model name")
        return
    model = ex.daemon.state.find(name)
    if model is None:
        ex.error(404, f"model '{sent}' not found")
        return
    messages: list[dict[str, Any]] = body.get("messages") or []
    stub = {"model": sent, "created_at": "", "message": assistant_message(""), "done": True}
    if not messages and body.get("keep_alive") == 0:
        ex.daemon.state.unload(name)
        ex.json(200, {**stub, "created_at": utc_timestamp(), "done_reason": "unload"})
        return
    caps = model.spec.capabilities
    if "completion" not in caps:
        ex.error(400, f'"{sent}" does not support chat')
        return
    if body.get("tools") and "tools" not in caps:
        ex.error(400, f"{name.full} does not support tools")
        return
    think = body.get("think")
    if think not in (None, False) and "thinking" not in caps:
        ex.error(400, f'"{sent}" does not support thinking')
        return
    vision = "vision" in caps
    if model.spec.system and not any(m.get("role") == "system" for m in messages[:1]):
        messages = [{"role": "system", "content": model.spec.system}, *messages]

    def prompt_tokens(num_ctx: int) -> int:
        kept = (
            messages
            if body.get("truncate") is False
            else truncate_messages(messages, num_ctx, vision)
        )
        return chat_prompt_tokens(kept, vision)

    def build(beh: Behaviour, options: dict[str, Any], tokens: int, num_ctx: int) -> Plan:
        said = _snippet(_last_user_text(messages))
        default = f"Hello! This is {sent} in the fake Ollama. You said: {said}"
        return plan_reply(
            beh,
            body,
            _request_json(ex),
            thinks="thinking" in caps and think is not False,
            default_reply=default,
            options=options,
            prompt_tokens=tokens,
            num_ctx=num_ctx,
            want_tools=bool(body.get("tools")),
        )

    load_reply = {**stub, "done_reason": "load"} if not messages else None
    _run(
        ex,
        model,
        sent,
        body,
        load_reply=load_reply,
        stream=body.get("stream", True),
        prompt_tokens_of=prompt_tokens,
        build_plan=build,
        emitter=ChatEmitter(sent, want_tools=bool(body.get("tools"))),
        runner_error=None if vision or not any(m.get("images") for m in messages) else NO_VISION,
    )


def generate(ex: Exchange) -> None:
    body = decode_or_reply(ex, GENERATE_REQUEST)
    if body is None:
        return
    sent = body.get("model", "")
    raw = bool(body.get("raw"))
    if raw and (body.get("template") or body.get("system") or body.get("context")):
        ex.error(400, "raw mode does not support template, system, or context")
        return
    name = parse_name(sent) if sent else None
    model = ex.daemon.state.find(name) if name else None
    if model is None or name is None:
        ex.error(404, f"model '{sent}' not found")
        return
    prompt = body.get("prompt", "")
    images = body.get("images") or []
    stub = {"model": sent, "created_at": "", "response": "", "done": True}
    if not prompt and not images and body.get("keep_alive") == 0:
        ex.daemon.state.unload(name)
        ex.json(200, {**stub, "created_at": utc_timestamp(), "done_reason": "unload"})
        return
    caps = model.spec.capabilities
    if "completion" not in caps:
        ex.error(400, f'"{sent}" does not support generate')
        return
    if body.get("suffix") and "insert" not in caps:
        ex.error(400, f"{name.full} does not support insert")
        return
    think = body.get("think")
    if think not in (None, False) and "thinking" not in caps:
        ex.error(400, f'"{sent}" does not support thinking')
        return
    vision = "vision" in caps

    def prompt_tokens(num_ctx: int) -> int:
        if raw:
            return max(1, count_tokens(prompt))
        system = body.get("system") or model.spec.system
        total = 1 + 4 + count_tokens(prompt) + 3 + len(body.get("context") or [])
        total += (4 + count_tokens(system)) if system else 0
        return total + (768 * len(images) if vision else 0)

    def build(beh: Behaviour, options: dict[str, Any], tokens: int, num_ctx: int) -> Plan:
        default = f"Hello! This is {sent} in the fake Ollama. You said: {_snippet(prompt)}"
        return plan_reply(
            beh,
            body,
            _request_json(ex),
            thinks="thinking" in caps and think is not False and not raw,
            default_reply=default,
            options=options,
            prompt_tokens=tokens,
            num_ctx=num_ctx,
            want_tools=False,
        )

    load_reply = {**stub, "done_reason": "load"} if not prompt and not images else None
    _run(
        ex,
        model,
        sent,
        body,
        load_reply=load_reply,
        stream=body.get("stream", True),
        prompt_tokens_of=prompt_tokens,
        build_plan=build,
        emitter=GenerateEmitter(sent, raw),
        runner_error=None if vision or not images else NO_VISION,
    )
