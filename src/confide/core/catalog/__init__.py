"""The curated model catalog (data in resources/catalog/) merged with installed models.

Typical use, off the GUI thread::

    catalog = load_catalog(resource_path("catalog/catalog.json"))
    hardware = probe_hardware()
    entries = build_library(catalog, installed, hardware, ui_language="pl", translate=tr)

and then, on every keystroke, the cheap part::

    rows = query_library(entries, LibraryQuery(text="bielik", fits_only=True))
"""

from __future__ import annotations

from confide.core.catalog.installed import InstalledModel, parse_parameter_size
from confide.core.catalog.labels import (
    CAPABILITY_LABELS,
    COMMERCIAL_USE_LABELS,
    LANGUAGE_LEVEL_LABELS,
    LANGUAGE_NAMES,
    TASK_LABELS,
    TIER_LABELS,
)
from confide.core.catalog.library import LibraryEntry, Origin, build_library
from confide.core.catalog.loader import CatalogError, load_catalog, parse_catalog
from confide.core.catalog.model import (
    UI_LANGUAGES,
    Capability,
    Catalog,
    CommercialUse,
    Family,
    LanguageLevel,
    Languages,
    License,
    Openness,
    OpennessLevel,
    ReleaseDate,
    Source,
    Task,
    Text,
    Tier,
    Variant,
    texts_to_translate,
)
from confide.core.catalog.search import (
    LibraryQuery,
    SortOrder,
    filter_entries,
    query_library,
    recommended_picks,
    sort_entries,
)

__all__ = [
    "CAPABILITY_LABELS",
    "COMMERCIAL_USE_LABELS",
    "LANGUAGE_LEVEL_LABELS",
    "LANGUAGE_NAMES",
    "TASK_LABELS",
    "TIER_LABELS",
    "UI_LANGUAGES",
    "Capability",
    "Catalog",
    "CatalogError",
    "CommercialUse",
    "Family",
    "InstalledModel",
    "LanguageLevel",
    "Languages",
    "LibraryEntry",
    "LibraryQuery",
    "License",
    "Openness",
    "OpennessLevel",
    "Origin",
    "ReleaseDate",
    "SortOrder",
    "Source",
    "Task",
    "Text",
    "Tier",
    "Variant",
    "build_library",
    "filter_entries",
    "load_catalog",
    "parse_catalog",
    "parse_parameter_size",
    "query_library",
    "recommended_picks",
    "sort_entries",
    "texts_to_translate",
]
