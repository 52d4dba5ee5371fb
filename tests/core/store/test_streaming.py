"""Streamed answers: saved at most once per interval, append-only, recovered after a crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from confide.core.store import MessageStats, MessageStatus, Role, Store
from confide.core.store.database import PAGE_SIZE
from confide.core.store.streaming import SLOT_BYTES


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _crash(store: Store) -> None:
    """Stops without finishing anything, as a killed process would."""
    store._db.close()


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


def test_saves_are_append_only(make_store: Callable[..., Store], paths: object) -> None:
    store = make_store()
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    wal = Path(str(store._db.path) + "-wal")
    growth = []
    for index in range(60):
        writer.append(f"Zdanie numer {index} o umowie najmu lokalu użytkowego. " * 15)  # ~900 B
        size = wal.stat().st_size
        writer.flush()
        growth.append(wal.stat().st_size - size)
    # ~55 KB of answer by the end, yet every save wrote at most two pages to the WAL:
    # the growing text is never rewritten.
    assert max(growth) <= 2 * (PAGE_SIZE + 24)
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


def test_answers_longer_than_a_slot_spill_into_the_row(make_store: Callable[..., Store]) -> None:
    store = make_store()
    conv_id, question = _question(store)
    writer = store.begin_answer(conv_id, question, "m")
    chunk = "ąęłńóśźż-" * 1_000  # 17 KB of UTF-8
    expected = ""
    while len(expected.encode()) < SLOT_BYTES * 1.5:
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
