"""Domain errors for everything that can go wrong between Confide and the daemon.

The core only classifies; the UI turns each kind into a translated, human message with a
way out (``confide.ui.errors``). ``detail`` is English for the log file and never holds
message content: only daemon error texts, statuses and addresses.
"""

from __future__ import annotations

import enum


class OllamaErrorKind(enum.Enum):
    INVALID_HOST = "invalid_host"  # OLLAMA_HOST cannot be understood
    REMOTE_HOST_BLOCKED = "remote_host_blocked"  # another computer, not allowed in settings
    NOT_RUNNING = "not_running"  # nothing listens at the address
    UNRESPONSIVE = "unresponsive"  # something accepts connections but never answers
    NOT_OLLAMA = "not_ollama"  # something answers, but it is not Ollama
    TIMEOUT = "timeout"  # the daemon stopped answering in the middle of a request
    CONNECTION_LOST = "connection_lost"  # the daemon went away while answering
    MODEL_NOT_FOUND = "model_not_found"
    INVALID_MODEL_NAME = "invalid_model_name"
    CAPABILITY_MISSING = "capability_missing"  # thinking / tools / images / chat
    RUNNER_DIED = "runner_died"  # the model process crashed, usually out of memory
    BUSY = "busy"  # 503: too many queued requests
    MID_STREAM = "mid_stream"  # an error line after the answer had started
    INCOMPLETE_STREAM = "incomplete_stream"  # the stream ended without its final chunk
    PULL_NO_INTERNET = "pull_no_internet"
    PULL_UNKNOWN_MODEL = "pull_unknown_model"
    INVALID_REQUEST = "invalid_request"  # 400 for anything else
    DAEMON_ERROR = "daemon_error"  # any other error the daemon reported


class OllamaError(Exception):
    """A failure talking to Ollama, classified so that the UI can explain it."""

    def __init__(
        self,
        kind: OllamaErrorKind,
        detail: str = "",
        *,
        status: int | None = None,
        model: str | None = None,
        capability: str | None = None,
        host: str | None = None,
    ) -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail
        self.status = status
        self.model = model
        self.capability = capability
        self.host = host

    @property
    def daemon_unreachable(self) -> bool:
        return self.kind in _UNREACHABLE


_UNREACHABLE = {
    OllamaErrorKind.NOT_RUNNING,
    OllamaErrorKind.UNRESPONSIVE,
    OllamaErrorKind.NOT_OLLAMA,
    OllamaErrorKind.CONNECTION_LOST,
}

_RUNNER_DIED_MARKERS = (
    "runner has unexpectedly stopped",
    "llama-server process has terminated",
    "requires more system memory",
    "out of memory",
    "timed out waiting for llama-server",
    "no longer compatible",
    "may be incompatible with your version",
)
_CAPABILITIES = ("thinking", "tools", "insert", "chat", "generate", "vision", "embedding")


def classify_daemon_error(
    message: str, status: int | None, *, model: str | None = None, mid_stream: bool = False
) -> OllamaError:
    """Turns an ``{"error": ...}`` text (and its HTTP status, if any) into a domain error."""
    lowered = message.lower()
    detail = f"HTTP {status}: {message}" if status else message
    if any(marker in lowered for marker in _RUNNER_DIED_MARKERS):
        return OllamaError(OllamaErrorKind.RUNNER_DIED, detail, status=status, model=model)
    if status == 503 or "server busy" in lowered:
        return OllamaError(OllamaErrorKind.BUSY, detail, status=status, model=model)
    if "does not support" in lowered:
        capability = next((c for c in _CAPABILITIES if lowered.endswith(c)), None)
        return OllamaError(
            OllamaErrorKind.CAPABILITY_MISSING,
            detail,
            status=status,
            model=model,
            capability=capability,
        )
    if "pull model manifest" in lowered:
        if "file does not exist" in lowered or ": 404" in lowered:
            return OllamaError(OllamaErrorKind.PULL_UNKNOWN_MODEL, detail, model=model)
        if any(w in lowered for w in ("dial tcp", "no such host", "i/o timeout", "connection")):
            return OllamaError(OllamaErrorKind.PULL_NO_INTERNET, detail, model=model)
    if "not found" in lowered and (status == 404 or "model" in lowered):
        return OllamaError(OllamaErrorKind.MODEL_NOT_FOUND, detail, status=status, model=model)
    if "invalid model name" in lowered or (lowered.startswith("name ") and "invalid" in lowered):
        return OllamaError(OllamaErrorKind.INVALID_MODEL_NAME, detail, status=status, model=model)
    if mid_stream:
        return OllamaError(OllamaErrorKind.MID_STREAM, detail, model=model)
    if status is not None and 400 <= status < 500:
        return OllamaError(OllamaErrorKind.INVALID_REQUEST, detail, status=status, model=model)
    return OllamaError(OllamaErrorKind.DAEMON_ERROR, detail, status=status, model=model)
