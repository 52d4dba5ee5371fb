"""Pytest fixtures for the Ollama double and for "something else is on that port" cases.

Import with `from tests.fake_ollama.fixtures import *`.

- `fake_ollama`: a started FakeOllama with the preset models installed and test-friendly
  timing (tokens as fast as possible, no load delay, 10 ms progress ticks, 5 GB/s downloads).
  Stopped at teardown; fails the test if the double itself raised.
- `fake_ollama_empty`: the same with no installed models.
- `make_fake_ollama(**kwargs)`: more daemons (FakeOllama keyword arguments), stopped at teardown.
- `not_ollama_server`: an HTTP server that answers every request with an HTML page (200).
- `silent_server`: accepts TCP connections and never answers.
- `closed_port`: a port number with nothing listening.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from .http11 import Connection, LoopbackHTTPServer, Request, readable
from .server import FakeOllama

__all__ = [
    "LoopbackEndpoint",
    "closed_port",
    "fake_ollama",
    "fake_ollama_empty",
    "make_fake_ollama",
    "not_ollama_server",
    "silent_server",
]

TEST_KNOBS: dict[str, Any] = {
    "token_rate": None,
    "load_delay": 0.0,
    "progress_interval": 0.01,
    "pull_rate": 5e9,
}

NOT_OLLAMA_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Router configuration</title></head>"
    "<body><h1>Welcome</h1><p>Please log in.</p></body></html>\n"
)


@dataclass
class LoopbackEndpoint:
    """Where a helper server listens."""

    port: int
    accepted: Callable[[], int] = field(default=lambda: 0, repr=False)

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _started(**kwargs: Any) -> FakeOllama:
    options = {**TEST_KNOBS, **kwargs}
    return FakeOllama(**options).start()


def _finish(fake: FakeOllama) -> None:
    fake.stop()
    errors = fake.internal_errors
    if errors:
        pytest.fail(f"the Ollama double raised internally: {errors!r}", pytrace=False)


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    fake = _started()
    try:
        yield fake
    finally:
        _finish(fake)


@pytest.fixture
def fake_ollama_empty() -> Iterator[FakeOllama]:
    fake = _started(models=(), pullable=None)
    try:
        yield fake
    finally:
        _finish(fake)


@pytest.fixture
def make_fake_ollama() -> Iterator[Callable[..., FakeOllama]]:
    made: list[FakeOllama] = []

    def make(**kwargs: Any) -> FakeOllama:
        fake = _started(**kwargs)
        made.append(fake)
        return fake

    try:
        yield make
    finally:
        for fake in made:
            _finish(fake)


def _html_everywhere(request: Request, conn: Connection) -> None:
    conn.send_response(
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        NOT_OLLAMA_PAGE.encode(),
        head=request.method == "HEAD",
    )


@pytest.fixture
def not_ollama_server() -> Iterator[LoopbackEndpoint]:
    server = LoopbackHTTPServer(_html_everywhere)
    server.start()
    try:
        yield LoopbackEndpoint(server.port)
    finally:
        server.stop()


class _SilentServer:
    """Accepts connections, reads and discards whatever arrives, never writes a byte."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.clients: list[socket.socket] = []
        self._open: list[socket.socket] = []  # clients that have not hung up yet
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="silent-server", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            with contextlib.suppress(OSError, ValueError):
                if readable(self.listener, 0.02):
                    client, _ = self.listener.accept()
                    self.clients.append(client)
                    self._open.append(client)
            for client in list(self._open):
                with contextlib.suppress(OSError, ValueError):
                    if readable(client, 0) and not client.recv(65536):
                        self._open.remove(client)  # hung up; closed at teardown

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(2)
        for client in self.clients:
            client.close()
        self.listener.close()


@pytest.fixture
def silent_server() -> Iterator[LoopbackEndpoint]:
    server = _SilentServer()
    try:
        yield LoopbackEndpoint(server.port, accepted=lambda: len(server.clients))
    finally:
        server.close()


@pytest.fixture
def closed_port() -> int:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
    finally:
        probe.close()
