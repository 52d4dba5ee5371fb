"""Gin's router as the daemon configures it: routes, 404/405 bodies, trailing-slash redirects,
and the two global middlewares (CORS, then the Host-header check) that run even for 404/405.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import api_create, api_embed, api_generation, api_models, api_pull
from .exchange import Exchange
from .http11 import Connection, Request
from .state import RecordedRequest

if TYPE_CHECKING:
    from .server import FakeOllama

Handler = Callable[[Exchange], None]

# Gin keeps one tree per method, created in the order routes are first registered; the Allow
# header of a 405 lists methods in that order.
_METHOD_ORDER = ("HEAD", "GET", "POST", "DELETE")


def _ok(text: str) -> Handler:
    return lambda ex: ex.text(200, text)


ROUTES: dict[str, dict[str, Handler]] = {
    "/": {"HEAD": _ok("Ollama is running"), "GET": _ok("Ollama is running")},
    "/api/version": {"HEAD": api_models.version, "GET": api_models.version},
    "/api/status": {"GET": api_models.status},
    "/api/pull": {"POST": api_pull.pull},
    "/api/tags": {"HEAD": api_models.tags, "GET": api_models.tags},
    "/api/show": {"POST": api_models.show},
    "/api/delete": {"DELETE": api_models.delete},
    "/api/create": {"POST": api_create.create},
    "/api/blobs/:digest": {"HEAD": api_create.head_blob, "POST": api_create.post_blob},
    "/api/copy": {"POST": api_models.copy},
    "/api/ps": {"GET": api_models.ps},
    "/api/generate": {"POST": api_generation.generate},
    "/api/chat": {"POST": api_generation.chat},
    "/api/embed": {"POST": api_embed.embed},
    "/api/embeddings": {"POST": api_embed.embeddings},
}

_DEFAULT_ORIGIN_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0")
_DEFAULT_ORIGIN_SCHEMES = (
    "app://*",
    "file://*",
    "tauri://*",
    "vscode-webview://*",
    "vscode-file://*",
)
_ALLOWED_HEADERS = (
    "Authorization,Content-Type,User-Agent,Accept,X-Requested-With,OpenAI-Beta,"
    "x-stainless-arch,x-stainless-async,x-stainless-custom-poll-interval,x-stainless-helper-method,"
    "x-stainless-lang,x-stainless-os,x-stainless-package-version,x-stainless-poll-helper,"
    "x-stainless-retry-count,x-stainless-runtime,x-stainless-runtime-version,x-stainless-timeout"
)


def _match(path: str) -> tuple[dict[str, Handler], dict[str, str]] | None:
    if path in ROUTES:
        return ROUTES[path], {}
    prefix = "/api/blobs/"
    if path.startswith(prefix) and "/" not in path[len(prefix) :] and len(path) > len(prefix):
        return ROUTES["/api/blobs/:digest"], {"digest": path[len(prefix) :]}
    return None


def allowed_origins(extra: tuple[str, ...]) -> list[str]:
    """envconfig.AllowedOrigins: OLLAMA_ORIGINS entries first, then the defaults."""
    origins = list(extra)
    for host in _DEFAULT_ORIGIN_HOSTS:
        origins += [f"http://{host}", f"https://{host}", f"http://{host}:*", f"https://{host}:*"]
    return origins + list(_DEFAULT_ORIGIN_SCHEMES)


def _origin_allowed(origin: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern == origin or pattern == "*":
            return True
        if "*" in pattern:
            head, _, tail = pattern.partition("*")
            if (
                origin.startswith(head)
                and origin.endswith(tail)
                and len(origin) >= len(head) + len(tail)
            ):
                return True
    return False


def _host_allowed(host_header: str) -> bool | None:
    """allowedHostsMiddleware (the daemon listens on loopback, so the check is on).
    True for an allowed IP literal, None for an allowed name, False otherwise."""
    host = host_header
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    if not host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return address.is_loopback or address.is_private or address.is_unspecified
    lowered = host.lower()
    if lowered in ("localhost", socket.gethostname().lower()) or lowered.endswith(
        (".localhost", ".local", ".internal")
    ):
        return None
    return False


def _record(request: Request) -> RecordedRequest:
    try:
        body = json.loads(request.body) if request.body else None
    except ValueError:
        body = None
    headers = {name.lower(): value for name, value in request.headers}
    return RecordedRequest(request.method, request.path, headers, request.body, time.time(), body)


def dispatch(daemon: FakeOllama, request: Request, conn: Connection) -> None:
    record = _record(request)
    daemon.state.record(record)
    ex = Exchange(daemon, request, conn, record)
    try:
        _dispatch(ex)
    finally:
        record.finished.set()
        daemon.state.notify()


def _dispatch(ex: Exchange) -> None:
    request = ex.request
    matched = _match(request.path)
    handler = matched[0].get(request.method) if matched else None
    if handler is None and request.path != "/" and request.path.endswith("/"):
        # RedirectTrailingSlash runs before any middleware.
        target = _match(request.path.rstrip("/"))
        if target is not None and request.method in target[0]:
            location = request.path.rstrip("/") + (f"?{request.query}" if request.query else "")
            ex.extra_headers["Location"] = location
            if request.method in ("GET", "HEAD"):
                body = f'<a href="{location}">Moved Permanently</a>.\n\n'
                ex.send(301, body.encode(), "text/html; charset=utf-8")
            else:
                ex.empty(307)
            return
    if not _middlewares(ex):
        return
    if handler is not None:
        if matched:
            ex.params = matched[1]
        handler(ex)
        return
    if matched:
        allowed = [m for m in _METHOD_ORDER if m in matched[0]]
        ex.extra_headers["Allow"] = ", ".join(allowed)
        ex.text(405, "405 method not allowed", "text/plain")
        return
    ex.text(404, "404 page not found", "text/plain")


def _middlewares(ex: Exchange) -> bool:
    """CORS then Host check; False once they have answered (403 / 204)."""
    request = ex.request
    origin = request.header("Origin")
    host = request.header("Host") or ""
    if origin and origin not in (f"http://{host}", f"https://{host}"):
        patterns = allowed_origins(ex.daemon.behaviour.allowed_origins)
        if not _origin_allowed(origin, patterns):
            ex.empty(403)
            return False
        ex.extra_headers["Access-Control-Allow-Origin"] = origin
        ex.extra_headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            ex.extra_headers["Access-Control-Allow-Methods"] = (
                "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS"
            )
            ex.extra_headers["Access-Control-Allow-Headers"] = _ALLOWED_HEADERS
            ex.extra_headers["Access-Control-Max-Age"] = "43200"
            ex.empty(204)
            return False
    verdict = _host_allowed(host)
    if verdict is False:
        ex.empty(403)
        return False
    if verdict is None and request.method == "OPTIONS":
        ex.empty(204)  # the middleware answers preflights for allowed host names itself
        return False
    return True
