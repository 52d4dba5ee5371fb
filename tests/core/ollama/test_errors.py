"""Daemon error texts (exact, from ollama-api.md) map to the right domain error."""

from __future__ import annotations

import pytest

from confide.core.ollama.errors import OllamaErrorKind, classify_daemon_error

K = OllamaErrorKind


@pytest.mark.parametrize(
    ("message", "status", "mid_stream", "kind", "capability"),
    [
        ("model 'llama9' not found", 404, False, K.MODEL_NOT_FOUND, None),
        ("model 'llama9:latest' not found", 404, False, K.MODEL_NOT_FOUND, None),
        ('model "x" not found, try pulling it first', 404, False, K.MODEL_NOT_FOUND, None),
        ('"llama3.2" does not support thinking', 400, False, K.CAPABILITY_MISSING, "thinking"),
        (
            "registry.ollama.ai/library/llama3.2:latest does not support tools",
            400,
            False,
            K.CAPABILITY_MISSING,
            "tools",
        ),
        ('"nomic-embed-text" does not support chat', 400, False, K.CAPABILITY_MISSING, "chat"),
        ("invalid model name", 400, False, K.INVALID_MODEL_NAME, None),
        (
            "server busy, please try again.  maximum pending requests exceeded",
            503,
            False,
            K.BUSY,
            None,
        ),
        (
            "model runner has unexpectedly stopped, this may be due to resource limitations or "
            "an internal error, check ollama server logs for details",
            500,
            False,
            K.RUNNER_DIED,
            None,
        ),
        (
            "model requires more system memory (12.0 GiB) than is available (7.1 GiB)",
            500,
            False,
            K.RUNNER_DIED,
            None,
        ),
        (
            "an error was encountered while running the model: unexpected EOF",
            None,
            True,
            K.MID_STREAM,
            None,
        ),
        ("pull model manifest: file does not exist", None, True, K.PULL_UNKNOWN_MODEL, None),
        (
            'pull model manifest: Get "https://registry.ollama.ai/v2/library/x/manifests/latest": '
            "dial tcp: lookup registry.ollama.ai: no such host",
            None,
            True,
            K.PULL_NO_INTERNET,
            None,
        ),
        ("top_logprobs must be between 0 and 20", 400, False, K.INVALID_REQUEST, None),
        ('option "num_ctx" must be of type integer', 500, False, K.DAEMON_ERROR, None),
    ],
)
def test_classification(
    message: str,
    status: int | None,
    mid_stream: bool,
    kind: OllamaErrorKind,
    capability: str | None,
) -> None:
    error = classify_daemon_error(message, status, model="m", mid_stream=mid_stream)
    assert error.kind is kind
    assert error.capability == capability
    assert error.model == "m"
    assert message in error.detail
