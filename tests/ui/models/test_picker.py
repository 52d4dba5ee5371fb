"""The picker, driven like a user: type, tick filters, pick a card, read what it says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox
from pytestqt.qtbot import QtBot

from confide.core.catalog import (
    Capability,
    CommercialUse,
    LanguageLevel,
    Task,
)
from confide.core.hardware import FitVerdict, Hardware, fit_for
from confide.ui.models.library_dialog import LibraryDialog
from confide.ui.models.library_model import BadgeKind, Card
from tests.fake_ollama.server import FakeOllama
from tests.ui.models.conftest import LibraryFactory, open_library


def titles(dialog: LibraryDialog) -> list[str]:
    return [card.title for card in dialog.model.cards()]


def cards(dialog: LibraryDialog) -> list[Card]:
    return dialog.model.cards()


def choose(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Picks a combo entry the way a keyboard user does: focus it and type its start."""
    combo.setFocus()
    # Typed letters within the keyboard interval extend the previous search: let it lapse.
    qtbot.wait(QApplication.keyboardInputInterval() + 20)
    qtbot.keyClicks(combo, text)
    assert combo.currentText().startswith(text), combo.currentText()


@pytest.fixture(autouse=True)
def _quick_keyboard_search() -> Iterator[None]:
    previous = QApplication.keyboardInputInterval()
    QApplication.setKeyboardInputInterval(40)
    yield
    QApplication.setKeyboardInputInterval(previous)


