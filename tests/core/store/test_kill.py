"""SIGKILL a process that is streaming answers through the real store, then check the data.

After each kill the store is reopened and must hold every user message the child had
committed, every finished answer complete, and the answer in progress as ``interrupted``
with a prefix of its text no more than one flush interval behind what the child had received
(plus the time to commit and a little scheduling slack). The child reports progress with
timestamps on CLOCK_MONOTONIC, which is shared by all processes on the machine.

The default run kills 50 times with a 50 ms flush interval (to get many kills mid-save in
little time) and twice with the production interval of one second; ``-m slow`` does 300 + 20.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from confide.core.paths import AppPaths
from confide.core.store import KeyStore, MessageStatus, Protection, Role, Store, StoreError
from tests.core.store.conftest import FAST_SCRYPT
from tests.core.store.kill_child import answer_tokens, user_text

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() (POSIX)")

CHILD = Path(__file__).with_name("kill_child.py")
PASSPHRASE = "kill-test-passphrase"
SLACK_S = 0.25  # commit + fsync + scheduling on a loaded CI machine


@dataclass
class Run:
    number: int
    interval: float
    token_gap: float
    events: list[tuple[str, ...]] = field(default_factory=list)
    killed_at: float = 0.0


class Zygote:
    """Drives kill_child.py: one long-lived process that forks a streaming child per run."""

    def __init__(self, log: Path) -> None:
        self._log = open(log, "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        self._buffer = b""

    def _lines(self, timeout: float) -> list[str]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError("the zygote died; see its log")
            self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        return [line.decode("utf-8") for line in lines]

    def run(self, root: Path, run: Run, kill_after: float) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(
            f"RUN {root} {PASSPHRASE} {run.interval} {run.token_gap} {run.number}\n".encode()
        )
        self.proc.stdin.flush()
        pid: int | None = None
        deadline = time.monotonic() + 30
        while True:
            now = time.monotonic()
            if pid is not None and now >= deadline:
                run.killed_at = time.monotonic()
                os.kill(pid, signal.SIGKILL)
                break
            for line in self._lines(deadline - now if pid else 1.0):
                kind, *rest = line.split()
                if kind == "PID":
                    pid = int(rest[0])
                    deadline = time.monotonic() + kill_after
                elif kind == "EXIT":
                    raise AssertionError(f"the child ended by itself (status {rest[1]})")
                else:
                    run.events.append((kind, *rest))
        while True:
            for line in self._lines(5.0):
                kind, *rest = line.split()
                if kind == "EXIT":
                    status = int(rest[1])
                    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
                    return
                run.events.append((kind, *rest))

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"QUIT\n")
        self.proc.stdin.close()
        assert self.proc.stdout is not None
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self._log.close()


def _expected(run: int, turn: int) -> str:
    return "".join(answer_tokens(run, turn))


def _check(store: Store, run: Run, committed_users: dict[str, str]) -> None:
    turn = -1
    answer_id: str | None = None
    appended: list[tuple[int, float]] = []
    flushed = 0
    for kind, *rest in run.events:
        if kind == "U":
            turn = int(rest[1])
            committed_users[rest[0]] = user_text(run.number, turn)
        elif kind == "B":
            answer_id, appended, flushed = rest[0], [], 0
        elif kind == "A":
            appended.append((int(rest[0]), float(rest[1])))
        elif kind == "F":
            flushed = int(rest[0])
        elif kind == "D":
            message = store.conversations.get_message(rest[0])
            assert message.status is MessageStatus.COMPLETE
            assert message.content == _expected(run.number, turn)
            answer_id = None
    for message_id, text in committed_users.items():
        message = store.conversations.get_message(message_id)
        assert (message.role, message.content) == (Role.USER, text)
    if answer_id is None:
        return
    answer = store.conversations.get_message(answer_id)
    full = _expected(run.number, turn)
    if answer.status is MessageStatus.COMPLETE:
        # Killed after finish() committed but before the child could report it.
        assert answer.content == full
        return
    assert answer.status is MessageStatus.INTERRUPTED
    assert full.startswith(answer.content), "the saved answer is not a prefix of what streamed"
    assert len(answer.content) >= flushed, "a committed save was lost"
    must_have = max(
        (
            chars
            for chars, at in appended
            if at + run.interval + run.token_gap + SLACK_S <= run.killed_at
        ),
        default=0,
    )
    assert len(answer.content) >= must_have, (
        f"saved {len(answer.content)} chars, but {must_have} had arrived more than "
        f"{run.interval}s before the kill"
    )


def _lane(root: Path, plan: list[tuple[float, float, float, float]], seed: int) -> int:
    """Runs ``plan`` against one store; returns how many kills hit a streaming answer."""
    paths = AppPaths.portable(root / "confide").ensure()
    key_store = KeyStore.for_paths(paths, scrypt=FAST_SCRYPT)
    Store.create(paths, key_store, Protection.PASSPHRASE, PASSPHRASE).close()
    zygote = Zygote(root / "zygote.log")
    committed_users: dict[str, str] = {}
    rng = random.Random(seed)
    mid_answer = 0
    try:
        for number, (interval, gap, low, high) in enumerate(plan):
            run = Run(number, interval, gap)
            zygote.run(paths.data_dir.parent, run, rng.uniform(low, high))
            try:
                store = Store.open(paths, key_store, passphrase=PASSPHRASE)
            except StoreError as exc:  # pragma: no cover - diagnostics
                raise AssertionError(f"run {number}: reopening failed: {exc}") from exc
            try:
                _check(store, run, committed_users)
                assert store.check_integrity()
            finally:
                store.close()
            mid_answer += any(e[0] == "B" for e in run.events) and run.events[-1][0] in "ABF"
    finally:
        zygote.close()
    assert committed_users, "no run got as far as committing a message"
    return mid_answer


def _kill_many(tmp_path: Path, plan: list[tuple[float, float, float, float]]) -> None:
    # Two independent stores killed in parallel: the test mostly waits, and CI has 2 cores.
    lanes = [plan[0::2], plan[1::2]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(_lane, tmp_path / f"lane{index}", lane, 20240611 + index)
            for index, lane in enumerate(lanes)
        ]
        mid_answer = sum(future.result() for future in futures)
    # Kills must land mid-answer often, or the test proves little.
    assert mid_answer >= len(plan) // 3, f"only {mid_answer} kills hit a streaming answer"


FAST = (0.05, 0.004, 0.0, 0.35)
PRODUCTION = (1.0, 1 / 30, 1.1, 2.6)  # the real interval, at a laptop's 30 tokens/s


def test_kill_during_streaming(tmp_path: Path) -> None:
    _kill_many(tmp_path, [FAST] * 50 + [PRODUCTION] * 2)


@pytest.mark.slow
def test_kill_during_streaming_many_times(tmp_path: Path) -> None:
    _kill_many(tmp_path, [FAST] * 300 + [PRODUCTION] * 20)
