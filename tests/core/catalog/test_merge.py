"""Merging the catalog with installed models, including ones the catalog does not know."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from confide.core.catalog import (
    Catalog,
    InstalledModel,
    LibraryEntry,
    LibraryQuery,
    Origin,
    build_library,
    parse_parameter_size,
    query_library,
)
from confide.core.hardware import GB, FitVerdict, Hardware

LAPTOP_16 = Hardware.simulated(16, available_gib=10)


def installed(name: str, size_gb: float = 4.0, parameter_size: str = "7B") -> InstalledModel:
    return InstalledModel(name=name, size_bytes=round(size_gb * GB), parameter_size=parameter_size)


def by_key(entries: tuple[LibraryEntry, ...]) -> dict[str, LibraryEntry]:
    return {entry.key: entry for entry in entries}


def test_no_installed_models_gives_one_entry_per_variant(catalog: Catalog) -> None:
    entries = build_library(catalog, [], LAPTOP_16)
    assert len(entries) == len(catalog.variants)
    assert len({entry.key for entry in entries}) == len(entries)
    assert not any(entry.is_installed for entry in entries)
    assert [entry.recommend_rank for entry in entries] == list(range(len(entries)))


def test_installed_models_match_catalog_variants_by_any_name(catalog: Catalog) -> None:
    models = [
        installed("llama3.1:latest", 4.9, "8.0B"),  # an alias of llama3.1:8b
        installed("QWEN3:8B", 5.2, "8.2B"),  # case differs
        # The hf.co source of an ollama.com upload; the tag's case differs too.
        installed("hf.co/speakleash/Bielik-11B-v2.3-Instruct-GGUF:q4_k_m", 6.7, "11.2B"),
    ]
    entries = by_key(build_library(catalog, models, LAPTOP_16))
    assert len(entries) == len(catalog.variants)  # nothing unknown was added
    assert entries["llama3.1:8b"].installed == (models[0],)
    assert entries["qwen3:8b"].installed == (models[1],)
    bielik = entries["speakleash/bielik-11b-v2.3-instruct:q4_k_m"]
    assert bielik.installed == (models[2],)
    assert bielik.origin is Origin.CATALOG and bielik.variant is not None
    assert bielik.run_name == "hf.co/speakleash/Bielik-11B-v2.3-Instruct-GGUF:q4_k_m"
    assert entries["mistral:7b"].run_name == "mistral:7b"  # not installed: the pull name


def test_two_names_for_one_variant_stay_one_entry(catalog: Catalog) -> None:
    models = [installed("llama3.1:8b", 4.9), installed("llama3.1:latest", 4.9)]
    entries = by_key(build_library(catalog, models, LAPTOP_16))
    assert len(entries["llama3.1:8b"].installed) == 2


def test_unknown_installed_models_become_their_own_entries(catalog: Catalog) -> None:
    models = [
        installed("mycustom:latest", 3.0, "3.2B"),
        installed("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", 0.8, "1.2B"),
        installed("someuser/model:tag", 2.0, ""),
        installed("myhost:5000/team/model:v1", 60.0, "70B"),
    ]
    entries = build_library(catalog, models, LAPTOP_16)
    assert len(entries) == len(catalog.variants) + 4
    known = by_key(entries)

    custom = known["mycustom:latest"]
    assert custom.origin is Origin.OLLAMA_LIBRARY
    assert custom.variant is None and custom.family is None and custom.is_installed
    assert custom.parameters_b == pytest.approx(3.2)
    assert custom.fit.verdict is FitVerdict.RUNS_WELL

    hf = known["hf.co/bartowski/llama-3.2-1b-instruct-gguf:q4_k_m"]
    assert hf.origin is Origin.HUGGING_FACE
    assert hf.display_name == "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"

    user = known["someuser/model:tag"]
    assert user.origin is Origin.OLLAMA_USER
    assert user.parameters_b is None  # unknown, but its size still gives a verdict
    assert user.fit.verdict is FitVerdict.RUNS_WELL

    other = known["myhost:5000/team/model:v1"]
    assert other.origin is Origin.OTHER_REGISTRY
    assert other.fit.verdict is FitVerdict.WILL_NOT_FIT

    only_installed = query_library(entries, LibraryQuery(installed_only=True))
    assert {entry.key for entry in only_installed} == {
        "mycustom:latest",
        "hf.co/bartowski/llama-3.2-1b-instruct-gguf:q4_k_m",
        "someuser/model:tag",
        "myhost:5000/team/model:v1",
    }
    assert query_library(entries, LibraryQuery(text="bartowski")) == [hf]


def test_unknown_models_are_excluded_by_filters_they_cannot_satisfy(catalog: Catalog) -> None:
    entries = build_library(catalog, [installed("mycustom:latest")], LAPTOP_16)

    def keys(query: LibraryQuery) -> set[str]:
        return {entry.key for entry in query_library(entries, query)}

    assert "mycustom:latest" not in keys(LibraryQuery(commercial_only=True))  # licence unknown
    assert "mycustom:latest" not in keys(LibraryQuery(language="pl"))
    assert "mycustom:latest" in keys(LibraryQuery(fits_only=True))


def test_from_api_reads_a_tags_entry() -> None:
    entry = {
        "name": "hf.co/user/repo:Q4_K_M",
        "model": "hf.co/user/repo:Q4_K_M",
        "modified_at": "2025-05-01T10:20:30.123456789+02:00",
        "size": 4_920_000_000,
        "digest": "a" * 64,
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "llama",
            "families": None,
            "parameter_size": "8.0B",
            "quantization_level": "Q4_K_M",
        },
        "capabilities": ["completion", "tools"],
    }
    model = InstalledModel.from_api(entry)
    assert model.name == "hf.co/user/repo:Q4_K_M"
    assert model.size_bytes == 4_920_000_000
    assert model.modified_at == datetime(
        2025, 5, 1, 10, 20, 30, 123456, tzinfo=timezone(timedelta(hours=2))
    )
    assert (model.family, model.parameters_b, model.quantization_level) == ("llama", 8.0, "Q4_K_M")
    assert model.capabilities == ("completion", "tools")

    sparse = InstalledModel.from_api({"name": "x:latest", "modified_at": "garbage"})
    assert sparse.size_bytes == 0 and sparse.modified_at is None and sparse.parameters_b is None


def test_daemon_capabilities_are_mapped(catalog: Catalog) -> None:
    model = InstalledModel(
        name="custom-vision:latest", size_bytes=3 * GB, capabilities=("completion", "vision")
    )
    (entry,) = [e for e in build_library(catalog, [model], LAPTOP_16) if e.variant is None]
    assert {c.value for c in entry.capabilities} == {"chat", "vision"}


@pytest.mark.parametrize(
    ("text", "billions"),
    [("8.0B", 8.0), ("137M", 0.137), ("1.2T", 1200.0), ("70b", 70.0), ("", None), ("?", None)],
)
def test_parse_parameter_size(text: str, billions: float | None) -> None:
    assert parse_parameter_size(text) == (pytest.approx(billions) if billions else None)
