"""The official `ollama` Python client (sync and async) parses every endpoint of the double."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import ollama
import pytest

from tests.fake_ollama import RUNNER_ERROR, FakeOllama, build_gguf
from tests.fake_ollama.generation import split_tokens


@pytest.fixture
def client(fake_ollama: FakeOllama) -> Iterator[ollama.Client]:
    with ollama.Client(host=fake_ollama.url) as c:
        yield c


def test_list_is_newest_first_with_details(client: ollama.Client, fake_ollama: FakeOllama) -> None:
    fake_ollama.add_model("mistral:7b", family="llama", parameter_size="7.2B")
    models = client.list().models
    names = [m.model for m in models]
    assert names[0] == "mistral:7b"
    assert set(names) >= {
        "llama3.2:latest",
        "qwen3:latest",
        "gemma3:latest",
        "nomic-embed-text:latest",
    }
    stamps = [m.modified_at for m in models if m.modified_at is not None]
    assert len(stamps) == len(models)
    assert stamps == sorted(stamps, reverse=True)
    llama = next(m for m in models if m.model == "llama3.2:latest")
    assert llama.details is not None and llama.details.family == "llama"
    assert llama.details.quantization_level == "Q4_K_M"
    assert llama.size is not None and llama.size > 1_000_000_000
    assert llama.digest is not None and len(llama.digest) == 64


def test_show_has_model_info_and_capabilities(client: ollama.Client) -> None:
    shown = client.show("gemma3")
    assert shown.modelinfo is not None
    arch = shown.modelinfo["general.architecture"]
    assert arch == "gemma3"
    assert shown.modelinfo[f"{arch}.context_length"] == 131072
    assert shown.capabilities == ["completion", "vision"]
    assert shown.template and "<start_of_turn>" in shown.template
    assert shown.parameters and shown.parameters.startswith("stop")
    assert shown.license and shown.license.startswith("Gemma")
    assert isinstance(shown.modified_at, dt.datetime)
    assert shown.details is not None and shown.details.parameter_size == "4.3B"


def test_chat_not_streamed(client: ollama.Client, fake_ollama: FakeOllama) -> None:
    fake_ollama.script("llama3.2", reply="Paris is the capital of France.")
    response = client.chat("llama3.2", messages=[{"role": "user", "content": "Capital of France?"}])
    assert response.message.role == "assistant"
    assert response.message.content == "Paris is the capital of France."
    assert response.done and response.done_reason == "stop"
    assert response.eval_count == len(split_tokens("Paris is the capital of France."))
    assert response.prompt_eval_count and response.prompt_eval_count > 0
    assert response.total_duration and response.eval_duration and response.load_duration


def test_chat_streamed_thinking_model_thinks_first(
    client: ollama.Client, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script("qwen3", thinking="Let me think.", reply="Hi there!")
    parts = list(client.chat("qwen3", messages=[{"role": "user", "content": "hi"}], stream=True))
    thinking = "".join(p.message.thinking or "" for p in parts)
    content = "".join(p.message.content or "" for p in parts)
    assert thinking == "Let me think." and content == "Hi there!"
    first_content = next(i for i, p in enumerate(parts) if p.message.content)
    assert all(not p.message.content for p in parts[:first_content])
    assert parts[0].message.thinking and not parts[0].message.content
    assert parts[-1].done and parts[-1].done_reason == "stop"
    assert sum(1 for p in parts if p.done) == 1

    no_think = list(
        client.chat("qwen3", messages=[{"role": "user", "content": "hi"}], stream=True, think=False)
    )
    assert all(not p.message.thinking for p in no_think)


def test_chat_errors_carry_status_and_text(client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as missing:
        client.chat("nope", messages=[{"role": "user", "content": "hi"}])
    assert missing.value.status_code == 404
    assert missing.value.error == "model 'nope' not found"

    with pytest.raises(ollama.ResponseError) as missing_stream:
        list(client.chat("nope", messages=[{"role": "user", "content": "hi"}], stream=True))
    assert missing_stream.value.status_code == 404

    with pytest.raises(ollama.ResponseError) as no_think:
        client.chat("llama3.2", messages=[{"role": "user", "content": "hi"}], think=True)
    assert no_think.value.status_code == 400
    assert no_think.value.error == '"llama3.2" does not support thinking'

    with pytest.raises(ollama.ResponseError) as no_chat:
        client.chat("nomic-embed-text", messages=[{"role": "user", "content": "hi"}])
    assert (no_chat.value.status_code, no_chat.value.error) == (
        400,
        '"nomic-embed-text" does not support chat',
    )

    tool = {
        "type": "function",
        "function": {"name": "f", "parameters": {"type": "object", "properties": {}}},
    }
    with pytest.raises(ollama.ResponseError) as no_tools:
        client.chat("gemma3", messages=[{"role": "user", "content": "hi"}], tools=[tool])
    assert no_tools.value.error == "registry.ollama.ai/library/gemma3:latest does not support tools"


def test_mid_stream_error_has_status_minus_one(
    client: ollama.Client, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script("llama3.2", once=True, reply="one two three four five", error_after=2)
    seen: list[str] = []
    with pytest.raises(ollama.ResponseError) as err:
        for part in client.chat(
            "llama3.2", messages=[{"role": "user", "content": "x"}], stream=True
        ):
            seen.append(part.message.content or "")
    assert err.value.status_code == -1
    assert err.value.error == RUNNER_ERROR
    assert seen == ["one", " two"]


def test_tool_calls_parse(client: ollama.Client, fake_ollama: FakeOllama) -> None:
    fake_ollama.script(
        "llama3.2", tool_calls=[{"name": "get_weather", "arguments": {"city": "Tokyo"}}]
    )
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
    response = client.chat(
        "llama3.2", messages=[{"role": "user", "content": "weather?"}], tools=[tool]
    )
    calls = response.message.tool_calls or []
    assert [(c.function.name, dict(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Tokyo"})
    ]


def test_generate_stream_and_not(client: ollama.Client, fake_ollama: FakeOllama) -> None:
    fake_ollama.script("llama3.2", reply="The sky is blue.")
    response = client.generate("llama3.2", "Why is the sky blue?")
    assert response.response == "The sky is blue." and response.done_reason == "stop"
    assert response.context and response.prompt_eval_count and response.eval_count
    assert len(response.context) == response.prompt_eval_count + response.eval_count
    parts = list(client.generate("llama3.2", "Why?", stream=True))
    assert "".join(p.response or "" for p in parts) == "The sky is blue."
    assert parts[-1].done and not any(p.done for p in parts[:-1])
    loaded = client.generate("llama3.2")
    assert loaded.done_reason == "load"


def test_ps_lists_loaded_models(client: ollama.Client) -> None:
    assert client.ps().models == []
    client.chat("llama3.2", messages=[{"role": "user", "content": "hi"}], options={"num_ctx": 8192})
    running = client.ps().models
    assert [m.model for m in running] == ["llama3.2:latest"]
    assert running[0].context_length == 8192
    assert running[0].expires_at is not None
    assert running[0].expires_at > dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=4)
    assert running[0].size_vram == running[0].size
    unload = client.chat("llama3.2", messages=[], keep_alive=0)
    assert unload.done_reason == "unload"
    assert client.ps().models == []


def test_pull_stream_statuses(client: ollama.Client, fake_ollama: FakeOllama) -> None:
    fake_ollama.add_pullable("smollm:135m", layers=[40_000_000, 500], family="llama")
    fake_ollama.behaviour.pull_rate = 400e6
    statuses = [p.status or "" for p in client.pull("smollm:135m", stream=True)]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    assert all(s.startswith("pulling ") for s in statuses[1:-3])
    assert len(statuses) > 4  # some progress lines for the 40 MB layer
    assert client.list().models[0].model == "smollm:135m"
    again = client.pull("smollm:135m")  # stream=False: the last status only
    assert again.status == "success"


def test_delete_and_copy(client: ollama.Client) -> None:
    assert client.copy("llama3.2", "my-llama:v1").status == "success"
    assert client.show("my-llama:v1").details.family == "llama"  # type: ignore[union-attr]
    assert client.delete("my-llama:v1").status == "success"
    assert "my-llama:v1" not in [m.model for m in client.list().models]
    with pytest.raises(ollama.ResponseError) as err:
        client.delete("my-llama:v1")
    assert (err.value.status_code, err.value.error) == (404, "model 'my-llama:v1' not found")
    with pytest.raises(ollama.ResponseError) as err:
        client.copy("ghost", "other")
    assert (err.value.status_code, err.value.error) == (404, 'model "ghost" not found')
    with pytest.raises(ollama.ResponseError) as err:
        client.show("ghost")
    assert (err.value.status_code, err.value.error) == (404, "model 'ghost:latest' not found")


def test_create_from_uploaded_gguf(
    client: ollama.Client, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(
        build_gguf(
            "qwen2", context_length=32768, parameter_count=494_032_768, file_type=7, size=100_000
        )
    )
    digest = client.create_blob(gguf)
    assert fake_ollama.has_blob(digest)
    statuses = [
        p.status or ""
        for p in client.create(
            "my-model",
            files={"tiny.gguf": digest},
            template="{{ .Prompt }}",
            system="You are terse.",
            parameters={"temperature": 0.2, "stop": ["<|end|>"]},
            stream=True,
        )
    ]
    assert statuses[0] == "parsing GGUF"
    assert f"using existing layer {digest}" in statuses
    assert any(s.startswith("creating new layer sha256:") for s in statuses)
    assert statuses[-2:] == ["writing manifest", "success"]
    shown = client.show("my-model")
    assert shown.details is not None
    assert (
        shown.details.family,
        shown.details.parameter_size,
        shown.details.quantization_level,
    ) == ("qwen2", "494.03M", "Q8_0")
    assert shown.modelinfo is not None and shown.modelinfo["qwen2.context_length"] == 32768
    assert shown.template == "{{ .Prompt }}"
    assert shown.parameters is not None and "temperature" in shown.parameters
    assert shown.capabilities == ["completion"]
    assert client.list().models[0].model == "my-model:latest"


def test_embed_vectors_are_normalised_and_deterministic(client: ollama.Client) -> None:
    first = client.embed("nomic-embed-text", ["the cat sat", "stock market news"])
    assert len(first.embeddings) == 2 and len(first.embeddings[0]) == 768
    for vector in first.embeddings:
        assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, rel_tol=1e-5)
    again = client.embed("nomic-embed-text", "the cat sat")
    assert again.embeddings[0] == first.embeddings[0]
    short = client.embed("nomic-embed-text", "the cat sat", dimensions=64)
    assert len(short.embeddings[0]) == 64
    with pytest.raises(ollama.ResponseError) as err:
        client.embed("ghost", "x")
    assert (err.value.status_code, err.value.error) == (
        404,
        'model "ghost" not found, try pulling it first',
    )


def test_async_client_parses_the_same(fake_ollama: FakeOllama) -> None:
    fake_ollama.script("llama3.2", reply="async works")
    fake_ollama.add_pullable("tiny:1", layers=[1000])

    async def scenario() -> None:
        async with ollama.AsyncClient(host=fake_ollama.url) as client:
            assert "llama3.2:latest" in [m.model for m in (await client.list()).models]
            shown = await client.show("qwen3")
            assert shown.capabilities == ["completion", "tools", "thinking"]
            text = ""
            async for part in await client.chat(
                "llama3.2", messages=[{"role": "user", "content": "x"}], stream=True
            ):
                text += part.message.content or ""
            assert text == "async works"
            statuses = [p.status async for p in await client.pull("tiny:1", stream=True)]
            assert statuses[-1] == "success"
            embedded = await client.embed("nomic-embed-text", "hello")
            assert len(embedded.embeddings[0]) == 768
            with pytest.raises(ollama.ResponseError) as err:
                await client.generate("nope", "x")
            assert err.value.status_code == 404

    asyncio.run(scenario())


def test_request_log_records_what_reached_the_daemon(
    client: ollama.Client, fake_ollama: FakeOllama
) -> None:
    client.chat(
        "gemma3",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is this?", "images": [b"\x89PNG fake"]},
        ],
        options={"temperature": 0.3},
        keep_alive="10m",
    )
    entry = fake_ollama.last_request("/api/chat")
    assert entry is not None and entry.method == "POST" and entry.status == 200
    assert entry.body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert entry.body["messages"][1]["images"] == [base64.b64encode(b"\x89PNG fake").decode()]
    assert entry.body["options"] == {"temperature": 0.3}
    assert entry.body["keep_alive"] == "10m"
    assert entry.headers["user-agent"].startswith("ollama-python/")
    assert not entry.cancelled
