"""Blobs (HEAD/POST /api/blobs/sha256:<hex>) and POST /api/create (§2.11).

Uploaded blobs are hashed for real; `create` reads the GGUF header of a `files` blob (see
gguf.py) to fill family, size, quantization and context length, and derives capabilities the
way the daemon does (pooling_type -> embedding, vision.* -> vision, template -> tools/thinking/
insert). Progress statuses follow the daemon's wording.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import replace
from typing import Any

from .api_pull import progress, run_pull
from .decoding import CREATE_REQUEST
from .exchange import Exchange, decode_or_reply
from .gguf import GGUFError, read_metadata
from .http11 import ClientGone
from .models import FILE_TYPES, ModelSpec, fake_digest, human_parameter_count
from .names import ModelName, parse_name
from .state import Layer, standard_layers

_DIGEST = re.compile(r"sha256[:-]([0-9a-fA-F]{64})")
_HEAD_BYTES = 1 << 20  # enough of a blob to read a GGUF header


def _blob_key(raw: str) -> str | None:
    match = _DIGEST.fullmatch(raw)
    return f"sha256:{match.group(1)}" if match else None


def head_blob(ex: Exchange) -> None:
    raw = ex.params["digest"]
    key = _blob_key(raw)
    if key is None:
        ex.error(400, "invalid digest format")
        return
    with ex.daemon.state.lock:
        present = key in ex.daemon.state.blobs
    if present:
        ex.empty(200)
    else:
        ex.error(404, f'blob "{raw}" not found')


def post_blob(ex: Exchange) -> None:
    raw = ex.params["digest"]
    key = _blob_key(raw)
    if key is None:
        ex.error(400, "invalid digest format")
        return
    state = ex.daemon.state
    with state.lock:
        if key in state.blobs:
            ex.empty(200)
            return
    data = ex.request.body
    got = f"sha256:{hashlib.sha256(data).hexdigest()}"
    if got != raw:
        ex.error(400, f'digest mismatch, expected "{raw}", got "{got}"')
        return
    with state.lock:
        state.blobs[got] = len(data)
        state.blob_heads[got] = data[:_HEAD_BYTES]
        state.notify()
    ex.empty(201)


def _capabilities(base: list[str], template: str, metadata: dict[str, Any] | None) -> list[str]:
    caps = [c for c in base if c in ("completion", "embedding", "vision")]
    if metadata is not None:
        arch = metadata.get("general.architecture", "")
        caps = ["embedding" if f"{arch}.pooling_type" in metadata else "completion"]
        if any(k.startswith(f"{arch}.vision.") for k in metadata):
            caps.append("vision")
    if ".Tools" in template:
        caps.append("tools")
    if ".Suffix" in template:
        caps.append("insert")
    if "<think>" in template or ".Think" in template:
        caps.append("thinking")
    return caps


def _spec_from_gguf(metadata: dict[str, Any], size: int) -> ModelSpec:
    arch = str(metadata.get("general.architecture", "llama"))
    count = metadata.get("general.parameter_count")
    extra = {
        k: v
        for k, v in metadata.items()
        if k not in ("general.name", "tokenizer.chat_template")
        and not (isinstance(v, list) and len(v) > 5)
    }
    return ModelSpec(
        family=arch,
        parameter_size=human_parameter_count(int(count))
        if count
        else human_parameter_count(size * 2),
        quantization=FILE_TYPES.get(int(metadata.get("general.file_type", 15)), "unknown"),
        capabilities=[],
        context_length=int(metadata.get(f"{arch}.context_length", 2048)),
        embedding_length=int(metadata.get(f"{arch}.embedding_length", 2048)),
        size=size,
        block_count=int(metadata.get(f"{arch}.block_count", 16)),
        template="",
        parameters={},
        model_info=extra,
    )


def _license_text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value) if value else ""


def _steps(ex: Exchange, name: ModelName, body: dict[str, Any], emit: Any) -> str | None:
    """Runs the create, emitting progress; returns an error text or None."""
    state = ex.daemon.state
    files: dict[str, str] = body.get("files") or {}
    base_layers: list[Layer] = []
    metadata: dict[str, Any] | None = None
    if files:
        digest = next(iter(files.values()))
        with state.lock:
            size = state.blobs.get(digest)
            head = state.blob_heads.get(digest, b"")
        if size is None:
            return (
                f"open {ex.daemon.models_dir}/blobs/sha256-{digest[7:]}: no such file or directory"
            )
        emit(progress("parsing GGUF"))
        try:
            metadata = read_metadata(head)
        except GGUFError as err:
            if str(err) == "invalid file magic":
                return "invalid file magic"
            metadata = {}  # header cut short by the 1 MiB we keep: fall back to defaults
        spec = _spec_from_gguf(metadata, size)
        base_layers = [Layer(digest, size, "application/vnd.ollama.image.model")]
    else:
        source = parse_name(body["from"])
        if source is None:
            return "invalid model name"
        base = state.find(source)
        if base is None:
            error = run_pull(ex, source, emit)
            if error:
                return error
            base = state.find(source)
            assert base is not None
        spec = replace(base.spec, parent_model=base.display)
        base_layers = [lay for lay in base.layers if lay.media_type.endswith(".model")]
    quantize = body.get("quantize")
    if quantize:
        if spec.quantization not in ("F16", "F32", "BF16"):
            return "quantization is only supported for F16 and F32 models"
        total = base_layers[0].size
        emit(
            progress(
                f"quantizing {spec.quantization} model to {quantize.upper()}",
                "0000000000000000000",
                total,
                total,
            )
        )
        spec = replace(spec, quantization=quantize.upper(), size=total // 4)
        base_layers = [
            Layer(
                f"sha256:{fake_digest('quantized', base_layers[0].digest, quantize)}",
                total // 4,
                "application/vnd.ollama.image.model",
            )
        ]
    template = body.get("template", spec.template or "")
    parameters = {**(spec.parameters or {}), **(body.get("parameters") or {})}
    spec = replace(
        spec,
        template=template,
        system=body.get("system", spec.system),
        parameters=parameters,
        license=_license_text(body.get("license")) or spec.license,
        capabilities=_capabilities(spec.capabilities, template, metadata),
    )
    spec = spec.resolved()
    for layer in base_layers:
        emit(progress(f"using existing layer {layer.digest}"))
    layers = standard_layers(name.display, spec, base_layers[0].digest)
    layers[0] = replace(layers[0], size=base_layers[0].size)
    for layer in layers[1:-1]:
        with state.lock:
            known = layer.digest in state.blobs
        verb = "using existing" if known else "creating new"
        emit(progress(f"{verb} layer {layer.digest}"))
    emit(progress("writing manifest"))
    state.install(name, spec, layers, time.time_ns())
    emit(progress("success"))
    return None


def create(ex: Exchange) -> None:
    body = decode_or_reply(ex, CREATE_REQUEST)
    if body is None:
        return
    name = parse_name(body.get("model") or body.get("name") or "")
    if name is None:
        ex.error(400, "invalid model name")
        return
    files = body.get("files") or {}
    if not body.get("from") and not files:
        ex.error(400, "neither 'from' or 'files' was specified")
        return
    for filename in files:
        if filename.startswith(("/", "\\")) or ".." in filename.replace("\\", "/").split("/"):
            ex.error(400, "file path must be relative")
            return
    try:
        if body.get("stream", True):
            stream = ex.stream()
            error = _steps(ex, name, body, stream.line)
            if error:
                stream.fail(error)
            else:
                stream.finish()
            return
        latest: list[dict[str, Any]] = []
        error = _steps(ex, name, body, latest.append)
        if error:
            ex.error(500, error, "application/json")
        else:
            ex.json(200, latest[-1], "application/json")
    except ClientGone:
        ex.daemon.state.mark_cancelled(ex.record, "create", generation=False)
        raise
