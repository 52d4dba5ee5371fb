"""'Test speed': one short, fixed question, timed by the daemon's own figures.

The prompt never changes and the answer is capped (``num_predict``), so results are
comparable between models and between runs; the daemon reports generation speed and the
time it took to load the model in the final chunk of every answer.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from confide.core.ollama.client import OllamaClient
from confide.core.ollama.errors import OllamaError, OllamaErrorKind
from confide.core.ollama.types import ChatMessage, ChatMetrics, ChatOptions, ChatRequest

#: Deliberately plain and language-neutral in what it asks for.
SPEED_PROMPT = "Describe, in a few sentences, what a contract is."
SPEED_TOKENS = 64


@dataclass(frozen=True)
class SpeedMeasurement:
    tokens_per_second: float
    load_seconds: float


def speed_request(model: str) -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=(ChatMessage("user", SPEED_PROMPT),),
        # A fixed seed and no randomness: the same work every time.
        options=ChatOptions(num_predict=SPEED_TOKENS, temperature=0.0, seed=1),
    )


def measurement_from(metrics: ChatMetrics | None) -> SpeedMeasurement:
    rate = metrics.tokens_per_second if metrics is not None else None
    if metrics is None or rate is None:
        raise OllamaError(OllamaErrorKind.INCOMPLETE_STREAM, "no timing in the final chunk")
    return SpeedMeasurement(rate, metrics.load_duration / 1e9)


async def measure_speed(client: OllamaClient, model: str) -> SpeedMeasurement:
    metrics: ChatMetrics | None = None
    async with contextlib.aclosing(client.chat(speed_request(model))) as stream:
        async for chunk in stream:
            if chunk.metrics is not None:
                metrics = chunk.metrics
    return measurement_from(metrics)
