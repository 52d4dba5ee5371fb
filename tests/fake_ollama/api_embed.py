"""POST /api/embed (and the legacy /api/embeddings).

Vectors are deterministic bags of hashed words: every lower-cased word maps to a fixed
pseudo-random direction, a text is the sum of its words' directions, L2-normalised. Texts that
share words therefore score higher cosine similarity, which keeps retrieval tests meaningful.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import time
from typing import Any

from .behaviours import RUNNER_DIED
from .decoding import EMBED_REQUEST, EMBEDDINGS_REQUEST
from .exchange import Exchange, decode_or_reply
from .generation import count_tokens, effective_num_ctx, effective_options, option_error, schedule
from .names import parse_name
from .state import Installed
from .wire import F32

_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=4096)
def _direction(word: str, dims: int) -> tuple[float, ...]:
    raw = hashlib.shake_256(word.encode()).digest(dims)
    return tuple((byte - 127.5) / 127.5 for byte in raw)


def embed_text(text: str, dims: int) -> list[float]:
    """An L2-normalised vector of `dims` floats for `text`."""
    words = _WORD.findall(text.lower()) or [text]
    total = [0.0] * dims
    for word in words:
        for index, value in enumerate(_direction(word, dims)):
            total[index] += value
    return normalise(total)


def normalise(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


def _model_or_404(ex: Exchange, sent: str) -> Installed | None:
    if not sent:
        ex.error(404, "model '' not found")
        return None
    name = parse_name(sent)
    if name is None:
        ex.error(400, "invalid model name")
        return None
    model = ex.daemon.state.find(name)
    if model is None:
        ex.error(404, f'model "{sent}" not found, try pulling it first')
    return model


def embed(ex: Exchange) -> None:
    body = decode_or_reply(ex, EMBED_REQUEST)
    if body is None:
        return
    sent = body.get("model", "")
    model = _model_or_404(ex, sent)
    if model is None:
        return
    raw_input = body.get("input")
    if raw_input is None:
        texts: list[str] = []
    elif isinstance(raw_input, str):
        texts = [raw_input] if raw_input else []
    elif isinstance(raw_input, list) and all(isinstance(item, str) for item in raw_input):
        texts = list(raw_input)
    else:
        ex.error(400, "invalid input type")
        return
    requested = body.get("options") or {}
    problem = option_error(requested)
    if problem:
        ex.error(500, problem)
        return
    beh = ex.daemon.resolve_behaviour(sent, consume=True)
    num_ctx = effective_num_ctx(model, effective_options(model, requested), beh.default_num_ctx)
    sched = schedule(ex, model, beh, num_ctx, body.get("keep_alive", beh.keep_alive))
    if sched is None:
        return
    try:
        if beh.runner_died:
            ex.error(500, RUNNER_DIED)
            return
        counts = [count_tokens(text) for text in texts]
        if body.get("truncate") is False and any(c > num_ctx for c in counts):
            ex.error(400, "the input length exceeds the context length")
            return
        dims = model.spec.embedding_length or 768
        wanted = body.get("dimensions") or 0
        vectors = []
        for text in texts:
            vector = embed_text(text, dims)
            if 0 < wanted < dims:
                vector = normalise(vector[:wanted])
            vectors.append([F32(v) for v in vector])
        out: dict[str, Any] = {"model": sent, "embeddings": vectors}
        metrics = {
            "total_duration": time.monotonic_ns() - ex.arrival_ns,
            "load_duration": sched.load_ns,
            "prompt_eval_count": sum(min(c, num_ctx) for c in counts),
        }
        out.update({k: v for k, v in metrics.items() if v})
        ex.json(200, out)
    finally:
        sched.release()


def embeddings(ex: Exchange) -> None:
    """The deprecated endpoint: one prompt, float64, not normalised."""
    body = decode_or_reply(ex, EMBEDDINGS_REQUEST)
    if body is None:
        return
    sent = body.get("model", "")
    model = _model_or_404(ex, sent)
    if model is None:
        return
    beh = ex.daemon.resolve_behaviour(sent, consume=True)
    num_ctx = effective_num_ctx(
        model, effective_options(model, body.get("options") or {}), beh.default_num_ctx
    )
    sched = schedule(ex, model, beh, num_ctx, body.get("keep_alive", beh.keep_alive))
    if sched is None:
        return
    try:
        prompt = body.get("prompt", "")
        dims = model.spec.embedding_length or 768
        vector = [v * 7.5 for v in embed_text(prompt, dims)] if prompt else []
        ex.json(200, {"embedding": vector})
    finally:
        sched.release()
