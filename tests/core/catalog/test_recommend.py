""" "Recommended for you": by this computer's memory and the interface language."""

from __future__ import annotations

from confide.core.catalog import (
    Catalog,
    CommercialUse,
    InstalledModel,
    LanguageLevel,
    LibraryEntry,
    Task,
    build_library,
    recommended_picks,
)
from confide.core.hardware import GB, FitVerdict, Hardware

LAPTOP_8 = Hardware.simulated(8)
LAPTOP_16 = Hardware.simulated(16)
DESKTOP_32_NVIDIA_12 = Hardware.simulated(32, gpu_gib=12)
APPLE_16 = Hardware.simulated(16, apple_silicon=True)


def top(catalog: Catalog, ui: str, hardware: Hardware, limit: int = 3) -> list[LibraryEntry]:
    return recommended_picks(build_library(catalog, [], hardware, ui), limit)


def family_ids(entries: list[LibraryEntry]) -> list[str]:
    return [entry.family.id if entry.family else entry.key for entry in entries]


def test_polish_interface_puts_bielik_first(catalog: Catalog) -> None:
    for hardware in (LAPTOP_8, LAPTOP_16, DESKTOP_32_NVIDIA_12, APPLE_16):
        picks = top(catalog, "pl", hardware)
        assert family_ids(picks)[0] == "bielik", hardware
        assert picks[0].fit.verdict is FitVerdict.RUNS_WELL


def test_english_interface_does_not(catalog: Catalog) -> None:
    picks = top(catalog, "en", LAPTOP_16)
    assert "bielik" not in family_ids(picks)
    for pick in picks:
        assert pick.language_level("en") is LanguageLevel.OFFICIAL
        assert pick.fit.verdict is FitVerdict.RUNS_WELL


def test_slovenian_bulgarian_romanian_get_models_that_speak_them(catalog: Catalog) -> None:
    for ui in ("sl", "bg", "ro"):
        picks = top(catalog, ui, LAPTOP_16)
        assert picks[0].language_level(ui) in (LanguageLevel.NATIVE, LanguageLevel.OFFICIAL)
        assert all(p.language_level(ui) is not LanguageLevel.NONE for p in picks)
    assert family_ids(top(catalog, "bg", LAPTOP_16))[0] == "bggpt"
    assert family_ids(top(catalog, "sl", LAPTOP_16))[0] in {"qwen3", "eurollm"}


def test_a_bigger_computer_gets_a_bigger_model(catalog: Catalog) -> None:
    small = top(catalog, "pl", LAPTOP_8)[0]
    big = top(catalog, "pl", DESKTOP_32_NVIDIA_12)[0]
    assert small.parameters_b is not None and big.parameters_b is not None
    assert big.parameters_b > small.parameters_b
    assert big.display_name == "SpeakLeash/bielik-11b-v2.3-instruct:Q4_K_M"


def test_picks_are_one_per_family_and_general_purpose(catalog: Catalog) -> None:
    picks = top(catalog, "en", DESKTOP_32_NVIDIA_12, limit=8)
    ids = family_ids(picks)
    assert len(ids) == len(set(ids)) == 8
    for pick in picks:
        assert Task.GENERAL_CHAT in pick.tasks
        assert pick.commercial_use is not CommercialUse.NO
        assert not pick.legacy
        assert pick.fit.verdict is not FitVerdict.WILL_NOT_FIT


def test_full_order_puts_fitting_general_models_first(catalog: Catalog) -> None:
    entries = build_library(catalog, [], LAPTOP_8, "en")
    verdicts = [entry.fit.verdict.rank for entry in entries]
    assert verdicts == sorted(verdicts)
    first_specialised = next(i for i, e in enumerate(entries) if Task.GENERAL_CHAT not in e.tasks)
    assert all(
        Task.GENERAL_CHAT in e.tasks
        for e in entries[:first_specialised]
        if e.fit.verdict is FitVerdict.RUNS_WELL
    )
    # Non-commercial and legacy entries come after every general model that runs as well.
    coder_3b = next(e for e in entries if e.display_name == "qwen2.5-coder:3b")
    llama_3b = next(e for e in entries if e.display_name == "llama3.2:3b")
    assert coder_3b.recommend_rank > llama_3b.recommend_rank


def test_installed_models_get_a_nudge(catalog: Catalog) -> None:
    before = build_library(catalog, [], LAPTOP_16, "en")
    rank = {e.display_name: e.recommend_rank for e in before}
    model = InstalledModel(name="mistral:latest", size_bytes=round(4.4 * GB))
    after = build_library(catalog, [model], LAPTOP_16, "en")
    new_rank = {e.display_name: e.recommend_rank for e in after}
    assert new_rank["mistral:7b"] < rank["mistral:7b"]
