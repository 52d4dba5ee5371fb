"""The double's answers have the same shape as bytes captured from a real daemon
(/work/shared/ollama-transcripts): fields, field order, value types, statuses, framing.
Values such as timestamps, durations and text are not compared."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fake_ollama import FakeOllama

TRANSCRIPTS = Path(__file__).resolve().parent / "data" / "ollama-transcripts"
CREATED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
LOCAL_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")
PULLING = re.compile(r"^pulling [0-9a-f]{12}$")


def _lines(raw: bytes) -> list[dict[str, Any]]:
    assert raw.endswith(b"\n")
    parts = raw.split(b"\n")[:-1]
    assert all(parts), "a blank NDJSON line would crash the Python client"
    return [json.loads(part) for part in parts]


def _types(obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(key, type(value).__name__) for key, value in obj.items()]


@pytest.fixture
def tiny(fake_ollama: FakeOllama) -> FakeOllama:
    """gemma3-tiny as in show.json: gemma3, 268.10M, Q4_K_M, context 32768, completion only."""
    fake_ollama.add_model(
        "gemma3-tiny",
        family="gemma3",
        parameter_size="268.10M",
        quantization="Q4_K_M",
        context_length=32768,
        capabilities=["completion"],
        embedding_length=640,
        block_count=18,
        size=253_113_024,
    )
    return fake_ollama


def _post_stream(fake: FakeOllama, path: str, body: dict[str, Any]) -> tuple[httpx.Response, bytes]:
    with (
        httpx.Client(base_url=fake.url, timeout=10) as http,
        http.stream("POST", path, json=body) as r,
    ):
        return r, r.read()


@pytest.mark.parametrize(
    ("capture", "options"),
    [
        ("chat_transcript.ndjson", None),
        ("chat_transcript_short.ndjson", {"num_predict": 40}),
    ],
)
def test_chat_stream_matches_capture(
    tiny: FakeOllama, capture: str, options: dict[str, Any] | None
) -> None:
    real = _lines((TRANSCRIPTS / capture).read_bytes())
    tiny.script("gemma3-tiny", reply=" ".join(["Say hello 蓝色的モデル"] * 30))
    body: dict[str, Any] = {
        "model": "gemma3-tiny",
        "messages": [{"role": "user", "content": "Say hello"}],
    }
    if options:
        body["options"] = options
    response, raw = _post_stream(tiny, "/api/chat", body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["transfer-encoding"] == "chunked"
    ours = _lines(raw)

    real_chunk, real_final = real[0], real[-1]
    for chunk in ours[:-1]:
        assert _types(chunk) == _types(real_chunk)
        assert _types(chunk["message"]) == _types(real_chunk["message"])
        assert CREATED_AT.match(chunk["created_at"])
    final = ours[-1]
    assert _types(final) == _types(real_final)
    assert _types(final["message"]) == _types(real_final["message"])
    assert final["message"]["content"] == "" and final["done"] is True
    assert final["done_reason"] == real_final["done_reason"]
    assert sum(1 for line in ours if line["done"]) == 1
    assert final["model"] == real_final["model"] == "gemma3-tiny"  # echoed as sent
    assert final["prompt_eval_count"] == real_final["prompt_eval_count"]  # same token estimate
    if options:
        assert final["eval_count"] == real_final["eval_count"] == 40
    assert "蓝色的モデル".encode() in raw  # non-ASCII stays raw UTF-8, as in the capture


def test_pull_stream_matches_capture(tiny: FakeOllama) -> None:
    real = _lines((TRANSCRIPTS / "pull_transcript.ndjson").read_bytes())
    tiny.remove_model("gemma3-tiny")
    tiny.add_pullable("gemma3-tiny", layers=[253_113_024, 358, 77, 492], family="gemma3")
    tiny.behaviour.pull_rate = 1e9  # ~0.25 s: a handful of progress lines
    tiny.behaviour.progress_interval = 0.02
    response, raw = _post_stream(tiny, "/api/pull", {"model": "gemma3-tiny", "insecure": True})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    ours = _lines(raw)

    def shape(lines: list[dict[str, Any]]) -> list[str]:
        return [
            "pulling <layer>" if PULLING.match(line["status"]) else line["status"] for line in lines
        ]

    def squeeze(statuses: list[str]) -> list[str]:
        return [s for i, s in enumerate(statuses) if i == 0 or s != statuses[i - 1]]

    assert (
        squeeze(shape(ours))
        == squeeze(shape(real))
        == [
            "pulling manifest",
            "pulling <layer>",
            "verifying sha256 digest",
            "writing manifest",
            "success",
        ]
    )
    real_progress = [line for line in real if PULLING.match(line["status"])]
    our_progress = [line for line in ours if PULLING.match(line["status"])]
    assert len(our_progress) >= 2
    real_types = _types(real_progress[0])
    for line in our_progress:
        # `completed` is omitempty: a line sent before the first byte arrived has none.
        assert _types(line) in (real_types, real_types[:-1])
        assert line["digest"][7:19] == line["status"][8:]
        assert line.get("completed", 0) < line["total"]  # no 100% line, as in the capture
    for ours_line, real_line in zip((ours[0], *ours[-3:]), (real[0], *real[-3:]), strict=True):
        assert ours_line == real_line  # the fixed statuses are byte-identical objects


def test_show_matches_capture(tiny: FakeOllama) -> None:
    raw_real = (TRANSCRIPTS / "show.json").read_bytes()
    real = json.loads(raw_real)
    with httpx.Client(base_url=tiny.url) as http:
        response = http.post("/api/show", json={"model": "gemma3-tiny"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert not response.content.endswith(b"\n") and not raw_real.endswith(b"\n")
    ours = response.json()
    assert _types(ours) == _types(real)
    assert _types(ours["details"]) == _types(real["details"])
    assert ours["details"] == real["details"]
    assert ours["capabilities"] == real["capabilities"]
    assert ours["parameters"] == real["parameters"]
    assert ours["template"] == real["template"]
    assert LOCAL_TIME.match(ours["modified_at"]) and LOCAL_TIME.match(real["modified_at"])
    assert list(ours["model_info"]) == sorted(ours["model_info"])  # a Go map: sorted keys
    shared = set(ours["model_info"]) & set(real["model_info"])
    assert {
        "general.architecture",
        "general.parameter_count",
        "general.file_type",
        "gemma3.context_length",
        "gemma3.embedding_length",
        "tokenizer.ggml.tokens",
    } <= shared
    for key in shared:
        assert type(ours["model_info"][key]) is type(real["model_info"][key]), key
    assert ours["model_info"]["gemma3.context_length"] == 32768
    assert [list(t) for t in ours["tensors"][:3]] == [list(t) for t in real["tensors"][:3]]
    assert ours["tensors"][0] == real["tensors"][0]
    real_head = real["modelfile"].split("\n")[:5]
    our_head = ours["modelfile"].split("\n")[:5]
    assert our_head[:4] == real_head[:4]
    assert re.match(r"^FROM .*/blobs/sha256-[0-9a-f]{64}$", our_head[4])
    # Go escapes < > & inside strings, exactly like the captured bytes.
    assert (
        b"\\u003cstart_of_turn\\u003e" in response.content
        and b"\\u003cstart_of_turn\\u003e" in raw_real
    )
