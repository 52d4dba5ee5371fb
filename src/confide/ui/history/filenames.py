"""A file name proposed from a conversation title, safe on Windows, macOS and Linux."""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 80
MAX_BYTES = 180
"""Well under the usual 255-byte name limit: the suffix and the temporary ``.name.partial``
written next to the file while saving need room too."""

# Characters Windows forbids in names (and the path separators of every system).
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_SPACES = re.compile(r"\s+")
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{n}" for n in range(1, 10)),
    *(f"LPT{n}" for n in range(1, 10)),
}


def safe_file_name(title: str, fallback: str) -> str:
    """``title`` made into a file name without a suffix; ``fallback`` if nothing is left."""
    name = unicodedata.normalize("NFC", title)
    name = _FORBIDDEN.sub(" ", name)
    name = _SPACES.sub(" ", name).strip(" .")  # no hidden (dot) files, no trailing dots
    name = name[:MAX_CHARS].rstrip(" .")
    while len(name.encode("utf-8")) > MAX_BYTES:
        name = name[:-1].rstrip(" .")
    if not name:
        return fallback
    if name.split(".")[0].upper() in _RESERVED:
        name += "_"  # "CON" is a device on Windows, whatever its extension
    return name
