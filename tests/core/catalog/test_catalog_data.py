"""The shipped catalog data: schema, sources, names, coverage and the memory rule."""

from __future__ import annotations

import json
from collections import Counter

import jsonschema
import pytest

from confide.core.catalog import (
    UI_LANGUAGES,
    Capability,
    Catalog,
    CommercialUse,
    LanguageLevel,
    Task,
    Tier,
    texts_to_translate,
)
from confide.core.catalog.loader import CATALOG_FILE, SCHEMA_FILE
from confide.core.hardware import GB, MEMORY_RULE_TEXT, memory_needed_bytes
from confide.core.ollama.names import parse_model_name

from .conftest import CATALOG_DIR


def test_catalog_matches_its_json_schema() -> None:
    schema = json.loads((CATALOG_DIR / SCHEMA_FILE).read_text(encoding="utf-8"))
    data = json.loads((CATALOG_DIR / CATALOG_FILE).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: e.json_path
    )
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors[:20])


def test_schema_rejects_a_broken_entry() -> None:
    """The schema really constrains the data (a schema of {} would pass anything)."""
    schema = json.loads((CATALOG_DIR / SCHEMA_FILE).read_text(encoding="utf-8"))
    data = json.loads((CATALOG_DIR / CATALOG_FILE).read_text(encoding="utf-8"))
    variant = data["families"][0]["variants"][0]
    variant["languages"] = {"levels": {"pl": "fluent"}, "official": []}
    del variant["memory_needed_gb"]
    assert len(list(jsonschema.Draft202012Validator(schema).iter_errors(data))) >= 2


REQUIRED_FAMILIES = {
    "llama3.1",
    "llama3.2",
    "llama3.3",
    "llama3.2-vision",
    "llama2",
    "mistral",
    "mixtral",
    "mistral-nemo",
    "mistral-small",
    "gemma3",
    "qwen3",
    "qwen2.5-coder",
    "phi4",
    "phi4-mini",
    "falcon3",
    "olmo2",
    "deepseek-r1",
    "gpt-oss",
    "granite3.3",
    "bielik",
    "biomistral",
    "openmath-mistral",
    "nomic-embed-text",
    "bge-m3",
    "embeddinggemma",
}


def test_every_required_family_is_present(catalog: Catalog) -> None:
    assert {family.id for family in catalog.families} >= REQUIRED_FAMILIES


def test_required_sizes_are_present(catalog: Catalog) -> None:
    names = {variant.pull_name for variant in catalog.variants}
    assert {"gemma3:270m", "gemma3:1b", "gemma3:4b", "gemma3:12b", "gemma3:27b"} <= names
    assert "gpt-oss:20b" in names
    assert catalog.family("llama2").legacy
    assert catalog.family("biomistral").community
    assert catalog.family("openmath-mistral").community


def test_every_entry_has_a_source(catalog: Catalog) -> None:
    for family in catalog.families:
        for variant in family.variants:
            assert variant.source_url.startswith("https://"), variant.pull_name
            assert variant.source_refs, variant.pull_name
            for ref in variant.source_refs:
                assert ref in catalog.sources, (variant.pull_name, ref)


def test_every_name_passes_the_grammar_and_is_unique(catalog: Catalog) -> None:
    keys: list[str] = []
    for variant in catalog.variants:
        for name in variant.all_names:
            keys.append(parse_model_name(name).comparison_key())
    duplicates = [key for key, count in Counter(keys).items() if count > 1]
    assert not duplicates


def test_unverified_names_explain_themselves(catalog: Catalog) -> None:
    for variant in catalog.variants:
        if not variant.verified:
            assert variant.note, variant.pull_name


def test_memory_needed_follows_the_rule(catalog: Catalog) -> None:
    assert catalog.memory_rule == MEMORY_RULE_TEXT
    for variant in catalog.variants:
        expected = memory_needed_bytes(variant.download_size_bytes, variant.active_parameters_b)
        assert abs(variant.memory_needed_bytes - expected) < 0.005 * GB, (
            f"{variant.pull_name}: memory_needed_gb should be {expected / GB:.3f}"
        )


