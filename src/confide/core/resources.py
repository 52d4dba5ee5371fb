"""Finds the bundled ``resources/`` folder (icons, catalog, translations, styles).

There is exactly one lookup, and it works the same way in an editable install (the
folder sits at the repository top level), an installed wheel (hatch copies it to
``confide/resources``) and a frozen bundle (the spec collects it to the same place).
"""

from __future__ import annotations

from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path


class ResourceNotFound(FileNotFoundError):
    pass


@cache
def resources_root() -> Path:
    packaged = Path(str(importlib_resources.files("confide"))) / "resources"
    if packaged.is_dir():
        return packaged
    # Editable install / source checkout: src/confide/ -> repository root.
    source_tree = Path(__file__).resolve().parents[3] / "resources"
    if source_tree.is_dir():
        return source_tree
    raise ResourceNotFound(f"Confide's resources folder is missing (looked in {packaged})")


def resource_path(relative: str) -> Path:
    """Path of a bundled resource, e.g. ``resource_path("styles/confide.qss")``."""
    path = resources_root() / relative
    if not path.exists():
        raise ResourceNotFound(f"bundled resource not found: {relative}")
    return path
