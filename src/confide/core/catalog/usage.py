"""What Confide remembers about each installed model: when it was last used, how fast it ran.

A small JSON file (``model_usage.json`` in the config folder), kept apart from the
preferences because it grows with the number of models and is rewritten after every speed
test. It holds no conversation content, only model names, times and speeds.

Reads and writes touch the disk: call :meth:`UsageStore.load`, :meth:`record_used`,
:meth:`record_speed` and :meth:`forget` off the GUI thread. :meth:`snapshot` and
:meth:`get` only read memory and are safe anywhere.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from confide.core.ollama.names import InvalidModelName, parse_model_name

log = logging.getLogger(__name__)

USAGE_FILE_NAME = "model_usage.json"
_FORMAT_VERSION = 1

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def usage_key(name: str) -> str:
    """The key a model is remembered under: "Gemma3" and "gemma3:latest" are the same model."""
    try:
        return parse_model_name(name).comparison_key()
    except InvalidModelName:
        return name.strip().casefold()


@dataclass(frozen=True)
class SpeedResult:
    """One "Test speed" run: generation speed and how long loading the model took."""

    tokens_per_second: float
    load_seconds: float
    tested_at: datetime


@dataclass(frozen=True)
class ModelUsage:
    last_used: datetime | None = None
    speed: SpeedResult | None = None


class UsageStore:
    """Per-model usage records in one JSON file; thread-safe, writes are atomic."""

    def __init__(self, path: Path, clock: Clock = _now) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._records: dict[str, ModelUsage] = {}
        self._loaded = False

    # -- memory only ----------------------------------------------------------------------

    def snapshot(self) -> dict[str, ModelUsage]:
        with self._lock:
            return dict(self._records)

    def get(self, name: str) -> ModelUsage:
        with self._lock:
            return self._records.get(usage_key(name), ModelUsage())

    # -- disk -----------------------------------------------------------------------------

    def load(self) -> dict[str, ModelUsage]:
        """Reads the file once (later calls return memory); a damaged file reads as empty."""
        with self._lock:
            if not self._loaded:
                self._records = _read(self.path)
                self._loaded = True
            return dict(self._records)

    def record_used(self, name: str, when: datetime | None = None) -> None:
        self._update(name, lambda old: ModelUsage(when or self._clock(), old.speed))

    def record_speed(self, name: str, tokens_per_second: float, load_seconds: float) -> None:
        result = SpeedResult(max(tokens_per_second, 0.0), max(load_seconds, 0.0), self._clock())
        self._update(name, lambda old: ModelUsage(old.last_used, result))

    def forget(self, name: str) -> None:
        """Drops a removed model's record, so a later re-download starts clean."""
        key = usage_key(name)
        with self._lock:
            self._ensure_loaded()
            if self._records.pop(key, None) is not None:
                self._write()

    def _update(self, name: str, change: Callable[[ModelUsage], ModelUsage]) -> None:
        key = usage_key(name)
        with self._lock:
            self._ensure_loaded()
            self._records[key] = change(self._records.get(key, ModelUsage()))
            self._write()

    def _ensure_loaded(self) -> None:
        # A write before any read must not replace the file with only one record.
        if not self._loaded:
            self._records = _read(self.path)
            self._loaded = True

    def _write(self) -> None:
        payload = {
            "version": _FORMAT_VERSION,
            "models": {key: _encode(usage) for key, usage in sorted(self._records.items())},
        }
        text = json.dumps(payload, indent=2, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(dir=self.path.parent, prefix=".usage-")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as temp:
                    temp.write(text)
                    temp.flush()
                    os.fsync(temp.fileno())
                os.replace(temp_name, self.path)
            except BaseException:
                Path(temp_name).unlink(missing_ok=True)
                raise
        except OSError as exc:
            # Losing a "last used" time is not worth interrupting anyone for.
            log.warning("model usage not saved: %s", type(exc).__name__)


def _encode(usage: ModelUsage) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if usage.last_used is not None:
        out["last_used"] = usage.last_used.isoformat()
    if usage.speed is not None:
        out["speed"] = {
            "tokens_per_second": round(usage.speed.tokens_per_second, 2),
            "load_seconds": round(usage.speed.load_seconds, 3),
            "tested_at": usage.speed.tested_at.isoformat(),
        }
    return out


def _read(path: Path) -> dict[str, ModelUsage]:
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("model usage unreadable, starting afresh: %s", type(exc).__name__)
        return {}
    models = raw.get("models") if isinstance(raw, dict) else None
    if not isinstance(models, dict):
        return {}
    records: dict[str, ModelUsage] = {}
    for key, value in models.items():
        if isinstance(key, str) and isinstance(value, Mapping):
            records[key] = ModelUsage(_time(value.get("last_used")), _speed(value.get("speed")))
    return records


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _speed(value: Any) -> SpeedResult | None:
    if not isinstance(value, Mapping):
        return None
    rate, load, tested = (
        value.get("tokens_per_second"),
        value.get("load_seconds"),
        _time(value.get("tested_at")),
    )
    if not isinstance(rate, int | float) or not isinstance(load, int | float) or tested is None:
        return None
    return SpeedResult(float(rate), float(load), tested)
