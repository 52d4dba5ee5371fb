"""Look and language: the bundled style sheet, the app icon and the UI translation."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from confide.core.resources import ResourceNotFound, resource_path

log = logging.getLogger(__name__)


def apply_theme(app: QApplication) -> None:
    # Fusion draws the same on every platform and takes the palette (light or dark) from
    # the system, so the style sheet only needs palette() references, never fixed colours.
    app.setStyle("Fusion")
    try:
        app.setStyleSheet(resource_path("styles/confide.qss").read_text(encoding="utf-8"))
        app.setWindowIcon(QIcon(str(resource_path("icons/confide.svg"))))
    except ResourceNotFound as exc:
        log.warning("style resources missing: %s", exc)


def install_translations(app: QApplication, language: str | None = None) -> list[QTranslator]:
    """Loads Confide's and Qt's own translations for the user's language, if we have them."""
    locale = QLocale(language) if language else QLocale.system()
    QLocale.setDefault(locale)
    installed: list[QTranslator] = []
    own = QTranslator(app)
    try:
        folder = resource_path("translations")
    except ResourceNotFound:
        folder = None
    if folder is not None and own.load(locale, "confide", "_", str(folder)):
        app.installTranslator(own)
        installed.append(own)
    qt_base = QTranslator(app)
    if qt_base.load(
        locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    ):
        app.installTranslator(qt_base)
        installed.append(qt_base)
    return installed