def test_tiers_are_unique_and_every_family_has_one(catalog: Catalog) -> None:
    for family in catalog.families:
        tiers = [variant.tier for variant in family.variants if variant.tier is not None]
        assert tiers, family.id
        assert len(tiers) == len(set(tiers)), family.id
    qwen3 = catalog.family("qwen3")
    assert {tier: qwen3.variant_for_tier(tier) is not None for tier in Tier} == dict.fromkeys(
        Tier, True
    )


def test_text_ids_are_unique(catalog: Catalog) -> None:
    texts = texts_to_translate(catalog)
    ids = [text.id for text in texts]
    assert len(ids) == len(set(ids))
    # Every variant's description is translatable, plus families and licences.
    assert len(texts) >= len(catalog.variants) + len(catalog.families) + len(catalog.licenses)
    by_text: dict[str, set[str]] = {}
    for text in texts:
        by_text.setdefault(text.id, set()).add(text.text)
    assert all(len(values) == 1 for values in by_text.values())


def test_language_levels_for_every_ui_language(catalog: Catalog) -> None:
    for variant in catalog.variants:
        for code in UI_LANGUAGES:
            assert isinstance(variant.languages.level(code), LanguageLevel)
    # Spot checks against the research notes.
    assert catalog.family("bielik").languages.level("pl") is LanguageLevel.NATIVE
    assert catalog.family("qwen3").languages.level("sl") is LanguageLevel.OFFICIAL
    assert catalog.family("mistral-small").languages.level("pl") is LanguageLevel.OFFICIAL
    assert catalog.family("llama3.1").languages.level("pl") is LanguageLevel.LIMITED
    gemma_1b = catalog.find_variant("gemma3:1b")
    assert gemma_1b is not None and gemma_1b.languages.level("pl") is LanguageLevel.NONE


def test_licence_facts(catalog: Catalog) -> None:
    coder_3b = catalog.find_variant("qwen2.5-coder:3b")
    assert coder_3b is not None and coder_3b.license.commercial_use is CommercialUse.NO
    coder_7b = catalog.find_variant("qwen2.5-coder:7b")
    assert coder_7b is not None and coder_7b.license.commercial_use is CommercialUse.YES
    vision = catalog.find_variant("llama3.2-vision:11b")
    assert vision is not None and vision.caution is not None
    assert "European Union" in vision.license.summary.text


def test_openness_only_olmo_is_fully_open(catalog: Catalog) -> None:
    fully_open = {family.id for family in catalog.families if family.openness.is_fully_open}
    assert fully_open == {"olmo2"}


def test_capabilities_and_tasks(catalog: Catalog) -> None:
    for variant in catalog.variants:
        if variant.is_embedding_only:
            assert variant.tasks == {Task.DOCUMENT_SEARCH}, variant.pull_name
        else:
            assert Capability.CHAT in variant.capabilities, variant.pull_name
    gpt_oss = catalog.find_variant("gpt-oss:20b")
    assert gpt_oss is not None and gpt_oss.is_mixture_of_experts
    assert Capability.THINKING in gpt_oss.capabilities


@pytest.mark.parametrize(
    "alias",
    [
        "llama3.1:latest",
        "qwen3",
        "QWEN3:LATEST",
        "registry.ollama.ai/library/qwen3:8b",
        "hf.co/speakleash/Bielik-11B-v2.3-Instruct-GGUF:q4_k_m",
    ],
)
def test_aliases_resolve(catalog: Catalog, alias: str) -> None:
    variant = catalog.find_variant(alias)
    assert variant is not None
    assert variant.pull_name in {
        "llama3.1:8b",
        "qwen3:8b",
        "SpeakLeash/bielik-11b-v2.3-instruct:Q4_K_M",
    }


def test_find_variant_with_unknown_or_invalid_names(catalog: Catalog) -> None:
    assert catalog.find_variant("no-such-model") is None
    assert catalog.find_variant("not a name") is None
