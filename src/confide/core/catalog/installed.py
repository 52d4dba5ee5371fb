"""Installed models as plain records, independent of any Ollama client class.

The UI's worker turns whatever the client returns into :class:`InstalledModel` (for a raw
``/api/tags`` entry, :meth:`InstalledModel.from_api` does it), so the catalog never depends
on the client's types or on a running daemon.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_PARAMETER_SIZE_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMBT])?\s*", re.IGNORECASE)
_SCALE_TO_BILLIONS = {"K": 1e-6, "M": 1e-3, "B": 1.0, "T": 1e3, None: 1e-9}
_FRACTION_RE = re.compile(r"(\.\d{6})\d+")


@dataclass(frozen=True)
class InstalledModel:
    """One model present in the local store (one ``/api/tags`` entry)."""

    name: str
    size_bytes: int
    modified_at: datetime | None = None
    digest: str = ""
    family: str = ""
    #: As the daemon writes it: "8.0B", "137M", or "" when unknown.
    parameter_size: str = ""
    quantization_level: str = ""
    capabilities: tuple[str, ...] = ()

    @property
    def parameters_b(self) -> float | None:
        return parse_parameter_size(self.parameter_size)

    @classmethod
    def from_api(cls, entry: Mapping[str, Any]) -> InstalledModel:
        """From a decoded ``/api/tags`` model object; missing fields become defaults."""
        details = entry.get("details") or {}
        modified = entry.get("modified_at")
        return cls(
            name=str(entry.get("name") or entry.get("model") or ""),
            size_bytes=int(entry.get("size") or 0),
            modified_at=modified if isinstance(modified, datetime) else parse_timestamp(modified),
            digest=str(entry.get("digest") or ""),
            family=str(details.get("family") or ""),
            parameter_size=str(details.get("parameter_size") or ""),
            quantization_level=str(details.get("quantization_level") or ""),
            capabilities=tuple(str(item) for item in entry.get("capabilities") or ()),
        )


def parse_parameter_size(text: str) -> float | None:
    """'8.0B' -> 8.0, '137M' -> 0.137, '' -> None (in billions)."""
    match = _PARAMETER_SIZE_RE.fullmatch(text or "")
    if not match:
        return None
    number, unit = match.groups()
    value = float(number) * _SCALE_TO_BILLIONS[unit.upper() if unit else None]
    return value if value > 0 else None


def parse_timestamp(value: Any) -> datetime | None:
    """Parse the daemon's RFC 3339 time, which has nanoseconds Python cannot read as is."""
    if not isinstance(value, str) or not value:
        return None
    text = _FRACTION_RE.sub(r"\1", value.strip()).replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
