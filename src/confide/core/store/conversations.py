"""Conversations, their messages (a tree: regenerating or editing adds a sibling branch) and
attachments.

Every write is one transaction, committed before the method returns: when ``add_message``
returns, the user's message is on disk and the request to the model may be sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from confide.core.store import deletion
from confide.core.store.clock import Clock, to_datetime
from confide.core.store.database import Connection, Database
from confide.core.store.errors import StoreError, StoreErrorKind
from confide.core.store.ids import new_id
from confide.core.store.models import (
    Attachment,
    Conversation,
    ConversationSummary,
    JSONObject,
    Message,
    MessageStats,
    MessageStatus,
    NewAttachment,
    Role,
)

MESSAGE_COLUMNS = (
    "m.seq, m.id, m.conversation_id, m.parent_id, m.role, m.model, m.status, m.error,"
    " m.created_at, m.finished_at, m.eval_count, m.eval_duration_ns, m.prompt_eval_count,"
    " m.prompt_eval_duration_ns, m.load_duration_ns, m.total_duration_ns, m.thinking, m.content"
)
_CONVERSATION_COLUMNS = (
    "id, title, model, system_prompt, options, preset_key, pinned, active_leaf_id,"
    " created_at, updated_at, deleted_at"
)
_ROLES = {role.value: role for role in Role}
_STATUSES = {status.value: status for status in MessageStatus}
_ATTACHMENT_COLUMNS = "a.id, a.message_id, a.name, a.mime_type, a.size, a.sha256, a.created_at"


class LiveAnswers(Protocol):
    """Knows the answers being streamed right now (see streaming.py)."""

    def live_conversations(self) -> set[str]:
        """Conversations with an answer being streamed (never erased under its feet)."""


class Erasing(Protocol):
    conn: Connection
    conversation_ids: list[str]
    message_ids: list[str]


Eraser = Callable[[str, int], AbstractContextManager[Erasing]]
"""``with erase("operation", message_count) as erasing:`` deletes for real (erasure.py)."""


def message_from_row(row: Sequence[Any], attachments: tuple[Attachment, ...] = ()) -> Message:
    return Message(
        id=row[1],
        conversation_id=row[2],
        parent_id=row[3],
        role=_ROLES[row[4]],
        model=row[5],
        status=_STATUSES[row[6]],
        error=row[7],
        created_at=to_datetime(row[8]),
        finished_at=to_datetime(row[9]) if row[9] is not None else None,
        stats=MessageStats(row[10], row[11], row[12], row[13], row[14], row[15]),
        thinking=row[16],
        content=row[17],
        attachments=attachments,
    )


def _conversation_from_row(row: Sequence[Any]) -> Conversation:
    return Conversation(
        id=row[0],
        title=row[1],
        model=row[2],
        system_prompt=row[3],
        options=json.loads(row[4]),
        preset_key=row[5],
        pinned=bool(row[6]),
        active_leaf_id=row[7],
        created_at=to_datetime(row[8]),
        updated_at=to_datetime(row[9]),
        deleted_at=to_datetime(row[10]) if row[10] is not None else None,
    )


def _attachment_from_row(row: Sequence[Any]) -> Attachment:
    return Attachment(
        id=row[0],
        message_id=row[1],
        name=row[2],
        mime_type=row[3],
        size=row[4],
        sha256=row[5],
        created_at=to_datetime(row[6]),
    )


def options_json(options: JSONObject | None) -> str:
    if options is None:
        return "{}"
    if not isinstance(options, dict):
        raise TypeError("options must be a JSON object (dict)")
    return json.dumps(options, sort_keys=True, ensure_ascii=False)


class _NoLiveAnswers:
    def live_conversations(self) -> set[str]:
        return set()


class ConversationStore:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        erase: Eraser,
        live: LiveAnswers | None = None,
        on_saved: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._erase = erase
        self._live: LiveAnswers = live or _NoLiveAnswers()
        self._on_saved = on_saved

    # -- conversations -------------------------------------------------------------------

    def create(
        self,
        title: str = "",
        model: str | None = None,
        system_prompt: str | None = None,
        options: JSONObject | None = None,
        preset_key: str | None = None,
    ) -> Conversation:
        conversation_id = new_id()
        now = self._clock()
        with self._db.transaction("creating a conversation") as conn:
            conn.execute(
                "INSERT INTO conversations (id, title, model, system_prompt, options, preset_key,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    title,
                    model,
                    system_prompt,
                    options_json(options),
                    preset_key,
                    now,
                    now,
                ),
            )
        return self.get(conversation_id)

    def get(self, conversation_id: str) -> Conversation:
        with self._db.reading("reading a conversation") as conn:
            row = conn.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
        if row is None:
            raise StoreError(StoreErrorKind.NOT_FOUND, "no such conversation")
        return _conversation_from_row(row)

    def list_conversations(
        self, limit: int = 50, offset: int = 0, include_deleted: bool = False
    ) -> list[ConversationSummary]:
        """Pinned first, then most recently active first."""
        where = "" if include_deleted else "WHERE deleted_at IS NULL"
        with self._db.reading("listing conversations") as conn:
            rows = conn.execute(
                "SELECT id, title, model, pinned, created_at, updated_at, deleted_at"
                f" FROM conversations {where}"
                " ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [
            ConversationSummary(
                id=r[0],
                title=r[1],
                model=r[2],
                pinned=bool(r[3]),
                created_at=to_datetime(r[4]),
                updated_at=to_datetime(r[5]),
                deleted_at=to_datetime(r[6]) if r[6] is not None else None,
            )
            for r in rows
        ]

    def count(self, include_deleted: bool = False) -> int:
        where = "" if include_deleted else "WHERE deleted_at IS NULL"
        with self._db.reading("counting conversations") as conn:
            return int(conn.execute(f"SELECT count(*) FROM conversations {where}").fetchone()[0])

    def _update(
        self, conversation_id: str, operation: str, assignments: str, params: tuple[Any, ...]
    ) -> None:
        with self._db.transaction(operation) as conn:
            cursor = conn.execute(
                f"UPDATE conversations SET {assignments} WHERE id = ?", (*params, conversation_id)
            )
            if cursor.rowcount == 0:
                raise StoreError(StoreErrorKind.NOT_FOUND, f"{operation}: no such conversation")

    def rename(self, conversation_id: str, title: str) -> None:
        self._update(conversation_id, "renaming a conversation", "title = ?", (title,))

    def set_pinned(self, conversation_id: str, pinned: bool) -> None:
        self._update(conversation_id, "pinning a conversation", "pinned = ?", (int(pinned),))

    def set_model(self, conversation_id: str, model: str | None) -> None:
        self._update(conversation_id, "changing the model", "model = ?", (model,))

    def set_options(self, conversation_id: str, options: JSONObject) -> None:
        self._update(conversation_id, "changing options", "options = ?", (options_json(options),))

    def set_system_prompt(self, conversation_id: str, system_prompt: str | None) -> None:
        self._update(
            conversation_id, "changing the system prompt", "system_prompt = ?", (system_prompt,)
        )

    def set_settings(
        self,
        conversation_id: str,
        system_prompt: str | None,
        options: JSONObject,
        preset_key: str | None,
    ) -> None:
        """Instructions, generation options and the preset they came from, in one write."""
        self._update(
            conversation_id,
            "changing the conversation's settings",
            "system_prompt = ?, options = ?, preset_key = ?",
            (system_prompt, options_json(options), preset_key),
        )

    def soft_delete(self, conversation_id: str) -> None:
        """Hides the conversation; ``undelete`` brings it back until ``purge_deleted``."""
        self._update(conversation_id, "deleting a conversation", "deleted_at = ?", (self._clock(),))

    def undelete(self, conversation_id: str) -> None:
        self._update(conversation_id, "restoring a conversation", "deleted_at = NULL", ())

    def purge_deleted(self, older_than_ms: int = 0) -> int:
        """Erases soft-deleted conversations (deleted at least ``older_than_ms`` ago)."""
        cutoff = self._clock() - older_than_ms
        with self._db.reading("finding deleted conversations") as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at <= ?",
                    (cutoff,),
                )
            ]
        return self.erase_conversations(ids)

    def erase_conversations(self, conversation_ids: Iterable[str]) -> int:
        """Deletes for real: rows, index entries, free pages, WAL. Skips live streams."""
        busy = self._live.live_conversations()
        targets = [cid for cid in conversation_ids if cid not in busy]
        if not targets:
            return 0
        removed = 0
        with self._db.reading("counting messages to erase") as conn:
            count = sum(
                conn.execute(
                    "SELECT count(*) FROM messages WHERE conversation_id = ?", (cid,)
                ).fetchone()[0]
                for cid in targets
            )
        with self._erase("erasing conversations", count) as erasing:
            for cid in targets:
                removed += deletion.delete_conversation(erasing.conn, cid)
                erasing.conversation_ids.append(cid)
        return removed

    def ids_older_than(self, cutoff_ms: int, include_pinned: bool = True) -> list[str]:
        pinned = "" if include_pinned else " AND pinned = 0"
        with self._db.reading("finding old conversations") as conn:
            return [
                r[0]
                for r in conn.execute(
                    f"SELECT id FROM conversations WHERE updated_at < ?{pinned}", (cutoff_ms,)
                )
            ]

    # -- messages ------------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: str,
        parent_id: str | None,
        role: Role,
        content: str,
        *,
        model: str | None = None,
        thinking: str = "",
        attachments: Sequence[NewAttachment] = (),
    ) -> Message:
        """Stores a finished message and makes it the active branch's leaf. Committed on return.

        To edit a message, add the new version with the *same parent* as the old one: both
        branches are kept (``siblings``). Answers being streamed use ``Store.begin_answer``.
        """
        message_id = new_id()
        now = self._clock()
        with self._db.transaction("saving a message") as conn:
            self.check_placement(conn, conversation_id, parent_id)
            conn.execute(
                "INSERT INTO messages (id, conversation_id, parent_id, role, model, status,"
                " created_at, finished_at, thinking, content)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    message_id,
                    conversation_id,
                    parent_id,
                    role.value,
                    model,
                    MessageStatus.COMPLETE.value,
                    now,
                    now,
                    thinking,
                    content,
                ),
            )
            for attachment in attachments:
                conn.execute(
                    "INSERT INTO attachments (id, message_id, name, mime_type, size, sha256,"
                    " created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        new_id(),
                        message_id,
                        attachment.name,
                        attachment.mime_type,
                        len(attachment.data),
                        hashlib.sha256(attachment.data).hexdigest(),
                        now,
                        attachment.data,
                    ),
                )
            conn.execute(
                "UPDATE conversations SET active_leaf_id = ?, updated_at = ? WHERE id = ?",
                (message_id, now, conversation_id),
            )
        self._on_saved()
        return self.get_message(message_id)

    @staticmethod
    def check_placement(
        conn: Connection, conversation_id: str, parent_id: str | None, allow_deleted: bool = False
    ) -> None:
        """The conversation exists (and is not in the bin, unless allowed) and the parent is
        one of its messages."""
        row = conn.execute(
            "SELECT deleted_at FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None or (row[0] is not None and not allow_deleted):
            raise StoreError(StoreErrorKind.NOT_FOUND, "no such conversation")
        if parent_id is not None:
            parent = conn.execute(
                "SELECT conversation_id FROM messages WHERE id = ?", (parent_id,)
            ).fetchone()
            if parent is None:
                raise StoreError(StoreErrorKind.NOT_FOUND, "no such parent message")
            if parent[0] != conversation_id:
                raise ValueError("the parent message belongs to another conversation")

    def _materialise(self, rows: Sequence[Sequence[Any]], conn: Connection) -> list[Message]:
        """Rows -> Messages, with attachments, and live text for answers being streamed."""
        by_message: dict[str, list[Attachment]] = {}
        if rows:
            seqs = [row[0] for row in rows]
            # Attachments are rare; one query for the whole batch keeps long branches fast.
            for start in range(0, len(seqs), 500):
                chunk = seqs[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for arow in conn.execute(
                    f"SELECT {_ATTACHMENT_COLUMNS} FROM attachments a JOIN messages m"
                    f" ON m.id = a.message_id WHERE m.seq IN ({marks}) ORDER BY a.rowid",
                    chunk,
                ):
                    by_message.setdefault(arow[1], []).append(_attachment_from_row(arow))
        return [message_from_row(row, tuple(by_message.get(row[1], ()))) for row in rows]

    def get_message(self, message_id: str) -> Message:
        with self._db.reading("reading a message") as conn:
            rows = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?", (message_id,)
            ).fetchall()
            if not rows:
                raise StoreError(StoreErrorKind.NOT_FOUND, "no such message")
            return self._materialise(rows, conn)[0]

    def branch(
        self, conversation_id: str, leaf_id: str | None = None, limit: int | None = None
    ) -> list[Message]:
        """The messages from the root to ``leaf_id`` (default: the active leaf), in order.

        With ``limit``, only the last ``limit`` of them: a long conversation opens with one
        screenful; if the first returned message has a ``parent_id``, there is more above,
        and ``branch(conversation_id, that_parent_id, limit)`` fetches the previous page.
        """
        with self._db.reading("reading a conversation") as conn:
            if leaf_id is None:
                row = conn.execute(
                    "SELECT active_leaf_id FROM conversations WHERE id = ?", (conversation_id,)
                ).fetchone()
                if row is None:
                    raise StoreError(StoreErrorKind.NOT_FOUND, "no such conversation")
                leaf_id = row[0]
                if leaf_id is None:
                    return []
            # Walk up by parent (cheap index lookups, no text), then read the rows in seq
            # order, which is root-to-leaf order since a reply is always newer than its parent.
            rows = conn.execute(
                "WITH RECURSIVE chain (seq, parent_id) AS ("
                "  SELECT seq, parent_id FROM messages WHERE id = ?"
                "  UNION ALL"
                "  SELECT m.seq, m.parent_id FROM chain JOIN messages m ON m.id = chain.parent_id"
                "  LIMIT ?"
                f") SELECT {MESSAGE_COLUMNS} FROM messages m"
                " WHERE m.seq IN (SELECT seq FROM chain) ORDER BY m.seq",
                (leaf_id, -1 if limit is None else limit),
            ).fetchall()
            if not rows or any(row[2] != conversation_id for row in rows):
                raise StoreError(StoreErrorKind.NOT_FOUND, "no such message in this conversation")
            return self._materialise(rows, conn)

    def all_messages(self, conversation_id: str) -> list[Message]:
        """Every message of every branch, oldest first (export, archive)."""
        with self._db.reading("reading a conversation") as conn:
            rows = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ?"
                " ORDER BY m.created_at, m.seq",
                (conversation_id,),
            ).fetchall()
            return self._materialise(rows, conn)

    def siblings(self, message_id: str) -> list[Message]:
        """The alternatives at this point (this message included), oldest first."""
        with self._db.reading("reading alternatives") as conn:
            row = conn.execute(
                "SELECT conversation_id, parent_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise StoreError(StoreErrorKind.NOT_FOUND, "no such message")
            if row[1] is None:
                rows = conn.execute(
                    f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ?"
                    " AND m.parent_id IS NULL ORDER BY m.created_at, m.seq",
                    (row[0],),
                ).fetchall()
            else:
                rows = conn.execute(
                    f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.parent_id = ?"
                    " ORDER BY m.created_at, m.seq",
                    (row[1],),
                ).fetchall()
            return self._materialise(rows, conn)

    def children(self, message_id: str) -> list[Message]:
        with self._db.reading("reading replies") as conn:
            rows = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.parent_id = ?"
                " ORDER BY m.created_at, m.seq",
                (message_id,),
            ).fetchall()
            return self._materialise(rows, conn)

    @staticmethod
    def _leaf_below(conn: Connection, message_id: str) -> str:
        row = conn.execute(
            "WITH RECURSIVE down (id, depth) AS ("
            "  SELECT ?, 0"
            "  UNION ALL"
            "  SELECT (SELECT c.id FROM messages c WHERE c.parent_id = down.id"
            "          ORDER BY c.created_at DESC, c.seq DESC LIMIT 1), down.depth + 1"
            "  FROM down WHERE down.id IS NOT NULL"
            ") SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1",
            (message_id,),
        ).fetchone()
        return str(row[0])

    def leaf_of(self, message_id: str) -> str:
        """The newest leaf below ``message_id`` (itself if it has no replies)."""
        self.get_message(message_id)
        with self._db.reading("reading a branch") as conn:
            return self._leaf_below(conn, message_id)

    def set_active_leaf(self, conversation_id: str, message_id: str) -> None:
        with self._db.transaction("switching branch") as conn:
            row = conn.execute(
                "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None or row[0] != conversation_id:
                raise StoreError(StoreErrorKind.NOT_FOUND, "no such message in this conversation")
            conn.execute(
                "UPDATE conversations SET active_leaf_id = ? WHERE id = ?",
                (message_id, conversation_id),
            )

    def select_branch(self, message_id: str) -> str:
        """Shows the branch through ``message_id`` (e.g. a sibling picked with < >): its newest
        leaf becomes active. Returns that leaf's id."""
        message = self.get_message(message_id)
        leaf = self.leaf_of(message_id)
        self.set_active_leaf(message.conversation_id, leaf)
        return leaf

    def delete_message(self, message_id: str) -> int:
        """Erases the message and every reply below it; returns how many messages went."""
        message = self.get_message(message_id)
        if message.conversation_id in self._live.live_conversations():
            raise StoreError(
                StoreErrorKind.LOCKED, "an answer is being written in this conversation"
            )
        with self._db.reading("finding replies") as conn:
            doomed = deletion.subtree(conn, message_id)
        with self._erase("deleting a message", len(doomed)) as erasing:
            conn = erasing.conn
            doomed = deletion.subtree(conn, message_id)
            ids = {doomed_id for doomed_id, _ in doomed}
            active = conn.execute(
                "SELECT active_leaf_id FROM conversations WHERE id = ?", (message.conversation_id,)
            ).fetchone()[0]
            deletion.delete_messages(conn, [seq for _, seq in doomed])
            erasing.message_ids.append(message_id)
            if active in ids:
                new_leaf: str | None = None
                if message.parent_id is not None:
                    new_leaf = self._leaf_below(conn, message.parent_id)
                else:
                    root = conn.execute(
                        "SELECT id FROM messages WHERE conversation_id = ? AND parent_id IS NULL"
                        " ORDER BY created_at DESC, seq DESC LIMIT 1",
                        (message.conversation_id,),
                    ).fetchone()
                    if root is not None:
                        new_leaf = self._leaf_below(conn, root[0])
                conn.execute(
                    "UPDATE conversations SET active_leaf_id = ? WHERE id = ?",
                    (new_leaf, message.conversation_id),
                )
        return len(ids)

    # -- attachments ---------------------------------------------------------------------

    def attachments(self, message_id: str) -> list[Attachment]:
        with self._db.reading("reading attachments") as conn:
            return [
                _attachment_from_row(r)
                for r in conn.execute(
                    f"SELECT {_ATTACHMENT_COLUMNS} FROM attachments a WHERE a.message_id = ?"
                    " ORDER BY a.rowid",
                    (message_id,),
                )
            ]

    def attachment_data(self, attachment_id: str) -> bytes:
        with self._db.reading("reading an attachment") as conn:
            row = conn.execute(
                "SELECT data FROM attachments WHERE id = ?", (attachment_id,)
            ).fetchone()
        if row is None:
            raise StoreError(StoreErrorKind.NOT_FOUND, "no such attachment")
        return bytes(row[0])
