"""Settings that belong with the user's data (retention, default model…), stored encrypted.

Settings needed *before* the database can be unlocked (language, theme) do not belong here;
the UI keeps those in ``AppPaths.settings_file``.
"""

from __future__ import annotations

import json

from confide.core.store.database import Database
from confide.core.store.models import JSONValue

RETENTION_DAYS = "retention_days"
"""int or null: conversations inactive for longer are deleted by ``apply_retention``."""


class SettingsStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str, default: JSONValue = None) -> JSONValue:
        with self._db.reading("reading a setting") as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            return default
        value: JSONValue = json.loads(row[0])
        return value

    def set(self, key: str, value: JSONValue) -> None:
        encoded = json.dumps(value, ensure_ascii=False, sort_keys=True)
        with self._db.transaction("saving a setting") as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, encoded),
            )

    def delete(self, key: str) -> None:
        with self._db.transaction("removing a setting") as conn:
            conn.execute("DELETE FROM settings WHERE key = ?", (key,))

    def all(self) -> dict[str, JSONValue]:
        with self._db.reading("reading settings") as conn:
            return {
                key: json.loads(value)
                for key, value in conn.execute("SELECT key, value FROM settings")
            }
