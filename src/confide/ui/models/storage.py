"""Where the daemon keeps its models, and how much room is left there.

Only meaningful when the daemon runs on this computer: for a daemon elsewhere we cannot see
its disk, so every answer is None and no download is refused for lack of space.
Everything here may touch the disk: call it off the GUI thread.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: Left free after a download, so that a full disk does not take the system down with it.
DISK_HEADROOM_BYTES = 500_000_000

# Linux packages run the daemon as the "ollama" service user with this home (ollama's docs).
_LINUX_SERVICE_MODELS = Path("/usr/share/ollama/.ollama/models")


def _disk_free(path: Path) -> int:
    return shutil.disk_usage(path).free


@dataclass(frozen=True)
class StorageInfo:
    folder: Path  # where the models are (or would be)
    measured_at: Path  # the nearest folder that exists, whose disk was measured
    free_bytes: int


@dataclass
class DiskSpace:
    """Answers "is there room for this download?" for a daemon on this computer.

    Every outside call is injectable so that tests can simulate a full disk.
    """

    is_local: Callable[[], bool]
    environ: Mapping[str, str] | None = None
    free_bytes: Callable[[Path], int] = _disk_free
    home: Callable[[], Path] = Path.home
    platform: str = field(default_factory=lambda: sys.platform)

    def models_folder(self) -> Path:
        """OLLAMA_MODELS, else ~/.ollama/models (or the Linux service's folder, if that is
        the one that exists)."""
        env = os.environ if self.environ is None else self.environ
        configured = env.get("OLLAMA_MODELS", "").strip().strip('"')
        if configured:
            return Path(configured).expanduser()
        personal = self.home() / ".ollama" / "models"
        if (
            self.platform.startswith("linux")
            and not personal.exists()
            and _LINUX_SERVICE_MODELS.exists()
        ):
            return _LINUX_SERVICE_MODELS
        return personal

    def info(self) -> StorageInfo | None:
        if not self.is_local():
            return None
        folder = self.models_folder()
        nearest = nearest_existing(folder)
        try:
            free = self.free_bytes(nearest)
        except OSError:
            return None
        return StorageInfo(folder, nearest, free)


def nearest_existing(path: Path) -> Path:
    """The folder itself if it exists, else its closest existing parent."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or ".")


@dataclass(frozen=True)
class SpaceShortage:
    """A download refused before it filled the disk."""

    needed_bytes: int
    free_bytes: int
    folder: Path


def check_room(info: StorageInfo | None, remaining_bytes: int) -> SpaceShortage | None:
    if info is None or remaining_bytes <= 0:
        return None
    needed = remaining_bytes + DISK_HEADROOM_BYTES
    if info.free_bytes >= needed:
        return None
    return SpaceShortage(remaining_bytes, info.free_bytes, info.folder)
