"""Encrypted append-only files that hold an answer while it streams in ("stream logs").

Why not the database: SQLite writes whole pages. Saving one second of a streamed answer
(~130 bytes at 30 tokens/s) into the database costs a 1 KiB WAL frame, later copied again by
a checkpoint: ~37 bytes per token for the periodic saves alone. A record in a log of our own
costs the text plus ~50 bytes of framing, length padding and authentication tag: ~6 bytes per
token. The finished answer still becomes an ordinary ``messages`` row in one transaction.

File layout (``confide.db-stream-<n>``, next to the database)::

    "CFSL" | version:u8 | salt:16 | record 0 (the answer's header) | record 1 | ...
    record = length:u32 | nonce:12 | AES-256-GCM(plaintext) (length = nonce + ciphertext)
    plaintext = payload length:u32 | payload | zero padding to a multiple of 32 bytes

Security: every answer gets a fresh random salt, and its records are encrypted with
HKDF-SHA256(database key, salt), with a random nonce per record; the associated data binds a
record to its file header and position, so records cannot be reordered or spliced from
another answer. Padding hides the exact length of each save. Nothing is ever in plain text.

Durability: each record is written and then flushed to the disk (``fdatasync``) before the
save returns, like a SQLite commit. A record torn by a power cut fails authentication, and
reading stops there: at most the last save is lost. A log is reused answer after answer,
written from its start; stale records of an earlier answer after the current end were
encrypted with another salt, so they fail authentication too and are never read.

A log holds a copy of the last answer streamed through it (already stored in the database);
``wipe`` zeroes the file, and erasures, key rotations and restores wipe every idle log.
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from confide.core.store.fsutil import fsync_directory

MAGIC = b"CFSL"
VERSION = 1
SALT_BYTES = 16
NONCE_BYTES = 12
TAG_BYTES = 16
PAD_TO = 32  # a save's exact size is hidden (to ~8 tokens), at ~0.5 byte per token
_FILE_HEADER = struct.Struct("<4sB16s")
_U32 = struct.Struct("<I")
_INDEX = struct.Struct("<Q")
_HKDF_INFO = b"confide stream log v1"
_MAX_RECORD = 64 * 1024 * 1024  # far beyond one second of any stream: a damaged length
_WIPE_CHUNK = 64 * 1024
_SUFFIX = "-stream-"


def log_path(database: Path, number: int) -> Path:
    return database.with_name(f"{database.name}{_SUFFIX}{number}")


def log_files(database: Path) -> list[tuple[int, Path]]:
    """(number, path) of every stream log of ``database``, by number."""
    pattern = re.compile(re.escape(database.name + _SUFFIX) + r"(\d{1,6})")
    found: list[tuple[int, Path]] = []
    try:
        entries = list(database.parent.iterdir())
    except FileNotFoundError:
        return []
    for path in entries:
        match = pattern.fullmatch(path.name)
        if match:
            found.append((int(match[1]), path))
    return sorted(found)


def _sync(fd: int) -> None:
    # fdatasync where it exists (what SQLite uses on Linux); the file size it needs is flushed.
    sync = getattr(os, "fdatasync", os.fsync)
    sync(fd)


def _cipher(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_HKDF_INFO).derive(key)
    return AESGCM(derived)


def _aad(file_header: bytes, index: int) -> bytes:
    return file_header + _INDEX.pack(index)


def _seal(cipher: AESGCM, file_header: bytes, index: int, payload: bytes) -> bytes:
    plain = _U32.pack(len(payload)) + payload
    plain += bytes(-len(plain) % PAD_TO)
    nonce = os.urandom(NONCE_BYTES)
    body = nonce + cipher.encrypt(nonce, plain, _aad(file_header, index))
    return _U32.pack(len(body)) + body


def _write_all(fd: int, offset: int, data: bytes) -> None:
    os.lseek(fd, offset, os.SEEK_SET)
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class LogWriter:
    """One answer's log, open for appending. Not thread-safe (one writer per answer)."""

    def __init__(self, path: Path, key: bytes, header: bytes) -> None:
        """Starts a new answer in the log at ``path`` (created if missing): writes the file
        header and ``header`` as record 0, durably."""
        salt = os.urandom(SALT_BYTES)
        self.path = path
        self._file_header = _FILE_HEADER.pack(MAGIC, VERSION, salt)
        self._cipher = _cipher(key, salt)
        self._index = 0
        created = not path.exists()
        self._fd: int | None = os.open(
            path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600
        )
        try:
            first = self._file_header + _seal(self._cipher, self._file_header, 0, header)
            _write_all(self._fd, 0, first)
            _sync(self._fd)
            if created:
                fsync_directory(path.parent)
        except BaseException:
            self.close()
            raise
        self._offset = len(first)
        self._index = 1

    def append(self, payload: bytes) -> None:
        """Adds one record, on disk when this returns. After a failure (disk full…) nothing
        is counted: the next call writes over whatever part of the record reached the file."""
        if self._fd is None:
            raise RuntimeError("the stream log is closed")
        record = _seal(self._cipher, self._file_header, self._index, payload)
        _write_all(self._fd, self._offset, record)
        _sync(self._fd)
        self._offset += len(record)
        self._index += 1

    @property
    def size(self) -> int:
        """Bytes of the current answer in the file (header and records)."""
        return self._offset

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


@dataclass(frozen=True)
class LogContent:
    header: bytes
    records: tuple[bytes, ...]


def read_log(path: Path, key: bytes) -> LogContent | None:
    """The answer in a log: its header and every record that authenticates, in order, up to
    the first one that does not. None if the log is empty, wiped, or not written with ``key``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(data) < _FILE_HEADER.size:
        return None
    magic, version, salt = _FILE_HEADER.unpack_from(data, 0)
    if magic != MAGIC or version != VERSION:
        return None
    file_header = data[: _FILE_HEADER.size]
    cipher = _cipher(key, salt)
    payloads: list[bytes] = []
    offset = _FILE_HEADER.size
    while offset + _U32.size <= len(data):
        (length,) = _U32.unpack_from(data, offset)
        start = offset + _U32.size
        if length < NONCE_BYTES + TAG_BYTES or length > _MAX_RECORD or start + length > len(data):
            break
        nonce = data[start : start + NONCE_BYTES]
        sealed = data[start + NONCE_BYTES : start + length]
        try:
            plain = cipher.decrypt(nonce, sealed, _aad(file_header, len(payloads)))
        except InvalidTag:
            break
        (size,) = _U32.unpack_from(plain, 0)
        if _U32.size + size > len(plain):
            break
        payloads.append(plain[_U32.size : _U32.size + size])
        offset = start + length
    if not payloads:
        return None
    return LogContent(payloads[0], tuple(payloads[1:]))


def wipe(path: Path) -> None:
    """Overwrites the whole file with zeros, flushes, then empties it. Missing: nothing to do."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return
    try:
        size = os.fstat(fd).st_size
        zeros = bytes(min(size, _WIPE_CHUNK))
        offset = 0
        while offset < size:
            chunk = zeros[: min(_WIPE_CHUNK, size - offset)]
            _write_all(fd, offset, chunk)
            offset += len(chunk)
        if size:
            _sync(fd)
            os.ftruncate(fd, 0)
            _sync(fd)
    finally:
        os.close(fd)


def remove_all(database: Path) -> None:
    """Wipes and deletes every log of ``database`` (a new database, or a restored one)."""
    for _, path in log_files(database):
        wipe(path)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
