"""Model-name grammar: the daemon's rules (shared/ollama-api.md §3.1), with plain reasons."""

from __future__ import annotations

import pytest

from confide.core.ollama.names import (
    InvalidModelName,
    ModelName,
    is_valid_model_name,
    normalise,
    parse_model_name,
    same_model,
)

VALID = [
    # text, host, namespace, model, tag
    ("llama3.2", "registry.ollama.ai", "library", "llama3.2", "latest"),
    ("llama3.2:3b", "registry.ollama.ai", "library", "llama3.2", "3b"),
    ("user/model:tag", "registry.ollama.ai", "user", "model", "tag"),
    (
        "SpeakLeash/bielik-11b-v2.3-instruct:Q4_K_M",
        "registry.ollama.ai",
        "SpeakLeash",
        "bielik-11b-v2.3-instruct",
        "Q4_K_M",
    ),
    ("hf.co/user/repo:Q4_K_M", "hf.co", "user", "repo", "Q4_K_M"),
    (
        "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF",
        "hf.co",
        "bartowski",
        "Llama-3.2-1B-Instruct-GGUF",
        "latest",
    ),
    ("huggingface.co/user/repo:q8_0", "huggingface.co", "user", "repo", "q8_0"),
    # A colon before the last slash is a port, not a tag.
    ("host:5000/ns/m", "host:5000", "ns", "m", "latest"),
    ("host:5000/ns/m:v1.2", "host:5000", "ns", "m", "v1.2"),
    ("registry.ollama.ai/library/mistral:7b", "registry.ollama.ai", "library", "mistral", "7b"),
    ("https://example.com/team/model:1", "example.com", "team", "model", "1"),
    ("_x/_y:_z", "registry.ollama.ai", "_x", "_y", "_z"),
    ("  qwen3:8b \n", "registry.ollama.ai", "library", "qwen3", "8b"),  # pasted whitespace
    ("a" * 80 + ":" + "b" * 80, "registry.ollama.ai", "library", "a" * 80, "b" * 80),
    ("h" * 350 + "/n/m", "h" * 350, "n", "m", "latest"),
]


@pytest.mark.parametrize(("text", "host", "namespace", "model", "tag"), VALID)
def test_valid_names_parse_into_parts(
    text: str, host: str, namespace: str, model: str, tag: str
) -> None:
    name = parse_model_name(text)
    assert (name.host, name.namespace, name.model, name.tag) == (host, namespace, model, tag)
    assert is_valid_model_name(text)


INVALID = [
    # text, a word the reason must contain
    ("", "empty"),
    ("   ", "empty"),
    ("llama 3", "space"),
    ("llama3:8b q4", "space"),
    ("example.com/model", "dot"),  # a dotted namespace: the host is missing
    ("host/my.team/model", "dot"),
    ("a" * 81, "81 characters"),
    ("m:" + "t" * 81, "81 characters"),
    ("n" * 81 + "/m", "81 characters"),
    ("h" * 351 + "/n/m", "351 characters"),
    ("model:", "tag"),
    ("/model", "empty part"),
    ("ns//model", "empty part"),
    ("model/", "empty part"),
    ("a/b/c/d", "too many parts"),
    (".hidden", "not allowed"),
    ("-model", "not allowed"),
    ("model:-tag", "not allowed"),
    ("mod@el", "not allowed"),
    ("model:ta/g", "not allowed"),  # "/" after ":" makes "ta" the model part... still invalid
    ("ftp://host/ns/m", "https://"),
    ("https://model", "server/namespace/model"),
    ("model:a:b", "not allowed"),
]


@pytest.mark.parametrize(("text", "reason_word"), INVALID)
def test_invalid_names_raise_with_a_plain_reason(text: str, reason_word: str) -> None:
    with pytest.raises(InvalidModelName) as caught:
        parse_model_name(text)
    assert isinstance(caught.value, ValueError)
    assert reason_word.lower() in caught.value.reason.lower()
    assert not is_valid_model_name(text)


@pytest.mark.parametrize(
    ("text", "shortest"),
    [
        ("llama3.2", "llama3.2:latest"),
        ("registry.ollama.ai/library/llama3.2:1b", "llama3.2:1b"),
        ("REGISTRY.OLLAMA.AI/Library/llama3.2:1b", "llama3.2:1b"),
        ("user/model", "user/model:latest"),
        ("registry.ollama.ai/user/model:tag", "user/model:tag"),
        ("hf.co/user/repo", "hf.co/user/repo:latest"),
        ("hf.co/user/repo:Q4_K_M", "hf.co/user/repo:Q4_K_M"),
        ("host:5000/ns/m", "host:5000/ns/m:latest"),
        ("http://host:5000/ns/m:x", "host:5000/ns/m:x"),
    ],
)
def test_display_shortest_hides_defaults_and_always_shows_the_tag(text: str, shortest: str) -> None:
    assert parse_model_name(text).display_shortest() == shortest
    assert normalise(text) == shortest


def test_scheme_is_kept_in_the_full_form() -> None:
    name = parse_model_name("HTTP://host:5000/ns/m")
    assert name.scheme == "http"
    assert name.display_full() == "http://host:5000/ns/m:latest"
    assert ModelName(model="x").display_full() == "https://registry.ollama.ai/library/x:latest"


def test_name_kinds() -> None:
    assert parse_model_name("hf.co/a/b").is_hugging_face
    assert parse_model_name("huggingface.co/a/b").is_hugging_face
    assert parse_model_name("qwen3").is_official_library
    user = parse_model_name("user/m")
    assert user.is_default_registry and not user.is_official_library
    assert not parse_model_name("host/ns/m").is_default_registry


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("llama3.2", "llama3.2:latest", True),
        ("Llama3.2:LATEST", "llama3.2", True),
        ("registry.ollama.ai/library/qwen3:8b", "QWEN3:8b", True),
        ("hf.co/User/Repo:Q4_K_M", "hf.co/user/repo:q4_k_m", True),
        ("llama3.2:1b", "llama3.2:3b", False),
        ("user/model", "model", False),
        # Different folders in the daemon's store, so different installed models.
        ("hf.co/u/r:q", "huggingface.co/u/r:q", False),
        ("not a name", "not a name", False),
    ],
)
def test_same_model_is_case_insensitive_and_default_aware(a: str, b: str, same: bool) -> None:
    assert same_model(a, b) is same


def test_normalise_rejects_invalid_names() -> None:
    with pytest.raises(InvalidModelName):
        normalise("bad name")
