"""The Qt binding itself must not corrupt the interpreter (a PySide6 6.12.0 bug did)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter
from pytestqt.qtbot import QtBot


def test_void_qt_calls_keep_the_reference_count_of_none(qtbot: QtBot) -> None:
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(200):
            painter.save()
            painter.translate(QPointF(1, 1))
            painter.restore()
        drift = sys.getrefcount(None) - before
    finally:
        painter.end()
    # Other threads may hold or drop a few references meanwhile; a binding bug loses 600.
    assert abs(drift) < 50, f"None lost {-drift} references in 600 void Qt calls"
