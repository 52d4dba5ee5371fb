"""Schema version 1. Frozen: later changes go into new numbered migrations, never here,
because databases written by this version must keep migrating the same way for ever."""

from __future__ import annotations

import json

from sqlcipher3 import dbapi2

from confide.core.store.database import Connection

_DDL = """
CREATE TABLE conversations (
    id              TEXT PRIMARY KEY NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    model           TEXT,
    system_prompt   TEXT,
    options         TEXT NOT NULL DEFAULT '{}',      -- JSON object of model options
    preset_key      TEXT,
    pinned          INTEGER NOT NULL DEFAULT 0,
    active_leaf_id  TEXT,                            -- newest message of the shown branch
    created_at      INTEGER NOT NULL,                -- epoch milliseconds, UTC
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER                          -- soft delete, until purged
);
-- The conversation list: live conversations, pinned first, most recent first.
CREATE INDEX conversations_listing
    ON conversations (deleted_at, pinned DESC, updated_at DESC, id DESC);

CREATE TABLE messages (
    seq             INTEGER PRIMARY KEY,             -- internal; the full-text index rowid
    id              TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    parent_id       TEXT REFERENCES messages (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    model           TEXT,
    -- No 'streaming': an answer becomes a row only when finished (see streaming.py).
    status          TEXT NOT NULL CHECK (status IN ('complete', 'stopped', 'interrupted', 'error')),
    error           TEXT,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    eval_count               INTEGER,
    eval_duration_ns         INTEGER,
    prompt_eval_count        INTEGER,
    prompt_eval_duration_ns  INTEGER,
    load_duration_ns         INTEGER,
    total_duration_ns        INTEGER,
    -- Large columns last: reading the small ones never touches their overflow pages.
    thinking        TEXT NOT NULL DEFAULT '',
    content         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at);
-- Also serves the parent foreign key's ON DELETE CASCADE (which would scan without it).
CREATE INDEX messages_children ON messages (parent_id, created_at);

CREATE TABLE attachments (
    id          TEXT PRIMARY KEY NOT NULL,
    message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    mime_type   TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    data        BLOB NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);

CREATE TABLE presets (
    key            TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    system_prompt  TEXT NOT NULL,
    options        TEXT NOT NULL DEFAULT '{}',
    builtin        INTEGER NOT NULL DEFAULT 0,
    position       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL                             -- JSON
) WITHOUT ROWID;

-- Append-only scratch space for answers being streamed (see streaming.py). Rows are reused,
-- never deleted, so saving a streamed answer never allocates or frees pages.
CREATE TABLE stream_slots (
    id    INTEGER PRIMARY KEY,
    data  BLOB NOT NULL
);
-- Text of an answer too long for its slot, until the answer is finished.
CREATE TABLE stream_spills (
    message_id  TEXT NOT NULL,
    part        INTEGER NOT NULL,
    content     TEXT NOT NULL,
    thinking    TEXT NOT NULL,
    PRIMARY KEY (message_id, part)
) WITHOUT ROWID;

-- Full-text index: contentless (the text lives only in messages.content), no positions
-- (snippets are made in Python), so it is small and cheap to update. Messages wait in
-- fts_pending until indexed in batches; a message is either pending or indexed, never both.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    body,
    content = '',
    detail = none,
    columnsize = 0,
    prefix = '2 3',                                -- as-you-type: short prefixes stay fast
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);

CREATE TABLE fts_pending (
    message_seq INTEGER PRIMARY KEY
);

CREATE TRIGGER messages_queue_for_index AFTER INSERT ON messages BEGIN
    INSERT INTO fts_pending (message_seq) VALUES (new.seq);
END;

-- Deleting from a contentless index needs the exact indexed text, hence the immutability
-- rule below. 'secure-delete' makes FTS5 really remove the tokens rather than mask them.
CREATE TRIGGER messages_unindex AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body)
        SELECT 'delete', old.seq, confide_fold(old.content)
        WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE message_seq = old.seq);
    DELETE FROM fts_pending WHERE message_seq = old.seq;
END;

CREATE TRIGGER messages_indexed_text_is_final BEFORE UPDATE OF content ON messages
WHEN new.content IS NOT old.content
     AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE message_seq = old.seq)
BEGIN
    SELECT RAISE (ABORT, 'confide: an indexed message text cannot change');
END;
"""

# Built-in presets as of version 1. Keys are stable: the UI translates names by key.
BUILTIN_PRESETS_V1: tuple[tuple[str, str, str, dict[str, float]], ...] = (
    (
        "general",
        "General assistant",
        "You are a helpful, precise assistant. Answer in the language of the question. "
        "If you are not sure of something, say so rather than guess.",
        {},
    ),
    (
        "legal_analyst",
        "Legal analyst",
        "You are a careful legal analyst. Base every statement on the text the user provides "
        "and quote the exact passage you rely on. Keep what the text says apart from your "
        "interpretation. If the text does not answer the question, say so; never invent "
        "provisions, cases or citations. Point out what a qualified lawyer should verify.",
        {"temperature": 0.2},
    ),
    (
        "summariser",
        "Summariser",
        "Summarise the text the user provides. Keep names, dates, amounts and obligations "
        "exact. Start with a one-sentence overview, then list the key points. Add nothing that "
        "is not in the text.",
        {"temperature": 0.3},
    ),
    (
        "translator",
        "Translator",
        "Translate the text the user provides. Preserve meaning, tone, formatting and legal "
        "terminology; keep names and numbers unchanged. If the target language is not stated, "
        "ask for it. Reply with the translation only.",
        {"temperature": 0.2},
    ),
    (
        "proofreader",
        "Proofreader",
        "Proofread the text the user provides. Correct spelling, grammar and punctuation "
        "without changing the meaning or the style. Return the corrected text, then a short "
        "list of the changes you made.",
        {"temperature": 0.2},
    ),
)


def apply(conn: Connection, now_ms: int) -> None:
    for statement in _split(_DDL):
        conn.execute(statement)
    for position, (key, name, prompt, options) in enumerate(BUILTIN_PRESETS_V1):
        conn.execute(
            "INSERT INTO presets (key, name, system_prompt, options, builtin, position,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
            (key, name, prompt, json.dumps(options), position, now_ms, now_ms),
        )


def _split(script: str) -> list[str]:
    """Statements of a script; ``complete_statement`` keeps triggers whole. (``executescript``
    would commit the migration's transaction half-way.)"""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if dbapi2.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError("incomplete SQL statement in schema script")
    return statements
