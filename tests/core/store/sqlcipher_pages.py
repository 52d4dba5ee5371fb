"""Reads an SQLCipher 4 file page by page and decrypts it in memory, free pages included.

SQLite's own view (queries, even ``sqlcipher_export``) skips free pages and dead space inside
pages, which is exactly where deleted text would hide; so the erasure tests look at the raw
pages instead. SQLCipher 4 with a raw key: every page is AES-256-CBC encrypted with the key
itself; the last 80 bytes of a page are the IV (16) and HMAC-SHA512 (64); page 1 starts with
the 16-byte salt instead of the (implied) "SQLite format 3" header. WAL frames hold pages in
the same format after a 24-byte frame header (the WAL file has a 32-byte header).
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from confide.core.store.database import PAGE_SIZE

RESERVE = 80
SALT = 16
WAL_HEADER = 32
FRAME_HEADER = 24


def decrypt_page(page: bytes, key: bytes, first: bool) -> bytes:
    start = SALT if first else 0
    iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(page[start : PAGE_SIZE - RESERVE]) + decryptor.finalize()


def database_pages(path: Path, key: bytes) -> list[bytes]:
    data = path.read_bytes()
    assert len(data) % PAGE_SIZE == 0, "not a 1 KiB-page SQLCipher file"
    pages = [
        decrypt_page(data[offset : offset + PAGE_SIZE], key, offset == 0)
        for offset in range(0, len(data), PAGE_SIZE)
    ]
    # Page 1 decrypts to the SQLite header from byte 16 on: page size (big endian), then the
    # file format bytes. A wrong key or layout would give noise here.
    assert pages[0][:2] == PAGE_SIZE.to_bytes(2, "big"), "page 1 did not decrypt"
    return pages


def wal_pages(path: Path, key: bytes) -> list[bytes]:
    if not path.exists():
        return []
    data = path.read_bytes()
    pages = []
    offset = WAL_HEADER
    while offset + FRAME_HEADER + PAGE_SIZE <= len(data):
        page_number = int.from_bytes(data[offset : offset + 4], "big")
        page = data[offset + FRAME_HEADER : offset + FRAME_HEADER + PAGE_SIZE]
        pages.append(decrypt_page(page, key, page_number == 1))
        offset += FRAME_HEADER + PAGE_SIZE
    return pages


def encodings(marker: str) -> list[bytes]:
    return [marker.encode("utf-8"), marker.encode("utf-16-le"), marker.encode("utf-16-be")]


def files_containing(root: Path, marker: str) -> list[str]:
    """Every file under ``root`` whose raw bytes contain the marker in UTF-8 or UTF-16."""
    found = []
    needles = encodings(marker)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        found += [f"{path.name}:{needle!r}" for needle in needles if needle in raw]
    return found
