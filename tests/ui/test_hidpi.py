"""HiDPI: at twice the pixel density the chat lays out the same, and draws with twice the
pixels (pictures are decoded at the screen's resolution, not enlarged from a small copy).

The scale is fixed when the application starts, so each case runs ``hidpi_probe`` in a
process of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def probe(scale: int) -> dict[str, Any]:
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=str(scale))
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.hidpi_probe"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def test_twice_the_pixels_for_the_same_layout() -> None:
    normal, dense = probe(1), probe(2)
    assert (normal["ratio"], dense["ratio"]) == (1.0, 2.0)
    # The same layout, in device-independent pixels.
    assert dense["viewport"] == normal["viewport"]
    assert dense["row_heights"] == normal["row_heights"]
    assert dense["thumbnail_dip"] == normal["thumbnail_dip"]
    # Drawn with twice the pixels: text and the picture's preview are sharp.
    assert dense["grab_px"] == [2 * size for size in normal["grab_px"]]
    assert dense["thumbnail_px"] == [2 * size for size in normal["thumbnail_px"]]
