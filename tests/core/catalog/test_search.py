"""Search, filters and sort orders over the library."""

from __future__ import annotations

import pytest

from confide.core.catalog import (
    Capability,
    Catalog,
    LanguageLevel,
    LibraryEntry,
    LibraryQuery,
    SortOrder,
    Task,
    build_library,
    filter_entries,
    query_library,
    sort_entries,
)
from confide.core.catalog.text_search import fold, query_terms
from confide.core.hardware import FitVerdict, Hardware

LAPTOP_8 = Hardware.simulated(8)
LAPTOP_16 = Hardware.simulated(16)


@pytest.fixture(scope="module")
def entries(catalog: Catalog) -> tuple[LibraryEntry, ...]:
    return build_library(catalog, [], LAPTOP_16)


def names(rows: list[LibraryEntry]) -> list[str]:
    return [row.display_name for row in rows]


def families(rows: list[LibraryEntry]) -> set[str]:
    return {row.family.id for row in rows if row.family is not None}


def test_empty_query_keeps_everything_in_recommended_order(
    entries: tuple[LibraryEntry, ...],
) -> None:
    assert query_library(entries, LibraryQuery()) == list(entries)


def test_fold_strips_case_and_accents() -> None:
    assert fold("Łódź ŞTIINŢĂ slovenščina") == "lodz stiinta slovenscina"
    assert query_terms("  Bielik   POLSKI ") == ("bielik", "polski")


@pytest.mark.parametrize(
    ("text", "expected_families"),
    [
        ("bielik", {"bielik"}),
        ("BIELIK 11b", {"bielik"}),
        ("speakleash", {"bielik"}),
        ("nvidia", {"mistral-nemo", "openmath-mistral"}),
        ("olmo", {"olmo2"}),
        ("hf.co/mradermacher/biomistral", {"biomistral"}),
    ],
)
def test_text_search_over_names_and_makers(
    entries: tuple[LibraryEntry, ...], text: str, expected_families: set[str]
) -> None:
    assert families(query_library(entries, LibraryQuery(text=text))) == expected_families


def test_search_finds_fine_tunes_by_their_base_model(entries: tuple[LibraryEntry, ...]) -> None:
    found = families(query_library(entries, LibraryQuery(text="mistral")))
    assert {"mistral", "mixtral", "mistral-nemo", "mistral-small", "biomistral", "saullm"} <= found
    assert "qwen3" not in found


def test_text_search_over_descriptions_tasks_and_languages(
    entries: tuple[LibraryEntry, ...],
) -> None:
    assert "saullm" in families(query_library(entries, LibraryQuery(text="legal")))
    assert "biomistral" in families(query_library(entries, LibraryQuery(text="medical")))
    polish = families(query_library(entries, LibraryQuery(text="polski")))
    assert {"bielik", "qwen3", "mistral-small", "phi4-mini", "eurollm"} <= polish
    assert "llama3.1" not in polish
    assert "qwen3" in families(query_library(entries, LibraryQuery(text="slovenscina")))
    assert query_library(entries, LibraryQuery(text="zzz-no-such-model")) == []


def test_search_uses_translated_text_when_given(catalog: Catalog) -> None:
    polish = {"Translation": "Tłumaczenie", "Coding": "Programowanie"}
    entries = build_library(catalog, [], LAPTOP_16, "pl", translate=lambda s: polish.get(s, s))
    found = families(query_library(entries, LibraryQuery(text="tlumaczenie")))
    assert {"eurollm", "qwen3"} <= found
    assert "qwen2.5-coder" in families(query_library(entries, LibraryQuery(text="programowanie")))


def test_task_capability_and_openness_filters(entries: tuple[LibraryEntry, ...]) -> None:
    coding = query_library(entries, LibraryQuery(task=Task.CODING))
    assert "qwen2.5-coder" in families(coding)
    assert all(Task.CODING in row.tasks for row in coding)

    vision = families(query_library(entries, LibraryQuery(capability=Capability.VISION)))
    assert vision == {"gemma3", "llama3.2-vision", "mistral-small3.2"}

    search = families(query_library(entries, LibraryQuery(task=Task.DOCUMENT_SEARCH)))
    assert {"nomic-embed-text", "bge-m3", "embeddinggemma"} <= search

    assert families(query_library(entries, LibraryQuery(fully_open_only=True))) == {"olmo2"}


