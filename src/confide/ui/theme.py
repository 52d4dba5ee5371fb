"""Look and language: the bundled style sheet, the app icon and the UI translation."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtGui import QIcon, QPalette
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
    _StyleSheetFollowsPalette(app)


class _StyleSheetFollowsPalette(QObject):
    """Applies the style sheet again when the application's palette changes (the system
    switched between light and dark while Confide runs). Qt turns a style sheet's palette()
    references into colours once, when the sheet is applied, and gives the widgets it styles
    a palette of their own: without this, they, and all inside them, would keep the colours of
    the theme Confide started in."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._pending = False
        # A signal, not an event filter on the application, which would see every event.
        app.paletteChanged.connect(self._palette_changed)

    def _palette_changed(self, _palette: QPalette) -> None:
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self._apply_again)  # once Qt has handed the palette out

    def _apply_again(self) -> None:
        self._pending = False
        self._app.setStyleSheet(self._app.styleSheet())


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
