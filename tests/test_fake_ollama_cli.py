"""`python -m tests.fake_ollama [serve]` as a stand-in daemon, and the helper servers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fake_ollama.__main__ import parse_ollama_host
from tests.fake_ollama.fixtures import LoopbackEndpoint

REPO = Path(__file__).resolve().parents[1]


def _spawn(*args: str, ollama_host: str | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLAMA_", "FAKE_OLLAMA_"))}
    if ollama_host is not None:
        env["OLLAMA_HOST"] = ollama_host
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fake_ollama", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_ready(url: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/version", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"{url} never became ready")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("127.0.0.1", 11434)),
        ("127.0.0.1:5000", ("127.0.0.1", 5000)),
        ('"localhost:6000" ', ("localhost", 6000)),
        ("http://127.0.0.1", ("127.0.0.1", 80)),
        ("127.0.0.1", ("127.0.0.1", 11434)),
        (":7000", ("0.0.0.0", 7000)),
    ],
)
def test_ollama_host_parsing(value: str | None, expected: tuple[str, int]) -> None:
    assert parse_ollama_host(value) == expected


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is not graceful on Windows")
def test_serve_reads_ollama_host_and_stops_on_sigterm(closed_port: int) -> None:
    process = _spawn("serve", ollama_host=f"127.0.0.1:{closed_port}")
    try:
        _wait_ready(f"http://127.0.0.1:{closed_port}")
        tags = httpx.get(f"http://127.0.0.1:{closed_port}/api/tags").json()
        assert "llama3.2:latest" in [m["name"] for m in tags["models"]]
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert f"Listening on 127.0.0.1:{closed_port} (version 0.33.0)" in err


def test_serve_fails_like_ollama_when_the_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        process = _spawn("serve", ollama_host=f"127.0.0.1:{port}")
        _out, err = process.communicate(timeout=10)
    assert process.returncode == 1
    assert err.strip() == f"Error: listen tcp 127.0.0.1:{port}: bind: address already in use"


def test_refuses_non_loopback_addresses() -> None:
    process = _spawn("serve", ollama_host="0.0.0.0:11555")
    _out, err = process.communicate(timeout=10)
    assert process.returncode == 1 and "loopback" in err


def test_version_flag() -> None:
    process = _spawn("--version")
    out, _err = process.communicate(timeout=10)
    assert (process.returncode, out.strip()) == (0, "ollama version is 0.33.0")


def test_not_ollama_server_answers_html(not_ollama_server: LoopbackEndpoint) -> None:
    with httpx.Client(base_url=not_ollama_server.url) as http:
        for response in (
            http.get("/api/version"),
            http.post("/api/chat", json={"model": "x"}),
            http.get("/"),
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/html")
            assert response.text.lstrip().startswith("<!DOCTYPE html>")


def test_silent_server_never_answers(silent_server: LoopbackEndpoint) -> None:
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{silent_server.url}/api/version", timeout=httpx.Timeout(0.3))
    assert silent_server.accepted() == 1


def test_closed_port_refuses(closed_port: int) -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{closed_port}/api/version", timeout=2)
