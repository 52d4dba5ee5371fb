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

pull_progress_cpu_pct
    GUI-thread CPU while a 40 GB model downloads, in percent of one core; the budget is 1%.
    Everything but the HTTP is real: a stand-in daemon on the network loop thread yields a
    ``PullProgress`` line every 60 ms (the daemon's cadence), through the real
    ``DownloadManager`` (its ``PullTracker`` and the task runner's coalescing), into the real
    ``DownloadsModel`` drawn by a visible ``DownloadsPanel`` with the app's style sheet. CPU
    is ``time.thread_time()`` of the GUI thread over the wall time. The headline is ten
    seconds of a download at 110 MB/s (a fast office line); ``pull_progress_cpu_pct_stress``
    runs the whole 40 GB through in ten seconds, so that every update changes the row.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import statistics
import sys
import time
from collections.abc import AsyncGenerator, Callable
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


PULL_BYTES = 40 * GB
PULL_CADENCE_S = 0.06  # the daemon reports every 60 ms (ollama-api.md §3.2)
#: A fast office line (about 900 Mbit/s): 40 GB take six minutes at this speed.
REAL_BYTES_PER_SECOND = 110e6
MEASURE_S = 10.0
WARM_UP_S = 1.0
GUI_CPU_BUDGET_PCT = 1.0


class _SimulatedDaemon:
    """Pull lines as the daemon sends them: manifest, one big layer every 60 ms, the end."""

    def __init__(self, total: int, bytes_per_second: float) -> None:
        self.total, self.rate = total, bytes_per_second
        self.lines = 0

    async def pull(self, model: str) -> AsyncGenerator[Any, None]:
        from confide.core.ollama.types import PullProgress

        digest = "sha256:" + "4" * 64
        yield PullProgress("pulling manifest")
        started = time.monotonic()
        done = 0
        while done < self.total:
            done = min(int(self.rate * (time.monotonic() - started)), self.total)
            self.lines += 1
            yield PullProgress(f"pulling {digest[7:19]}", digest, self.total, done)
            await asyncio.sleep(PULL_CADENCE_S)
        for status in ("verifying sha256 digest", "writing manifest", "success"):
            yield PullProgress(status)


def _gui_cpu_during_pull(bytes_per_second: float, *, whole: bool) -> dict[str, float]:
    """GUI-thread CPU while the real download path shows a simulated 40 GB pull.

    ``whole``: from the click to "Ready to use" (start, every update, the end). Otherwise a
    ten-second window of a download already under way, after a one-second warm-up.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from confide.core.async_loop import LoopThread
    from confide.ui.models.downloads import DownloadManager, DownloadsPanel
    from confide.ui.models.storage import DiskSpace
    from confide.ui.tasks import TaskRunner
    from confide.ui.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    runner = TaskRunner(LoopThread("bench-network"))
    daemon = _SimulatedDaemon(PULL_BYTES, bytes_per_second)
    manager = DownloadManager(runner, lambda: daemon, DiskSpace(is_local=lambda: False))
    panel = DownloadsPanel(manager)
    panel.resize(640, 320)
    panel.show()
    repaints = 0

    def repainted(*_args: object) -> None:
        nonlocal repaints
        repaints += 1

    def run_for(seconds: float) -> None:
        loop = QEventLoop()
        manager.modelInstalled.connect(loop.quit)
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()
        manager.modelInstalled.disconnect(loop.quit)

    manager.model.dataChanged.connect(repainted)
    app.processEvents()
    if whole:
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        item = manager.enqueue("bench/forty-gigabytes:latest", "A 40 GB model", PULL_BYTES)
        run_for(PULL_BYTES / bytes_per_second + 5)
    else:
        item = manager.enqueue("bench/forty-gigabytes:latest", "A 40 GB model", PULL_BYTES)
        run_for(WARM_UP_S)
        repaints = 0
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        run_for(MEASURE_S)
    cpu = time.thread_time() - cpu0
    wall = time.perf_counter() - wall0
    state = item.state.value
    manager.cancel_all()
    panel.close()
    runner.shutdown()
    percent = cpu / wall * 100
    print(f"  GUI-thread CPU {cpu * 1000:6.1f} ms in {wall:4.1f} s = {percent:.3f} % of a core")
    print(f"  row repaints {repaints} ({repaints / wall:.1f}/s), daemon lines {daemon.lines}")
    print(f"  download state at the end: {state}")
    return {"percent": percent, "repaints_per_s": repaints / wall}


def measure_pull_progress_cpu_pct() -> dict[str, float]:
    print(f"A 40 GB download at {REAL_BYTES_PER_SECOND / 1e6:.0f} MB/s, {MEASURE_S:.0f} s of it:")
    real = _gui_cpu_during_pull(REAL_BYTES_PER_SECOND, whole=False)
    seconds = 10.0
    print(f"Stress: the whole 40 GB in {seconds:.0f} s (every update changes the row):")
    stress = _gui_cpu_during_pull(PULL_BYTES / seconds, whole=True)
    print(f"budget: {GUI_CPU_BUDGET_PCT} % of a core on the GUI thread")
    return {
        "pull_progress_cpu_pct": round(real["percent"], 3),
        "pull_progress_repaints_per_s": round(real["repaints_per_s"], 2),
        "pull_progress_cpu_pct_stress": round(stress["percent"], 3),
    }


#: name -> measurement.
MEASUREMENTS: dict[str, Callable[[], dict[str, float]]] = {
    "filter": measure_filter_ms_per_keystroke,
    "pull": measure_pull_progress_cpu_pct,
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
