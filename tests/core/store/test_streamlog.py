"""The encrypted stream log format: authenticated, ordered, torn-write tolerant, wipeable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from confide.core.store import streamlog
from confide.core.store.streamlog import LogWriter, log_files, log_path, read_log, wipe

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def _write(path: Path, header: bytes, *records: bytes, key: bytes = KEY) -> LogWriter:
    writer = LogWriter(path, key, header)
    for record in records:
        writer.append(record)
    return writer


def _record_spans(path: Path) -> list[tuple[int, int]]:
    """(offset, length) of every record in the file, header record included."""
    data = path.read_bytes()
    offset = streamlog._FILE_HEADER.size
    spans = []
    while offset + 4 <= len(data):
        length = int.from_bytes(data[offset : offset + 4], "little")
        if length == 0 or offset + 4 + length > len(data):
            break
        spans.append((offset, 4 + length))
        offset += 4 + length
    return spans


def test_round_trip(tmp_path: Path) -> None:
    path = log_path(tmp_path / "confide.db", 1)
    _write(path, b"header", "zażółć".encode(), b"", b"x" * 5000).close()
    saved = read_log(path, KEY)
    assert saved is not None
    assert saved.header == b"header"
    assert saved.records == ("zażółć".encode(), b"", b"x" * 5000)
    raw = path.read_bytes()
    assert raw.startswith(b"CFSL") and b"header" not in raw and b"xxxx" not in raw


def test_another_key_reads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "log"
    _write(path, b"header", b"secret").close()
    assert read_log(path, OTHER_KEY) is None


def test_records_sizes_are_padded(tmp_path: Path) -> None:
    path = tmp_path / "log"
    _write(path, b"h", b"a", b"a" * 20).close()
    _, short, long = _record_spans(path)
    assert short[1] == long[1]  # one and twenty bytes look the same on disk


def test_reading_stops_at_a_torn_record(tmp_path: Path) -> None:
    path = tmp_path / "log"
    _write(path, b"h", b"one", b"two").close()
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size - 10)
    saved = read_log(path, KEY)
    assert saved is not None and saved.records == (b"one",)


def test_stale_records_of_a_longer_earlier_answer_are_never_read(tmp_path: Path) -> None:
    path = tmp_path / "log"
    _write(path, b"first answer", b"a" * 100, b"b" * 100, b"c" * 100).close()
    size = path.stat().st_size
    _write(path, b"second answer", b"new").close()  # reuses the file from its start
    assert path.stat().st_size == size  # the old tail is still in the file…
    saved = read_log(path, KEY)
    assert saved is not None
    assert (saved.header, saved.records) == (b"second answer", (b"new",))  # …but never read


def test_records_cannot_be_reordered_or_spliced(tmp_path: Path) -> None:
    path = tmp_path / "log"
    _write(path, b"h", b"one", b"two", b"three").close()
    data = bytearray(path.read_bytes())
    _, one, two, _ = _record_spans(path)
    assert one[1] == two[1]
    first = bytes(data[one[0] : one[0] + one[1]])
    data[one[0] : one[0] + one[1]] = data[two[0] : two[0] + two[1]]
    data[two[0] : two[0] + two[1]] = first
    path.write_bytes(bytes(data))
    saved = read_log(path, KEY)
    assert saved is not None and saved.records == ()  # stops at the first misplaced record

    other = tmp_path / "other"
    _write(other, b"h", b"foreign").close()
    _write(path, b"h", b"own").close()
    _, foreign = _record_spans(other)
    spliced = path.read_bytes() + other.read_bytes()[foreign[0] : foreign[0] + foreign[1]]
    path.write_bytes(spliced)
    saved = read_log(path, KEY)
    assert saved is not None and saved.records == (b"own",)


def test_wipe_zeroes_then_empties(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log"
    _write(path, b"h", b"secret" * 1000).close()
    seen: list[bytes] = []
    real_truncate = os.ftruncate

    def spy(fd: int, length: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        seen.append(os.read(fd, 1 << 20))  # what is in the file just before truncation
        real_truncate(fd, length)

    monkeypatch.setattr(streamlog.os, "ftruncate", spy)
    wipe(path)
    monkeypatch.undo()
    assert seen and set(seen[0]) == {0}
    assert path.stat().st_size == 0
    assert read_log(path, KEY) is None
    wipe(tmp_path / "missing")  # nothing to do


def test_log_files_are_found_by_number(tmp_path: Path) -> None:
    database = tmp_path / "confide.db"
    for number in (2, 10, 1):
        log_path(database, number).write_bytes(b"")
    (tmp_path / "confide.db-wal").write_bytes(b"")
    (tmp_path / "confide.db-stream-x").write_bytes(b"")
    (tmp_path / "other.db-stream-1").write_bytes(b"")
    assert [n for n, _ in log_files(database)] == [1, 2, 10]
    assert log_files(tmp_path / "missing" / "confide.db") == []