def test_cards_read_like_a_shop_window(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    dialog = open_library(qtbot, make_library(fake_ollama))
    qwen = next(card for card in cards(dialog) if card.title == "Qwen 3")
    assert qwen.maker == "Alibaba Cloud (Qwen team)"
    assert qwen.summary == "Standard quality, 5.2 GB, runs well on this computer"
    badges = [badge.text for badge in qwen.badges]
    assert badges[:2] == ["Fits this computer", "Installed"]  # qwen3:latest is installed
    assert {"Uses tools", "Thinks first"} <= set(badges)
    assert "Apache" in qwen.license_line and "Commercial use allowed" in qwen.license_line
    # Recommended shelf: three different families that run well here.
    shelf = dialog.recommended_model.cards()
    assert len(shelf) == 3 and len({card.key for card in shelf}) == 3
    assert all(card.entry.fit.verdict is FitVerdict.RUNS_WELL for card in shelf)
    assert dialog.recommended.isVisible()
    assert dialog.count.text() == f"All models ({dialog.model.rowCount()})"
    # Model outside the catalog (the embedding preset is in it; add a custom one later).
    index = dialog.grid.currentIndex()
    assert index.data(Qt.ItemDataRole.AccessibleTextRole).startswith(dialog.model.card(0).title)


def test_search_narrows_the_cards_as_you_type(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    dialog = open_library(qtbot, make_library(fake_ollama))
    everything = dialog.model.rowCount()
    qtbot.keyClicks(dialog.search, "biel")
    assert titles(dialog) == ["Bielik"]
    assert dialog.count.text() == "1 matching model"
    assert not dialog.recommended.isVisible()  # the shelf steps aside while searching
    assert dialog.detail.title.text() == "Bielik"  # the only card is shown in full
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "legal")
    assert "SaulLM" in titles(dialog)
    qtbot.keyClicks(dialog.search, " zzzz")
    assert dialog.model.rowCount() == 0
    assert "No model matches" in dialog.count.text()
    assert dialog.detail.placeholder.isVisible()
    dialog.search.clear()
    assert dialog.model.rowCount() == everything
    assert dialog.recommended.isVisible()


def test_filters(qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama) -> None:
    dialog = open_library(qtbot, make_library(fake_ollama))
    everything = dialog.model.rowCount()

    qtbot.mouseClick(dialog.installed_only, Qt.MouseButton.LeftButton)
    assert set(titles(dialog)) == {"Qwen 3", "Gemma 3", "Llama 3.2", "Nomic Embed Text"}
    assert all(any(b.kind is BadgeKind.INSTALLED for b in card.badges) for card in cards(dialog))
    qtbot.mouseClick(dialog.installed_only, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() == everything

    choose(qtbot, dialog.task, "Coding")
    assert cards(dialog) and all(Task.CODING in card.entry.tasks for card in cards(dialog))
    choose(qtbot, dialog.task, "Any")

    choose(qtbot, dialog.capability, "Reads")
    assert cards(dialog)
    assert all(Capability.VISION in card.entry.capabilities for card in cards(dialog))
    choose(qtbot, dialog.capability, "Any")

    choose(qtbot, dialog.language, "Polish")
    assert "Bielik" in titles(dialog)
    for card in cards(dialog):
        level = card.entry.language_level("pl")
        assert level is not None and level.rank >= LanguageLevel.GOOD.rank
    choose(qtbot, dialog.language, "Any")

    qtbot.mouseClick(dialog.commercial_only, Qt.MouseButton.LeftButton)
    kept = {CommercialUse.YES, CommercialUse.CONDITIONS}
    assert cards(dialog)
    assert all(card.entry.commercial_use in kept for card in cards(dialog))
    qtbot.mouseClick(dialog.commercial_only, Qt.MouseButton.LeftButton)

    qtbot.mouseClick(dialog.fully_open, Qt.MouseButton.LeftButton)
    assert titles(dialog) == ["OLMo 2"]
    qtbot.mouseClick(dialog.fully_open, Qt.MouseButton.LeftButton)

    choose(qtbot, dialog.sort, "Smallest")
    sizes = [card.entry.download_size_bytes for card in cards(dialog)]
    assert sizes == sorted(sizes)
    choose(qtbot, dialog.sort, "Newest")
    dates = [card.entry.released_key for card in cards(dialog) if card.entry.variant]
    assert dates == sorted(dates, reverse=True)


def test_fits_filter_on_a_small_laptop(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    dialog = open_library(qtbot, make_library(fake_ollama, hardware=Hardware.simulated(8)))
    assert any(b.kind is BadgeKind.TOO_BIG for c in cards(dialog) for b in c.badges)
    qtbot.mouseClick(dialog.fits_only, Qt.MouseButton.LeftButton)
    assert cards(dialog)
    assert all(card.entry.fit.verdict is not FitVerdict.WILL_NOT_FIT for card in cards(dialog))
    assert "Llama 3.3" not in titles(dialog)  # 70B only


PHRASES = {
    FitVerdict.RUNS_WELL: "Runs well on this computer",
    FitVerdict.MAY_BE_SLOW: "May be slow on this computer",
    FitVerdict.WILL_NOT_FIT: "Will not fit on this computer",
}


@pytest.mark.parametrize(
    "hardware",
    [
        Hardware.simulated(8),
        Hardware.simulated(16),
        Hardware.simulated(32, gpu_gib=12),
        Hardware.simulated(64),
        Hardware.simulated(16, apple_silicon=True),
    ],
    ids=["laptop-8", "laptop-16", "desktop-32-gpu-12", "workstation-64", "apple-16"],
)
def test_every_size_says_whether_it_fits(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama, hardware: Hardware
) -> None:
    dialog = open_library(qtbot, make_library(fake_ollama, hardware=hardware))
    qtbot.keyClicks(dialog.search, "qwen 3 alibaba thinks")
    assert dialog.select_card("qwen3")
    sizes = dialog.detail.sizes
    entries = dialog.detail._entries
    assert sizes.count() == len(entries) == 7  # 0.6B ... 32B
    verdicts = set()
    for row, entry in enumerate(entries):
        assert entry.variant is not None
        expected = fit_for(entry.variant, hardware).verdict
        verdicts.add(expected)
        item = sizes.item(row)
        assert PHRASES[expected] in item.text(), item.text()
        # Hovering shows the rule behind the verdict, with this computer's numbers.
        assert item.toolTip().startswith(PHRASES[expected].replace("on this", "on this") + ".")
        assert "It needs about" in item.toolTip()
        assert "Estimate: download size + 0.75 GB" in item.toolTip()
    first_row = sizes.item(0).text()
    assert first_row.startswith("Extra small · 523 MB")
    if hardware.total_ram_bytes <= Hardware.simulated(8).total_ram_bytes:
        assert FitVerdict.WILL_NOT_FIT in verdicts  # 30B and 32B cannot run on 8 GB
        assert "Will not fit" in sizes.item(6).text()
    if hardware.gpus:
        assert "graphics card" in sizes.item(0).toolTip()


def test_choosing_a_card_shows_its_sizes_in_plain_words(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    dialog = open_library(qtbot, make_library(fake_ollama))
    assert dialog.select_card("gemma3")
    detail = dialog.detail
    assert detail.title.text() == "Gemma 3"
    texts = [detail.sizes.item(row).text() for row in range(detail.sizes.count())]
    assert texts[1].startswith("Smallest · 815 MB")
    assert texts[2].startswith("Standard · 3.3 GB")
    assert texts[2].endswith("Installed")
    assert texts[3].startswith("High quality · 8.1 GB")
    assert detail.sizes.currentRow() == 2  # the installed standard size speaks for the card
    assert detail.use_button.isVisible() and detail.remove_button.isVisible()
    assert not detail.install_button.isVisible()
    detail.sizes.setFocus()
    qtbot.keyClick(detail.sizes, Qt.Key.Key_Down)
    assert detail.install_button.isVisible()
    assert detail.install_button.text() == "Download (8.1 GB)"
    assert not detail.use_button.isVisible()
    assert "Licence" in detail.facts.text() and "Gemma Terms of Use" in detail.facts.text()

    used: list[str] = []
    dialog.library.useRequested.connect(used.append)
    qtbot.keyClick(detail.sizes, Qt.Key.Key_Up)
    qtbot.mouseClick(detail.use_button, Qt.MouseButton.LeftButton)
    assert used == ["gemma3:latest"]
    assert not dialog.isVisible()  # back to the chat


def test_polish_interface_recommends_bielik_first(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama, polish_locale: None
) -> None:
    dialog = open_library(qtbot, make_library(fake_ollama))
    shelf = dialog.recommended_model.cards()
    assert shelf[0].title == "Bielik"
    assert "16 GB" in dialog.recommended_hint.text()
    qtbot.mouseClick(
        dialog.recommended.viewport(),
        Qt.MouseButton.LeftButton,
        pos=dialog.recommended.visualRect(dialog.recommended_model.index(0, 0)).center(),
    )
    assert dialog.detail.title.text() == "Bielik"


def test_models_outside_the_catalog_say_what_the_daemon_knows(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_model(
        "hf.co/someone/Custom-GGUF:Q4_K_M", family="llama", parameter_size="7B", size=4_100_000_000
    )
    dialog = open_library(qtbot, make_library(fake_ollama))
    qtbot.keyClicks(dialog.search, "custom")
    [card] = cards(dialog)
    assert card.title == "hf.co/someone/Custom-GGUF:Q4_K_M"
    assert card.maker == "Downloaded from Hugging Face"
    assert card.description == "Not in Confide's catalog: a llama model with 7B parameters."
    assert card.summary == "4.1 GB on disk, runs well on this computer"
    assert "Q4_K_M" in dialog.detail.facts.text()


def test_card_model_is_a_well_behaved_qt_model(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama, qtmodeltester: object
) -> None:
    dialog = open_library(qtbot, make_library(fake_ollama))
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    qtmodeltester.check(dialog.recommended_model)  # type: ignore[attr-defined]
    qtbot.keyClicks(dialog.search, "llama")
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]


def test_library_without_ollama_still_shows_the_catalog(
    qtbot: QtBot, make_library: LibraryFactory, closed_port: int
) -> None:
    from tests.fake_ollama.server import FakeOllama as _Fake

    del _Fake
    setup = make_library(None)
    dialog = open_library(qtbot, setup)
    assert dialog.banner.isVisible()
    assert "Ollama is not running" in dialog.banner.text()
    assert not any(b.kind is BadgeKind.INSTALLED for c in cards(dialog) for b in c.badges)
