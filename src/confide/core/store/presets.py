"""Presets: a named system prompt plus model options to start a conversation from.

Built-in presets (seeded by the schema migrations, stable keys such as ``legal_analyst``) can
be used but not changed or deleted; the UI shows their names translated by key. Users copy a
built-in with ``create`` to make their own variant.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from confide.core.store.clock import Clock, to_datetime
from confide.core.store.conversations import options_json
from confide.core.store.database import Database
from confide.core.store.errors import StoreError, StoreErrorKind
from confide.core.store.ids import new_id
from confide.core.store.models import JSONObject, Preset

BUILTIN_KEYS = ("general", "legal_analyst", "summariser", "translator", "proofreader")
_COLUMNS = "key, name, system_prompt, options, builtin, position, created_at, updated_at"


def _from_row(row: Sequence[Any]) -> Preset:
    return Preset(
        key=row[0],
        name=row[1],
        system_prompt=row[2],
        options=json.loads(row[3]),
        builtin=bool(row[4]),
        position=row[5],
        created_at=to_datetime(row[6]),
        updated_at=to_datetime(row[7]),
    )


class PresetStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def list_presets(self) -> list[Preset]:
        """Built-ins first, in their fixed order, then the user's own by position and name."""
        with self._db.reading("listing presets") as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM presets ORDER BY builtin DESC, position, name, key"
            ).fetchall()
        return [_from_row(row) for row in rows]

    def get(self, key: str) -> Preset:
        with self._db.reading("reading a preset") as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM presets WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise StoreError(StoreErrorKind.NOT_FOUND, "no such preset")
        return _from_row(row)

    def create(self, name: str, system_prompt: str, options: JSONObject | None = None) -> Preset:
        key = new_id()
        now = self._clock()
        with self._db.transaction("creating a preset") as conn:
            position = conn.execute(
                "SELECT coalesce(max(position), -1) + 1 FROM presets WHERE builtin = 0"
            ).fetchone()[0]
            conn.execute(
                f"INSERT INTO presets ({_COLUMNS}) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
                (key, name, system_prompt, options_json(options), position, now, now),
            )
        return self.get(key)

    def update(
        self,
        key: str,
        *,
        name: str | None = None,
        system_prompt: str | None = None,
        options: JSONObject | None = None,
        position: int | None = None,
    ) -> Preset:
        current = self.get(key)
        if current.builtin:
            raise ValueError("built-in presets cannot be changed; copy one with create()")
        with self._db.transaction("changing a preset") as conn:
            conn.execute(
                "UPDATE presets SET name = ?, system_prompt = ?, options = ?, position = ?,"
                " updated_at = ? WHERE key = ?",
                (
                    current.name if name is None else name,
                    current.system_prompt if system_prompt is None else system_prompt,
                    options_json(current.options if options is None else options),
                    current.position if position is None else position,
                    self._clock(),
                    key,
                ),
            )
        return self.get(key)

    def delete(self, key: str) -> None:
        if self.get(key).builtin:
            raise ValueError("built-in presets cannot be deleted")
        with self._db.transaction("deleting a preset") as conn:
            conn.execute("DELETE FROM presets WHERE key = ?", (key,))
