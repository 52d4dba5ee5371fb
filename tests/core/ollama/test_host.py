"""OLLAMA_HOST is read exactly as the official Python client reads it."""

from __future__ import annotations

import pytest
from ollama._client import _parse_host

from confide.core.ollama.errors import OllamaError, OllamaErrorKind
from confide.core.ollama.host import DEFAULT_ENDPOINT, endpoint_from_environment, parse_ollama_host

# The official client's own documented examples, plus a few everyday ones.
OFFICIAL_EXAMPLES = [
    "",
    "1.2.3.4",
    ":56789",
    "1.2.3.4:56789",
    "http://1.2.3.4",
    "https://1.2.3.4",
    "https://1.2.3.4:56789",
    "example.com",
    "example.com:56789",
    "http://example.com",
    "https://example.com",
    "https://example.com:56789",
    "example.com/",
    "example.com:56789/",
    "example.com/path",
    "example.com:56789/path",
    "https://example.com:56789/path",
    "example.com:56789/path/",
    "[0001:002:003:0004::1]",
    "[0001:002:003:0004::1]:56789",
    "http://[0001:002:003:0004::1]",
    "https://[0001:002:003:0004::1]:56789/path",
    "localhost",
    "localhost:11500",
    "127.0.0.1:11434",
    "http://127.0.0.1:11434",
]


@pytest.mark.parametrize("value", OFFICIAL_EXAMPLES)
def test_valid_values_match_the_official_client(value: str) -> None:
    assert parse_ollama_host(value).base_url == _parse_host(value)


def test_unset_means_loopback_default() -> None:
    assert endpoint_from_environment({}) == DEFAULT_ENDPOINT
    assert DEFAULT_ENDPOINT.base_url == "http://127.0.0.1:11434"
    assert DEFAULT_ENDPOINT.is_loopback


def test_quotes_and_spaces_are_trimmed_like_the_daemon() -> None:
    assert parse_ollama_host('  "127.0.0.1:11500" ').base_url == "http://127.0.0.1:11500"


def test_listen_everywhere_addresses_connect_to_loopback() -> None:
    endpoint = parse_ollama_host("0.0.0.0")
    assert endpoint.base_url == "http://127.0.0.1:11434"
    assert endpoint.is_loopback
    assert parse_ollama_host("0.0.0.0:9999").port == 9999


@pytest.mark.parametrize(
    ("value", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5:80", True),
        ("localhost", True),
        ("[::1]:11434", True),
        ("192.168.1.20", False),
        ("10.0.0.5:11434", False),
        ("ollama.example.com", False),
        ("https://ollama.com", False),
    ],
)
def test_loopback_detection(value: str, loopback: bool) -> None:
    assert parse_ollama_host(value).is_loopback is loopback


@pytest.mark.parametrize(
    "garbage",
    [
        "localhost:notaport",
        "localhost:99999",
        "ftp://localhost",
        "http://",
        "not a host",
        "exa$mple.com",
        "user@host:1234",
    ],
)
def test_garbage_is_refused_with_a_clear_error(garbage: str) -> None:
    with pytest.raises(OllamaError) as caught:
        parse_ollama_host(garbage)
    assert caught.value.kind is OllamaErrorKind.INVALID_HOST
    assert caught.value.host == garbage
    assert "OLLAMA_HOST" in caught.value.detail
