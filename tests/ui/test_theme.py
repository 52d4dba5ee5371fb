"""Colours that must stay readable whatever palette the system gives."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QPalette

from confide.ui.theme import MIN_LINK_CONTRAST, contrast, readable_links, readable_on


def test_contrast_is_wcags_ratio() -> None:
    assert contrast(QColor("black"), QColor("white")) == 21.0
    assert contrast(QColor("#777777"), QColor("#777777")) == 1.0
    assert round(contrast(QColor("#0000ff"), QColor("white")), 2) == 8.59


def test_a_dark_blue_link_on_a_dark_background_is_lightened_keeping_its_hue() -> None:
    blue, dark = QColor("#0000ff"), QColor("#1b1c1e")
    assert contrast(blue, dark) < MIN_LINK_CONTRAST
    lighter = readable_on(blue, dark)
    assert contrast(lighter, dark) >= MIN_LINK_CONTRAST
    assert lighter.lightness() > blue.lightness() and lighter.hslHue() == blue.hslHue()
    # Just enough: a step less would not do.
    assert contrast(lighter.darker(110), dark) < MIN_LINK_CONTRAST


def test_a_pale_link_on_a_light_background_is_darkened() -> None:
    pale, white = QColor("#9ecbff"), QColor("white")
    darker = readable_on(pale, white)
    assert contrast(darker, white) >= MIN_LINK_CONTRAST and darker.lightness() < pale.lightness()


def test_a_readable_palette_is_left_alone(qapp: Any) -> None:
    light = QPalette(QColor("#efefef"), QColor("#ffffff"))
    light.setColor(QPalette.ColorRole.Link, QColor("#0b57d0"))
    assert readable_links(light) is None
    dark = QPalette(light)
    dark.setColor(QPalette.ColorRole.Base, QColor("#17181a"))
    fixed = readable_links(dark)
    assert fixed is not None
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        link = fixed.color(group, QPalette.ColorRole.Link)
        assert contrast(link, QColor("#17181a")) >= MIN_LINK_CONTRAST
    # Only the links change.
    assert fixed.color(QPalette.ColorRole.Text) == dark.color(QPalette.ColorRole.Text)
