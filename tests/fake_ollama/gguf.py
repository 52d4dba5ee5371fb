"""Just enough GGUF to create models from uploaded files.

`build_gguf` writes a tiny but well-formed GGUF header (metadata only, no tensors) that tests can
upload with `create_blob`; `read_metadata` reads the key/values back so `/api/create` can fill
details (family, size, quantization, context length) the way the daemon reads them from a file.
"""

from __future__ import annotations

import struct
from typing import Any

MAGIC = b"GGUF"

_UINT8, _INT8, _UINT16, _INT16, _UINT32, _INT32, _FLOAT32, _BOOL, _STRING, _ARRAY = range(10)
_UINT64, _INT64, _FLOAT64 = 10, 11, 12
_SCALARS = {
    _UINT8: "<B",
    _INT8: "<b",
    _UINT16: "<H",
    _INT16: "<h",
    _UINT32: "<I",
    _INT32: "<i",
    _FLOAT32: "<f",
    _BOOL: "<?",
    _UINT64: "<Q",
    _INT64: "<q",
    _FLOAT64: "<d",
}


class GGUFError(ValueError):
    pass


def _pack_string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _value_type(value: Any) -> int:
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, int):
        return _UINT32 if 0 <= value < 2**32 else _INT64
    if isinstance(value, float):
        return _FLOAT32
    if isinstance(value, str):
        return _STRING
    if isinstance(value, list):
        return _ARRAY
    raise TypeError(f"unsupported GGUF value {value!r}")


def _pack_value(kind: int, value: Any) -> bytes:
    if kind == _STRING:
        return _pack_string(value)
    if kind == _ARRAY:
        elem = _value_type(value[0]) if value else _INT32
        return struct.pack("<IQ", elem, len(value)) + b"".join(_pack_value(elem, v) for v in value)
    return struct.pack(_SCALARS[kind], value)


def build_gguf(
    architecture: str = "llama",
    *,
    context_length: int = 4096,
    embedding_length: int = 2048,
    block_count: int = 16,
    parameter_count: int = 1_235_814_432,
    file_type: int = 15,
    pooling_type: int | None = None,
    extra: dict[str, Any] | None = None,
    size: int = 0,
) -> bytes:
    """A metadata-only GGUF (v3) file, zero-padded to `size` bytes if larger."""
    metadata: dict[str, Any] = {
        "general.architecture": architecture,
        "general.file_type": file_type,
        "general.quantization_version": 2,
        f"{architecture}.context_length": context_length,
        f"{architecture}.embedding_length": embedding_length,
        f"{architecture}.block_count": block_count,
    }
    if pooling_type is not None:
        metadata[f"{architecture}.pooling_type"] = pooling_type
    metadata.update(extra or {})
    body = bytearray(MAGIC + struct.pack("<IQQ", 3, 0, len(metadata) + 1))
    body += _pack_string("general.parameter_count") + struct.pack("<I", _UINT64)
    body += struct.pack("<Q", parameter_count)
    for key, value in metadata.items():
        kind = _value_type(value)
        body += _pack_string(key) + struct.pack("<I", kind) + _pack_value(kind, value)
    if size > len(body):
        body += bytes(size - len(body))
    return bytes(body)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise GGUFError("unexpected EOF")
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return value

    def string(self) -> str:
        length = self.take("<Q")
        if self.pos + length > len(self.data):
            raise GGUFError("unexpected EOF")
        text = self.data[self.pos : self.pos + length].decode("utf-8", errors="replace")
        self.pos += length
        return text

    def value(self, kind: int) -> Any:
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            elem, count = self.take("<I"), self.take("<Q")
            return [self.value(elem) for _ in range(count)]
        if kind not in _SCALARS:
            raise GGUFError(f"invalid GGUF type {kind}")
        return self.take(_SCALARS[kind])


def read_metadata(head: bytes) -> dict[str, Any]:
    """Key/values from the start of a GGUF file. Raises GGUFError('invalid file magic')."""
    if not head.startswith(MAGIC):
        raise GGUFError("invalid file magic")
    reader = _Reader(head)
    reader.pos = 4
    version = reader.take("<I")
    if version < 2:
        raise GGUFError(f"unsupported GGUF version {version}")
    reader.take("<Q")  # tensor count: the double never reads tensors
    count = reader.take("<Q")
    out: dict[str, Any] = {}
    for _ in range(count):
        key = reader.string()
        out[key] = reader.value(reader.take("<I"))
    return out
