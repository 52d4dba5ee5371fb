"""The app's client parses the bytes a real daemon sent (shared/ollama-transcripts/)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from confide.core.async_loop import LoopThread
from confide.core.ollama.client import OllamaClient
from confide.core.ollama.host import parse_ollama_host
from confide.core.ollama.types import ChatChunk, ChatMessage, ChatRequest, PullProgress
from tests.fake_ollama.http11 import Connection, LoopbackHTTPServer, Request

T = TypeVar("T")
CAPTURES = Path(__file__).resolve().parents[2] / "data" / "ollama-transcripts"


def _capture(name: str) -> bytes:
    path = CAPTURES / name
    if not path.exists():
        pytest.fail(f"the captured transcript {path} is missing")
    return path.read_bytes()


@dataclass
class Replay:
    client: OllamaClient
    loop: LoopThread

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.submit(coroutine).result(10)


@pytest.fixture
def replay() -> Iterator[Replay]:
    """A loopback server that answers each endpoint with the captured bytes, line by line."""
    routes = {
        "/api/chat": ("application/x-ndjson", _capture("chat_transcript.ndjson")),
        "/api/pull": ("application/x-ndjson", _capture("pull_transcript.ndjson")),
        "/api/show": ("application/json; charset=utf-8", _capture("show.json")),
    }

    def handle(request: Request, conn: Connection) -> None:
        content_type, body = routes[request.path]
        if content_type.startswith("application/x-ndjson"):
            conn.start_chunked(200, {"Content-Type": content_type})
            for line in body.splitlines(keepends=True):
                conn.write_chunk(line)  # flushed per line, as the daemon does
            conn.end_chunked()
        else:
            conn.send_response(200, {"Content-Type": content_type}, body)

    server = LoopbackHTTPServer(handle)
    server.start()
    loop = LoopThread("replay").start()
    client = OllamaClient(parse_ollama_host(f"http://127.0.0.1:{server.port}"))
    try:
        yield Replay(client, loop)
    finally:
        loop.submit(client.aclose()).result(5)
        loop.stop()
        server.stop()


def test_client_parses_a_captured_chat_stream(replay: Replay) -> None:
    lines = [json.loads(line) for line in _capture("chat_transcript.ndjson").splitlines()]

    async def collect() -> list[ChatChunk]:
        request = ChatRequest("gemma3-tiny", (ChatMessage("user", "Say hello"),))
        async with contextlib.aclosing(replay.client.chat(request)) as stream:
            return [chunk async for chunk in stream]

    chunks = replay.run(collect())
    assert "".join(c.content for c in chunks) == "".join(x["message"]["content"] for x in lines)
    final = chunks[-1].metrics
    assert final is not None and chunks[-1].done
    assert final.eval_count == 291 and final.done_reason == "stop"
    assert final.load_duration == lines[-1]["load_duration"]
    assert final.tokens_per_second == pytest.approx(70.68, abs=0.01)


def test_client_parses_a_captured_pull_stream(replay: Replay) -> None:
    async def collect() -> list[PullProgress]:
        async with contextlib.aclosing(replay.client.pull("gemma3-tiny")) as stream:
            return [step async for step in stream]

    steps = replay.run(collect())
    assert [s.status for s in steps][:2] == ["pulling manifest", "pulling a5fd3b62230a"]
    assert steps[1].total == 253113024 and steps[3].completed == 194829504
    assert steps[-1].status == "success"


def test_client_parses_a_captured_show(replay: Replay) -> None:
    info = replay.run(replay.client.show("gemma3-tiny"))
    assert info.context_length == 32768
    assert info.capabilities == frozenset({"completion"})
    assert info.details.family == "gemma3" and info.details.quantization == "Q4_K_M"
    assert info.parameter_count == 268098176
