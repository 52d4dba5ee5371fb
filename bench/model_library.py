"""Model library benchmarks: prints figures, then one JSON line with every result.

Run from the repository root::

    python bench/model_library.py

Each measurement is a function returning ``{name: value}``; add new ones to
``MEASUREMENTS`` and they appear in the printout and in the final JSON line.

filter_ms_per_keystroke
    The shipped catalog is scaled to 50 times its size (every family copied under new
    names), merged with a few installed models, and then a person "types" several queries
    one character at a time while toggling filters and sort orders. Each keystroke runs the
    same call the picker makes (``query_library``). The headline figure is the 95th
    percentile in milliseconds; the budget is one 60 Hz frame, 16 ms.
"""

from __future__ import annotations

import copy
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # runnable without installing the package
    sys.path.insert(0, str(ROOT / "src"))

from confide.core.catalog import (  # noqa: E402 - needs the path set just above
    Capability,
    InstalledModel,
    LibraryQuery,
    SortOrder,
    Task,
    build_library,
    parse_catalog,
    query_library,
)
from confide.core.hardware import GB, Hardware  # noqa: E402
from confide.core.ollama.names import parse_model_name  # noqa: E402

CATALOG_JSON = ROOT / "resources" / "catalog" / "catalog.json"
SCALE = 50
FRAME_BUDGET_MS = 16.0

TYPED_QUERIES = ("bielik polski", "qwen3 8b", "legal english", "tłumaczenie", "mistral small")
# Filter states a person might have switched on while typing.
QUERY_VARIANTS: tuple[dict[str, Any], ...] = (
    {},
    {"fits_only": True},
    {"commercial_only": True, "language": "pl"},
    {"task": Task.DOCUMENT_ANALYSIS, "sort": SortOrder.SIZE},
    {"capability": Capability.VISION, "sort": SortOrder.NEWEST},
    {"installed_only": False, "fully_open_only": False, "sort": SortOrder.NAME},
)


def _renamed(name: str, suffix: str) -> str:
    parsed = parse_model_name(name)
    model = parsed.model[: 80 - len(suffix)] + suffix
    prefix = "" if parsed.is_official_library else f"{parsed.namespace}/"
    if not parsed.is_default_registry:
        prefix = f"{parsed.host}/{prefix}"
    return f"{prefix}{model}:{parsed.tag}"


def scaled_catalog_data(scale: int) -> dict[str, Any]:
    """The shipped JSON with every family repeated ``scale`` times under new names."""
    raw: dict[str, Any] = json.loads(CATALOG_JSON.read_text(encoding="utf-8"))
    families = []
    for copy_index in range(scale):
        suffix = "" if copy_index == 0 else f"-x{copy_index}"
        for family in raw["families"]:
            clone = copy.deepcopy(family)
            if suffix:
                clone["id"] += suffix
                for item in (clone, *clone["variants"]):
                    for text_key in ("description", "caution"):
                        if text_key in item:
                            item[text_key]["id"] += suffix
                for variant in clone["variants"]:
                    variant["pull_name"] = _renamed(variant["pull_name"], suffix)
                    for key in ("aliases", "alternative_pull_names"):
                        variant[key] = [_renamed(n, suffix) for n in variant.get(key, [])]
            families.append(clone)
    raw["families"] = families
    return raw


def measure_filter_ms_per_keystroke() -> dict[str, float]:
    started = time.perf_counter()
    catalog = parse_catalog(scaled_catalog_data(SCALE))
    installed = [
        InstalledModel("qwen3:8b", round(5.2 * GB), parameter_size="8.2B"),
        InstalledModel("hf.co/someone/custom-GGUF:Q4_K_M", 4 * GB, parameter_size="7B"),
        InstalledModel("mycustom:latest", 2 * GB),
    ]
    entries = build_library(
        catalog, installed, Hardware.simulated(16), "pl", translate=lambda text: text
    )
    build_ms = (time.perf_counter() - started) * 1000

    timings: list[float] = []
    for text in TYPED_QUERIES:
        for length in range(len(text) + 1):
            for options in QUERY_VARIANTS:
                query = LibraryQuery(text=text[:length], **options)
                t0 = time.perf_counter()
                query_library(entries, query)
                timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"library entries (catalog x{SCALE}): {len(entries)}")
    print(f"load + build once:                  {build_ms:8.1f} ms")
    print(f"keystrokes simulated:               {len(timings)}")
    print(f"filter+sort per keystroke, mean:    {statistics.fmean(timings):8.3f} ms")
    print(f"filter+sort per keystroke, p95:     {p95:8.3f} ms  (budget {FRAME_BUDGET_MS} ms)")
    print(f"filter+sort per keystroke, max:     {timings[-1]:8.3f} ms")
    return {
        "filter_ms_per_keystroke": round(p95, 3),
        "filter_ms_per_keystroke_mean": round(statistics.fmean(timings), 3),
        "library_build_ms": round(build_ms, 1),
        "library_entries": float(len(entries)),
    }


#: name -> measurement; the lead adds the pull-progress CPU measurement here.
MEASUREMENTS: dict[str, Callable[[], dict[str, float]]] = {
    "filter": measure_filter_ms_per_keystroke,
}


def main(argv: list[str] | None = None) -> int:
    selected = (argv if argv is not None else sys.argv[1:]) or list(MEASUREMENTS)
    results: dict[str, float] = {}
    for name in selected:
        print(f"== {name}")
        results.update(MEASUREMENTS[name]())
    print(json.dumps(results, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
