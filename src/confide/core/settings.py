"""Preferences needed before the encrypted store is open (so they cannot live inside it).

A small JSON file in the config folder. It holds no conversation content: only where
Ollama is, whether a remote daemon is allowed, and start-up choices. Writes are atomic so
that a crash mid-write never leaves a half file.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Preferences:
    ollama_executable: str | None = None  # remembered from "Locate Ollama…"
    allowed_remote_host: str | None = None  # "host:port" the user explicitly allowed
    last_model: str | None = None
    language: str | None = None  # None: follow the system
    generate_titles: bool = True  # the answering model names each new conversation
    notify_when_answered: bool = True  # a desktop notification when the window is in the back


class PreferencesStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Preferences:
        try:
            raw: Any = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Preferences()
        except (OSError, ValueError) as exc:
            # A damaged preferences file must not stop the app; defaults are safe.
            log.warning("preferences unreadable, using defaults: %s", type(exc).__name__)
            return Preferences()
        if not isinstance(raw, dict):
            return Preferences()
        known = {f.name for f in fields(Preferences)}
        values = {key: value for key, value in raw.items() if key in known}
        return Preferences(**values)

    def save(self, preferences: Preferences) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(asdict(preferences), indent=2, ensure_ascii=False)
        handle, temp_name = tempfile.mkstemp(dir=self.path.parent, prefix=".settings-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as temp:
                temp.write(text)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, self.path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
