"""Conversations, branches (regenerate / edit), attachments, presets and settings."""

from __future__ import annotations

import pytest

from confide.core.store import (
    MessageStatus,
    NewAttachment,
    Role,
    Store,
    StoreError,
    StoreErrorKind,
)
from confide.core.store.presets import BUILTIN_KEYS
from tests.core.store.conftest import Clock


def test_list_is_pinned_first_then_most_recent(store: Store, clock: Clock) -> None:
    first = store.conversations.create(title="First")
    second = store.conversations.create(title="Second")
    third = store.conversations.create(title="Third")
    store.conversations.add_message(first.id, None, Role.USER, "activity makes it recent")
    store.conversations.set_pinned(third.id, True)
    titles = [c.title for c in store.conversations.list_conversations()]
    assert titles == ["Third", "First", "Second"]
    assert [c.title for c in store.conversations.list_conversations(limit=1, offset=1)] == ["First"]
    store.conversations.soft_delete(second.id)
    assert [c.title for c in store.conversations.list_conversations()] == ["Third", "First"]
    assert store.conversations.count() == 2 and store.conversations.count(include_deleted=True) == 3
    deleted = [
        c for c in store.conversations.list_conversations(include_deleted=True) if c.deleted_at
    ]
    assert [c.id for c in deleted] == [second.id]
    store.conversations.undelete(second.id)
    assert store.conversations.count() == 3


def test_conversation_settings(store: Store) -> None:
    conv = store.conversations.create("Draft", model="llama3.1:8b", options={"temperature": 0.2})
    store.conversations.rename(conv.id, "Lease review")
    store.conversations.set_model(conv.id, "bielik:11b")
    store.conversations.set_options(conv.id, {"num_ctx": 8192})
    store.conversations.set_system_prompt(conv.id, "Be careful.")
    loaded = store.conversations.get(conv.id)
    assert (loaded.title, loaded.model, loaded.options, loaded.system_prompt) == (
        "Lease review",
        "bielik:11b",
        {"num_ctx": 8192},
        "Be careful.",
    )
    with pytest.raises(StoreError) as error:
        store.conversations.rename("00000000-0000-7000-8000-000000000000", "x")
    assert error.value.kind is StoreErrorKind.NOT_FOUND


def test_regenerate_keeps_siblings_and_edit_keeps_the_earlier_branch(store: Store) -> None:
    conv = store.conversations.create("Branches")
    question = store.conversations.add_message(conv.id, None, Role.USER, "Is clause 4 valid?")
    first = store.conversations.add_message(conv.id, question.id, Role.ASSISTANT, "Answer one")
    # Regenerate: a new answer with the same parent.
    writer = store.begin_answer(conv.id, question.id, "m")
    writer.append("Answer two")
    second = writer.finish()
    assert [m.id for m in store.conversations.siblings(first.id)] == [first.id, second.id]
    assert [m.content for m in store.conversations.branch(conv.id)] == [
        "Is clause 4 valid?",
        "Answer two",
    ]
    follow = store.conversations.add_message(conv.id, second.id, Role.USER, "And clause 5?")
    # Edit the first question: a sibling of the question; the old branch stays.
    edited = store.conversations.add_message(conv.id, None, Role.USER, "Is clause 4 void?")
    assert [m.id for m in store.conversations.siblings(question.id)] == [question.id, edited.id]
    assert [m.content for m in store.conversations.branch(conv.id)] == ["Is clause 4 void?"]
    # Going back to the old question shows its newest branch, down to the follow-up.
    assert store.conversations.select_branch(question.id) == follow.id
    assert [m.id for m in store.conversations.branch(conv.id)] == [
        question.id,
        second.id,
        follow.id,
    ]
    assert [m.id for m in store.conversations.branch(conv.id, first.id)] == [question.id, first.id]
    store.conversations.set_active_leaf(conv.id, first.id)
    assert store.conversations.get(conv.id).active_leaf_id == first.id
    assert len(store.conversations.all_messages(conv.id)) == 5
    assert [m.id for m in store.conversations.children(question.id)] == [first.id, second.id]


def test_parent_must_belong_to_the_conversation(store: Store) -> None:
    a = store.conversations.create("A")
    b = store.conversations.create("B")
    message = store.conversations.add_message(a.id, None, Role.USER, "in A")
    with pytest.raises(ValueError):
        store.conversations.add_message(b.id, message.id, Role.USER, "in B")
    with pytest.raises(StoreError):
        store.conversations.branch(b.id, message.id)
    store.conversations.soft_delete(b.id)
    with pytest.raises(StoreError) as error:
        store.conversations.add_message(b.id, None, Role.USER, "into a deleted one")
    assert error.value.kind is StoreErrorKind.NOT_FOUND


