"""The catalog's vocabulary: plain, immutable records built by the loader.

Every value here is *resolved*: a variant carries its own licence, languages, tasks and
capabilities even where the JSON only gave them on the family, so the UI never has to know
about inheritance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from confide.core.ollama.names import InvalidModelName, ModelName, parse_model_name

#: The languages Confide's interface ships in; every catalog entry rates each of them.
UI_LANGUAGES = ("en", "pl", "sl", "bg", "ro")


def language_code(locale_name: str) -> str:
    """'pl-PL', 'pl_PL' or 'PL' -> 'pl': the catalog rates languages, not regions."""
    return locale_name.lower().replace("_", "-").split("-")[0]


class Capability(str, Enum):
    CHAT = "chat"
    VISION = "vision"
    TOOLS = "tools"
    THINKING = "thinking"
    EMBEDDING = "embedding"
    CODE = "code"


class Task(str, Enum):
    GENERAL_CHAT = "general_chat"
    SUMMARISING = "summarising"
    DOCUMENT_ANALYSIS = "document_analysis"  # shown as "Document and legal analysis"
    TRANSLATION = "translation"
    CODING = "coding"
    MATHS = "maths"
    MEDICAL = "medical"
    REASONING = "reasoning"
    DOCUMENT_SEARCH = "document_search"  # embedding models, for searching your own files


class LanguageLevel(str, Enum):
    """How well a model handles a language, judged from what its maker publishes.

    NATIVE: built first of all for this language (Bielik for Polish).
    OFFICIAL: the maker names the language as supported.
    GOOD: not named one by one, but covered by a broad claim ("140+ languages") or by a
          close sibling's official list.
    LIMITED: not listed; it may work partly. "Not listed" is not "cannot".
    NONE: the maker says the model is for other languages (e.g. "English only").
    """

    NATIVE = "native"
    OFFICIAL = "official"
    GOOD = "good"
    LIMITED = "limited"
    NONE = "none"

    @property
    def rank(self) -> int:
        """Higher is better; 4 for NATIVE down to 0 for NONE."""
        return _LEVEL_RANK[self]


_LEVEL_RANK = {
    LanguageLevel.NATIVE: 4,
    LanguageLevel.OFFICIAL: 3,
    LanguageLevel.GOOD: 2,
    LanguageLevel.LIMITED: 1,
    LanguageLevel.NONE: 0,
}


class CommercialUse(str, Enum):
    YES = "yes"
    NO = "no"
    CONDITIONS = "conditions"  # allowed, but the licence sets terms to follow


class OpennessLevel(str, Enum):
    YES = "yes"
    PARTIAL = "partial"
    NO = "no"
    UNKNOWN = "unknown"


class Tier(str, Enum):
    """The plain-words size choice within a family."""

    SMALLEST = "smallest"
    STANDARD = "standard"
    HIGH_QUALITY = "high_quality"


@dataclass(frozen=True)
class Text:
    """A user-visible English string with a stable id, for Qt translation."""

    id: str
    text: str


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str | None


@dataclass(frozen=True)
class License:
    id: str
    name: str
    url: str
    commercial_use: CommercialUse
    summary: Text
    verified: bool


@dataclass(frozen=True)
class Languages:
    levels: Mapping[str, LanguageLevel]
    official: tuple[str, ...]
    note: str

    def level(self, code: str) -> LanguageLevel:
        """The rating for a language code; unrated languages fall back to the official list."""
        code = language_code(code)
        if code in self.levels:
            return self.levels[code]
        return LanguageLevel.OFFICIAL if code in self.official else LanguageLevel.LIMITED


@dataclass(frozen=True)
class Openness:
    """The classic openness criteria; OLMo is the example that meets all of them."""

    weights: OpennessLevel
    training_data: OpennessLevel
    training_code: OpennessLevel
    evaluation_code: OpennessLevel
    training_logs: OpennessLevel

    @property
    def is_fully_open(self) -> bool:
        return all(
            level is OpennessLevel.YES
            for level in (
                self.weights,
                self.training_data,
                self.training_code,
                self.evaluation_code,
                self.training_logs,
            )
        )


@dataclass(frozen=True)
class ReleaseDate:
    """A date as precise as the sources allow: ``2024``, ``2024-07`` or ``2024-07-23``."""

    text: str
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def sort_key(self) -> int:
        """YYYYMMDD with unknown parts as 00, so a known day sorts after an unknown one."""
        return self.year * 10000 + (self.month or 0) * 100 + (self.day or 0)

    @property
    def fractional_year(self) -> float:
        return self.year + ((self.month or 6) - 1) / 12


@dataclass(frozen=True)
class Variant:
    """One pullable size of a family."""

    family_id: str
    pull_name: str
    name: ModelName
    label: str
    tier: Tier | None
    parameters_b: float
    #: What runs per token; equal to ``parameters_b`` except for mixture-of-experts models.
    active_parameters_b: float
    quantization: str
    download_size_bytes: int
    memory_needed_bytes: int
    context_length: int | None
    context_length_ollama: int | None
    released: ReleaseDate
    capabilities: frozenset[Capability]
    tasks: frozenset[Task]
    license: License
    languages: Languages
    description: Text
    caution: Text | None
    legacy: bool
    community: bool
    #: False when the pull name itself could not be confirmed in our sources.
    verified: bool
    #: Fields whose value is deduced or uncertain (see the schema for the vocabulary).
    unverified_fields: frozenset[str]
    note: str
    source_url: str
    source_refs: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    #: Other names that fetch the same weights (e.g. the hf.co repository of an upload).
    alternative_pull_names: tuple[str, ...] = ()

    @property
    def is_mixture_of_experts(self) -> bool:
        return self.active_parameters_b < self.parameters_b

    @property
    def is_embedding_only(self) -> bool:
        capabilities = self.capabilities
        return Capability.EMBEDDING in capabilities and Capability.CHAT not in capabilities

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.pull_name, *self.aliases, *self.alternative_pull_names)


@dataclass(frozen=True)
class Family:
    id: str
    name: str
    maker: str
    description: Text
    community: bool
    legacy: bool
    based_on: str | None
    released: ReleaseDate
    license: License
    languages: Languages
    openness: Openness
    tasks: frozenset[Task]
    capabilities: frozenset[Capability]
    #: UI languages for which the editors recommend this family first (Bielik for Polish).
    featured_for: frozenset[str]
    caution: Text | None
    source_url: str
    source_refs: tuple[str, ...]
    variants: tuple[Variant, ...] = ()

    def variant_for_tier(self, tier: Tier) -> Variant | None:
        return next((variant for variant in self.variants if variant.tier is tier), None)


@dataclass(frozen=True)
class Catalog:
    schema_version: int
    facts_as_of: str
    memory_rule: str
    families: tuple[Family, ...]
    licenses: Mapping[str, License]
    sources: Mapping[str, Source]
    _by_family: Mapping[str, Family] = field(default_factory=dict, repr=False, compare=False)
    _by_name: Mapping[str, Variant] = field(default_factory=dict, repr=False, compare=False)

    @property
    def variants(self) -> tuple[Variant, ...]:
        return tuple(variant for family in self.families for variant in family.variants)

    def family(self, family_id: str) -> Family:
        return self._by_family[family_id]

    def family_of(self, variant: Variant) -> Family:
        return self._by_family[variant.family_id]

    def find_variant(self, name: str) -> Variant | None:
        """The variant any of whose names is ``name`` (case and defaults ignored)."""
        try:
            key = parse_model_name(name).comparison_key()
        except InvalidModelName:
            return None
        return self._by_name.get(key)

    def variant_by_key(self, comparison_key: str) -> Variant | None:
        """Like :meth:`find_variant` for an already parsed :meth:`ModelName.comparison_key`."""
        return self._by_name.get(comparison_key)


def texts_to_translate(catalog: Catalog) -> list[Text]:
    """Every user-visible catalog string once, for generating Qt translation sources."""
    seen: dict[str, Text] = {}

    def add(text: Text | None) -> None:
        if text is not None:
            seen.setdefault(text.id, text)

    for license_ in catalog.licenses.values():
        add(license_.summary)
    for family in catalog.families:
        add(family.description)
        add(family.caution)
        for variant in family.variants:
            add(variant.description)
            add(variant.caution)
    return list(seen.values())
