"""Look and language: the bundled style sheet, the app icon and the UI translation."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtGui import QColor, QIcon, QPalette
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
    _make_links_readable(app)
    _StyleSheetFollowsPalette(app)


# WCAG's contrast for text (AA): links are words to read, like the text around them.
MIN_LINK_CONTRAST = 4.5
_READ_GROUPS = (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive)


def contrast(first: QColor, second: QColor) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 (the same) to 21 (black and white)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: QColor) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = colour.redF(), colour.greenF(), colour.blueF()
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def readable_on(colour: QColor, background: QColor) -> QColor:
    """``colour``, lightened on a dark background or darkened on a light one just enough to
    be read on ``background`` (its hue kept)."""
    if contrast(colour, background) >= MIN_LINK_CONTRAST:
        return colour
    hue, saturation = max(colour.hslHueF(), 0.0), colour.hslSaturationF()  # hue -1: grey
    lightness, alpha = colour.lightnessF(), colour.alphaF()
    towards = 1.0 if _luminance(background) < 0.18 else 0.0  # 0.18: where both read alike
    step = 0.02 if towards else -0.02
    candidate = QColor(colour)
    while (lightness - towards) * step < 0:  # until it reaches white or black
        lightness = min(1.0, max(0.0, lightness + step))
        candidate = QColor.fromHslF(hue, saturation, lightness, alpha)
        if contrast(candidate, background) >= MIN_LINK_CONTRAST:
            break
    return candidate


def readable_links(palette: QPalette) -> QPalette | None:
    """A copy of ``palette`` whose links can be read on its base colour; None when they
    already can. Qt keeps its dark blue links when the system turns dark (on Windows,
    for one), which on a dark background can hardly be read."""
    fixed = QPalette(palette)
    changed = False
    for group in _READ_GROUPS:
        link = palette.color(group, QPalette.ColorRole.Link)
        readable = readable_on(link, palette.color(group, QPalette.ColorRole.Base))
        if readable != link:
            fixed.setColor(group, QPalette.ColorRole.Link, readable)
            changed = True
    return fixed if changed else None


def _make_links_readable(app: QApplication) -> None:
    fixed = readable_links(app.palette())
    if fixed is not None:
        # Only the link roles become the app's own: the others still follow the system.
        app.setPalette(fixed)


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
        _make_links_readable(self._app)  # when it changes the palette, this runs once more
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
