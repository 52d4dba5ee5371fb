"""English source labels for the catalog's vocabulary.

The core stays Qt-free, so these are plain strings; the UI passes each through Qt's
translation (context "catalog"). Search uses them too, translated when the UI supplies a
translate function, so a Polish user can type "tłumaczenie" as well as "translation".
"""

from __future__ import annotations

from collections.abc import Mapping

from confide.core.catalog.model import Capability, CommercialUse, LanguageLevel, Task, Tier

TASK_LABELS: Mapping[Task, str] = {
    Task.GENERAL_CHAT: "General chat",
    Task.SUMMARISING: "Summarising",
    Task.DOCUMENT_ANALYSIS: "Document and legal analysis",
    Task.TRANSLATION: "Translation",
    Task.CODING: "Coding",
    Task.MATHS: "Maths",
    Task.MEDICAL: "Medical",
    Task.REASONING: "Reasoning",
    Task.DOCUMENT_SEARCH: "Searching your documents",
}

CAPABILITY_LABELS: Mapping[Capability, str] = {
    Capability.CHAT: "Chat",
    Capability.VISION: "Reads images",
    Capability.TOOLS: "Uses tools",
    Capability.THINKING: "Thinks before answering",
    Capability.EMBEDDING: "Document search (embeddings)",
    Capability.CODE: "Writes code",
}

TIER_LABELS: Mapping[Tier, str] = {
    Tier.SMALLEST: "Smallest",
    Tier.STANDARD: "Standard",
    Tier.HIGH_QUALITY: "High quality",
}

LANGUAGE_LEVEL_LABELS: Mapping[LanguageLevel, str] = {
    LanguageLevel.NATIVE: "Made for this language",
    LanguageLevel.OFFICIAL: "Officially supported",
    LanguageLevel.GOOD: "Good",
    LanguageLevel.LIMITED: "Limited",
    LanguageLevel.NONE: "Not supported",
}

COMMERCIAL_USE_LABELS: Mapping[CommercialUse, str] = {
    CommercialUse.YES: "Commercial use allowed",
    CommercialUse.CONDITIONS: "Commercial use allowed with conditions",
    CommercialUse.NO: "Not for commercial use",
}

#: English name and the language's own name; both are searchable.
LANGUAGE_NAMES: Mapping[str, tuple[str, str]] = {
    "en": ("English", "English"),
    "pl": ("Polish", "polski"),
    "sl": ("Slovenian", "slovenščina"),
    "bg": ("Bulgarian", "български"),
    "ro": ("Romanian", "română"),
}
