"""How much does Confide's streaming path cost compared with the raw `ollama` client?

The Ollama test double streams 20,000 tokens as fast as it can, from its own process (so that
it does not compete with the clients for the interpreter lock). In the same run, alternating:
(a) the raw `ollama` client (sync, as its README shows) iterates the stream;
(b) the app's typed async client, on the network loop thread, delivers coalesced chunks to the
    GUI thread through Qt signals (offscreen) into the transcript model, as the chat page does.
Printed: tokens/s for both, their ratio (target >= 0.98) and the time-to-first-token overhead
(target < 5 ms). The first token is timed on short answers of their own (``--ttft-runs`` each,
alternating): behind a 20,000-token answer the double's own first-token time varied by tens of
milliseconds from run to run, which hid what the clients add. The last line is one JSON object.

    python bench/stream_ingest.py [--tokens 20000] [--runs 5] [--ttft-runs 30]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import statistics
import sys
import time
from multiprocessing.synchronize import Event
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.fake_ollama

import ollama
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication
from tests.fake_ollama.server import FakeOllama

from confide.core.async_loop import LoopThread
from confide.core.ollama.client import OllamaClient
from confide.core.ollama.host import parse_ollama_host
from confide.core.ollama.types import ChatChunk, ChatMessage, ChatRequest
from confide.ui.chat.session import STREAM_INTERVAL_S, merge_events
from confide.ui.chat.transcript_model import EntryStatus, TranscriptEntry, TranscriptModel
from confide.ui.tasks import ProgressSink, TaskRunner

MODEL = "llama3.2"  # streams the long answer
SHORT_MODEL = "gemma3"  # answers in a few tokens: for timing the first one
SHORT_TOKENS = 8
PROMPT = [{"role": "user", "content": "Stream, please."}]


def run_raw(url: str, model: str = MODEL) -> tuple[float, float, int]:
    """(seconds to the last token, seconds to the first token, tokens)."""
    client = ollama.Client(host=url, trust_env=False)
    tokens = 0
    first = 0.0
    started = time.perf_counter()
    stream = client.chat(model, messages=PROMPT, stream=True)
    try:
        for part in stream:
            if part.message.content:
                if not tokens:
                    first = time.perf_counter() - started
                tokens += 1
    finally:
        stream.close()
        client.close()
    return time.perf_counter() - started, first, tokens


def run_app(
    url: str, runner: TaskRunner, loop: LoopThread, model: str = MODEL
) -> tuple[float, float, int]:
    client = OllamaClient(parse_ollama_host(url))
    transcript = TranscriptModel()
    transcript.append(TranscriptEntry(role="assistant", content="", status=EntryStatus.STREAMING))
    request = ChatRequest(model, (ChatMessage("user", "Stream, please."),))
    first = 0.0
    event_loop = QEventLoop()

    async def job(push: ProgressSink) -> None:
        async with contextlib.aclosing(client.chat(request)) as stream:
            async for chunk in stream:
                push(chunk)

    def on_events(payload: object) -> None:  # as ChatSession._on_events takes them
        nonlocal first
        for chunk in payload if isinstance(payload, list) else [payload]:
            if not isinstance(chunk, ChatChunk):
                continue
            if chunk.content and not first:
                first = time.perf_counter() - started
            transcript.extend_last(chunk.content, chunk.thinking)

    started = time.perf_counter()
    handle = runner.run("bench-chat", job, merge=merge_events, interval=STREAM_INTERVAL_S)
    handle.progress.connect(on_events)
    handle.finished.connect(event_loop.quit)
    event_loop.exec()
    elapsed = time.perf_counter() - started
    loop.submit(client.aclose()).result(5)
    entry = transcript.last()
    assert entry is not None
    return elapsed, first, entry.content.count("tok")  # each streamed token is " tok"


def serve_double(tokens: int, ports: multiprocessing.Queue[int], stop: Event) -> None:
    """Runs in a child process: the double, scripted to stream `tokens` tokens."""
    fake = FakeOllama(token_rate=None, load_delay=0.0).start()
    fake.script(MODEL, reply=" tok" * tokens)
    fake.script(SHORT_MODEL, reply=" tok" * SHORT_TOKENS)
    ports.put(fake.port)
    stop.wait()
    fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ttft-runs", type=int, default=30)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    context = multiprocessing.get_context("spawn")
    ports: multiprocessing.Queue[int] = context.Queue()
    stop = context.Event()
    server = context.Process(target=serve_double, args=(args.tokens, ports, stop), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{ports.get(timeout=60)}"
    loop = LoopThread("bench-network")
    runner = TaskRunner(loop)
    try:
        run_raw(url)  # warm-up: imports, connection set-up, the double's caches
        run_app(url, runner, loop)
        raw: list[tuple[float, float, int]] = []
        mine: list[tuple[float, float, int]] = []
        for _ in range(args.runs):  # alternate so that drift affects both equally
            raw.append(run_raw(url))
            mine.append(run_app(url, runner, loop))
        raw_short: list[tuple[float, float, int]] = []
        mine_short: list[tuple[float, float, int]] = []
        for _ in range(args.ttft_runs):
            raw_short.append(run_raw(url, SHORT_MODEL))
            mine_short.append(run_app(url, runner, loop, SHORT_MODEL))
    finally:
        runner.shutdown()
        stop.set()
        server.join(10)
    del app

    raw_rate = statistics.median(tokens / seconds for seconds, _, tokens in raw)
    app_rate = statistics.median(tokens / seconds for seconds, _, tokens in mine)
    raw_ttft = statistics.median(first for _, first, _ in raw_short) * 1000
    app_ttft = statistics.median(first for _, first, _ in mine_short) * 1000
    assert all(tokens == args.tokens for _, _, tokens in raw + mine), "lost tokens"
    assert all(tokens == SHORT_TOKENS for _, _, tokens in raw_short + mine_short), "lost tokens"
    print(f"tokens per run                 {args.tokens}  ({args.runs} runs each, medians)")
    print(f"first token                    {args.ttft_runs} short answers each, medians")
    print(
        f"raw ollama client              {raw_rate:10.0f} tokens/s   first token {raw_ttft:6.2f} ms"
    )
    print(
        f"Confide client + GUI delivery  {app_rate:10.0f} tokens/s   first token {app_ttft:6.2f} ms"
    )
    print(f"ratio (target >= 0.98)         {app_rate / raw_rate:10.3f}")
    print(f"first-token overhead (< 5 ms)  {app_ttft - raw_ttft:10.2f} ms")
    print(
        json.dumps(
            {
                "tokens_per_s_raw": round(raw_rate, 1),
                "tokens_per_s_app": round(app_rate, 1),
                "ratio": round(app_rate / raw_rate, 3),
                "ttft_overhead_ms": round(app_ttft - raw_ttft, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
