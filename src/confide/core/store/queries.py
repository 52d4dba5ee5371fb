"""Small read-only questions the search and export screens ask the store.

They belong to the store package (they read its connection through the facade) but are kept
out of ``Store`` itself so that screens can add questions without growing the facade. Like
every ``Store`` method they run on the store's thread (``StoreGateway.run``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from confide.core.store.store import Store


def message_models(store: Store) -> list[str]:
    """The models that wrote at least one message in a conversation that is not deleted,
    sorted for a menu (case-insensitively). These are exactly the values
    ``Store.search(model=...)`` can match; a model only used in the bin is left out, since
    filtering by it could never find anything.
    """
    # The facade owns the connection; this module is part of the same package.
    db = store._db
    with db.reading("listing the models used") as conn:
        rows = conn.execute(
            "SELECT DISTINCT m.model FROM messages m"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE m.model IS NOT NULL AND m.model <> '' AND c.deleted_at IS NULL"
        ).fetchall()
    return sorted((str(row[0]) for row in rows), key=lambda name: (name.casefold(), name))
