"""Shared fixtures: the real catalog shipped in resources/, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from confide.core.catalog import Catalog, load_catalog

CATALOG_DIR = Path(__file__).resolve().parents[3] / "resources" / "catalog"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(CATALOG_DIR)