def test_attachments_live_in_the_database(store: Store) -> None:
    conv = store.conversations.create("Docs")
    data = bytes(range(256)) * 100
    message = store.conversations.add_message(
        conv.id,
        None,
        Role.USER,
        "See attached",
        attachments=[
            NewAttachment("umowa.pdf", "application/pdf", data),
            NewAttachment("a.txt", "text/plain", b""),
        ],
    )
    assert [(a.name, a.size) for a in message.attachments] == [
        ("umowa.pdf", len(data)),
        ("a.txt", 0),
    ]
    assert store.conversations.attachment_data(message.attachments[0].id) == data
    assert store.conversations.branch(conv.id)[0].attachments == message.attachments
    assert store.conversations.attachments(message.id) == list(message.attachments)


def test_long_conversations_delete_without_recursion_limits(store: Store) -> None:
    store._db.connection.execute("PRAGMA synchronous = OFF")  # test speed only
    conv = store.conversations.create("Long")
    parent = None
    for index in range(1_500):  # deeper than SQLite's 1000 trigger levels
        parent = store.conversations.add_message(
            conv.id, parent.id if parent else None, Role.USER, str(index)
        )
    assert len(store.conversations.branch(conv.id)) == 1_500
    store.conversations.soft_delete(conv.id)
    assert store.purge_deleted() == 1
    assert store.conversations.count(include_deleted=True) == 0


def test_purge_waits_for_the_undo_period(store: Store, clock: Clock) -> None:
    conv = store.conversations.create("Undo")
    store.conversations.soft_delete(conv.id)
    assert store.purge_deleted(older_than_ms=10_000) == 0
    clock.now += 10_000
    assert store.purge_deleted(older_than_ms=10_000) == 1


def test_streaming_conversation_is_not_purged_under_the_writer(store: Store) -> None:
    conv = store.conversations.create("Busy")
    question = store.conversations.add_message(conv.id, None, Role.USER, "q")
    writer = store.begin_answer(conv.id, question.id, "m")
    store.conversations.soft_delete(conv.id)
    assert store.purge_deleted() == 0
    with pytest.raises(StoreError):
        store.conversations.delete_message(question.id)
    assert writer.finish(MessageStatus.STOPPED).status is MessageStatus.STOPPED
    assert store.purge_deleted() == 1


def test_builtin_presets_are_seeded_and_protected(store: Store) -> None:
    presets = store.presets.list_presets()
    assert tuple(p.key for p in presets if p.builtin) == BUILTIN_KEYS
    legal = store.presets.get("legal_analyst")
    assert "quote" in legal.system_prompt and legal.options == {"temperature": 0.2}
    with pytest.raises(ValueError):
        store.presets.update("legal_analyst", name="Mine")
    with pytest.raises(ValueError):
        store.presets.delete("general")
    mine = store.presets.create(
        "Contract checker", legal.system_prompt + " Polish law.", {"temperature": 0.1}
    )
    assert store.presets.update(mine.key, name="Umowy").name == "Umowy"
    assert store.presets.list_presets()[-1].key == mine.key
    store.presets.delete(mine.key)
    with pytest.raises(StoreError):
        store.presets.get(mine.key)


def test_settings_hold_json(store: Store) -> None:
    assert store.settings.get("retention_days", 30) == 30
    store.settings.set("retention_days", 90)
    store.settings.set("ui", {"font": "Inter", "sizes": [12, 14], "dark": True})
    assert store.settings.get("retention_days") == 90
    assert store.settings.all() == {
        "retention_days": 90,
        "ui": {"font": "Inter", "sizes": [12, 14], "dark": True},
    }
    store.settings.delete("ui")
    assert store.settings.get("ui") is None


def test_long_branches_load_a_page_at_a_time(store: Store) -> None:
    conv = store.conversations.create("Paged")
    parent = None
    for index in range(25):
        parent = store.conversations.add_message(
            conv.id, parent.id if parent else None, Role.USER, f"m{index}"
        )
    last_page = store.conversations.branch(conv.id, limit=10)
    assert [m.content for m in last_page] == [f"m{i}" for i in range(15, 25)]
    previous = store.conversations.branch(conv.id, last_page[0].parent_id, limit=10)
    assert [m.content for m in previous] == [f"m{i}" for i in range(5, 15)]
    first = store.conversations.branch(conv.id, previous[0].parent_id, limit=10)
    assert [m.content for m in first] == [f"m{i}" for i in range(5)]
    assert first[0].parent_id is None  # nothing above