def test_commercial_filter_hides_non_commercial_licences(
    entries: tuple[LibraryEntry, ...],
) -> None:
    everything = set(names(query_library(entries, LibraryQuery())))
    commercial = set(names(query_library(entries, LibraryQuery(commercial_only=True))))
    assert everything - commercial == {
        "qwen2.5-coder:3b",
        "SpeakLeash/bielik-7b-instruct-v0.1-gguf",
    }


def test_language_filter_respects_the_minimum_level(entries: tuple[LibraryEntry, ...]) -> None:
    official_sl = query_library(
        entries, LibraryQuery(language="sl", min_language_level=LanguageLevel.OFFICIAL)
    )
    assert families(official_sl) == {"qwen3", "eurollm"}
    good_sl = families(query_library(entries, LibraryQuery(language="sl")))
    assert {"qwen3", "eurollm", "gemma3", "bge-m3"} <= good_sl
    native_pl = query_library(
        entries, LibraryQuery(language="pl-PL", min_language_level=LanguageLevel.NATIVE)
    )
    assert families(native_pl) == {"bielik", "pllum"}


def test_fits_filter_depends_on_the_computer(catalog: Catalog) -> None:
    small = build_library(catalog, [], LAPTOP_8)
    fitting = query_library(small, LibraryQuery(fits_only=True))
    assert "llama3.3:70b" not in names(fitting)
    assert "llama3.2:3b" in names(fitting)
    assert all(row.fit.verdict is not FitVerdict.WILL_NOT_FIT for row in fitting)
    big = build_library(catalog, [], Hardware.simulated(128, gpu_gib=96))
    assert "llama3.3:70b" in names(query_library(big, LibraryQuery(fits_only=True)))


def test_legacy_can_be_hidden(entries: tuple[LibraryEntry, ...]) -> None:
    shown = names(query_library(entries, LibraryQuery(include_legacy=False)))
    assert "llama2:7b" not in shown
    assert "llama3.1:8b" in shown


def test_filters_combine(entries: tuple[LibraryEntry, ...]) -> None:
    rows = query_library(
        entries,
        LibraryQuery(text="alibaba", task=Task.REASONING, fits_only=True, commercial_only=True),
    )
    assert rows and families(rows) == {"qwen3"}
    assert all(row.fit.verdict is not FitVerdict.WILL_NOT_FIT for row in rows)


def test_sort_by_size_newest_and_name(entries: tuple[LibraryEntry, ...]) -> None:
    by_size = query_library(entries, LibraryQuery(sort=SortOrder.SIZE))
    sizes = [row.download_size_bytes for row in by_size]
    assert sizes == sorted(sizes)
    assert by_size[0].display_name == "nomic-embed-text"  # 274 MB

    newest = query_library(entries, LibraryQuery(sort=SortOrder.NEWEST))
    dates = [row.released_key for row in newest]
    assert dates == sorted(dates, reverse=True)
    assert newest[-1].display_name == "llama2:7b"  # the oldest, July 2023

    by_name = names(query_library(entries, LibraryQuery(sort=SortOrder.NAME)))
    assert by_name == sorted(by_name, key=str.casefold)


def test_sort_back_to_recommended_restores_the_order(entries: tuple[LibraryEntry, ...]) -> None:
    shuffled = sort_entries(entries, SortOrder.NAME)
    assert sort_entries(shuffled, SortOrder.RECOMMENDED) == list(entries)
    assert query_library(shuffled, LibraryQuery()) == list(entries)


def test_filter_keeps_input_order(entries: tuple[LibraryEntry, ...]) -> None:
    rows = filter_entries(reversed(entries), LibraryQuery(text="qwen3"))
    ranks = [row.recommend_rank for row in rows]
    assert ranks == sorted(ranks, reverse=True)
