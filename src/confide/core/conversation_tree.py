"""A conversation as a tree of messages, and the one path through it the user sees.

Regenerating an answer or editing a question never overwrites anything: the new message is
a sibling of the old one (same parent). The transcript shows one branch, from a root to the
active leaf, with "‹ 2/3 ›" wherever a message has siblings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from confide.core.store.models import Message


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    message: Message
    siblings: tuple[str, ...]  # ids of the alternatives at this point, oldest first

    @property
    def position(self) -> int:
        """1-based place among the siblings, as shown in "‹ 2/3 ›"."""
        return self.siblings.index(self.message.id) + 1


class ConversationTree:
    """Every message of one conversation, in memory; cheap to walk and to change."""

    def __init__(self, messages: Iterable[Message] = ()) -> None:
        self._messages: dict[str, Message] = {}
        self._children: dict[str | None, list[str]] = {}
        for message in messages:
            self.add(message)

    def __len__(self) -> int:
        return len(self._messages)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._messages

    def get(self, message_id: str) -> Message:
        return self._messages[message_id]

    def add(self, message: Message) -> None:
        """Adds or replaces a message (messages arrive oldest first, so siblings stay ordered)."""
        known = message.id in self._messages
        self._messages[message.id] = message
        if not known:
            self._children.setdefault(message.parent_id, []).append(message.id)

    def remove_subtree(self, message_id: str) -> list[str]:
        """Forgets the message and everything below it; returns the ids removed."""
        if message_id not in self._messages:
            return []
        removed: list[str] = []
        pending = [message_id]
        while pending:
            current = pending.pop()
            removed.append(current)
            pending.extend(self._children.pop(current, []))
        parent = self._messages[message_id].parent_id
        siblings = self._children.get(parent, [])
        if message_id in siblings:
            siblings.remove(message_id)
        for gone in removed:
            del self._messages[gone]
        return removed

    def siblings(self, message_id: str) -> tuple[str, ...]:
        parent = self._messages[message_id].parent_id
        return tuple(self._children.get(parent, ()))

    def children(self, message_id: str | None) -> tuple[str, ...]:
        return tuple(self._children.get(message_id, ()))

    def newest_leaf_below(self, message_id: str) -> str:
        """Follows the newest reply at each step down to a message with no reply."""
        current = message_id
        while self._children.get(current):
            current = self._children[current][-1]
        return current

    def default_leaf(self) -> str | None:
        """Where to show a conversation whose active leaf is unknown: the newest branch."""
        roots = self._children.get(None)
        return self.newest_leaf_below(roots[-1]) if roots else None

    def path_to(self, leaf_id: str | None) -> list[ThreadMessage]:
        """The branch from a root down to ``leaf_id`` (or the newest branch if unknown)."""
        if leaf_id is None or leaf_id not in self._messages:
            leaf_id = self.default_leaf()
        chain: list[Message] = []
        current = leaf_id
        while current is not None:
            message = self._messages[current]
            chain.append(message)
            current = message.parent_id
        chain.reverse()
        return [ThreadMessage(message, self.siblings(message.id)) for message in chain]
