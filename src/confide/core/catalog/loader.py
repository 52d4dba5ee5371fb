"""Read ``catalog.json`` into :mod:`confide.core.catalog.model` records.

The loader checks everything it relies on and names the exact place of a mistake
(``families[3].variants[1].pull_name``), so a bad edit to the data fails loudly in tests
instead of showing a half-empty picker. The JSON Schema beside the data documents the same
shape for editors; it is checked by the test suite, so the app itself needs no schema
library at run time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

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
)
from confide.core.hardware import GB
from confide.core.ollama.names import InvalidModelName, parse_model_name

CATALOG_FILE = "catalog.json"
SCHEMA_FILE = "catalog.schema.json"
SUPPORTED_SCHEMA_VERSION = 1

_E = TypeVar("_E", bound=Enum)
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class CatalogError(ValueError):
    """The catalog data is missing or malformed; the message says where."""


def catalog_file(path: Path) -> Path:
    """Accept the catalog folder or the JSON file itself."""
    return path / CATALOG_FILE if path.is_dir() else path


def load_catalog(path: Path) -> Catalog:
    """Load and check the catalog from ``path`` (the resources folder or the file)."""
    file = catalog_file(Path(path))
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"cannot read the model catalog at {file}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise CatalogError(f"the model catalog at {file} is not valid JSON: {exc}") from exc
    return parse_catalog(raw)


def parse_catalog(raw: Any) -> Catalog:
    root = _Node(raw, "catalog")
    version = root.whole("schema_version")
    if version != SUPPORTED_SCHEMA_VERSION:
        raise CatalogError(
            f"catalog.schema_version is {version}; this version of Confide reads "
            f"{SUPPORTED_SCHEMA_VERSION}"
        )
    sources = {
        key: Source(id=key, title=node.string("title"), url=node.opt_string("url"))
        for key, node in root.child("sources").items()
    }
    licenses = {key: _license(key, node) for key, node in root.child("licenses").items()}
    context = _Context(sources=sources, licenses=licenses)
    families = tuple(_family(node, context) for node in root.child("families").elements())

    by_family: dict[str, Family] = {}
    by_name: dict[str, Variant] = {}
    for family in families:
        if family.id in by_family:
            raise CatalogError(f"family id {family.id!r} is used twice")
        by_family[family.id] = family
        for variant in family.variants:
            for name in variant.all_names:
                key = parse_model_name(name).comparison_key()
                if key in by_name:
                    raise CatalogError(f"model name {name!r} appears twice in the catalog")
                by_name[key] = variant
    return Catalog(
        schema_version=version,
        facts_as_of=root.string("facts_as_of"),
        memory_rule=root.string("memory_rule"),
        families=families,
        licenses=licenses,
        sources=sources,
        _by_family=by_family,
        _by_name=by_name,
    )


class _Context:
    def __init__(self, sources: Mapping[str, Source], licenses: Mapping[str, License]) -> None:
        self.sources = sources
        self.licenses = licenses

    def license(self, node: _Node, key: str) -> License:
        license_id = node.string(key)
        try:
            return self.licenses[license_id]
        except KeyError:
            raise node.error(f"{key}: unknown licence id {license_id!r}") from None

    def source_refs(self, node: _Node) -> tuple[str, ...]:
        refs = tuple(node.strings("sources"))
        for ref in refs:
            if ref not in self.sources:
                raise node.error(f"sources: unknown source id {ref!r}")
        return refs


def _license(key: str, node: _Node) -> License:
    return License(
        id=key,
        name=node.string("name"),
        url=node.url("url"),
        commercial_use=node.enum("commercial_use", CommercialUse),
        summary=_text(node.child("summary")),
        verified=node.flag("verified"),
    )


def _text(node: _Node) -> Text:
    return Text(id=node.string("id"), text=node.string("text"))


def _opt_text(node: _Node, key: str) -> Text | None:
    return _text(node.child(key)) if node.has(key) else None


def _languages(node: _Node) -> Languages:
    levels_node = node.child("levels")
    levels = {code: levels_node.enum(code, LanguageLevel) for code in UI_LANGUAGES}
    extra = set(levels_node.keys()) - set(UI_LANGUAGES)
    if extra:
        raise levels_node.error(f"unexpected language codes {sorted(extra)}")
    return Languages(
        levels=levels,
        official=tuple(node.strings("official")),
        note=node.opt_string("note") or "",
    )


def _openness(node: _Node) -> Openness:
    return Openness(
        weights=node.enum("weights", OpennessLevel),
        training_data=node.enum("training_data", OpennessLevel),
        training_code=node.enum("training_code", OpennessLevel),
        evaluation_code=node.enum("evaluation_code", OpennessLevel),
        training_logs=node.enum("training_logs", OpennessLevel),
    )


def _release_date(node: _Node, key: str) -> ReleaseDate:
    text = node.string(key)
    match = _DATE_RE.fullmatch(text)
    if not match:
        raise node.error(f"{key}: {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None  # the pattern always captures the year
    bad_month = month is not None and not 1 <= month <= 12
    bad_day = day is not None and not 1 <= day <= 31
    if bad_month or bad_day:
        raise node.error(f"{key}: {text!r} is not a real date")
    return ReleaseDate(text=text, year=year, month=month, day=day)


def _family(node: _Node, context: _Context) -> Family:
    family = Family(
        id=node.string("id"),
        name=node.string("name"),
        maker=node.string("maker"),
        description=_text(node.child("description")),
        community=node.flag("community"),
        legacy=node.flag("legacy"),
        based_on=node.opt_string("based_on"),
        released=_release_date(node, "released"),
        license=context.license(node, "license"),
        languages=_languages(node.child("languages")),
        openness=_openness(node.child("openness")),
        tasks=frozenset(node.enum_list("tasks", Task)),
        capabilities=frozenset(node.enum_list("capabilities", Capability)),
        featured_for=frozenset(node.strings("featured_for", optional=True)),
        caution=_opt_text(node, "caution"),
        source_url=node.url("source_url"),
        source_refs=context.source_refs(node),
    )
    variant_nodes = node.child("variants").elements()
    variants = tuple(_variant(variant_node, family, context) for variant_node in variant_nodes)
    if not variants:
        raise node.error("a family needs at least one variant")
    return replace(family, variants=variants)


def _variant(node: _Node, family: Family, context: _Context) -> Variant:
    """One variant; anything it leaves out is taken from its family."""
    pull_name = node.model_name("pull_name")
    parameters = node.number("parameters_b")
    return Variant(
        family_id=family.id,
        pull_name=pull_name,
        name=parse_model_name(pull_name),
        label=node.string("label"),
        tier=node.opt_enum("tier", Tier),
        parameters_b=parameters,
        active_parameters_b=node.opt_number("active_parameters_b") or parameters,
        quantization=node.string("quantization"),
        download_size_bytes=round(node.number("download_size_gb") * GB),
        memory_needed_bytes=round(node.number("memory_needed_gb") * GB),
        context_length=node.opt_whole("context_length"),
        context_length_ollama=node.opt_whole("context_length_ollama"),
        released=_release_date(node, "released") if node.has("released") else family.released,
        capabilities=frozenset(node.enum_list("capabilities", Capability))
        if node.has("capabilities")
        else family.capabilities,
        tasks=frozenset(node.enum_list("tasks", Task)) if node.has("tasks") else family.tasks,
        license=context.license(node, "license") if node.has("license") else family.license,
        languages=_languages(node.child("languages"))
        if node.has("languages")
        else family.languages,
        description=_text(node.child("description")),
        caution=_opt_text(node, "caution") or family.caution,
        legacy=node.opt_flag("legacy", default=family.legacy),
        community=family.community,
        verified=node.opt_flag("verified", default=True),
        unverified_fields=frozenset(node.strings("unverified", optional=True)),
        note=node.opt_string("note") or "",
        source_url=node.url("source_url") if node.has("source_url") else family.source_url,
        source_refs=context.source_refs(node) if node.has("sources") else family.source_refs,
        aliases=tuple(node.model_name_list("aliases", optional=True)),
        alternative_pull_names=tuple(node.model_name_list("alternative_pull_names", optional=True)),
    )


class _Node:
    """A JSON value plus its path, with typed getters that fail with that path."""

    def __init__(self, value: Any, path: str) -> None:
        self.value = value
        self.path = path

    def error(self, message: str) -> CatalogError:
        return CatalogError(f"{self.path}: {message}")

    def _object(self) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            raise self.error("expected an object")
        return self.value

    def has(self, key: str) -> bool:
        return self._object().get(key) is not None

    def keys(self) -> list[str]:
        return list(self._object())

    def _get(self, key: str) -> Any:
        obj = self._object()
        if obj.get(key) is None:
            raise self.error(f"{key} is missing")
        return obj[key]

    def child(self, key: str) -> _Node:
        return _Node(self._get(key), f"{self.path}.{key}")

    def items(self) -> list[tuple[str, _Node]]:
        return [(key, _Node(value, f"{self.path}.{key}")) for key, value in self._object().items()]

    def elements(self) -> list[_Node]:
        if not isinstance(self.value, list):
            raise self.error("expected a list")
        return [_Node(item, f"{self.path}[{index}]") for index, item in enumerate(self.value)]

    def string(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{key} must be a non-empty string")
        return value

    def opt_string(self, key: str) -> str | None:
        return self.string(key) if self.has(key) else None

    def url(self, key: str) -> str:
        value = self.string(key)
        if not value.startswith("https://"):
            raise self.error(f"{key} must be an https:// link")
        return value

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise self.error(f"{key} must be true or false")
        return value

    def opt_flag(self, key: str, default: bool) -> bool:
        return self.flag(key) if self.has(key) else default

    def number(self, key: str) -> float:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.error(f"{key} must be a positive number")
        return float(value)

    def opt_number(self, key: str) -> float | None:
        return self.number(key) if self.has(key) else None

    def whole(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.error(f"{key} must be a positive whole number")
        return value

    def opt_whole(self, key: str) -> int | None:
        return self.whole(key) if self.has(key) else None

    def strings(self, key: str, *, optional: bool = False) -> list[str]:
        if optional and not self.has(key):
            return []
        values = self._get(key)
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise self.error(f"{key} must be a list of strings")
        return values

    def enum(self, key: str, kind: type[_E]) -> _E:
        value = self.string(key)
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise self.error(f"{key}: {value!r} is not one of {allowed}") from None

    def opt_enum(self, key: str, kind: type[_E]) -> _E | None:
        return self.enum(key, kind) if self.has(key) else None

    def enum_list(self, key: str, kind: type[_E]) -> list[_E]:
        values = self.strings(key)
        out: list[_E] = []
        for value in values:
            try:
                out.append(kind(value))
            except ValueError:
                allowed = ", ".join(member.value for member in kind)
                raise self.error(f"{key}: {value!r} is not one of {allowed}") from None
        return out

    def model_name(self, key: str) -> str:
        value = self.string(key)
        try:
            parse_model_name(value)
        except InvalidModelName as exc:
            raise self.error(f"{key}: {value!r} is not a valid model name: {exc.reason}") from None
        return value

    def model_name_list(self, key: str, *, optional: bool = False) -> list[str]:
        names = self.strings(key, optional=optional)
        for name in names:
            try:
                parse_model_name(name)
            except InvalidModelName as exc:
                message = f"{key}: {name!r} is not a valid model name: {exc.reason}"
                raise self.error(message) from None
        return names
