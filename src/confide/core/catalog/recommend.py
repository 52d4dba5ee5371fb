""" "Recommended for you": how well a model suits this computer and the interface language.

The order is, most important first:

1. The fit verdict: runs well, then may be slow, then will not fit.
2. General-purpose, current, commercially usable chat models before specialised ones
   (coding, maths, medicine, embeddings), legacy models and non-commercial licences.
3. A score, higher first (weights below):

   * language: 10 points per step of the UI language's level (native 40 ... none 0);
   * editors' pick for this UI language (``featured_for`` in the data): +8, so that
     Bielik leads for Polish even against a model that officially lists Polish;
   * quality: 2 x log2 of the size in billions of parameters (for mixture-of-experts
     models the geometric mean of total and active, a common rule of thumb), so a bigger
     model wins only among those that already run well;
   * recency: 1.5 per year after 2023, at most 6;
   * community conversions (-8) and an unconfirmed pull name, size, licence or language
     rating (-5) lose a little trust;
   * already installed: +3, nothing to download.

The weights are deliberately coarse: the point is a sensible first screen, and the tests pin
the orderings that matter (Polish UI -> Bielik first, etc.).
"""

from __future__ import annotations

import math
from typing import Protocol

from confide.core.catalog.model import CommercialUse, Family, Task, Variant, language_code
from confide.core.hardware import FitResult

LANGUAGE_WEIGHT = 10.0
FEATURED_BONUS = 8.0
SIZE_WEIGHT = 2.0
RECENCY_PER_YEAR = 1.5
RECENCY_MAX = 6.0
RECENCY_BASE_YEAR = 2023.0
COMMUNITY_PENALTY = 8.0
UNVERIFIED_PENALTY = 5.0
INSTALLED_BONUS = 3.0
#: Unknown installed models are rated as if the UI language were "limited".
CUSTOM_LANGUAGE_POINTS = 10.0

# Facts whose uncertainty should cost trust: the rest (e.g. a deduced quantization) do not
# change whether the model is a good first choice.
_TRUST_FIELDS = frozenset({"download_size", "license", "languages"})


def _quality_points(parameters_b: float, active_parameters_b: float) -> float:
    effective = math.sqrt(max(parameters_b, 0.05) * max(active_parameters_b, 0.05))
    return SIZE_WEIGHT * math.log2(effective)


def score_variant(
    family: Family,
    variant: Variant,
    ui_language: str,
    installed: bool,
) -> float:
    """The within-group score of a catalog variant (see the module docstring)."""
    score = LANGUAGE_WEIGHT * variant.languages.level(ui_language).rank
    if language_code(ui_language) in family.featured_for:
        score += FEATURED_BONUS
    score += _quality_points(variant.parameters_b, variant.active_parameters_b)
    years = variant.released.fractional_year - RECENCY_BASE_YEAR
    score += min(max(years, 0.0) * RECENCY_PER_YEAR, RECENCY_MAX)
    if variant.community:
        score -= COMMUNITY_PENALTY
    doubtful = variant.unverified_fields & _TRUST_FIELDS or not variant.license.verified
    if not variant.verified or doubtful:
        score -= UNVERIFIED_PENALTY
    if installed:
        score += INSTALLED_BONUS
    return score


def score_custom(parameters_b: float | None) -> float:
    """Score of an installed model we know nothing about except its size."""
    quality = _quality_points(parameters_b, parameters_b) if parameters_b else 0.0
    return CUSTOM_LANGUAGE_POINTS + quality + INSTALLED_BONUS


class Rankable(Protocol):
    """The fields the recommended order reads (a LibraryEntry has them)."""

    @property
    def fit(self) -> FitResult: ...
    @property
    def tasks(self) -> frozenset[Task]: ...
    @property
    def legacy(self) -> bool: ...
    @property
    def commercial_use(self) -> CommercialUse | None: ...
    @property
    def recommend_score(self) -> float: ...
    @property
    def display_name(self) -> str: ...
    @property
    def variant(self) -> Variant | None: ...


def is_secondary(entry: Rankable) -> bool:
    """Specialised, legacy or non-commercial: listed after the general-purpose models."""
    if entry.variant is None:
        return False  # installed by the user on purpose: keep it with the main group
    return (
        Task.GENERAL_CHAT not in entry.tasks
        or entry.legacy
        or entry.commercial_use is CommercialUse.NO
    )


def recommendation_order_key(entry: Rankable) -> tuple[int, bool, float, str]:
    return (
        entry.fit.verdict.rank,
        is_secondary(entry),
        -entry.recommend_score,
        entry.display_name.casefold(),
    )
