"""Saving an answer while it streams in, so that a crash loses at most one second of it.

Deltas are kept in memory and saved at most once per ``flush_interval`` (one second), and the
finished answer (complete, stopped or failed) is written once, as one new ``messages`` row.

The periodic saves go to a *stream log* (``streamlog.py``): a small encrypted append-only
file next to the database, one per answer being written, reused answer after answer. Each
save appends one record with just the new text and flushes it to the disk. That costs the
text plus ~50 bytes, where a save into the database would cost a whole 1 KiB page twice
(WAL frame, then checkpoint): at 30 tokens/s, ~6 instead of ~37 bytes per token. (Below the
file system, any durable save costs at least one 4 KiB block; that is true of both.) The
growing answer is never rewritten, and no row or index is touched until the answer is done.

Payload of a log's records: record 0 is the header (JSON: the answer's id, conversation,
parent, model, start time), enough to store the answer after a crash; every save is one record
of runs ``kind:u8 length:u32 utf-8 bytes`` (kind 1 = answer text, 2 = thinking text).

``begin_answer`` writes the header, so from then on a crash leaves an ``interrupted`` answer.
``finish`` only writes the database: a log whose answer is already a message is ignored at
start-up. At start-up every log is read: an answer that is not in the database was cut off by
a crash, and is inserted as an ``interrupted`` message with the text found; then the logs are
wiped. Until then an idle log holds a copy of the last answer written through it (encrypted,
and stored in the database anyway): erasures and key rotations wipe idle logs first.

Call ``flush_if_due`` after every delta *and* from a timer (e.g. every 250 ms) so that a pause
in the stream does not leave text unsaved for longer than the interval.
"""

from __future__ import annotations

import json
import logging
import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from confide.core.store import streamlog
from confide.core.store.clock import Clock, to_datetime
from confide.core.store.conversations import ConversationStore
from confide.core.store.database import Connection, Database
from confide.core.store.ids import new_id
from confide.core.store.models import (
    FINAL_STATUSES,
    Message,
    MessageStats,
    MessageStatus,
    Role,
)

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 1.0
_RECORD = struct.Struct("<BI")
_CONTENT = 1
_THINKING = 2


