"""Plain words for the model library: sizes, tiers, fit verdicts, times, origins.

One place for the phrasing, so that a card, the detail panel and the downloads list say
"Standard quality, 4.7 GB, runs well on this computer" the same way. Everything passes
through Qt's translation; the catalog's own labels use the context "catalog" (see
``confide.core.catalog.labels``), the fit templates the context "Hardware".
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from PySide6.QtCore import QCoreApplication

from confide.core.catalog import (
    CAPABILITY_LABELS,
    COMMERCIAL_USE_LABELS,
    LANGUAGE_NAMES,
    TASK_LABELS,
    TIER_LABELS,
    Capability,
    CommercialUse,
    Origin,
    Task,
    Text,
    Tier,
    Variant,
)
from confide.core.hardware import FitResult, FitVerdict, fit_explanation

_CONTEXT = "ModelLibrary"


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    return english_plural(QCoreApplication.translate(_CONTEXT, text, disambiguation, n), n)


def english_plural(text: str, n: int) -> str:
    """Qt fills in %n but leaves "(s)" to a translation file; the English source has none,
    so resolve it here. Translated texts have no "(s)" and pass through unchanged."""
    if n < 0 or "(s)" not in text:
        return text
    return text.replace("(s)", "" if n == 1 else "s")


def tr_catalog(text: str) -> str:
    """A catalog label or catalog text (descriptions, licence summaries, cautions)."""
    return QCoreApplication.translate("catalog", text)


def catalog_text(text: Text | None) -> str:
    return tr_catalog(text.text) if text is not None else ""


def tr_hardware(text: str) -> str:
    return QCoreApplication.translate("Hardware", text)


# -- sizes and times -----------------------------------------------------------------------


def format_size(size_bytes: float) -> str:
    """Decimal units, as ollama.com and the catalog publish download sizes: '4.7 GB'."""
    if size_bytes >= 1e9:
        value = size_bytes / 1e9
        whole = value >= 100 or abs(value - round(value)) < 0.05
        return tr("%1 GB").replace("%1", f"{value:.0f}" if whole else f"{value:.1f}")
    if size_bytes >= 1e6:
        return tr("%1 MB").replace("%1", f"{size_bytes / 1e6:.0f}")
    if size_bytes >= 1e3:
        return tr("%1 kB").replace("%1", f"{size_bytes / 1e3:.0f}")
    return tr("%1 bytes").replace("%1", f"{max(size_bytes, 0):.0f}")


def format_progress(completed: float, total: float) -> str:
    """'1.2 GB of 40 GB': the part in the unit of the whole, so that the text changes about
    once a second on a fast line rather than with every update."""
    if total >= 1e9:
        part = tr("%1 GB").replace("%1", f"{completed / 1e9:.1f}")
    elif total >= 1e6:
        part = tr("%1 MB").replace("%1", f"{completed / 1e6:.0f}")
    else:
        part = format_size(completed)
    return tr("%1 of %2").replace("%1", part).replace("%2", format_size(total))


def format_speed(bytes_per_second: float) -> str:
    return tr("%1/s").replace("%1", format_size(bytes_per_second))


def format_time_left(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds <= 0:
        return ""
    if seconds < 60:
        return tr("less than a minute left")
    minutes = round(seconds / 60)
    if minutes < 90:
        return tr("about %n minute(s) left", "", minutes)
    return tr("about %n hour(s) left", "", round(seconds / 3600))


def format_when(moment: datetime | None, now: datetime | None = None) -> str:
    """'today', 'yesterday', '3 days ago', or the date; 'never' when unknown."""
    if moment is None:
        return tr("never")
    now = now or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    days = (now.astimezone().date() - moment.astimezone().date()).days
    if days <= 0:
        return tr("today")
    if days == 1:
        return tr("yesterday")
    if days < 30:
        return tr("%n day(s) ago", "", days)
    return moment.astimezone().strftime("%Y-%m-%d")


def format_speed_result(tokens_per_second: float, load_seconds: float) -> str:
    rate = f"{tokens_per_second:.0f}" if tokens_per_second >= 10 else f"{tokens_per_second:.1f}"
    return (
        tr("Tested here: %1 tokens per second, ready in %2 s")
        .replace("%1", rate)
        .replace("%2", f"{load_seconds:.1f}")
    )


# -- tiers ---------------------------------------------------------------------------------


def tier_word(variant: Variant, siblings: tuple[Variant, ...]) -> str:
    """'Smallest', 'Standard', 'High quality'; untiered sizes are placed around those."""
    if variant.tier is not None:
        return tr_catalog(TIER_LABELS[variant.tier])
    tiered = [v.download_size_bytes for v in siblings if v.tier is not None]
    if tiered and variant.download_size_bytes < min(tiered):
        return tr("Extra small")
    if tiered and variant.download_size_bytes > max(tiered):
        return tr("Extra large")
    return tr("In-between size")


def quality_phrase(variant: Variant, siblings: tuple[Variant, ...]) -> str:
    """The card's opening words: 'Standard quality', 'Smallest version', 'High quality'."""
    if variant.tier is Tier.STANDARD:
        return tr("Standard quality")
    if variant.tier is Tier.SMALLEST:
        return tr("Smallest version")
    if variant.tier is Tier.HIGH_QUALITY:
        return tr("High quality")
    return tier_word(variant, siblings)


# -- fit -----------------------------------------------------------------------------------


def fit_phrase(fit: FitResult) -> str:
    """Lower-case, to go after a size: 'runs well on this computer'."""
    if fit.verdict is FitVerdict.RUNS_WELL:
        return tr("runs well on this computer")
    if fit.verdict is FitVerdict.MAY_BE_SLOW:
        return tr("may be slow on this computer")
    return tr("will not fit on this computer")


def fit_badge(fit: FitResult) -> str:
    if fit.verdict is FitVerdict.RUNS_WELL:
        return tr("Fits this computer")
    if fit.verdict is FitVerdict.MAY_BE_SLOW:
        return tr("May be slow here")
    return tr("Too big for this computer")


def fit_tooltip(fit: FitResult) -> str:
    """The rule behind the verdict, from core's explanation, translated template by template."""
    return fit_explanation(fit).render(tr_hardware)


# -- labels --------------------------------------------------------------------------------


def capability_label(capability: Capability) -> str:
    return tr_catalog(CAPABILITY_LABELS[capability])


def task_label(task: Task) -> str:
    return tr_catalog(TASK_LABELS[task])


def commercial_label(use: CommercialUse | None) -> str:
    if use is None:
        return tr("Licence unknown: check before business use")
    return tr_catalog(COMMERCIAL_USE_LABELS[use])


def language_label(code: str) -> str:
    english, own = LANGUAGE_NAMES[code]
    translated = tr_catalog(english)
    return translated if translated == own else f"{translated} ({own})"


def origin_phrase(origin: Origin) -> str:
    if origin is Origin.HUGGING_FACE:
        return tr("Downloaded from Hugging Face")
    if origin is Origin.OLLAMA_USER:
        return tr("Shared on ollama.com by one of its users")
    if origin is Origin.OTHER_REGISTRY:
        return tr("From another model registry")
    if origin is Origin.OLLAMA_LIBRARY:
        return tr("From the Ollama library, or made on this computer")
    return ""
