"""Read-only questions for the search and export screens."""

from __future__ import annotations

from confide.core.store import Role, Store
from confide.core.store.queries import message_models


def test_message_models_lists_each_model_once_sorted_for_a_menu(store: Store) -> None:
    first = store.conversations.create("Lease")
    question = store.conversations.add_message(first.id, None, Role.USER, "Is it valid?")
    answer = store.conversations.add_message(
        first.id, question.id, Role.ASSISTANT, "Yes.", model="llama3.1:8b"
    )
    store.conversations.add_message(
        first.id, answer.id, Role.ASSISTANT, "Indeed.", model="Bielik:11b"
    )
    second = store.conversations.create("Other")
    store.conversations.add_message(second.id, None, Role.ASSISTANT, "Hi.", model="llama3.1:8b")
    store.conversations.add_message(second.id, None, Role.ASSISTANT, "Hej.", model="aya:8b")

    assert message_models(store) == ["aya:8b", "Bielik:11b", "llama3.1:8b"]


def test_message_models_skips_user_messages_and_deleted_conversations(store: Store) -> None:
    assert message_models(store) == []
    kept = store.conversations.create("Kept")
    store.conversations.add_message(kept.id, None, Role.USER, "A question")  # no model
    binned = store.conversations.create("In the bin")
    store.conversations.add_message(binned.id, None, Role.ASSISTANT, "Old", model="gemma3:4b")
    assert message_models(store) == ["gemma3:4b"]

    store.conversations.soft_delete(binned.id)
    # Search never shows deleted conversations, so their models would filter to nothing.
    assert message_models(store) == []
    store.conversations.undelete(binned.id)
    assert message_models(store) == ["gemma3:4b"]
