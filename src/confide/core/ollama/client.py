"""The typed Ollama client: every call returns plain dataclasses or raises ``OllamaError``.

Built on the official ``ollama`` package for the request/response endpoints (list, show, ps,
delete, copy, embed). The two streams that matter for responsiveness and correctness,
chat and pull, and the blob upload, go through httpx directly, because the package:
- leaks raw httpx and pydantic exceptions from streams instead of classifying them, and
  cannot tell a stream that ended without its final chunk from one that finished;
- validates every streamed chunk with pydantic, which is the hot path at 20k tokens;
- uploads blobs with no progress and hashes the whole file on the event loop.
Everything is async so that Stop can cancel a request that is still waiting for its first
byte (the daemon sends no headers while it loads a model, see ollama-api.md §0.2, §5.7).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx

from confide import __version__
from confide.core.ollama.errors import OllamaError, OllamaErrorKind, classify_daemon_error
from confide.core.ollama.host import OllamaEndpoint
from confide.core.ollama.names import InvalidModelName, parse_model_name
from confide.core.ollama.types import (
    ChatChunk,
    ChatMetrics,
    ChatRequest,
    CreateProgress,
    InstalledModel,
    ModelDetails,
    ModelInfo,
    PullProgress,
    RunningModel,
)

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def _import_ollama_package() -> Any:
    # `import ollama` builds a module-level client that reads the proxy variables, and an
    # unsupported proxy scheme (e.g. socks5h://) makes the import itself fail
    # (ollama-python#424). Confide never uses a proxy for the daemon, so hide them meanwhile.
    saved = {name: os.environ.pop(name) for name in _PROXY_VARS if name in os.environ}
    try:
        import ollama
    finally:
        os.environ.update(saved)
    return ollama


ollama = _import_ollama_package()

log = logging.getLogger(__name__)
T = TypeVar("T")

CONNECT_TIMEOUT_S = 3.0
# The daemon sends nothing until the model is loaded and the prompt evaluated; its own load
# watchdog (OLLAMA_LOAD_TIMEOUT) gives up after 5 minutes, so a shorter read timeout would
# report a healthy but slow daemon as broken.
READ_TIMEOUT_S = 330.0
_UPLOAD_CHUNK = 1 << 20


class OllamaClient:
    """Async client for one daemon. Use it from a single event loop; close with ``aclose``."""

    def __init__(
        self,
        endpoint: OllamaEndpoint,
        *,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float | None = READ_TIMEOUT_S,
    ) -> None:
        self.endpoint = endpoint
        timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=60.0, pool=10.0)
        headers = {"User-Agent": f"Confide/{__version__}"}
        # trust_env=False: a corporate proxy must never see, or break, loopback traffic.
        self._http = httpx.AsyncClient(
            base_url=endpoint.base_url, timeout=timeout, trust_env=False, headers=headers
        )
        self._package_client = ollama.AsyncClient(
            host=endpoint.base_url, timeout=timeout, trust_env=False
        )

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._package_client._client.aclose()

    # -- simple endpoints -----------------------------------------------------------------

    async def version(self) -> str:
        response = await self._send("GET", "/api/version")
        payload = _json_object(response)
        version = payload.get("version")
        if not isinstance(version, str):
            raise OllamaError(OllamaErrorKind.NOT_OLLAMA, "no version in /api/version answer")
        return version

    async def list_models(self) -> list[InstalledModel]:
        listing = await self._package_call(self._package_client.list())
        return [
            InstalledModel(
                name=entry.model or "",
                size=int(entry.size or 0),
                digest=entry.digest or "",
                modified_at=entry.modified_at,
                details=_details(entry.details),
            )
            for entry in listing.models
        ]

    async def show(self, model: str) -> ModelInfo:
        _check_name(model)
        shown = await self._package_call(self._package_client.show(model), model=model)
        info: Mapping[str, Any] = shown.modelinfo or {}
        architecture = info.get("general.architecture")
        context = info.get(f"{architecture}.context_length") if architecture else None
        count = info.get("general.parameter_count")
        return ModelInfo(
            name=model,
            capabilities=frozenset(shown.capabilities or ()),
            context_length=int(context) if isinstance(context, int | float) else None,
            details=_details(shown.details),
            template=shown.template or "",
            parameters=shown.parameters or "",
            license=shown.license or "",
            parameter_count=int(count) if isinstance(count, int) else None,
        )

    async def list_models_with_info(self) -> list[tuple[InstalledModel, ModelInfo | None]]:
        """Installed models with what /api/show says of each (capabilities, context length).

        /api/tags carries capabilities only on newer daemons, and the ollama package drops
        them, so ask each model; one model that cannot be shown does not hide the others.
        """
        models = await self.list_models()

        async def info(model: InstalledModel) -> ModelInfo | None:
            try:
                return await self.show(model.name)
            except OllamaError as exc:
                if exc.daemon_unreachable:
                    raise
                return None

        # Every request ends before this returns, even when one finds the daemon gone: a
        # plain gather would leave the others running on their own, still connecting after
        # the caller has moved on (or after the app has shut its network loop down).
        outcomes = await asyncio.gather(*(info(model) for model in models), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return list(zip(models, cast(list[ModelInfo | None], outcomes), strict=True))

    async def ps(self) -> list[RunningModel]:
        running = await self._package_call(self._package_client.ps())
        return [
            RunningModel(
                name=entry.model or entry.name or "",
                size=int(entry.size or 0),
                size_vram=int(entry.size_vram or 0),
                context_length=entry.context_length,
                expires_at=entry.expires_at,
            )
            for entry in running.models
        ]

    async def delete(self, model: str) -> None:
        _check_name(model)
        await self._package_call(self._package_client.delete(model), model=model)

    async def copy(self, source: str, destination: str) -> None:
        await self._package_call(self._package_client.copy(source, destination), model=source)

    async def embed(self, model: str, inputs: Iterable[str]) -> list[list[float]]:
        result = await self._package_call(
            self._package_client.embed(model=model, input=list(inputs)), model=model
        )
        return [list(vector) for vector in result.embeddings]

    async def load(self, model: str) -> None:
        """Loads a model into memory ahead of the first question (a chat with no messages)."""
        response = await self._send("POST", "/api/chat", json={"model": model}, model=model)
        _json_object(response)

    # -- streams --------------------------------------------------------------------------

    async def chat(self, request: ChatRequest) -> AsyncGenerator[ChatChunk, None]:
        """Streams an answer. Close the generator (``aclosing``) to cancel on the daemon."""
        _check_name(request.model)
        async for payload in self._stream_lines("/api/chat", request.to_wire(), request.model):
            chunk = _chat_chunk(payload)
            yield chunk
            if chunk.done:
                return
        raise OllamaError(
            OllamaErrorKind.INCOMPLETE_STREAM,
            "chat stream ended without a final chunk",
            model=request.model,
        )

    async def pull(self, model: str) -> AsyncGenerator[PullProgress, None]:
        _check_name(model)
        async for payload in self._stream_lines("/api/pull", {"model": model}, model):
            progress = PullProgress(
                status=str(payload.get("status", "")),
                digest=str(payload.get("digest", "")),
                total=int(payload.get("total", 0)),
                completed=int(payload.get("completed", 0)),
            )
            yield progress
            if progress.status == "success":
                return
        raise OllamaError(
            OllamaErrorKind.INCOMPLETE_STREAM, "pull stream ended before success", model=model
        )

    async def create_from_gguf(
        self,
        model: str,
        gguf: Path,
        *,
        template: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        system: str | None = None,
        on_hash: Callable[[int, int], None] | None = None,
        on_upload: Callable[[int, int], None] | None = None,
    ) -> AsyncGenerator[CreateProgress, None]:
        """Uploads a GGUF file as a blob (if the daemon lacks it) and creates ``model`` from it."""
        digest = await asyncio.to_thread(_sha256_file, gguf, on_hash)
        if not await self._blob_exists(digest):
            await self._upload_blob(gguf, digest, on_upload)
        body: dict[str, Any] = {"model": model, "files": {gguf.name: digest}}
        if template:
            body["template"] = template
        if parameters:
            body["parameters"] = dict(parameters)
        if system:
            body["system"] = system
        async for payload in self._stream_lines("/api/create", body, model):
            progress = CreateProgress(
                status=str(payload.get("status", "")),
                total=int(payload.get("total", 0)),
                completed=int(payload.get("completed", 0)),
            )
            yield progress
            if progress.status == "success":
                return
        raise OllamaError(OllamaErrorKind.INCOMPLETE_STREAM, "create stream ended early")

    # -- plumbing -------------------------------------------------------------------------

    async def _blob_exists(self, digest: str) -> bool:
        try:
            response = await self._http.head(f"/api/blobs/{digest}")
        except httpx.HTTPError as exc:
            raise transport_error(exc) from exc
        return response.status_code == 200

    async def _upload_blob(
        self, path: Path, digest: str, on_upload: Callable[[int, int], None] | None
    ) -> None:
        total = path.stat().st_size

        async def body() -> AsyncIterator[bytes]:
            sent = 0
            with path.open("rb") as handle:
                while chunk := await asyncio.to_thread(handle.read, _UPLOAD_CHUNK):
                    sent += len(chunk)
                    yield chunk
                    if on_upload:
                        on_upload(sent, total)

        await self._send(
            "POST", f"/api/blobs/{digest}", content=body(), headers={"Content-Length": str(total)}
        )

    async def _send(
        self, method: str, path: str, *, model: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise transport_error(exc, model) from exc
        if response.status_code >= 400:
            raise status_error(response.status_code, response.text, response, model)
        return response

    async def _stream_lines(
        self, path: str, body: dict[str, Any], model: str
    ) -> AsyncIterator[dict[str, Any]]:
        try:
            async with self._http.stream(
                "POST", path, json=body, headers={"Accept": "application/x-ndjson"}
            ) as response:
                if response.status_code >= 400:
                    text = (await response.aread()).decode("utf-8", errors="replace")
                    raise status_error(response.status_code, text, response, model)
                _require_json_content(response)
                async for line in response.aiter_lines():
                    if not line:
                        continue
                    payload = _parse_line(line)
                    error = payload.get("error")
                    if error is not None:
                        raise classify_daemon_error(str(error), None, model=model, mid_stream=True)
                    yield payload
        except httpx.HTTPError as exc:
            raise transport_error(exc, model) from exc

    async def _package_call(self, call: Awaitable[T], *, model: str | None = None) -> T:
        try:
            return await call
        except ollama.ResponseError as exc:
            status = exc.status_code if exc.status_code > 0 else None
            raise classify_daemon_error(str(exc.error), status, model=model) from exc
        except httpx.HTTPError as exc:
            raise transport_error(exc, model) from exc
        except ConnectionError as exc:  # the package wraps connect failures in the builtin
            raise OllamaError(OllamaErrorKind.NOT_RUNNING, str(exc)) from exc
        except (ValueError, TypeError, AttributeError) as exc:
            # JSONDecodeError and pydantic's ValidationError are ValueErrors: the answer came
            # from something that does not speak Ollama's API.
            raise OllamaError(OllamaErrorKind.NOT_OLLAMA, type(exc).__name__) from exc


def ensure_supported(request: ChatRequest, info: ModelInfo) -> None:
    """Refuses what the model cannot do before anything is sent.

    The daemon itself rejects thinking and tools it cannot honour, but not images: a model
    without vision fails later inside its runner, or silently ignores them (§2.6.1).
    """
    capabilities = info.capabilities
    if not capabilities:
        return  # an old daemon that does not report capabilities: let it decide
    if "completion" not in capabilities:
        raise OllamaError(
            OllamaErrorKind.CAPABILITY_MISSING,
            "model cannot chat",
            model=request.model,
            capability="chat",
        )
    if any(message.images for message in request.messages) and "vision" not in capabilities:
        raise OllamaError(
            OllamaErrorKind.CAPABILITY_MISSING,
            "model cannot see images",
            model=request.model,
            capability="vision",
        )
    if request.think not in (None, False) and "thinking" not in capabilities:
        raise OllamaError(
            OllamaErrorKind.CAPABILITY_MISSING,
            "model cannot think",
            model=request.model,
            capability="thinking",
        )


def _check_name(model: str) -> None:
    """Refuses a malformed name before anything is sent (ollama-api.md §3.1)."""
    try:
        parse_model_name(model)
    except InvalidModelName as exc:
        raise OllamaError(OllamaErrorKind.INVALID_MODEL_NAME, exc.reason, model=model) from exc


def transport_error(exc: BaseException, model: str | None = None) -> OllamaError:
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, httpx.ConnectTimeout):
        kind = OllamaErrorKind.UNRESPONSIVE
    elif isinstance(exc, httpx.ConnectError):
        kind = OllamaErrorKind.NOT_RUNNING
    elif isinstance(exc, httpx.TimeoutException):
        kind = OllamaErrorKind.TIMEOUT
    elif isinstance(exc, httpx.DecodingError | httpx.TooManyRedirects):
        kind = OllamaErrorKind.NOT_OLLAMA
    else:
        kind = OllamaErrorKind.CONNECTION_LOST
    return OllamaError(kind, detail, model=model)


def status_error(
    status: int, text: str, response: httpx.Response, model: str | None
) -> OllamaError:
    content_type = response.headers.get("content-type", "")
    message: str | None = None
    if "json" in content_type:
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("error"), str):
            message = payload["error"]
    if message is None:
        if status in (404, 405) and "text/plain" in content_type and "page not found" in text:
            message = text.strip()
            return OllamaError(OllamaErrorKind.NOT_OLLAMA, f"HTTP {status}: {message}")
        return OllamaError(OllamaErrorKind.NOT_OLLAMA, f"HTTP {status} ({content_type or '?'})")
    return classify_daemon_error(message, status, model=model)


def _require_json_content(response: httpx.Response) -> None:
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        raise OllamaError(
            OllamaErrorKind.NOT_OLLAMA, f"unexpected content type {content_type or '(none)'}"
        )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    _require_json_content(response)
    try:
        payload = response.json()
    except ValueError as exc:
        raise OllamaError(OllamaErrorKind.NOT_OLLAMA, "answer is not JSON") from exc
    if not isinstance(payload, dict):
        raise OllamaError(OllamaErrorKind.NOT_OLLAMA, "answer is not a JSON object")
    return payload


def _parse_line(line: str) -> dict[str, Any]:
    try:
        payload = json.loads(line)
    except json.JSONDecodeError as exc:
        raise OllamaError(OllamaErrorKind.NOT_OLLAMA, "stream line is not JSON") from exc
    if not isinstance(payload, dict):
        raise OllamaError(OllamaErrorKind.NOT_OLLAMA, "stream line is not a JSON object")
    return payload


def _chat_chunk(payload: dict[str, Any]) -> ChatChunk:
    message = payload.get("message") or {}
    done = bool(payload.get("done"))
    metrics = None
    if done:
        metrics = ChatMetrics(
            done_reason=str(payload.get("done_reason", "")),
            total_duration=int(payload.get("total_duration", 0)),
            load_duration=int(payload.get("load_duration", 0)),
            prompt_eval_count=int(payload.get("prompt_eval_count", 0)),
            prompt_eval_duration=int(payload.get("prompt_eval_duration", 0)),
            eval_count=int(payload.get("eval_count", 0)),
            eval_duration=int(payload.get("eval_duration", 0)),
        )
    return ChatChunk(
        content=message.get("content") or "",
        thinking=message.get("thinking") or "",
        done=done,
        metrics=metrics,
    )


def _details(details: Any) -> ModelDetails:
    if details is None:
        return ModelDetails()
    return ModelDetails(
        family=details.family or "",
        parameter_size=details.parameter_size or "",
        quantization=details.quantization_level or "",
        format=details.format or "",
    )


def _sha256_file(path: Path, on_progress: Callable[[int, int], None] | None) -> str:
    total = path.stat().st_size
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as handle:
        while block := handle.read(_UPLOAD_CHUNK * 4):
            digest.update(block)
            done += len(block)
            if on_progress:
                on_progress(done, total)
    return f"sha256:{digest.hexdigest()}"
