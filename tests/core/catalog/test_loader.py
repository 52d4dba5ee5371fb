"""The loader: accepts a folder or a file, and names the place of every mistake."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from confide.core.catalog import CatalogError, load_catalog, parse_catalog
from confide.core.catalog.loader import CATALOG_FILE

from .conftest import CATALOG_DIR


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CATALOG_DIR / CATALOG_FILE).read_text(encoding="utf-8"))
    return data


def test_loads_from_the_folder_or_the_file() -> None:
    from_folder = load_catalog(CATALOG_DIR)
    from_file = load_catalog(CATALOG_DIR / CATALOG_FILE)
    assert [f.id for f in from_folder.families] == [f.id for f in from_file.families]


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path)
    bad = tmp_path / CATALOG_FILE
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_catalog(tmp_path)


def broken(raw: dict[str, Any], change: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    change(data)
    return data


def first_variant(data: dict[str, Any]) -> dict[str, Any]:
    variant: dict[str, Any] = data["families"][0]["variants"][0]
    return variant


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema_version=2), "schema_version is 2"),
        (
            lambda d: first_variant(d).update(pull_name="bad name"),
            r"families\[0\]\.variants\[0\]: pull_name: 'bad name' is not a valid model name",
        ),
        (
            lambda d: first_variant(d).update(aliases=["x y"]),
            r"variants\[0\]: aliases: 'x y' is not a valid model name",
        ),
        (lambda d: d["families"][0].update(license="nope"), "unknown licence id 'nope'"),
        (lambda d: d["families"][0].update(sources=["S999"]), "unknown source id 'S999'"),
        (lambda d: first_variant(d).update(tier="huge"), "tier: 'huge' is not one of"),
        (lambda d: first_variant(d).pop("download_size_gb"), "download_size_gb is missing"),
        (lambda d: first_variant(d).update(parameters_b=-1), "positive number"),
        (lambda d: d["families"][0].update(released="2024-13"), "not a real date"),
        (lambda d: d["families"][0].update(released="July 2024"), "YYYY"),
        (lambda d: d["families"][0].update(source_url="http://x"), "https://"),
        (lambda d: d["families"][0].update(variants=[]), "at least one variant"),
        (
            lambda d: d["families"][0]["languages"]["levels"].update(de="good"),
            "unexpected language codes",
        ),
        (
            lambda d: d["families"][1].update(id=d["families"][0]["id"]),
            "is used twice",
        ),
        (
            lambda d: d["families"][1]["variants"][0].update(
                pull_name=d["families"][0]["variants"][0]["pull_name"]
            ),
            "appears twice",
        ),
    ],
)
def test_errors_name_the_place(raw: dict[str, Any], change: Any, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_catalog(broken(raw, change))


def test_variants_inherit_from_their_family(raw: dict[str, Any]) -> None:
    catalog = parse_catalog(raw)
    family = catalog.family("gemma3")
    four_b = catalog.find_variant("gemma3:4b")
    one_b = catalog.find_variant("gemma3:1b")
    assert four_b is not None and one_b is not None
    assert four_b.license is family.license
    assert four_b.languages is family.languages
    assert four_b.capabilities == family.capabilities
    assert one_b.languages is not family.languages  # the 1B overrides: English only
    assert catalog.family_of(four_b) is family
