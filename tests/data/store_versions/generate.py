"""Writes ``v<N>.db``, a database in schema version N, and ``v<N>.expected.json``, what it holds.

Run it from the repository root *at the commit that introduces schema version N*, before the
next schema change, and commit both files; never regenerate an old version::

    python tests/data/store_versions/generate.py

``tests/core/store/test_migrations.py`` copies every ``v*.db`` here, opens it with today's
code (which migrates it to the newest version, taking a backup first) and checks that every
conversation, message, attachment, preset and setting in ``v*.expected.json`` is still there,
unchanged, and still found by search.

The databases are encrypted like real ones, with the fixed key below (it protects only this
made-up content). The file is left exactly as a crashed app would leave it, with one answer
still "streaming", so recovery is tested across versions too. From version 2 on, that answer
is in a stream log next to the database, copied as ``v<N>.db-stream-<n>``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from confide.core.paths import AppPaths
from confide.core.store import (
    KeyStore,
    MessageStats,
    MessageStatus,
    NewAttachment,
    Role,
    Store,
    StoreOptions,
)
from confide.core.store.clock import to_iso, to_millis
from confide.core.store.database import Database
from confide.core.store.keys import KeyFileData, Protection, key_check
from confide.core.store.migrations import LATEST_VERSION, migrate
from confide.core.store.streamlog import log_files, log_path

FIXTURE_KEY = bytes.fromhex("c0ffee00" * 8)
HERE = Path(__file__).resolve().parent
SEARCHES = ("zazolc", "umowa naj", "лиценз", "stiinta", "interrupted")


class FixedClock:
    def __init__(self) -> None:
        self.now = 1_735_689_600_000  # 2025-01-01T00:00:00Z

    def __call__(self) -> int:
        self.now += 60_000
        return self.now


def write_key_file(paths: AppPaths) -> KeyStore:
    """A keyring-protected key file for FIXTURE_KEY; the caller puts the key in the keyring."""
    key_store = KeyStore.for_paths(paths)
    data = KeyFileData(Protection.KEYRING, key_check(FIXTURE_KEY), ready=True)
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    key_store.key_file.write_bytes(data.to_bytes())
    return key_store


def _fill(store: Store) -> None:
    """Something of everything the schema can hold."""
    lease = store.conversations.create(
        "Umowa najmu lokalu",
        model="bielik:11b",
        system_prompt="Cytuj przepisy.",
        options={"temperature": 0.2},
    )
    question = store.conversations.add_message(
        lease.id,
        None,
        Role.USER,
        "Zażółć gęślą jaźń: czy umowa najmu z klauzulą 4 jest ważna?",
        attachments=[
            NewAttachment("umowa.pdf", "application/pdf", b"%PDF-1.7\n\x00\x01\x02 binary \xff"),
            NewAttachment("notatki.txt", "text/plain", "Łódź, 2024".encode()),
        ],
    )
    first = store.begin_answer(lease.id, question.id, "bielik:11b")
    first.append("Tak. Umowa najmu wymaga formy pisemnej (art. 660 KC).", "Sprawdzam art. 660.")
    first.finish(
        MessageStatus.COMPLETE,
        MessageStats(
            eval_count=42,
            eval_duration_ns=1_400_000_000,
            prompt_eval_count=31,
            load_duration_ns=5,
            total_duration_ns=2_000_000_000,
        ),
    )
    regenerated = store.begin_answer(lease.id, question.id, "llama3.1:8b")
    regenerated.append("Druga odpowiedź, przerwana")
    regenerated.finish(MessageStatus.STOPPED)
    failed = store.begin_answer(lease.id, question.id, "llama3.1:8b")
    failed.finish(MessageStatus.ERROR, error="model_not_found")
    store.conversations.add_message(lease.id, None, Role.USER, "Zażółć: edited question")
    store.conversations.select_branch(first.message_id)

    mixed = store.conversations.create("Mixed languages")
    store.conversations.set_pinned(mixed.id, True)
    bg = store.conversations.add_message(
        mixed.id, None, Role.USER, "Лицензионен договор за софтуер"
    )
    ro = store.conversations.add_message(
        mixed.id, bg.id, Role.ASSISTANT, "Știință și țară", model="qwen2.5:7b"
    )
    store.conversations.add_message(mixed.id, ro.id, Role.SYSTEM, "Slovenščina: čšž")

    deleted = store.conversations.create("Deleted but not purged")
    store.conversations.add_message(deleted.id, None, Role.USER, "soft deleted zazolc")
    store.conversations.soft_delete(deleted.id)

    store.presets.create("Moje umowy", "Sprawdzaj umowy najmu.", {"num_ctx": 8192})
    store.settings.set("retention_days", 365)
    store.settings.set("default_model", "bielik:11b")

    crashed = store.conversations.create("Crashed mid-answer")
    asked = store.conversations.add_message(crashed.id, None, Role.USER, "Long question")
    streaming = store.begin_answer(crashed.id, asked.id, "bielik:11b")
    streaming.append("Saved part of an interrupted answer. ")
    streaming.flush()
    streaming.append("Never saved.")


def snapshot(store: Store) -> dict[str, Any]:
    """What the database holds, in a form that later schema versions must reproduce."""
    conversations = []
    for summary in store.conversations.list_conversations(limit=10_000, include_deleted=True):
        conv = store.conversations.get(summary.id)
        messages = []
        for m in store.conversations.all_messages(conv.id):
            messages.append(
                {
                    "id": m.id,
                    "parent_id": m.parent_id,
                    "role": m.role.value,
                    "content": m.content,
                    "thinking": m.thinking,
                    "model": m.model,
                    "status": m.status.value,
                    "error": m.error,
                    "created_at": to_iso(to_millis(m.created_at)),
                    # A recovered answer is stamped when it is recovered: not comparable.
                    "finished_at": (
                        to_iso(to_millis(m.finished_at))
                        if m.finished_at and m.status is not MessageStatus.INTERRUPTED
                        else None
                    ),
                    "stats": [
                        m.stats.eval_count,
                        m.stats.eval_duration_ns,
                        m.stats.prompt_eval_count,
                        m.stats.prompt_eval_duration_ns,
                        m.stats.load_duration_ns,
                        m.stats.total_duration_ns,
                    ],
                    "attachments": [
                        {
                            "id": a.id,
                            "name": a.name,
                            "mime_type": a.mime_type,
                            "size": a.size,
                            "sha256": a.sha256,
                            "data_sha256": hashlib.sha256(
                                store.conversations.attachment_data(a.id)
                            ).hexdigest(),
                        }
                        for a in m.attachments
                    ],
                }
            )
        conversations.append(
            {
                "id": conv.id,
                "title": conv.title,
                "model": conv.model,
                "system_prompt": conv.system_prompt,
                "options": conv.options,
                "preset_key": conv.preset_key,
                "pinned": conv.pinned,
                "active_leaf_id": conv.active_leaf_id,
                "created_at": to_iso(to_millis(conv.created_at)),
                "deleted": conv.deleted_at is not None,
                "messages": messages,
            }
        )
    return {
        "conversations": sorted(conversations, key=lambda c: c["id"]),
        "presets": [
            {
                "key": p.key,
                "name": p.name,
                "system_prompt": p.system_prompt,
                "options": p.options,
                "builtin": p.builtin,
            }
            for p in store.presets.list_presets()
        ],
        "settings": store.settings.all(),
        "searches": {query: [hit.message_id for hit in store.search(query)] for query in SEARCHES},
    }


def generate(target_dir: Path = HERE) -> Path:
    import keyring
    from tests.core.store.conftest import MemoryKeyring

    version = LATEST_VERSION
    database_out = target_dir / f"v{version}.db"
    with tempfile.TemporaryDirectory() as scratch:
        paths = AppPaths.portable(Path(scratch)).ensure()
        clock = FixedClock()
        options = StoreOptions(clock=clock)
        db = Database.open(paths.database_file, FIXTURE_KEY, create=True)
        migrate(db, clock)
        key_store = write_key_file(paths)
        store = Store(paths, key_store, db, options)
        _fill(store)
        db.close()  # as if the app had been killed: one answer is still "streaming"
        shutil.copyfile(paths.database_file, database_out)
        for number, stream_log in log_files(paths.database_file):
            shutil.copyfile(stream_log, log_path(database_out, number))

        previous = keyring.get_keyring()
        backend = MemoryKeyring()
        backend.set_password("Confide", "database-key", FIXTURE_KEY.hex())
        keyring.set_keyring(backend)
        try:
            with Store.open(paths, key_store, options=options) as reopened:
                expected = snapshot(reopened)
        finally:
            keyring.set_keyring(previous)
    (target_dir / f"v{version}.expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return database_out


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[2]))  # the repository root, for tests.core.store
    print(generate())
