"""The typed client against the Ollama double (a real HTTP server on loopback)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from confide.core.async_loop import LoopThread
from confide.core.ollama.client import OllamaClient, ensure_supported
from confide.core.ollama.errors import OllamaError, OllamaErrorKind
from confide.core.ollama.host import parse_ollama_host
from confide.core.ollama.types import ChatChunk, ChatMessage, ChatOptions, ChatRequest
from tests.fake_ollama.fixtures import LoopbackEndpoint
from tests.fake_ollama.gguf import build_gguf
from tests.fake_ollama.http11 import Connection, LoopbackHTTPServer, Request
from tests.fake_ollama.server import FakeOllama

T = TypeVar("T")
K = OllamaErrorKind


# One event loop on its own thread for the whole module, as in the app: a client (and its
# pooled connections) belongs to one loop.
_loop = LoopThread("test-network")


@pytest.fixture(scope="module", autouse=True)
def _network_loop() -> Iterator[None]:
    _loop.start()
    yield
    _loop.stop()


def run(awaitable: Awaitable[T], timeout: float = 30.0) -> T:
    async def main() -> T:
        return await awaitable

    return _loop.submit(main()).result(timeout)


@contextlib.contextmanager
def client_for(url: str, **kwargs: Any) -> Iterator[OllamaClient]:
    client = OllamaClient(parse_ollama_host(url), **kwargs)
    try:
        yield client
    finally:
        run(client.aclose())


async def collect(client: OllamaClient, request: ChatRequest) -> list[ChatChunk]:
    chunks: list[ChatChunk] = []
    async with contextlib.aclosing(client.chat(request)) as stream:
        async for chunk in stream:
            chunks.append(chunk)
    return chunks


def ask(model: str, text: str = "Hello", **kwargs: Any) -> ChatRequest:
    return ChatRequest(model=model, messages=(ChatMessage("user", text),), **kwargs)


def expect_error(kind: OllamaErrorKind, awaitable: Awaitable[Any]) -> OllamaError:
    with pytest.raises(OllamaError) as caught:
        run(awaitable)
    assert caught.value.kind is kind, caught.value
    return caught.value


# -- the simple endpoints -------------------------------------------------------------------


def tags_reply(*names: str) -> bytes:
    """/api/tags as the daemon writes it (shared/ollama-api.md §2.3)."""
    details = {
        "parent_model": "",
        "format": "gguf",
        "family": "llama",
        "families": ["llama"],
        "parameter_size": "1.2B",
        "quantization_level": "Q4_K_M",
    }
    models = [
        {
            "name": name,
            "model": name,
            "modified_at": "2026-11-20T10:00:00.5+01:00",
            "size": 1000,
            "digest": "ab" * 32,
            "details": details,
        }
        for name in names
    ]
    return json.dumps({"models": models}).encode()


def test_listing_with_info_waits_for_every_request_when_one_finds_the_daemon_gone() -> None:
    # The daemon hangs up on the first /api/show (it died) while the others take a moment.
    # The listing must not return while those are still in flight: left running on their
    # own, they would go on connecting after the caller gave up, even after the app closed.
    answered: list[str] = []

    def handle(request: Request, conn: Connection) -> None:
        if request.path == "/api/tags":
            conn.send_response(200, {"Content-Type": "application/json"}, tags_reply("a:1", "b:1"))
            return
        model = json.loads(request.body)["model"]
        if model == "a:1":
            conn.drop()
            return
        time.sleep(0.4)
        answered.append(model)  # before the answer goes out: the client may read it at once
        conn.send_response(404, {"Content-Type": "application/json"}, b'{"error":"gone"}')

    server = LoopbackHTTPServer(handle)
    server.start()
    try:
        with client_for(f"http://127.0.0.1:{server.port}") as client:
            with pytest.raises(OllamaError) as raised:
                run(client.list_models_with_info())
            assert raised.value.daemon_unreachable
            assert answered == ["b:1"]  # its request had finished before the error came back
    finally:
        server.stop()


def test_version_list_show_ps(fake_ollama: FakeOllama) -> None:
    with client_for(fake_ollama.url) as client:
        assert run(client.version()) == "0.33.0"
        models = run(client.list_models())
        names = [m.name for m in models]
        assert set(names) == {
            "llama3.2:latest",
            "qwen3:latest",
            "gemma3:latest",
            "nomic-embed-text:latest",
        }
        llama = next(m for m in models if m.name == "llama3.2:latest")
        assert llama.size == 2_019_393_189 and llama.details.parameter_size == "3.2B"
        assert llama.details.quantization == "Q4_K_M" and len(llama.digest) == 64
        assert llama.modified_at is not None

        info = run(client.show("qwen3"))
        assert info.can_think and not info.can_see
        assert info.context_length == 40960 and info.details.family == "qwen3"
        assert run(client.show("gemma3")).can_see

        assert run(client.ps()) == []
        run(collect(client, ask("llama3.2")))
        running = run(client.ps())
        assert [m.name for m in running] == ["llama3.2:latest"]
        assert running[0].context_length and running[0].size > 0


def test_delete_copy_embed(fake_ollama: FakeOllama) -> None:
    with client_for(fake_ollama.url) as client:
        run(client.copy("llama3.2", "my-assistant"))
        assert "my-assistant:latest" in [m.name for m in run(client.list_models())]
        run(client.delete("my-assistant"))
        assert "my-assistant:latest" not in [m.name for m in run(client.list_models())]
        expect_error(K.MODEL_NOT_FOUND, client.delete("my-assistant"))
        vectors = run(client.embed("nomic-embed-text", ["Umowa najmu", "Lease agreement"]))
        assert len(vectors) == 2
        assert sum(v * v for v in vectors[0]) == pytest.approx(1.0, abs=1e-4)


def test_create_from_a_gguf_file(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    gguf = tmp_path / "bielik.gguf"
    gguf.write_bytes(build_gguf("llama", size=300_000))
    hashed: list[tuple[int, int]] = []
    uploaded: list[tuple[int, int]] = []

    async def create(client: OllamaClient) -> list[str]:
        statuses = []
        stream = client.create_from_gguf(
            "bielik-local",
            gguf,
            template="{{ .Prompt }}",
            parameters={"temperature": 0.2},
            on_hash=lambda d, t: hashed.append((d, t)),
            on_upload=lambda d, t: uploaded.append((d, t)),
        )
        async with contextlib.aclosing(stream) as progress:
            async for step in progress:
                statuses.append(step.status)
        return statuses

    with client_for(fake_ollama.url) as client:
        statuses = run(create(client))
        assert statuses[-1] == "success"
        assert hashed[-1] == (300_000, 300_000) and uploaded[-1] == (300_000, 300_000)
        assert "bielik-local:latest" in [m.name for m in run(client.list_models())]
        body = fake_ollama.last_request("/api/create")
        assert body is not None and body.json["parameters"] == {"temperature": 0.2}
        # A second import of the same file does not upload it again.
        uploaded.clear()
        run(create(client))
        assert uploaded == []


# -- chat -----------------------------------------------------------------------------------


def test_chat_streams_and_sends_what_the_user_chose(fake_ollama: FakeOllama) -> None:
    fake_ollama.script("llama3.2", reply="Dzień dobry! Jak mogę pomóc?")
    request = ask(
        "llama3.2",
        "Cześć",
        system="You are a cautious legal analyst.",
        options=ChatOptions(temperature=0.2, num_ctx=8192, seed=7, top_p=0.9),
        keep_alive="10m",
    )
    with client_for(fake_ollama.url) as client:
        chunks = run(collect(client, request))
    assert "".join(c.content for c in chunks) == "Dzień dobry! Jak mogę pomóc?"
    assert chunks[-1].done and chunks[-1].metrics is not None
    assert chunks[-1].metrics.done_reason == "stop" and chunks[-1].metrics.eval_count > 0
    sent = fake_ollama.last_request("/api/chat")
    assert sent is not None
    assert sent.json["messages"][0] == {
        "role": "system",
        "content": "You are a cautious legal analyst.",
    }
    assert sent.json["messages"][1] == {"role": "user", "content": "Cześć"}
    assert sent.json["options"] == {"temperature": 0.2, "num_ctx": 8192, "seed": 7, "top_p": 0.9}
    assert sent.json["keep_alive"] == "10m" and sent.json["stream"] is True


def test_thinking_arrives_before_the_answer(fake_ollama: FakeOllama) -> None:
    with client_for(fake_ollama.url) as client:
        chunks = run(collect(client, ask("qwen3")))
    thinking = [i for i, c in enumerate(chunks) if c.thinking]
    content = [i for i, c in enumerate(chunks) if c.content]
    assert thinking and content and max(thinking) < min(content)


def test_images_go_as_plain_standard_base64(fake_ollama: FakeOllama) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    request = ChatRequest("gemma3", (ChatMessage("user", "What is this?", images=(png,)),))
    with client_for(fake_ollama.url) as client:
        run(collect(client, request))
    sent = fake_ollama.last_request("/api/chat")
    assert sent is not None
    (image,) = sent.json["messages"][0]["images"]
    assert base64.b64decode(image, validate=True) == png and not image.startswith("data:")


@pytest.mark.parametrize(
    ("knobs", "kind"),
    [
        ({"busy": True}, K.BUSY),
        ({"runner_died": True}, K.RUNNER_DIED),
        ({"error_after": 3}, K.MID_STREAM),
        (
            {
                "error_after": 3,
                "error_message": "model runner has unexpectedly stopped, this may be due to "
                "resource limitations or an internal error, check ollama server logs for details",
            },
            K.RUNNER_DIED,
        ),
        ({"drop_after": 3}, K.CONNECTION_LOST),
        ({"no_final_chunk": True}, K.INCOMPLETE_STREAM),
    ],
)
def test_wire_failures_become_domain_errors(
    fake_ollama: FakeOllama, knobs: dict[str, Any], kind: OllamaErrorKind
) -> None:
    fake_ollama.script("llama3.2", reply="one two three four five six seven", **knobs)
    received: list[ChatChunk] = []

    async def stream(client: OllamaClient) -> None:
        async with contextlib.aclosing(client.chat(ask("llama3.2"))) as chunks:
            async for chunk in chunks:
                received.append(chunk)

    with client_for(fake_ollama.url) as client:
        error = expect_error(kind, stream(client))
    assert error.model == "llama3.2"
    if "error_after" in knobs or "drop_after" in knobs:
        assert len(received) == 3  # what arrived before the failure was delivered


def test_request_errors(fake_ollama: FakeOllama) -> None:
    with client_for(fake_ollama.url) as client:
        missing = expect_error(K.MODEL_NOT_FOUND, collect(client, ask("mistral-legal")))
        assert missing.model == "mistral-legal" and missing.status == 404
        no_think = expect_error(K.CAPABILITY_MISSING, collect(client, ask("llama3.2", think=True)))
        assert no_think.capability == "thinking"
        embed_only = expect_error(K.CAPABILITY_MISSING, collect(client, ask("nomic-embed-text")))
        assert embed_only.capability == "chat"
        before = len(fake_ollama.requests_to("/api/chat"))
        invalid = expect_error(K.INVALID_MODEL_NAME, collect(client, ask("bad name!")))
        assert invalid.detail  # says why, in plain words
        assert len(fake_ollama.requests_to("/api/chat")) == before  # refused before sending
        expect_error(K.MODEL_NOT_FOUND, client.show("nothing-here"))


def test_stop_during_model_load_takes_effect_at_once(fake_ollama: FakeOllama) -> None:
    """No byte has arrived (the daemon withholds headers while loading), yet Stop works."""
    fake_ollama.script("llama3.2", load_delay=10.0)

    async def scenario(client: OllamaClient) -> float:
        task = asyncio.create_task(collect(client, ask("llama3.2")))
        await asyncio.sleep(0.3)
        assert not task.done()
        started = time.perf_counter()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return time.perf_counter() - started

    with client_for(fake_ollama.url) as client:
        stop_seconds = run(scenario(client))
    assert stop_seconds < 0.3
    assert fake_ollama.wait_for_cancelled(timeout=3.0)  # and the daemon saw the hang-up
    cancelled = fake_ollama.last_request("/api/chat")
    assert cancelled is not None and cancelled.cancelled_during == "load"


def test_stop_mid_answer_closes_the_stream(fake_ollama: FakeOllama) -> None:
    fake_ollama.script("llama3.2", token_rate=40, reply=" ".join(["word"] * 400))

    async def scenario(client: OllamaClient) -> int:
        got = 0
        async with contextlib.aclosing(client.chat(ask("llama3.2"))) as stream:
            async for _chunk in stream:
                got += 1
                if got == 5:
                    break
        return got

    with client_for(fake_ollama.url) as client:
        assert run(scenario(client)) == 5
    assert fake_ollama.wait_for_cancelled(timeout=3.0)
    last = fake_ollama.last_request("/api/chat")
    assert last is not None and last.cancelled_during == "stream"


# -- pull -----------------------------------------------------------------------------------


def test_pull_progress_cancel_and_resume(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_pullable("bielik:4.5b", layers=[400_000_000, 2_000])
    fake_ollama.behaviour.pull_rate = 200e6
    fake_ollama.behaviour.progress_interval = 0.02

    async def pull_until(client: OllamaClient, limit: int | None) -> list[Any]:
        seen = []
        async with contextlib.aclosing(client.pull("bielik:4.5b")) as stream:
            async for step in stream:
                seen.append(step)
                if limit is not None and step.completed >= limit:
                    break
        return seen

    with client_for(fake_ollama.url) as client:
        first = run(pull_until(client, 40_000_000))
        assert first[0].status == "pulling manifest"
        assert fake_ollama.wait_for_pull_cancelled(timeout=3.0)
        kept = fake_ollama.partial_bytes("bielik:4.5b")
        assert kept >= 40_000_000

        fake_ollama.behaviour.pull_rate = 5e9
        resumed = run(pull_until(client, None))
        layer_lines = [step for step in resumed if step.is_layer]
        assert layer_lines[0].completed >= kept  # resumes from what was already there
        assert [s.status for s in resumed[-3:]] == [
            "verifying sha256 digest",
            "writing manifest",
            "success",
        ]
        assert "bielik:4.5b" in [m.name for m in run(client.list_models())]


def test_pull_of_an_unknown_model(fake_ollama: FakeOllama) -> None:
    async def pull(client: OllamaClient) -> None:
        async with contextlib.aclosing(client.pull("no-such-model")) as stream:
            async for _ in stream:
                pass

    with client_for(fake_ollama.url) as client:
        error = expect_error(K.PULL_UNKNOWN_MODEL, pull(client))
    assert error.model == "no-such-model"


# -- not Ollama, or nothing at all ----------------------------------------------------------


def test_nothing_listening(closed_port: int) -> None:
    with client_for(f"http://127.0.0.1:{closed_port}") as client:
        expect_error(K.NOT_RUNNING, client.version())
        expect_error(K.NOT_RUNNING, client.list_models())
        expect_error(K.NOT_RUNNING, collect(client, ask("llama3.2")))


def test_a_web_page_is_not_ollama(not_ollama_server: LoopbackEndpoint) -> None:
    with client_for(not_ollama_server.url) as client:
        expect_error(K.NOT_OLLAMA, client.version())
        expect_error(K.NOT_OLLAMA, client.list_models())
        expect_error(K.NOT_OLLAMA, collect(client, ask("llama3.2")))


def test_a_daemon_that_never_answers(silent_server: LoopbackEndpoint) -> None:
    with client_for(silent_server.url, read_timeout=0.5) as client:
        expect_error(K.TIMEOUT, client.version())
        expect_error(K.TIMEOUT, collect(client, ask("llama3.2")))


def test_a_daemon_that_dies_mid_stream(fake_ollama: FakeOllama) -> None:
    fake_ollama.script("llama3.2", token_rate=50, reply=" ".join(["word"] * 200))
    received: list[ChatChunk] = []

    async def stream(client: OllamaClient) -> None:
        async with contextlib.aclosing(client.chat(ask("llama3.2"))) as chunks:
            async for chunk in chunks:
                received.append(chunk)
                if len(received) == 3:
                    await asyncio.to_thread(fake_ollama.stop)

    with client_for(fake_ollama.url) as client:
        expect_error(K.CONNECTION_LOST, stream(client))
    assert len(received) >= 3


def test_capabilities_are_checked_before_sending(fake_ollama: FakeOllama) -> None:
    png = b"\x89PNG\r\n\x1a\n"
    with_image = ChatRequest("llama3.2", (ChatMessage("user", "Look", images=(png,)),))
    with client_for(fake_ollama.url) as client:
        llama = run(client.show("llama3.2"))
        gemma = run(client.show("gemma3"))
        embedder = run(client.show("nomic-embed-text"))
    with pytest.raises(OllamaError) as caught:
        ensure_supported(with_image, llama)
    assert caught.value.capability == "vision"
    ensure_supported(ChatRequest("gemma3", with_image.messages), gemma)  # vision model: fine
    with pytest.raises(OllamaError) as caught:
        ensure_supported(ask("llama3.2", think=True), llama)
    assert caught.value.capability == "thinking"
    with pytest.raises(OllamaError) as caught:
        ensure_supported(ask("nomic-embed-text"), embedder)
    assert caught.value.capability == "chat"
    ensure_supported(ask("llama3.2"), llama)