@dataclass(frozen=True)
class SlotHeader:
    """Enough to insert the answer after a crash."""

    message_id: str
    conversation_id: str
    parent_id: str | None
    model: str | None
    created_at: int

    def encode(self) -> bytes:
        return json.dumps(
            {
                "id": self.message_id,
                "conversation_id": self.conversation_id,
                "parent_id": self.parent_id,
                "model": self.model,
                "created_at": self.created_at,
            },
            separators=(",", ":"),
        ).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> SlotHeader | None:
        try:
            meta = json.loads(data.decode("utf-8"))
            return cls(
                str(meta["id"]),
                str(meta["conversation_id"]),
                None if meta["parent_id"] is None else str(meta["parent_id"]),
                None if meta["model"] is None else str(meta["model"]),
                int(meta["created_at"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


def encode_runs(runs: list[tuple[int, str]]) -> bytes:
    parts: list[bytes] = []
    for kind, text in runs:
        raw = text.encode("utf-8")
        parts.append(_RECORD.pack(kind, len(raw)))
        parts.append(raw)
    return b"".join(parts)


def decode_runs(payloads: tuple[bytes, ...]) -> tuple[str, str]:
    """(content, thinking) of a log's saves."""
    content: list[str] = []
    thinking: list[str] = []
    for data in payloads:
        offset = 0
        while offset + _RECORD.size <= len(data):
            kind, size = _RECORD.unpack_from(data, offset)
            start = offset + _RECORD.size
            if kind not in (_CONTENT, _THINKING) or start + size > len(data):
                break
            text = data[start : start + size].decode("utf-8", errors="replace")
            (content if kind == _CONTENT else thinking).append(text)
            offset = start + size
    return "".join(content), "".join(thinking)


@dataclass(frozen=True)
class ShownLengths:
    """How much of an answer's text and reasoning the user had on screen."""

    content: int
    thinking: int


class AnswerWriter:
    """One answer being streamed. Created by ``Store.begin_answer``; not thread-safe.

    The answer becomes a message (visible to ``ConversationStore``) when ``finish`` returns;
    until then the UI shows ``content``/``thinking`` (or ``snapshot()``) from memory.
    """

    def __init__(
        self,
        owner: StreamSlots,
        header: SlotHeader,
        slot_id: int,
        writer: streamlog.LogWriter,
        started: float,
    ) -> None:
        self._owner = owner
        self._header = header
        self._slot = slot_id
        self._log = writer
        self._content: list[str] = []
        self._thinking: list[str] = []
        self._pending: list[tuple[int, str]] = []
        self._last_flush = started
        self.finished = False

    @property
    def message_id(self) -> str:
        return self._header.message_id

    @property
    def conversation_id(self) -> str:
        return self._header.conversation_id

    @property
    def parent_id(self) -> str | None:
        return self._header.parent_id

    @property
    def slot_id(self) -> int:
        """The number of the stream log this answer is saved to."""
        return self._slot

    @property
    def content(self) -> str:
        return "".join(self._content)

    @property
    def thinking(self) -> str:
        return "".join(self._thinking)

    @property
    def has_unsaved(self) -> bool:
        return bool(self._pending)

    def snapshot(self) -> Message:
        """The answer so far, as a message with status ``STREAMING`` (not yet stored)."""
        return Message(
            id=self.message_id,
            conversation_id=self.conversation_id,
            parent_id=self.parent_id,
            role=Role.ASSISTANT,
            content=self.content,
            thinking=self.thinking,
            model=self._header.model,
            status=MessageStatus.STREAMING,
            error=None,
            created_at=to_datetime(self._header.created_at),
            finished_at=None,
        )

    def append(self, content_delta: str = "", thinking_delta: str = "") -> None:
        """Adds streamed text in memory. Cheap; call ``flush_if_due`` afterwards."""
        self._check_open()
        for kind, delta, whole in (
            (_THINKING, thinking_delta, self._thinking),
            (_CONTENT, content_delta, self._content),
        ):
            if not delta:
                continue
            whole.append(delta)
            if self._pending and self._pending[-1][0] == kind:
                self._pending[-1] = (kind, self._pending[-1][1] + delta)
            else:
                self._pending.append((kind, delta))

    def flush_if_due(self, now: float | None = None) -> bool:
        """Saves unsaved text if the last save is ``flush_interval`` old. True if it saved."""
        if not self._pending or self.finished:
            return False
        now = self._owner.monotonic() if now is None else now
        if now - self._last_flush < self._owner.flush_interval:
            return False
        self._flush(now)
        return True

    def flush(self) -> bool:
        """Saves unsaved text now (e.g. before the computer goes to sleep)."""
        if not self._pending or self.finished:
            return False
        self._flush(self._owner.monotonic())
        return True

    def _flush(self, now: float) -> None:
        # On failure the text stays pending, so the next save (or finish) still has it.
        self._owner.write_log("saving a streamed answer", self._log, encode_runs(self._pending))
        self._pending.clear()
        self._last_flush = now

    def finish(
        self,
        status: MessageStatus = MessageStatus.COMPLETE,
        stats: MessageStats | None = None,
        error: str | None = None,
        shown: ShownLengths | None = None,
    ) -> Message:
        """Stores the answer as a message, in one write, and makes it the active leaf.

        ``error`` is a short code or English sentence for the UI, never the user's text.
        ``shown``: the user stopped the answer when this much of it was on screen; what
        arrived after that is not kept, so the answer stays as the user saw it stop.
        If this raises (disk full…), the writer stays open and ``finish`` may be retried.
        """
        self._check_open()
        if status not in FINAL_STATUSES:
            raise ValueError("finish with complete, stopped, interrupted or error")
        stats = stats or MessageStats()
        header = self._header
        content, thinking = self.content, self.thinking
        if shown is not None:
            content, thinking = content[: shown.content], thinking[: shown.thinking]
        with self._owner.db.transaction("finishing an answer") as conn:
            # Allowed into a conversation put in the bin meanwhile: the user may still undo.
            ConversationStore.check_placement(
                conn, header.conversation_id, header.parent_id, allow_deleted=True
            )
            conn.execute(
                "INSERT INTO messages (id, conversation_id, parent_id, role, model, status, error,"
                " created_at, finished_at, eval_count, eval_duration_ns, prompt_eval_count,"
                " prompt_eval_duration_ns, load_duration_ns, total_duration_ns, thinking, content)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    header.message_id,
                    header.conversation_id,
                    header.parent_id,
                    Role.ASSISTANT.value,
                    header.model,
                    status.value,
                    error,
                    header.created_at,
                    self._owner.clock(),
                    stats.eval_count,
                    stats.eval_duration_ns,
                    stats.prompt_eval_count,
                    stats.prompt_eval_duration_ns,
                    stats.load_duration_ns,
                    stats.total_duration_ns,
                    thinking,
                    content,
                ),
            )
            conn.execute(
                "UPDATE conversations SET active_leaf_id = ? WHERE id = ?",
                (header.message_id, header.conversation_id),
            )
        # The log is left as it is: its answer is now a message, which start-up recognises.
        self._pending.clear()
        self.finished = True
        self._log.close()
        self._owner.release(self)
        return self._owner.load_message(self.message_id)

    def close_log(self) -> None:
        self._log.close()

    def _check_open(self) -> None:
        if self.finished:
            raise RuntimeError("this answer is already finished")


class StreamSlots:
    """Hands out stream logs, knows the answers being written, and recovers after a crash."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        load_message: Callable[[str], Message],
        *,
        flush_interval: float = FLUSH_INTERVAL_S,
        monotonic: Callable[[], float] = time.monotonic,
        on_finished: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.flush_interval = flush_interval
        self.monotonic = monotonic
        self.load_message = load_message
        self._on_finished = on_finished
        self._writers: dict[str, AnswerWriter] = {}

    def live_conversations(self) -> set[str]:
        """Conversations with an answer being written (never erased under the writer)."""
        return {writer.conversation_id for writer in self._writers.values()}

    @property
    def writers(self) -> list[AnswerWriter]:
        return list(self._writers.values())

    def busy_slots(self) -> set[int]:
        return {writer.slot_id for writer in self._writers.values()}

    def _path(self, slot_id: int) -> Path:
        return streamlog.log_path(self.db.path, slot_id)

    def write_log(self, operation: str, writer: streamlog.LogWriter, payload: bytes) -> None:
        try:
            writer.append(payload)
        except OSError as exc:
            raise (self.db.translate(exc, operation) or exc) from exc

    # -- answers --

    def begin_answer(
        self, conversation_id: str, parent_id: str | None, model: str | None
    ) -> AnswerWriter:
        """Reserves a stream log for a new answer and saves its header: from here on, a
        crash leaves an ``interrupted`` answer. To regenerate, begin with the same parent as
        the old answer: the old one stays as a sibling."""
        header = SlotHeader(new_id(), conversation_id, parent_id, model, self.clock())
        with self.db.reading("starting an answer") as conn:
            ConversationStore.check_placement(conn, conversation_id, parent_id)
        busy = self.busy_slots()
        slot_id = 1
        while slot_id in busy:  # several logs only when several answers stream at once
            slot_id += 1
        try:
            writer = streamlog.LogWriter(self._path(slot_id), self.db.key, header.encode())
        except OSError as exc:
            raise (self.db.translate(exc, "starting an answer") or exc) from exc
        answer = AnswerWriter(self, header, slot_id, writer, self.monotonic())
        self._writers[header.message_id] = answer
        return answer

    def release(self, writer: AnswerWriter) -> None:
        self._writers.pop(writer.message_id, None)
        self._on_finished()

    # -- maintenance --

    def recover_interrupted(self) -> int:
        """Stores every answer cut off by a crash as an ``interrupted`` message, with the
        text saved so far, on the branch the user was on. Run at start-up."""
        if self._writers:
            raise RuntimeError("recovery must run before answers are streamed")
        found: list[tuple[Path, SlotHeader, str, str]] = []
        try:
            for _, path in streamlog.log_files(self.db.path):
                saved = streamlog.read_log(path, self.db.key)
                header = SlotHeader.decode(saved.header) if saved is not None else None
                if saved is not None and header is not None:
                    content, thinking = decode_runs(saved.records)
                    found.append((path, header, content, thinking))
        except OSError as exc:
            raise (self.db.translate(exc, "reading interrupted answers") or exc) from exc
        if not found:
            return 0
        recovered = 0
        with self.db.transaction("recovering interrupted answers") as conn:
            for _, header, content, thinking in found:
                recovered += self._recover(conn, header, content, thinking)
        # Only once the answers are committed: a crash before this recovers them again,
        # and finds them already stored.
        self.wipe(path for path, _, _, _ in found)
        if recovered:
            log.info("recovered %d interrupted answer(s)", recovered)
        return recovered

    def _recover(self, conn: Connection, header: SlotHeader, content: str, thinking: str) -> int:
        if conn.execute("SELECT 1 FROM messages WHERE id = ?", (header.message_id,)).fetchone():
            return 0  # finished before the crash (or before this log was reused)
        if not conn.execute(
            "SELECT 1 FROM conversations WHERE id = ?", (header.conversation_id,)
        ).fetchone():
            log.warning("an interrupted answer belonged to a conversation that is gone")
            return 0
        parent = header.parent_id
        if (
            parent is not None
            and not conn.execute(
                "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?",
                (parent, header.conversation_id),
            ).fetchone()
        ):
            parent = None  # keep the text, as a new branch, rather than lose it
        conn.execute(
            "INSERT INTO messages (id, conversation_id, parent_id, role, model, status,"
            " created_at, finished_at, thinking, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                header.message_id,
                header.conversation_id,
                parent,
                Role.ASSISTANT.value,
                header.model,
                MessageStatus.INTERRUPTED.value,
                header.created_at,
                self.clock(),
                thinking,
                content,
            ),
        )
        # Show it if the user was looking at the question it answers.
        conn.execute(
            "UPDATE conversations SET active_leaf_id = ? WHERE id = ? AND active_leaf_id IS ?",
            (header.message_id, header.conversation_id, parent),
        )
        return 1

    def close_logs(self) -> None:
        """Closes the files of answers left unfinished (the store is closing)."""
        for writer in self._writers.values():
            writer.close_log()

    def wipe(self, paths: Iterable[Path]) -> None:
        try:
            for path in paths:
                streamlog.wipe(path)
        except OSError as exc:
            raise (self.db.translate(exc, "wiping saved answers") or exc) from exc

    def wipe_idle(self) -> None:
        """Zeroes every log no answer is using (they hold copies of finished answers)."""
        busy = self.busy_slots()
        self.wipe(path for number, path in streamlog.log_files(self.db.path) if number not in busy)
