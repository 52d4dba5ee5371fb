"""The per-model usage file: last used and speed, kept across runs, robust to damage."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from confide.core.catalog.usage import ModelUsage, UsageStore, usage_key

NOON = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_round_trip_and_case_insensitive_names(tmp_path: Path) -> None:
    store = UsageStore(tmp_path / "model_usage.json", clock=lambda: NOON)
    assert store.load() == {}
    store.record_used("Gemma3")
    store.record_speed("gemma3:latest", 23.456, 2.1)
    again = UsageStore(tmp_path / "model_usage.json")
    usage = again.load()[usage_key("gemma3")]
    assert usage.last_used == NOON
    assert usage.speed is not None and usage.speed.tokens_per_second == 23.46
    assert usage.speed.load_seconds == 2.1 and usage.speed.tested_at == NOON
    assert again.get("GEMMA3:latest") == usage
    again.forget("gemma3")
    assert UsageStore(tmp_path / "model_usage.json").load() == {}


def test_a_damaged_file_reads_as_empty_and_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "model_usage.json"
    path.write_text("{not json", encoding="utf-8")
    store = UsageStore(path, clock=lambda: NOON)
    assert store.load() == {}
    store.record_used("qwen3:8b")
    fresh = UsageStore(path)
    fresh.load()  # get() reads memory only; load() is the disk read
    assert fresh.get("qwen3:8b") == ModelUsage(last_used=NOON)


def test_a_write_before_a_read_keeps_the_other_records(tmp_path: Path) -> None:
    path = tmp_path / "model_usage.json"
    UsageStore(path, clock=lambda: NOON).record_used("a:1")
    UsageStore(path, clock=lambda: NOON).record_used("b:1")
    assert set(UsageStore(path).load()) == {"a:1", "b:1"}


def test_odd_entries_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "model_usage.json"
    path.write_text(
        '{"version": 1, "models": {"a:latest": {"last_used": "yesterday"},'
        ' "b:latest": {"speed": {"tokens_per_second": "fast"}}, "c:latest": 5}}',
        encoding="utf-8",
    )
    records = UsageStore(path).load()
    assert records["a:latest"] == ModelUsage()
    assert records["b:latest"] == ModelUsage()
    assert "c:latest" not in records
