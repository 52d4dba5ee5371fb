"""Model store endpoints: version, status, tags, ps, show, delete, copy."""

from __future__ import annotations

import json
import time
from typing import Any

from .decoding import COPY_REQUEST, DELETE_REQUEST, SHOW_REQUEST
from .exchange import Exchange, decode_or_reply
from .models import details, model_info, modelfile, parameters_text, tensors
from .names import parse_name
from .state import Installed, Runner
from .wire import local_timestamp


def go_quote(text: str) -> str:
    """Go's %q, close enough for model names."""
    return json.dumps(text, ensure_ascii=False)


def version(ex: Exchange) -> None:
    ex.json(200, {"version": ex.daemon.behaviour.version})


def status(ex: Exchange) -> None:
    ex.json(200, {"cloud": {"disabled": False, "source": "none"}})


def _tags_entry(model: Installed) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": model.display,
        "model": model.display,
        "modified_at": local_timestamp(model.modified_ns),
        "size": model.size,
        "digest": model.digest,
        "details": details(model.spec, with_lengths=True),
    }
    if model.spec.capabilities:
        entry["capabilities"] = list(model.spec.capabilities)
    return entry


def tags(ex: Exchange) -> None:
    ex.json(200, {"models": [_tags_entry(m) for m in ex.daemon.state.listing()]})


def _memory(runner: Runner) -> int:
    """Weights plus a KV cache that grows with num_ctx."""
    spec = runner.model.spec
    kv_cache = runner.num_ctx * spec.block_count * max(spec.embedding_length // 4, 64) * 2 * 2
    return runner.model.size + kv_cache


def ps(ex: Exchange) -> None:
    beh = ex.daemon.behaviour
    if beh.ps_blocks_during_load:
        # loadedModels() takes each runner's lock, which a load holds until it finishes.
        while ex.daemon.state.any_loading():
            if not ex.conn.pause(0.01):
                return
    rows = []
    for runner, expires_ns in ex.daemon.state.loaded():
        size = _memory(runner)
        rows.append(
            {
                "name": runner.model.display,
                "model": runner.model.display,
                "size": size,
                "digest": runner.model.digest,
                "details": details(runner.model.spec),
                "expires_at": local_timestamp(expires_ns),
                "size_vram": int(size * beh.vram_fraction),
                "context_length": runner.num_ctx,
            }
        )
    ex.json(200, {"models": rows})


def show(ex: Exchange) -> None:
    body = decode_or_reply(ex, SHOW_REQUEST)
    if body is None:
        return
    sent = body.get("model") or body.get("name") or ""
    if not sent:
        ex.error(400, "model is required")
        return
    name = parse_name(sent)
    if name is None:
        ex.error(400, "invalid model name")
        return
    model = ex.daemon.state.find(name)
    if model is None:
        ex.error(404, f"model '{name.display}' not found")
        return
    spec = model.spec
    blob = f"{ex.daemon.models_dir}/blobs/sha256-{model.model_layer.digest[7:]}"
    out: dict[str, Any] = {}
    if spec.license:
        out["license"] = spec.license
    out["modelfile"] = modelfile(model.display, spec, blob)
    if spec.parameters:
        out["parameters"] = parameters_text(spec.parameters)
    if spec.template:
        out["template"] = spec.template
    system = body.get("system") or spec.system
    if system:
        out["system"] = system
    out["details"] = details(spec)
    out["model_info"] = model_info(spec, verbose=bool(body.get("verbose")))
    out["tensors"] = tensors(spec)
    if spec.capabilities:
        out["capabilities"] = list(spec.capabilities)
    out["modified_at"] = local_timestamp(model.modified_ns)
    ex.json(200, out)


def delete(ex: Exchange) -> None:
    body = decode_or_reply(ex, DELETE_REQUEST)
    if body is None:
        return
    sent = body.get("model") or body.get("name") or ""
    if not sent:
        ex.error(400, "model is required")
        return
    name = parse_name(sent)
    if name is None:
        ex.error(400, f"name {go_quote(sent)} is invalid")
        return
    if ex.daemon.state.remove(name) is None:
        ex.error(404, f"model '{sent}' not found")
        return
    ex.empty(200)


def copy(ex: Exchange) -> None:
    body = decode_or_reply(ex, COPY_REQUEST)
    if body is None:
        return
    source, destination = body.get("source", ""), body.get("destination", "")
    src, dst = parse_name(source), parse_name(destination)
    if src is None:
        ex.error(400, f"source {go_quote(source)} is invalid")
        return
    if dst is None:
        ex.error(400, f"destination {go_quote(destination)} is invalid")
        return
    model = ex.daemon.state.find(src)
    if model is None:
        ex.error(404, f"model {go_quote(source)} not found")
        return
    ex.daemon.state.install(dst, model.spec, list(model.layers), time.time_ns())
    ex.empty(200)
