"""Streamed answers: saved at most once per interval, append-only, recovered after a crash."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from confide.core.store import (
    MessageStats,
    MessageStatus,
    Role,
    ShownLengths,
    Store,
    StoreError,
    StoreErrorKind,
    streamlog,
)
from confide.core.store.streamlog import log_files


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _crash(store: Store) -> None:
    """Stops without finishing anything, as a killed process would."""
    store._db.close()


def _contents(database: Path) -> list[bytes]:
    wal = database.with_name(database.name + "-wal")
    return [database.read_bytes(), wal.read_bytes() if wal.exists() else b""]


def _question(store: Store) -> tuple[str, str]:
    conv = store.conversations.create("Stream")
    return conv.id, store.conversations.add_message(conv.id, None, Role.USER, "Pytanie").id


def test_saves_at_most_once_per_interval(make_store: Callable[..., Store]) -> None:
    tick = Monotonic()
    store = make_store(monotonic=tick)
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    writer.append("Jeden ")
    assert not writer.flush_if_due()  # nothing is due yet
    tick.now += 0.5
    writer.append("dwa ")
    assert not writer.flush_if_due()
    tick.now += 0.5
    assert writer.flush_if_due()  # one second since the answer began
    assert not writer.flush_if_due()  # nothing new
    writer.append("trzy")  # never saved: the "crash" comes first
    tick.now += 0.9
    assert not writer.flush_if_due()
    live = writer.snapshot()  # the UI shows the answer from memory until it is finished
    assert (live.content, live.status) == ("Jeden dwa trzy", MessageStatus.STREAMING)
    assert store.conversations.get(conv_id).active_leaf_id == question
    _crash(store)

    reopened = make_store()
    answer = reopened.conversations.get_message(writer.message_id)
    assert (answer.status, answer.content) == (MessageStatus.INTERRUPTED, "Jeden dwa ")
    assert reopened.conversations.get(conv_id).active_leaf_id == answer.id


def test_saves_are_append_only(make_store: Callable[..., Store]) -> None:
    store = make_store()
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    ((_, log),) = log_files(store._db.path)
    database = store._db.path
    files_before = _contents(database)
    for index in range(60):
        text = f"Zdanie numer {index} o umowie najmu lokalu użytkowego. " * 15  # ~900 B
        writer.append(text)
        size = log.stat().st_size
        writer.flush()
        # ~55 KB of answer by the end, yet every save wrote just its own text plus a bounded
        # overhead (framing, tag, padding): the growing text is never rewritten.
        assert 0 < log.stat().st_size - size <= len(text.encode()) + 128
    # …and the database (and its WAL) is not touched at all until the answer is finished.
    assert _contents(database) == files_before
    writer.finish()


def test_thinking_and_answer_are_recovered_apart(make_store: Callable[..., Store]) -> None:
    store = make_store()
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "deepseek-r1")
    writer.append(thinking_delta="Najpierw rozważę ")
    writer.append(thinking_delta="przepisy. ")
    writer.flush()
    writer.append(content_delta="Odpowiedź: ", thinking_delta="Koniec.")
    writer.flush()
    _crash(store)
    answer = make_store().conversations.get_message(writer.message_id)
    assert answer.thinking == "Najpierw rozważę przepisy. Koniec."
    assert answer.content == "Odpowiedź: "
    assert answer.status is MessageStatus.INTERRUPTED


def test_long_answers_are_recovered_whole(make_store: Callable[..., Store]) -> None:
    store = make_store()
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    chunk = "ąęłńóśźż-" * 1_000  # 17 KB of UTF-8
    expected = ""
    while len(expected.encode()) < 400_000:
        writer.append(chunk)
        writer.flush()
        expected += chunk
    writer.append("unsaved")
    _crash(store)
    assert make_store().conversations.get_message(writer.message_id).content == expected


def test_finish_records_status_stats_and_error(store: Store) -> None:
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "llama3.1:8b")
    writer.append("Partial")
    failed = writer.finish(MessageStatus.ERROR, error="model_crashed")
    assert (failed.status, failed.error, failed.content) == (
        MessageStatus.ERROR,
        "model_crashed",
        "Partial",
    )
    writer = store.begin_answer(conv_id, question, "llama3.1:8b")
    writer.append("Done")
    stats = MessageStats(
        eval_count=120,
        eval_duration_ns=4 * 10**9,
        prompt_eval_count=40,
        total_duration_ns=5 * 10**9,
    )
    done = writer.finish(stats=stats)
    assert done.stats == stats and done.stats.tokens_per_second == 30.0
    assert done.finished_at is not None and done.model == "llama3.1:8b"
    assert [m.id for m in store.conversations.siblings(done.id)] == [failed.id, done.id]


def test_a_stopped_answer_keeps_what_was_shown_and_not_what_came_after(store: Store) -> None:
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    writer.append(thinking_delta="Let me think. Then")
    writer.append("The answer is")
    writer.flush()
    writer.append(" forty-two, because")  # arrived while the Stop was on its way
    stopped = writer.finish(MessageStatus.STOPPED, shown=ShownLengths(13, 13))
    assert (stopped.status, stopped.content, stopped.thinking) == (
        MessageStatus.STOPPED,
        "The answer is",
        "Let me think.",
    )
    assert store.conversations.get_message(stopped.id).content == "The answer is"


def test_parallel_answers_use_separate_slots(make_store: Callable[..., Store]) -> None:
    store = make_store()
    a_conv, a_question = _question(store)
    b_conv, b_question = _question(store)
    a = store.begin_answer(a_conv, a_question, "m")
    b = store.begin_answer(b_conv, b_question, "m")
    a.append("Answer A")
    b.append("Answer B")
    a.flush()
    b.flush()
    _crash(store)
    reopened = make_store()
    assert reopened.conversations.get_message(a.message_id).content == "Answer A"
    assert reopened.conversations.get_message(b.message_id).content == "Answer B"


def test_closing_ends_open_answers_as_interrupted(make_store: Callable[..., Store]) -> None:
    store = make_store()
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    writer.append("Half an answer")
    store.close()
    answer = make_store().conversations.get_message(writer.message_id)
    assert (answer.status, answer.content) == (MessageStatus.INTERRUPTED, "Half an answer")


def test_an_answer_finishes_into_a_conversation_in_the_bin(store: Store) -> None:
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    writer.append("Still arriving")
    store.conversations.soft_delete(conv_id)  # the user may undo for a few seconds
    answer = writer.finish()
    store.conversations.undelete(conv_id)
    assert [m.id for m in store.conversations.branch(conv_id)] == [question, answer.id]


def test_a_torn_last_save_loses_only_that_save(make_store: Callable[..., Store]) -> None:
    store = make_store()
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    writer.append("First second. ")
    writer.flush()
    ((_, log),) = log_files(store._db.path)
    size = log.stat().st_size
    writer.append("Second second, torn by a power cut.")
    writer.flush()
    _crash(store)
    with open(log, "r+b") as handle:  # the power went off half-way through the last write
        handle.truncate(size + (log.stat().st_size - size) // 2)
    answer = make_store().conversations.get_message(writer.message_id)
    assert (answer.status, answer.content) == (MessageStatus.INTERRUPTED, "First second. ")


def test_recovery_empties_the_log_and_a_finished_answer_is_never_recovered(
    make_store: Callable[..., Store],
) -> None:
    store = make_store()
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    writer.append("Cut off")
    writer.flush()
    _crash(store)
    store = make_store()
    assert store.conversations.get_message(writer.message_id).content == "Cut off"
    assert all(path.stat().st_size == 0 for _, path in log_files(store._db.path))

    done = store.begin_answer(conv_id, question, "m")
    done.append("Finished, then deleted")
    done.flush()
    answer = done.finish()
    store.conversations.delete_message(answer.id)
    _crash(store)
    reopened = make_store()
    with pytest.raises(StoreError) as missing:
        reopened.conversations.get_message(answer.id)
    assert missing.value.kind is StoreErrorKind.NOT_FOUND


def test_disk_full_while_saving_keeps_the_text_for_the_next_save(
    make_store: Callable[..., Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store()
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    writer.append("Saved. ")
    writer.flush()
    real_write = os.write
    written: list[int] = []

    def full_disk(fd: int, data: bytes | memoryview) -> int:
        if not written:  # half of the record lands, then the disk is full
            written.append(real_write(fd, bytes(data)[: len(data) // 2]))
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(streamlog.os, "write", full_disk)
    writer.append("Not yet saved. ")
    with pytest.raises(StoreError) as full:
        writer.flush()
    assert full.value.kind is StoreErrorKind.DISK_FULL
    assert writer.has_unsaved
    monkeypatch.setattr(streamlog.os, "write", real_write)
    writer.append("Space again.")
    assert writer.flush()
    _crash(store)
    answer = make_store().conversations.get_message(writer.message_id)
    assert answer.content == "Saved. Not yet saved. Space again."


def test_rotating_the_key_wipes_idle_logs(make_store: Callable[..., Store]) -> None:
    store = make_store()
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    writer.append("A copy of this stays in the log until it is reused or wiped")
    writer.flush()
    writer.finish()
    ((_, log),) = log_files(store._db.path)
    assert log.stat().st_size > 0
    store.rotate_key()
    assert log.stat().st_size == 0
    again = store.begin_answer(conv_id, question, "m")  # and logs work with the new key
    again.append("After rotation")
    again.flush()
    _crash(store)
    assert make_store().conversations.get_message(again.message_id).content == "After rotation"
