"""Hanging up stops work: generation (mid-stream, while headers are withheld, while queued)
and pulls (which keep their partial bytes and resume from them)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import httpx
import ollama
import pytest

from tests.fake_ollama import FakeOllama

LONG_REPLY = " ".join(f"word{i}" for i in range(400))


def _chat_bytes(model: str = "llama3.2", **extra: object) -> bytes:
    body = json.dumps(
        {"model": model, "messages": [{"role": "user", "content": "go"}], **extra}
    ).encode()
    return (
        b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    ) + body


def test_headers_are_withheld_during_load_then_a_hang_up_abandons_it(
    fake_ollama: FakeOllama,
) -> None:
    fake_ollama.behaviour.load_delay = 0.6
    with socket.create_connection(("127.0.0.1", fake_ollama.port)) as sock:
        sock.sendall(_chat_bytes())
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(1)  # not even the status line while the model "loads"
    assert fake_ollama.wait_for_cancelled(1, timeout=2)
    entry = fake_ollama.last_request("/api/chat")
    assert entry is not None and entry.cancelled and entry.cancelled_during == "load"
    assert entry.status is None
    assert fake_ollama.loaded_models() == []  # the load was abandoned
    assert fake_ollama.generations_completed == 0


def test_first_byte_arrives_after_the_load_delay(fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.load_delay = 0.4
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", fake_ollama.port)) as sock:
        sock.sendall(_chat_bytes())
        sock.settimeout(5)
        first = sock.recv(15)
        waited = time.monotonic() - started
        assert first.startswith(b"HTTP/1.1 200 OK")
        assert 0.35 <= waited < 2
    # Loaded now: the next request does not wait again.
    with httpx.Client(base_url=fake_ollama.url) as http:
        started = time.monotonic()
        http.post(
            "/api/chat",
            json={
                "model": "llama3.2",
                "messages": [{"role": "user", "content": "x"}],
                "stream": False,
            },
        )
        assert time.monotonic() - started < 0.3


def test_hanging_up_mid_stream_stops_generation(fake_ollama: FakeOllama) -> None:
    fake_ollama.script("llama3.2", reply=LONG_REPLY, token_rate=50)
    with (
        httpx.Client(base_url=fake_ollama.url, timeout=5) as http,
        http.stream(
            "POST",
            "/api/chat",
            json={"model": "llama3.2", "messages": [{"role": "user", "content": "go"}]},
        ) as response,
    ):
        lines = response.iter_lines()
        received = [json.loads(next(lines)) for _ in range(3)]
    assert [r["done"] for r in received] == [False, False, False]
    hung_up = time.monotonic()
    assert fake_ollama.wait_for_cancelled(1, timeout=2)
    assert time.monotonic() - hung_up < 0.5  # noticed at once, not after 400 tokens
    entry = fake_ollama.last_request("/api/chat")
    assert entry is not None and entry.cancelled_during == "stream"
    assert fake_ollama.generations_completed == 0


def test_breaking_out_of_a_client_stream_cancels(fake_ollama: FakeOllama) -> None:
    fake_ollama.script("llama3.2", reply=LONG_REPLY, token_rate=100)
    with ollama.Client(host=fake_ollama.url) as client:
        stream = client.chat("llama3.2", messages=[{"role": "user", "content": "go"}], stream=True)
        try:
            for index, _part in enumerate(stream):
                if index == 2:
                    break
        finally:
            stream.close()  # what the app must do (§5.7)
    assert fake_ollama.wait_for_cancelled(1, timeout=2)


def test_async_task_cancel_during_load_reaches_the_daemon(fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.load_delay = 5

    async def scenario() -> None:
        async with ollama.AsyncClient(host=fake_ollama.url) as client:

            async def consume() -> None:
                async for _ in await client.chat(
                    "llama3.2", messages=[{"role": "user", "content": "x"}], stream=True
                ):
                    pass

            task = asyncio.create_task(consume())
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    started = time.monotonic()
    asyncio.run(scenario())
    assert fake_ollama.wait_for_cancelled(1, timeout=2)
    assert time.monotonic() - started < 2
    entry = fake_ollama.last_request("/api/chat")
    assert entry is not None and entry.cancelled_during == "load"


def test_a_queued_request_starts_as_soon_as_the_first_is_cancelled(fake_ollama: FakeOllama) -> None:
    fake_ollama.script("llama3.2", reply=LONG_REPLY, token_rate=40)  # ~10 s if left alone
    first_chunk_at: list[float] = []

    def second_request() -> None:
        with (
            httpx.Client(base_url=fake_ollama.url, timeout=10) as http,
            http.stream(
                "POST",
                "/api/chat",
                json={"model": "llama3.2", "messages": [{"role": "user", "content": "2"}]},
            ) as response,
        ):
            next(response.iter_lines())
            first_chunk_at.append(time.monotonic())

    with (
        httpx.Client(base_url=fake_ollama.url, timeout=10) as http,
        http.stream(
            "POST",
            "/api/chat",
            json={"model": "llama3.2", "messages": [{"role": "user", "content": "1"}]},
        ) as response,
    ):
        lines = response.iter_lines()  # keep it: a discarded httpx line iterator closes the socket
        next(lines)
        waiter = threading.Thread(target=second_request)
        waiter.start()
        fake_ollama.wait_for_request("/api/chat", count=2)
        time.sleep(0.3)
        assert not first_chunk_at  # queued behind the first (OLLAMA_NUM_PARALLEL=1)
        hung_up = time.monotonic()
    waiter.join(5)
    assert first_chunk_at and first_chunk_at[0] - hung_up < 0.5
    assert fake_ollama.wait_for_cancelled(2, timeout=2)  # the second one hung up after a line too
    first, second = fake_ollama.requests_to("/api/chat")
    assert first.cancelled_during == second.cancelled_during == "stream"


def test_dropped_connection_and_missing_final_chunk(fake_ollama: FakeOllama) -> None:
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "x"}]}
    fake_ollama.script("llama3.2", once=True, reply="a b c d e", drop_after=2)
    with httpx.Client(base_url=fake_ollama.url) as http:
        with (
            pytest.raises(httpx.RemoteProtocolError),
            http.stream("POST", "/api/chat", json=body) as r,
        ):
            for _ in r.iter_lines():
                pass
        fake_ollama.script("llama3.2", once=True, reply="a b c", no_final_chunk=True)
        with http.stream("POST", "/api/chat", json=body) as r:
            lines = [json.loads(line) for line in r.iter_lines()]
    assert [line["message"]["content"] for line in lines] == ["a", " b", " c"]
    assert not any(line["done"] for line in lines)


def test_pull_cancel_keeps_partial_and_resume_continues(fake_ollama: FakeOllama) -> None:
    total = 200_000_000
    fake_ollama.add_pullable("big:latest", layers=[total, 2_000], family="llama")
    fake_ollama.behaviour.pull_rate = 100e6  # 2 s for the big layer
    with (
        httpx.Client(base_url=fake_ollama.url, timeout=5) as http,
        http.stream("POST", "/api/pull", json={"model": "big"}) as response,
    ):
        lines = response.iter_lines()
        assert json.loads(next(lines)) == {"status": "pulling manifest"}
        for _ in range(5):
            progress = json.loads(next(lines))
    assert progress["status"].startswith("pulling ") and progress["total"] == total
    assert fake_ollama.wait_for_pull_cancelled(1, timeout=2)
    partial = fake_ollama.partial_bytes("big")
    assert progress["completed"] <= partial < total
    time.sleep(0.1)
    assert fake_ollama.partial_bytes("big") == partial  # the download stopped with the client
    assert "big:latest" not in fake_ollama.installed_models()

    fake_ollama.restart()  # partials survive a daemon restart (on disk)
    fake_ollama.behaviour.pull_rate = 2e9
    with ollama.Client(host=fake_ollama.url) as client:
        updates = list(client.pull("big", stream=True))
    layer_lines = [u for u in updates if u.status.startswith("pulling ") and u.total == total]
    assert layer_lines and (layer_lines[0].completed or 0) >= partial
    assert updates[-1].status == "success"
    assert fake_ollama.installed_models()[0] == "big:latest"
    assert fake_ollama.partial_bytes("big") == 0


def test_pull_of_unknown_model_fails_mid_stream(fake_ollama: FakeOllama) -> None:
    with ollama.Client(host=fake_ollama.url) as client:
        seen: list[str] = []
        with pytest.raises(ollama.ResponseError) as err:
            for update in client.pull("no-such-model", stream=True):
                seen.append(update.status)
        assert seen == ["pulling manifest"]
        assert (err.value.status_code, err.value.error) == (
            -1,
            "pull model manifest: file does not exist",
        )
        with pytest.raises(ollama.ResponseError) as err:
            client.pull("no-such-model")
        assert (err.value.status_code, err.value.error) == (
            500,
            "pull model manifest: file does not exist",
        )


def test_concurrent_pulls_share_one_download(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_pullable("shared:latest", layers=[50_000_000], family="llama")
    fake_ollama.behaviour.pull_rate = 100e6
    results: list[list[str]] = []

    def pull() -> None:
        with ollama.Client(host=fake_ollama.url) as client:
            results.append([u.status for u in client.pull("shared", stream=True)])

    threads = [threading.Thread(target=pull) for _ in range(2)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert [r[-1] for r in results] == ["success", "success"]
    assert fake_ollama.downloads.started == 1  # one download, both clients watching it
    assert time.monotonic() - started < 1.5
