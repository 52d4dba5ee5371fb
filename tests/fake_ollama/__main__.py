"""Run the fake daemon by hand, or as a stand-in `ollama` executable.

    python -m tests.fake_ollama --port 11434   # prints the URL, Ctrl+C to stop
    python -m tests.fake_ollama serve          # like `ollama serve`: address from OLLAMA_HOST

`serve` honours OLLAMA_HOST (loopback only), OLLAMA_ORIGINS, OLLAMA_KEEP_ALIVE,
OLLAMA_CONTEXT_LENGTH, OLLAMA_NUM_PARALLEL and OLLAMA_MAX_QUEUE, plus FAKE_OLLAMA_TOKEN_RATE,
FAKE_OLLAMA_LOAD_DELAY, FAKE_OLLAMA_PULL_RATE, FAKE_OLLAMA_MODELS=none (start empty) and
FAKE_OLLAMA_STARTUP_DELAY (seconds before binding, to test start-up waits). Like the real one it
exits 1 with `Error: listen tcp HOST:PORT: bind: address already in use` when the port is taken,
and stops cleanly on SIGINT/SIGTERM (SIGBREAK on Windows).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import sys
import threading
import time
from typing import Any

from .decoding import DecodeError, parse_keep_alive
from .models import DEFAULT_INSTALLED
from .server import FakeOllama, is_loopback

DEFAULT_PORT = 11434


def parse_ollama_host(value: str | None) -> tuple[str, int]:
    """envconfig.Host for the forms a local daemon uses: host, host:port, :port, scheme://host:port."""
    text = (value or "").strip().strip("\"'").strip()
    if not text:
        return "127.0.0.1", DEFAULT_PORT
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "http", text
    hostport = rest.split("/", 1)[0]
    default = (
        {"http": 80, "https": 443}[scheme] if sep and scheme in ("http", "https") else DEFAULT_PORT
    )
    host, colon, port_text = hostport.rpartition(":")
    if not colon:
        host, port_text = hostport, ""
    host = host.strip("[]")
    try:
        port = int(port_text) if port_text else default
    except ValueError:
        port = DEFAULT_PORT  # the daemon logs a warning and falls back
    return host or "0.0.0.0", port


def _env_float(name: str) -> float | None:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else None


def _knobs_from_env() -> dict[str, Any]:
    knobs: dict[str, Any] = {}
    origins = os.environ.get("OLLAMA_ORIGINS", "")
    if origins:
        knobs["allowed_origins"] = tuple(origins.split(","))
    keep_alive = os.environ.get("OLLAMA_KEEP_ALIVE", "").strip()
    if keep_alive:
        # A bare integer means seconds, as envconfig.KeepAlive reads it.
        with contextlib.suppress(DecodeError):
            knobs["keep_alive"] = parse_keep_alive(
                int(keep_alive) if keep_alive.lstrip("-").isdigit() else keep_alive
            )
    for env, knob in (
        ("OLLAMA_CONTEXT_LENGTH", "default_num_ctx"),
        ("OLLAMA_NUM_PARALLEL", "num_parallel"),
        ("OLLAMA_MAX_QUEUE", "max_queue"),
    ):
        raw = os.environ.get(env, "").strip()
        if raw.isdigit() and int(raw) > 0:
            knobs[knob] = int(raw)
    for env, knob in (
        ("FAKE_OLLAMA_TOKEN_RATE", "token_rate"),
        ("FAKE_OLLAMA_LOAD_DELAY", "load_delay"),
        ("FAKE_OLLAMA_PULL_RATE", "pull_rate"),
    ):
        number = _env_float(env)
        if number is not None:
            knobs[knob] = number
    return knobs


def _log(message: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(
        f'time={stamp} level=INFO source=fake_ollama msg="{message}"', file=sys.stderr, flush=True
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fake_ollama",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", choices=["serve"], help="behave like `ollama serve`")
    parser.add_argument("--host", default=None, help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--token-rate", type=float, default=None, help="tokens per second (default 30)"
    )
    parser.add_argument(
        "--load-delay", type=float, default=None, help="model load time in seconds (default 1.5)"
    )
    parser.add_argument(
        "--pull-rate", type=float, default=None, help="download bytes per second (default 200e6)"
    )
    parser.add_argument("--daemon-version", default=None, help="version reported by /api/version")
    parser.add_argument("--empty", action="store_true", help="start with no installed models")
    parser.add_argument(
        "-v", "--version", action="store_true", help="print the version like `ollama -v`"
    )
    args = parser.parse_args(argv)

    knobs: dict[str, Any] = {"token_rate": 30.0, "load_delay": 1.5}
    if args.command == "serve":
        host, port = parse_ollama_host(os.environ.get("OLLAMA_HOST"))
        knobs.update(_knobs_from_env())
    else:
        host, port = "127.0.0.1", DEFAULT_PORT
    host = args.host or host
    port = args.port if args.port is not None else port
    for flag, knob in (
        (args.token_rate, "token_rate"),
        (args.load_delay, "load_delay"),
        (args.pull_rate, "pull_rate"),
        (args.daemon_version, "version"),
    ):
        if flag is not None:
            knobs[knob] = flag
    if args.version:
        print(f"ollama version is {knobs.get('version', '0.33.0')}")
        return 0
    if not is_loopback(host):
        print(f"Error: the fake daemon only listens on loopback, not {host}", file=sys.stderr)
        return 1

    startup_delay = _env_float("FAKE_OLLAMA_STARTUP_DELAY") if args.command == "serve" else None
    empty = args.empty or os.environ.get("FAKE_OLLAMA_MODELS", "").lower() == "none"
    fake = FakeOllama(host=host, port=port, models=() if empty else DEFAULT_INSTALLED, **knobs)

    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        stop.set()

    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _on_signal)

    if startup_delay and stop.wait(startup_delay):
        return 0
    shown = "127.0.0.1" if host == "localhost" else host
    try:
        fake.start()
    except OSError as err:
        in_use = (
            err.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1))
            or getattr(err, "winerror", 0) == 10048
        )
        reason = "address already in use" if in_use else (err.strerror or str(err)).lower()
        print(f"Error: listen tcp {shown}:{port}: bind: {reason}", file=sys.stderr, flush=True)
        return 1
    if args.command == "serve":
        _log(f"Listening on {fake.host_port} (version {fake.behaviour.version})")
    else:
        print(f"Fake Ollama listening on {fake.url} (Ctrl+C to stop)", flush=True)
        print(f"installed: {', '.join(fake.installed_models()) or '(none)'}", flush=True)
    try:
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.2):
            pass
    finally:
        fake.stop()
    if args.command == "serve":
        _log("shutting down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
