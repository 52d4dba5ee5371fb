"""The model library: catalog variants merged with what is installed, ready to filter.

:func:`build_library` does all the slow work once (name parsing, fit verdicts, folded
search text, recommendation scores) whenever its inputs change: the catalog, the installed
list, the hardware or the interface language. Filtering and sorting per keystroke
(:mod:`confide.core.catalog.search`) then only reads precomputed fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from confide.core.catalog.installed import InstalledModel
from confide.core.catalog.labels import CAPABILITY_LABELS, LANGUAGE_NAMES, TASK_LABELS
from confide.core.catalog.model import (
    UI_LANGUAGES,
    Capability,
    Catalog,
    CommercialUse,
    Family,
    LanguageLevel,
    Languages,
    Task,
    Variant,
)
from confide.core.catalog.recommend import (
    recommendation_order_key,
    score_custom,
    score_variant,
)
from confide.core.catalog.text_search import fold_all
from confide.core.hardware import DEFAULT_CONTEXT_TOKENS, FitResult, Hardware, fit_for
from confide.core.ollama.names import InvalidModelName, ModelName, parse_model_name

Translate = Callable[[str], str]

#: A Q4 GGUF holds about 0.6 GB per billion parameters (catalog facts §14); used to guess the
#: size of an installed model whose parameter count the daemon did not report.
_GB_PER_BILLION_PARAMETERS = 0.6

#: The daemon's capability words (``/api/tags`` ``capabilities``) in catalog terms.
_DAEMON_CAPABILITIES = {
    "completion": Capability.CHAT,
    "vision": Capability.VISION,
    "tools": Capability.TOOLS,
    "thinking": Capability.THINKING,
    "embedding": Capability.EMBEDDING,
}


class Origin(str, Enum):
    """Where an entry comes from; everything but CATALOG is an installed model we do not know."""

    CATALOG = "catalog"
    #: A plain name like "tinyllama:latest": from the Ollama library, or made locally.
    OLLAMA_LIBRARY = "ollama_library"
    #: "user/model": uploaded to ollama.com by someone.
    OLLAMA_USER = "ollama_user"
    HUGGING_FACE = "hugging_face"
    OTHER_REGISTRY = "other_registry"


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """One row of the model library."""

    key: str  # case-folded canonical name; unique within a library
    display_name: str
    origin: Origin
    variant: Variant | None
    family: Family | None
    installed: tuple[InstalledModel, ...]
    fit: FitResult
    parameters_b: float | None
    download_size_bytes: int
    released_key: int  # YYYYMMDD, 0 when unknown
    tasks: frozenset[Task]
    capabilities: frozenset[Capability]
    languages: Languages | None
    commercial_use: CommercialUse | None
    fully_open: bool
    legacy: bool
    #: Level ranks for the interface languages, so the language filter is a dict lookup.
    language_ranks: Mapping[str, int]
    search_blob: str
    recommend_score: float
    #: Positions in each sort order, computed once so that sorting per keystroke is one
    #: integer compare per pair. Ties in size, date or name fall back to recommended.
    recommend_rank: int = 0
    size_rank: int = 0
    newest_rank: int = 0
    name_rank: int = 0

    @property
    def is_installed(self) -> bool:
        return bool(self.installed)

    @property
    def in_catalog(self) -> bool:
        return self.variant is not None

    @property
    def run_name(self) -> str:
        """The name to chat with: as installed (which may be an alias or the hf.co source of
        a catalog variant), otherwise the name to pull."""
        return self.installed[0].name if self.installed else self.display_name

    def language_level(self, code: str) -> LanguageLevel | None:
        return self.languages.level(code) if self.languages is not None else None

    def language_rank(self, code: str) -> int:
        """LanguageLevel rank for ``code`` (already a bare code), -1 if unknown."""
        rank = self.language_ranks.get(code)
        if rank is None:
            rank = self.languages.level(code).rank if self.languages is not None else -1
        return rank


@dataclass(frozen=True)
class _Needs:
    """What :func:`fit_for` needs, for an installed model that is not in the catalog."""

    download_size_bytes: int
    active_parameters_b: float


def build_library(
    catalog: Catalog,
    installed: Iterable[InstalledModel],
    hardware: Hardware,
    ui_language: str = "en",
    *,
    translate: Translate | None = None,
    context_tokens: int = DEFAULT_CONTEXT_TOKENS,
) -> tuple[LibraryEntry, ...]:
    """All catalog variants plus unknown installed models, in recommended order."""
    matched: dict[str, list[InstalledModel]] = {}
    unknown: dict[str, tuple[ModelName | None, list[InstalledModel]]] = {}
    for model in installed:
        parsed = _parse_or_none(model.name)
        key = parsed.comparison_key() if parsed else model.name.casefold()
        variant = catalog.variant_by_key(key) if parsed else None
        if variant is not None:
            matched.setdefault(variant.pull_name, []).append(model)
        else:
            unknown.setdefault(key, (parsed, []))[1].append(model)

    entries: list[LibraryEntry] = []
    for family in catalog.families:
        for variant in family.variants:
            found = tuple(matched.get(variant.pull_name, ()))
            entries.append(
                _catalog_entry(
                    family, variant, found, hardware, ui_language, translate, context_tokens
                )
            )
    for key, (parsed, records) in unknown.items():
        entries.append(_installed_entry(key, parsed, tuple(records), hardware, context_tokens))

    entries.sort(key=recommendation_order_key)
    return _with_sort_ranks(entries)


def _with_sort_ranks(in_recommended_order: list[LibraryEntry]) -> tuple[LibraryEntry, ...]:
    def positions(key: Callable[[tuple[int, LibraryEntry]], Any]) -> dict[int, int]:
        ordered = sorted(enumerate(in_recommended_order), key=key)
        return {index: position for position, (index, _entry) in enumerate(ordered)}

    by_size = positions(lambda item: (item[1].download_size_bytes, item[0]))
    by_date = positions(lambda item: (-item[1].released_key, item[0]))
    by_name = positions(lambda item: (item[1].display_name.casefold(), item[0]))
    return tuple(
        replace(
            entry,
            recommend_rank=index,
            size_rank=by_size[index],
            newest_rank=by_date[index],
            name_rank=by_name[index],
        )
        for index, entry in enumerate(in_recommended_order)
    )


def _parse_or_none(name: str) -> ModelName | None:
    try:
        return parse_model_name(name)
    except InvalidModelName:
        # The daemon only lists names it accepts; if one ever fails our check, still show it.
        return None


def _catalog_entry(
    family: Family,
    variant: Variant,
    installed: tuple[InstalledModel, ...],
    hardware: Hardware,
    ui_language: str,
    translate: Translate | None,
    context_tokens: int,
) -> LibraryEntry:
    fit = fit_for(variant, hardware, context_tokens)
    return LibraryEntry(
        key=variant.name.comparison_key(),
        display_name=variant.pull_name,
        origin=Origin.CATALOG,
        variant=variant,
        family=family,
        installed=installed,
        fit=fit,
        parameters_b=variant.parameters_b,
        download_size_bytes=variant.download_size_bytes,
        released_key=variant.released.sort_key,
        tasks=variant.tasks,
        capabilities=variant.capabilities,
        languages=variant.languages,
        language_ranks={code: variant.languages.level(code).rank for code in UI_LANGUAGES},
        commercial_use=variant.license.commercial_use,
        fully_open=family.openness.is_fully_open,
        legacy=variant.legacy,
        search_blob=_variant_blob(family, variant, translate),
        recommend_score=score_variant(family, variant, ui_language, bool(installed)),
    )


def _installed_entry(
    key: str,
    parsed: ModelName | None,
    installed: tuple[InstalledModel, ...],
    hardware: Hardware,
    context_tokens: int,
) -> LibraryEntry:
    first = installed[0]
    parameters = first.parameters_b
    size = first.size_bytes
    # Without a parameter count, guess one from the file size so the cache allowance is sane.
    estimate = parameters or max(size / 1e9 / _GB_PER_BILLION_PARAMETERS, 0.1)
    fit = fit_for(_Needs(size, estimate), hardware, context_tokens)
    capabilities = frozenset(
        _DAEMON_CAPABILITIES[word] for word in first.capabilities if word in _DAEMON_CAPABILITIES
    )
    blob_parts = [
        first.name,
        first.family,
        first.parameter_size,
        first.quantization_level,
        *(CAPABILITY_LABELS[capability] for capability in capabilities),
    ]
    return LibraryEntry(
        key=key,
        display_name=parsed.display_shortest() if parsed else first.name,
        origin=_origin(parsed),
        variant=None,
        family=None,
        installed=installed,
        fit=fit,
        parameters_b=parameters,
        download_size_bytes=size,
        released_key=0,
        tasks=frozenset(),
        capabilities=capabilities,
        languages=None,
        language_ranks={},
        commercial_use=None,
        fully_open=False,
        legacy=False,
        search_blob=fold_all(blob_parts),
        recommend_score=score_custom(parameters),
    )


def _origin(name: ModelName | None) -> Origin:
    if name is None:
        return Origin.OTHER_REGISTRY
    if name.is_hugging_face:
        return Origin.HUGGING_FACE
    if name.is_official_library:
        return Origin.OLLAMA_LIBRARY
    if name.is_default_registry:
        return Origin.OLLAMA_USER
    return Origin.OTHER_REGISTRY


def _variant_blob(family: Family, variant: Variant, translate: Translate | None) -> str:
    """Everything a person might type to find this variant, folded once."""
    english = [
        *variant.all_names,
        family.id,
        family.name,
        family.maker,
        family.based_on or "",
        variant.label,
        variant.quantization,
        family.description.text,
        variant.description.text,
        variant.license.name,
        *(TASK_LABELS[task] for task in variant.tasks),
        *(CAPABILITY_LABELS[capability] for capability in variant.capabilities),
    ]
    # Language names only where the model is at least good at them, so that typing "polish"
    # lists models a Polish speaker can actually use.
    for code in UI_LANGUAGES:
        if variant.languages.level(code).rank >= LanguageLevel.GOOD.rank:
            english.extend(LANGUAGE_NAMES[code])
    translated: list[str] = []
    if translate is not None:
        translated = [
            translate(family.description.text),
            translate(variant.description.text),
            *(translate(TASK_LABELS[task]) for task in variant.tasks),
            *(translate(CAPABILITY_LABELS[capability]) for capability in variant.capabilities),
        ]
    return fold_all((*english, *translated))
