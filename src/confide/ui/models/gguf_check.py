"""Read just enough of a GGUF file's header to accept or refuse it before uploading.

GGUF layout (little-endian): magic ``b"GGUF"``, a uint32 version, a uint64 tensor count, a
uint64 count of key/value pairs, then the pairs (string key, uint32 type, value). Ollama
reads versions 2 and 3; version 1 used 32-bit counts and is refused. Only a few keys matter
here (architecture, name, whether a chat template is embedded), but every pair must be
walked to reach them; big arrays (the vocabulary) are skipped without decoding.

Plain Python and blocking: call it off the GUI thread.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import BinaryIO

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)

_STRING, _ARRAY = 8, 9
_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
#: Stop reading metadata after this much: a header is megabytes, never gigabytes.
_MAX_HEADER_BYTES = 256 * 1024 * 1024
_WANTED = ("general.architecture", "general.name", "general.parameter_count")


class GGUFProblemKind(Enum):
    NOT_GGUF = "not_gguf"
    UNSUPPORTED_VERSION = "unsupported_version"
    DAMAGED = "damaged"
    UNREADABLE = "unreadable"


class GGUFProblem(Exception):
    def __init__(self, kind: GGUFProblemKind, version: int = 0) -> None:
        super().__init__(kind.value)
        self.kind = kind
        self.version = version


@dataclass(frozen=True)
class GGUFHeader:
    version: int
    size_bytes: int
    architecture: str = ""
    name: str = ""
    parameter_count: int = 0
    has_chat_template: bool = False


class _Reader:
    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle

    def take(self, size: int) -> bytes:
        data = self.handle.read(size)
        if len(data) != size:
            raise GGUFProblem(GGUFProblemKind.DAMAGED)
        return data

    def uint32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def uint64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])

    def string(self) -> bytes:
        length = self.uint64()
        if length > _MAX_HEADER_BYTES:
            raise GGUFProblem(GGUFProblemKind.DAMAGED)
        return self.take(length)

    def skip(self, size: int) -> None:
        self.handle.seek(size, 1)
        if self.handle.tell() > _MAX_HEADER_BYTES:
            raise GGUFProblem(GGUFProblemKind.DAMAGED)

    def value(self, kind: int) -> object:
        if kind == _STRING:
            return self.string().decode("utf-8", errors="replace")
        if kind == _ARRAY:
            element, count = self.uint32(), self.uint64()
            if element in _SCALAR_SIZES:
                self.skip(_SCALAR_SIZES[element] * count)
            elif element == _STRING:
                for _ in range(count):
                    self.skip(self.uint64())
            else:
                raise GGUFProblem(GGUFProblemKind.DAMAGED)  # nested arrays: not in real files
            return None
        size = _SCALAR_SIZES.get(kind)
        if size is None:
            raise GGUFProblem(GGUFProblemKind.DAMAGED)
        data = self.take(size)
        if kind in (10, 11):
            return int.from_bytes(data, "little", signed=kind == 11)
        if kind in (4, 5):
            return int.from_bytes(data, "little", signed=kind == 5)
        return data


def read_gguf_header(path: Path) -> GGUFHeader:
    """The header of ``path``, or :class:`GGUFProblem` saying why Ollama could not use it."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            reader = _Reader(handle)
            if handle.read(4) != MAGIC:
                raise GGUFProblem(GGUFProblemKind.NOT_GGUF)
            version = reader.uint32()
            if version not in SUPPORTED_VERSIONS:
                raise GGUFProblem(GGUFProblemKind.UNSUPPORTED_VERSION, version)
            reader.uint64()  # tensors: not needed
            count = reader.uint64()
            found: dict[str, object] = {}
            template = False
            for _ in range(count):
                key = reader.string().decode("utf-8", errors="replace")
                value = reader.value(reader.uint32())
                if key in _WANTED:
                    found[key] = value
                elif key == "tokenizer.chat_template":
                    template = bool(value)
    except OSError as exc:
        raise GGUFProblem(GGUFProblemKind.UNREADABLE) from exc
    architecture = found.get("general.architecture")
    name = found.get("general.name")
    parameters = found.get("general.parameter_count")
    return GGUFHeader(
        version=version,
        size_bytes=size,
        architecture=architecture if isinstance(architecture, str) else "",
        name=name if isinstance(name, str) else "",
        parameter_count=parameters if isinstance(parameters, int) else 0,
        has_chat_template=template,
    )
