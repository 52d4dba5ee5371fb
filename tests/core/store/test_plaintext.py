"""Nothing readable without the key; nothing left of an erased conversation even with it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from confide.core.paths import AppPaths
from confide.core.store import KeyStore, MessageStatus, NewAttachment, Role, Store, erasure
from confide.core.store.database import connect, sidecar_files
from confide.core.store.streamlog import log_files, read_log
from tests.core.store.sqlcipher_pages import database_pages, encodings, files_containing, wal_pages

MARKER = "qzxjvmarker7731"
KEEP = "wkpqkeepsake5519"


@pytest.fixture
def file_log(paths: AppPaths) -> Iterator[Path]:
    """Everything the store logs goes to the real log folder, which is scanned too."""
    handler = logging.FileHandler(paths.log_file, encoding="utf-8")
    logger = logging.getLogger("confide")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield paths.log_file
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        handler.close()


def _conversation(store: Store, marker: str) -> str:
    conv = store.conversations.create(
        title=f"Sprawa {marker}", system_prompt=f"Persona {marker}", model="llama3.1:8b"
    )
    user = store.conversations.add_message(
        conv.id,
        None,
        Role.USER,
        f"Umowa {marker} zażółć gęślą jaźń",
        attachments=[NewAttachment("notes.txt", "text/plain", f"attached {marker}".encode())],
    )
    for status in (MessageStatus.COMPLETE, MessageStatus.STOPPED):  # a regenerated sibling too
        writer = store.begin_answer(conv.id, user.id, "llama3.1:8b")
        writer.append(f"Answer about {marker}. ", f"Thinking about {marker}")
        writer.flush()
        writer.append("More text. " * 50)
        writer.finish(status)
    assert store.search(marker), "the marker must be indexed for the test to mean anything"
    return conv.id


def _all_pages(paths: AppPaths, key: bytes) -> list[bytes]:
    """Every page of the database, its WAL and backups, and every record of the stream logs
    (answers being written), decrypted."""
    files = [paths.database_file, *(b for b in paths.backup_dir.glob("*.db"))]
    pages: list[bytes] = []
    for path in files:
        pages += database_pages(path, key)
        pages += wal_pages(path.with_name(path.name + "-wal"), key)
    for _, log in log_files(paths.database_file):
        saved = read_log(log, key)
        if saved is not None:
            pages += [saved.header, *saved.records]
    return pages


def _count(pages: list[bytes], marker: str) -> int:
    return sum(needle in page for page in pages for needle in encodings(marker))


def test_no_plaintext_in_any_file(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store], file_log: Path
) -> None:
    store = make_store()
    _conversation(store, MARKER)
    store.backup_now()
    store.close()

    assert paths.database_file.stat().st_size > 0
    assert list(paths.backup_dir.glob("*.db"))
    assert file_log.read_text(encoding="utf-8").strip(), "the store logged nothing to check"
    assert not any(p.exists() for p in sidecar_files(paths.database_file)), "WAL left behind"
    for root in (paths.data_dir, paths.log_dir, paths.cache_dir, paths.config_dir):
        assert files_containing(root, MARKER) == []
    # Control: with the key, the text is there, so the scan above would have seen plaintext.
    assert _count(_all_pages(paths, key_store.unlock().current), MARKER) > 0


@pytest.mark.parametrize("index_purge", ["secure-delete", "merge"])
def test_erased_conversation_is_gone_from_every_page(
    paths: AppPaths,
    key_store: KeyStore,
    make_store: Callable[..., Store],
    monkeypatch: pytest.MonkeyPatch,
    index_purge: str,
) -> None:
    # Small erasures use FTS5 secure-delete, big ones delete then merge the index: both.
    monkeypatch.setattr(erasure, "_MIN_MERGE_ERASURE", 1 if index_purge == "merge" else 10**9)
    store = make_store()
    doomed = _conversation(store, MARKER)
    _conversation(store, KEEP)
    store.backup_now()
    store.close()
    key = key_store.unlock().current
    assert _count(_all_pages(paths, key), MARKER) > 0  # control

    store = make_store()
    store.conversations.soft_delete(doomed)
    assert store.search(MARKER) == []  # hidden at once, for the UI's undo period
    assert store.purge_deleted() == 1
    vocabulary = store._db.connection
    vocabulary.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, messages_fts, row)")
    terms = [row[0] for row in vocabulary.execute("SELECT term FROM temp.vocab")]
    vocabulary.execute("DROP TABLE temp.vocab")
    assert MARKER not in terms and KEEP in terms
    store.close()

    pages = _all_pages(paths, key)
    assert _count(pages, MARKER) == 0
    assert _count(pages, KEEP) > 0  # the other conversation, untouched and still readable
    # The stream log held a copy of the last answer streamed: zeroed, not just forgotten.
    assert [log.stat().st_size for _, log in log_files(paths.database_file)] == [0]
    conn = connect(paths.database_file, key, create=False)
    try:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    finally:
        conn.close()


def test_deleted_branch_is_gone_from_every_page(
    paths: AppPaths, key_store: KeyStore, make_store: Callable[..., Store]
) -> None:
    store = make_store()
    conv = store.conversations.create(title="Branches")
    question = store.conversations.add_message(conv.id, None, Role.USER, f"Question {KEEP}")
    kept = store.conversations.add_message(conv.id, question.id, Role.ASSISTANT, f"Kept {KEEP}")
    writer = store.begin_answer(conv.id, question.id, "m")
    writer.append(f"Regenerated {MARKER}")
    writer.flush()
    regenerated = writer.finish()
    ((_, log),) = log_files(paths.database_file)
    saved = read_log(log, key_store.unlock().current)
    assert saved is not None and _count(list(saved.records), MARKER) == 1  # control
    follow_up = store.conversations.add_message(
        conv.id, regenerated.id, Role.USER, f"More {MARKER}"
    )
    assert store.conversations.delete_message(regenerated.id) == 2
    assert store.conversations.get(conv.id).active_leaf_id == kept.id
    assert [m.id for m in store.conversations.siblings(kept.id)] == [kept.id]
    with pytest.raises(Exception, match="not_found"):
        store.conversations.get_message(follow_up.id)
    store.close()
    pages = _all_pages(paths, key_store.unlock().current)
    assert _count(pages, MARKER) == 0
    assert _count(pages, KEEP) > 0
    assert log.stat().st_size == 0
