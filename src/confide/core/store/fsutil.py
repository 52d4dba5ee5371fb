"""Atomic, durable file replacement: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def fsync_directory(directory: Path) -> None:
    """Makes a rename durable. Windows cannot open directories; NTFS journals renames."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """Write the new content of ``path`` to the yielded file; it replaces ``path`` on success.

    The temporary file lives in the destination folder, never in the system temp folder, so
    that nothing is written anywhere the user did not choose (and ``os.replace`` stays a
    same-filesystem rename).
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    handle = open(temp, "wb")  # noqa: SIM115 - closed below, before the rename
    try:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(temp, path)
        fsync_directory(path.parent)
    except BaseException:
        handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def write_atomically(path: Path, data: bytes) -> None:
    with replacing(path) as handle:
        handle.write(data)
