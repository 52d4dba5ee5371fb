"""Statuses, headers, framing and error texts of the double, as the daemon produces them."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fake_ollama import BUSY, RUNNER_DIED, FakeOllama

JSON_UTF8 = "application/json; charset=utf-8"
LOCAL_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")
USER = [{"role": "user", "content": "hi"}]


@pytest.fixture
def http(fake_ollama: FakeOllama) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_ollama.url, timeout=10) as client:
        yield client


def _error(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"].startswith("application/json")
    assert list(response.json()) == ["error"]
    return response.status_code, response.json()["error"]


def test_root_version_and_router_texts(http: httpx.Client, fake_ollama: FakeOllama) -> None:
    root = http.get("/")
    assert (root.status_code, root.text, root.headers["content-type"]) == (
        200,
        "Ollama is running",
        "text/plain; charset=utf-8",
    )
    head = http.head("/")
    assert (
        head.status_code == 200 and head.content == b"" and head.headers["content-length"] == "17"
    )
    version = http.get("/api/version")
    assert version.content == b'{"version":"0.33.0"}'
    assert version.headers["content-type"] == JSON_UTF8
    fake_ollama.behaviour.version = "0.5.7"
    assert http.head("/api/version").status_code == 200
    assert http.get("/api/version").json() == {"version": "0.5.7"}

    missing = http.get("/api/nothing")
    assert (missing.status_code, missing.text, missing.headers["content-type"]) == (
        404,
        "404 page not found",
        "text/plain",
    )
    wrong = http.get("/api/chat")
    assert (wrong.status_code, wrong.text, wrong.headers["content-type"]) == (
        405,
        "405 method not allowed",
        "text/plain",
    )
    assert wrong.headers["allow"] == "POST"
    assert http.post("/api/tags").headers["allow"] == "HEAD, GET"
    moved = http.get("/api/tags/", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (301, "/api/tags")


def test_request_decoding_errors(http: httpx.Client) -> None:
    assert _error(http.post("/api/chat", content=b"")) == (400, "missing request body")
    assert _error(http.post("/api/chat", content=b"{")) == (400, "unexpected EOF")
    assert _error(http.post("/api/chat", content=b"nope")) == (
        400,
        "invalid character 'o' in literal null (expecting 'u')",
    )
    assert _error(http.post("/api/chat", content=b"<html>")) == (
        400,
        "invalid character '<' looking for beginning of value",
    )
    assert _error(http.post("/api/chat", json={"model": "llama3.2", "messages": "hi"})) == (
        400,
        "json: cannot unmarshal string into Go struct field ChatRequest.messages"
        " of type []api.Message",
    )
    bad_image = [{"role": "user", "content": "x", "images": ["data:image/png;base64,AAAA"]}]
    assert _error(http.post("/api/chat", json={"model": "llama3.2", "messages": bad_image})) == (
        400,
        "illegal base64 data at input byte 4",
    )
    assert _error(
        http.post("/api/chat", json={"model": "llama3.2", "messages": USER, "keep_alive": "-1"})
    ) == (400, 'time: missing unit in duration "-1"')
    assert _error(
        http.post("/api/chat", json={"model": "llama3.2", "messages": USER, "keep_alive": True})
    ) == (400, "Unsupported type: 'bool'")
    assert _error(
        http.post("/api/chat", json={"model": "llama3.2", "messages": USER, "think": "lots"})
    ) == (
        400,
        'invalid think value: "lots" (must be "high", "medium", "low", "max", true, or false)',
    )
    assert _error(http.post("/api/chat", json={"model": "", "messages": USER})) == (
        400,
        "model is required",
    )
    assert _error(http.post("/api/generate", json={"prompt": "x"})) == (404, "model '' not found")
    assert _error(http.post("/api/chat", json={"model": "bad name!", "messages": USER})) == (
        400,
        "invalid model name",
    )
    wrong_option = http.post(
        "/api/chat",
        json={"model": "llama3.2", "messages": USER, "options": {"num_ctx": "big", "made_up": 1}},
    )
    assert _error(wrong_option) == (500, 'option "num_ctx" must be of type integer')
    assert wrong_option.headers["content-type"] == JSON_UTF8


def test_ndjson_framing_one_chunk_per_line_and_go_escaping(fake_ollama: FakeOllama) -> None:
    fake_ollama.script("llama3.2", reply="<think>&\u2028 蓝")
    body = json.dumps({"model": "llama3.2", "messages": USER}).encode()
    request = (
        b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    ) + body
    with socket.create_connection(("127.0.0.1", fake_ollama.port)) as sock:
        sock.sendall(request)
        sock.settimeout(5)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
    assert headers["Content-Type"] == "application/x-ndjson"
    assert headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in headers
    chunks = []
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        chunks.append(rest[:size])
        rest = rest[size + 2 :]
    assert all(c.endswith(b"\n") and c.count(b"\n") == 1 for c in chunks)
    joined = b"".join(chunks)
    lines = [json.loads(c) for c in chunks]
    assert "".join(line["message"]["content"] for line in lines) == "<think>&\u2028 蓝"
    for escaped in (b"\\u003cthink", b"\\u003e\\u0026", b"\\u2028", " 蓝".encode()):
        assert escaped in joined
    assert b": " not in joined and b", " not in joined  # compact separators


def test_load_and_unload_are_single_json_objects(
    http: httpx.Client, fake_ollama: FakeOllama
) -> None:
    load = http.post(
        "/api/chat", json={"model": "llama3.2", "messages": []}
    )  # stream defaults to true
    assert load.headers["content-type"] == JSON_UTF8
    assert list(load.json()) == ["model", "created_at", "message", "done", "done_reason"]
    assert load.json()["done_reason"] == "load" and load.json()["model"] == "llama3.2"
    assert fake_ollama.loaded_models() == ["llama3.2:latest"]
    unload = http.post("/api/chat", json={"model": "llama3.2", "messages": [], "keep_alive": 0})
    assert unload.json()["done_reason"] == "unload"
    assert fake_ollama.loaded_models() == []
    assert _error(
        http.post("/api/chat", json={"model": "ghost", "messages": [], "keep_alive": 0})
    ) == (404, "model 'ghost' not found")
    generate_load = http.post("/api/generate", json={"model": "llama3.2"})
    assert list(generate_load.json()) == ["model", "created_at", "response", "done", "done_reason"]


def test_errors_before_the_first_chunk_use_real_statuses(
    http: httpx.Client, fake_ollama: FakeOllama
) -> None:
    body = {"model": "llama3.2", "messages": USER}
    fake_ollama.script("llama3.2", once=True, busy=True)
    busy = http.post("/api/chat", json=body)
    assert _error(busy) == (503, BUSY) and "  maximum" in BUSY
    fake_ollama.script("llama3.2", once=True, runner_died=True)
    died = http.post("/api/chat", json=body)
    assert _error(died) == (500, RUNNER_DIED)
    assert died.headers["content-type"] == "application/json"  # streamResponse before any line
    fake_ollama.script("llama3.2", once=True, runner_died=True)
    assert _error(http.post("/api/chat", json={**body, "stream": False})) == (500, RUNNER_DIED)
    fake_ollama.script("llama3.2", once=True, error_after=0)
    first = http.post("/api/chat", json=body)
    assert first.status_code == 500 and first.headers["content-type"] == "application/json"
    late = http.post("/api/chat", json={**body, "format": "xml"})
    assert _error(late)[0] == 500 and late.json()["error"].startswith('invalid format: "\\"xml\\""')


def test_mid_stream_error_is_a_last_line_under_200(
    http: httpx.Client, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script("llama3.2", once=True, reply="a b c", error_after=1, error_message="boom")
    response = http.post("/api/chat", json={"model": "llama3.2", "messages": USER})
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines[-1] == {"error": "boom"} and len(lines) == 2


def test_thinking_tools_and_capability_errors(http: httpx.Client) -> None:
    tool = {
        "type": "function",
        "function": {"name": "f", "parameters": {"type": "object", "properties": {}}},
    }
    assert _error(
        http.post("/api/chat", json={"model": "gemma3", "messages": USER, "tools": [tool]})
    ) == (400, "registry.ollama.ai/library/gemma3:latest does not support tools")
    assert _error(
        http.post("/api/chat", json={"model": "llama3.2", "messages": USER, "think": "high"})
    ) == (400, '"llama3.2" does not support thinking')
    assert _error(
        http.post("/api/generate", json={"model": "nomic-embed-text", "prompt": "x"})
    ) == (400, '"nomic-embed-text" does not support generate')
    assert _error(
        http.post("/api/generate", json={"model": "llama3.2", "prompt": "x", "suffix": "y"})
    ) == (400, "registry.ollama.ai/library/llama3.2:latest does not support insert")
    thinking = http.post(
        "/api/generate", json={"model": "qwen3", "prompt": "x", "stream": False}
    ).json()
    assert thinking["thinking"] and list(thinking)[:5] == [
        "model",
        "created_at",
        "response",
        "thinking",
        "done",
    ]


def test_images_are_standard_base64(http: httpx.Client, fake_ollama: FakeOllama) -> None:
    good = base64.b64encode(b"\x89PNG\r\n").decode()
    ok = http.post(
        "/api/chat",
        json={
            "model": "gemma3",
            "stream": False,
            "messages": [{"role": "user", "content": "x", "images": [good]}],
        },
    )
    assert ok.status_code == 200
    assert ok.json()["prompt_eval_count"] > 768  # an image costs 768 tokens on a vision model
    no_vision = http.post(
        "/api/chat",
        json={
            "model": "llama3.2",
            "messages": [{"role": "user", "content": "x", "images": [good]}],
        },
    )
    assert _error(no_vision) == (500, "this model is missing data required for image input")
    urlsafe = base64.urlsafe_b64encode(b"\xfb\xff\xfe").decode()
    assert _error(
        http.post("/api/generate", json={"model": "gemma3", "prompt": "x", "images": [urlsafe]})
    ) == (400, "illegal base64 data at input byte 0")


def test_context_truncation_and_length_limits(http: httpx.Client) -> None:
    history: list[dict[str, Any]] = [{"role": "system", "content": "Be brief."}]
    for turn in range(30):
        history += [
            {"role": "user", "content": f"question {turn} " + "x" * 200},
            {"role": "assistant", "content": "answer " + "y" * 200},
        ]
    history.append({"role": "user", "content": "last"})
    base = {"model": "llama3.2", "messages": history, "stream": False}
    small = http.post("/api/chat", json={**base, "options": {"num_ctx": 512}}).json()
    big = http.post("/api/chat", json={**base, "options": {"num_ctx": 32768}}).json()
    assert small["prompt_eval_count"] <= 512 < big["prompt_eval_count"]
    shifted = http.post(
        "/api/chat", json={**base, "truncate": False, "options": {"num_ctx": 512}}
    ).json()
    assert shifted["prompt_eval_count"] == 512
    too_long = http.post(
        "/api/chat", json={**base, "truncate": False, "shift": False, "options": {"num_ctx": 512}}
    )
    assert too_long.status_code == 400
    assert too_long.json()["error"].startswith("the prompt is longer than the context length")
    limited = http.post(
        "/api/chat",
        json={
            "model": "llama3.2",
            "messages": USER,
            "stream": False,
            "options": {"num_predict": 3},
        },
    ).json()
    assert (limited["eval_count"], limited["done_reason"]) == (3, "length")


def test_tags_ps_and_keep_alive(http: httpx.Client, fake_ollama: FakeOllama) -> None:
    tags = http.get("/api/tags")
    assert tags.headers["content-type"] == JSON_UTF8
    entry = tags.json()["models"][0]
    assert list(entry) == [
        "name",
        "model",
        "modified_at",
        "size",
        "digest",
        "details",
        "capabilities",
    ]
    assert re.fullmatch(r"[0-9a-f]{64}", entry["digest"]) and LOCAL_TIME.match(entry["modified_at"])
    assert list(entry["details"])[:6] == [
        "parent_model",
        "format",
        "family",
        "families",
        "parameter_size",
        "quantization_level",
    ]
    assert http.get("/api/ps").json() == {"models": []}
    http.post("/api/chat", json={"model": "llama3.2", "messages": USER, "keep_alive": "10m"})
    http.post("/api/chat", json={"model": "qwen3", "messages": USER, "keep_alive": -1})
    http.post("/api/chat", json={"model": "gemma3", "messages": USER, "keep_alive": 0})
    running = http.get("/api/ps").json()["models"]
    assert [m["name"] for m in running] == [
        "qwen3:latest",
        "llama3.2:latest",
    ]  # latest expiry first
    assert list(running[0]) == [
        "name",
        "model",
        "size",
        "digest",
        "details",
        "expires_at",
        "size_vram",
        "context_length",
    ]
    assert int(running[0]["expires_at"][:4]) > 2200  # "forever"
    assert LOCAL_TIME.match(running[1]["expires_at"])
    assert running[1]["context_length"] == 4096


def test_ps_blocks_while_a_model_loads(fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.load_delay = 0.5

    def chat() -> None:
        with httpx.Client(base_url=fake_ollama.url, timeout=5) as client:
            client.post("/api/chat", json={"model": "llama3.2", "messages": USER})

    loader = threading.Thread(target=chat)
    loader.start()
    assert fake_ollama.wait_until(fake_ollama.state.any_loading)
    with httpx.Client(base_url=fake_ollama.url, timeout=5) as client:
        running = client.get("/api/ps").json()["models"]
        assert not fake_ollama.state.any_loading()  # it answered only once the load was over
    loader.join(5)
    # A model still loading is not listed, so seeing it proves ps waited for the load.
    assert [m["name"] for m in running] == ["llama3.2:latest"]


def test_blobs(http: httpx.Client) -> None:
    data = b"GGUF" + bytes(100)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    other_hex = hashlib.sha256(b"other").hexdigest()
    missing = http.head(f"/api/blobs/{digest}")
    assert missing.status_code == 404
    assert _error(http.post(f"/api/blobs/{digest}", content=b"other")) == (
        400,
        f'digest mismatch, expected "{digest}", got "sha256:{other_hex}"',
    )
    assert _error(http.post("/api/blobs/sha256:abc", content=data)) == (
        400,
        "invalid digest format",
    )
    created = http.post(f"/api/blobs/{digest}", content=data)
    assert (created.status_code, created.content) == (201, b"")
    assert http.post(f"/api/blobs/{digest}", content=data).status_code == 200
    assert http.head(f"/api/blobs/{digest}").status_code == 200
    not_gguf = b"hello"
    other = "sha256:" + hashlib.sha256(not_gguf).hexdigest()
    assert http.post(f"/api/blobs/{other}", content=not_gguf).status_code == 201
    assert _error(
        http.post("/api/create", json={"model": "m", "files": {"m.gguf": other}, "stream": False})
    ) == (500, "invalid file magic")
    assert _error(http.post("/api/create", json={"model": "m"})) == (
        400,
        "neither 'from' or 'files' was specified",
    )


def test_delete_copy_bodies_are_empty(http: httpx.Client) -> None:
    copied = http.post("/api/copy", json={"source": "llama3.2", "destination": "copy1"})
    assert (copied.status_code, copied.content, copied.headers["content-length"]) == (200, b"", "0")
    deleted = http.request("DELETE", "/api/delete", json={"model": "copy1"})
    assert (deleted.status_code, deleted.content) == (200, b"")
    assert _error(http.request("DELETE", "/api/delete", json={"model": ""})) == (
        400,
        "model is required",
    )


def test_embed_errors(http: httpx.Client) -> None:
    assert _error(http.post("/api/embed", json={"model": "nomic-embed-text", "input": 5})) == (
        400,
        "invalid input type",
    )
    empty = http.post("/api/embed", json={"model": "nomic-embed-text", "input": []}).json()
    assert empty["embeddings"] == []
    legacy = http.post("/api/embeddings", json={"model": "nomic-embed-text", "prompt": "hi"}).json()
    assert list(legacy) == ["embedding"] and len(legacy["embedding"]) == 768


def test_cors_and_host_checks(http: httpx.Client, fake_ollama: FakeOllama) -> None:
    evil = http.get("/api/tags", headers={"Origin": "https://evil.example"})
    assert (evil.status_code, evil.content) == (403, b"")
    local = http.get("/api/tags", headers={"Origin": "http://localhost:5173"})
    assert (
        local.status_code == 200
        and local.headers["access-control-allow-origin"] == "http://localhost:5173"
    )
    assert http.get("/api/nothing", headers={"Origin": "https://evil.example"}).status_code == 403
    fake_ollama.behaviour.allowed_origins = ("https://*.example",)
    assert http.get("/api/tags", headers={"Origin": "https://evil.example"}).status_code == 200
    preflight = http.options(
        "/api/chat",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    rebinding = http.get("/api/tags", headers={"Host": "attacker.com"})
    assert (rebinding.status_code, rebinding.content) == (403, b"")
    assert http.get("/api/tags", headers={"Host": "localhost:11434"}).status_code == 200


def test_stop_then_start_on_the_same_port(fake_ollama: FakeOllama) -> None:
    port = fake_ollama.port
    fake_ollama.script("llama3.2", reply="word " * 200, token_rate=50)
    with httpx.Client(base_url=fake_ollama.url, timeout=5) as client:
        with (
            pytest.raises(httpx.RemoteProtocolError),
            client.stream(
                "POST", "/api/chat", json={"model": "llama3.2", "messages": USER}
            ) as response,
        ):
            lines = response.iter_lines()
            next(lines)
            fake_ollama.stop()  # the daemon goes away mid-stream
            for _ in lines:
                pass
        with pytest.raises(httpx.ConnectError):
            client.get("/api/version")
        fake_ollama.start()
        assert fake_ollama.port == port
        assert client.get("/api/version").status_code == 200
        assert "llama3.2:latest" in [m["name"] for m in client.get("/api/tags").json()["models"]]
        assert client.get("/api/ps").json() == {
            "models": []
        }  # a restarted daemon has nothing loaded


def test_scripts_once_and_per_model(http: httpx.Client, fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.reply = "global"
    handle = fake_ollama.script("qwen3", reply="persistent", thinking="")
    fake_ollama.script(None, once=True, reply="just once")
    body: dict[str, Any] = {"messages": USER, "stream": False, "think": False}
    assert (
        http.post("/api/chat", json={**body, "model": "llama3.2"}).json()["message"]["content"]
        == "just once"
    )
    assert (
        http.post("/api/chat", json={**body, "model": "llama3.2"}).json()["message"]["content"]
        == "global"
    )
    assert (
        http.post("/api/chat", json={**body, "model": "qwen3"}).json()["message"]["content"]
        == "persistent"
    )
    handle.remove()
    fake_ollama.behaviour.reply = lambda request: f"echo {request['messages'][-1]['content']}"
    assert (
        http.post("/api/chat", json={**body, "model": "qwen3"}).json()["message"]["content"]
        == "echo hi"
    )
    with pytest.raises(TypeError):
        fake_ollama.script("qwen3", tokens_per_second=3)


def test_token_rate_paces_the_stream(fake_ollama: FakeOllama) -> None:
    fake_ollama.script("llama3.2", reply="a b c d e f g h i j", token_rate=40)
    with httpx.Client(base_url=fake_ollama.url) as client:
        started = time.monotonic()
        final = client.post(
            "/api/chat", json={"model": "llama3.2", "messages": USER, "stream": False}
        ).json()
        elapsed = time.monotonic() - started
    assert 0.2 < elapsed < 1.5
    assert final["eval_count"] == 10
    rate = final["eval_count"] / final["eval_duration"] * 1e9
    assert 25 < rate < 45
