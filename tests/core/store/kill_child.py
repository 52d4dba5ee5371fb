"""Streams answers through the real store until it is SIGKILLed (used by test_kill.py).

Run as a "zygote": it imports everything once, then for each ``RUN`` line on stdin it forks a
child that opens the store and chats forever, and reports the child's exit. Forking an
already-initialised interpreter makes each of the many kills cost milliseconds instead of a
fresh Python start-up. The child reports progress on stdout, one line per event, written with
a single ``os.write`` (atomic on a pipe) *after* the event is done, with a CLOCK_MONOTONIC
timestamp the parent can compare with its own::

    O <t>                       store opened (recovery done)
    U <message id> <turn> <t>   user message committed
    B <answer id> <turn> <t>    answer row committed (status streaming)
    A <chars> <t>               text appended in memory (chars = total answer length)
    F <chars> <t>               a periodic save committed with that many chars
    D <answer id> <t>           answer finished (status complete)
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

from confide.core.paths import AppPaths
from confide.core.store import KeyStore, Role, ScryptParams, Store, StoreOptions

SCRYPT = ScryptParams(n=2**4, r=8, p=1)


def user_text(run: int, turn: int) -> str:
    return f"Pytanie {run}.{turn}: czy umowa zażółć jest ważna?"


def answer_tokens(run: int, turn: int) -> list[str]:
    rng = random.Random(run * 1_000 + turn)
    words = ["umowa ", "najmu ", "łąka ", "zażółć ", "token ", "клауза ", "§ 12 ", "\n"]
    return [rng.choice(words) + f"{i} " for i in range(rng.randint(5, 80))]


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode("utf-8"))


def _chat(root: Path, passphrase: str, interval: float, token_gap: float, run: int) -> None:
    paths = AppPaths.portable(root)
    store = Store.open(
        paths,
        KeyStore.for_paths(paths, scrypt=SCRYPT),
        passphrase=passphrase,
        options=StoreOptions(flush_interval=interval),
    )
    _say(f"O {time.monotonic()}")
    conversation = store.conversations.create(title=f"Run {run}")
    parent: str | None = None
    for turn in range(1_000_000):
        user = store.conversations.add_message(
            conversation.id, parent, Role.USER, user_text(run, turn)
        )
        _say(f"U {user.id} {turn} {time.monotonic()}")
        writer = store.begin_answer(conversation.id, user.id, "test-model")
        _say(f"B {writer.message_id} {turn} {time.monotonic()}")
        total = 0
        for token in answer_tokens(run, turn):
            time.sleep(token_gap)
            writer.append(token)
            total += len(token)
            _say(f"A {total} {time.monotonic()}")
            if writer.flush_if_due():
                _say(f"F {total} {time.monotonic()}")
        answer = writer.finish()
        _say(f"D {answer.id} {time.monotonic()}")
        parent = answer.id


def main() -> None:
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "QUIT":
            return
        _, root, passphrase, interval, token_gap, run = command
        pid = os.fork()
        if pid == 0:
            try:
                _chat(Path(root), passphrase, float(interval), float(token_gap), int(run))
            finally:
                os._exit(3)  # only reached if chatting failed: the parent kills us otherwise
        _say(f"PID {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"EXIT {pid} {status}")


if __name__ == "__main__":
    main()
