"""'Add by name': the name is checked as it is typed, before anything is sent."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from confide.core.ollama.names import InvalidModelName, parse_model_name
from confide.ui.models import add_by_name
from confide.ui.models.add_by_name import (
    AddByNameDialog,
    explain_invalid_name,
    name_from_link,
    name_problem,
)
from confide.ui.models.downloads import DownloadState
from tests.fake_ollama.server import FakeOllama
from tests.ui.models.conftest import LibraryFactory, Setup


def open_dialog(qtbot: QtBot, setup: Setup) -> AddByNameDialog:
    dialog = setup.library.open_add_by_name()
    qtbot.addWidget(dialog)
    return dialog


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("llama3:", "The tag (the part after ':') is empty."),
        ("my model", "The model name contains a space; model names have no spaces."),
        ("example.com/llama3", "The namespace 'example.com' contains a dot"),
        ("/llama3", "The model name has an empty part"),
        ("a/b/c/d", "The model name has too many parts"),
        ("ftp://host/ns/m", "The address starts with 'ftp://'"),
        ("-llama", "The model name '-llama' is not allowed: use letters, digits"),
        ("hf.co/user/repo:Q4_K_M!", "The tag (the part after ':') 'Q4_K_M!' is not allowed"),
    ],
)
def test_a_bad_name_is_explained_inline_and_cannot_be_sent(
    qtbot: QtBot,
    make_library: LibraryFactory,
    fake_ollama: FakeOllama,
    typed: str,
    reason: str,
) -> None:
    dialog = open_dialog(qtbot, make_library(fake_ollama))
    assert not dialog.download_button.isEnabled()  # empty
    qtbot.keyClicks(dialog.name, typed)
    assert dialog.problem.isVisible()
    assert dialog.problem.text().startswith(reason), dialog.problem.text()
    assert not dialog.download_button.isEnabled()
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert fake_ollama.requests_to("/api/pull") == []


@pytest.mark.parametrize(
    "typed",
    ["llama3.2:3b", "someone/model:tag", "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"],
)
def test_good_names_are_accepted(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama, typed: str
) -> None:
    dialog = open_dialog(qtbot, make_library(fake_ollama))
    qtbot.keyClicks(dialog.name, typed)
    assert not dialog.problem.isVisible()
    assert dialog.download_button.isEnabled()


def test_a_link_from_the_browser_becomes_the_name(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    dialog = open_dialog(qtbot, make_library(fake_ollama))
    qtbot.keyClicks(dialog.name, "https://huggingface.co/speakleash/Bielik-1.5B-v3.0-Instruct-GGUF")
    assert dialog.download_button.isEnabled()
    assert dialog.note.text().startswith(
        "Will download “hf.co/speakleash/Bielik-1.5B-v3.0-Instruct-GGUF”."
    )
    assert name_from_link("https://ollama.com/library/gemma3:4b") == "gemma3:4b"
    assert name_from_link("https://ollama.com/someone/model") == "someone/model"


def test_enter_downloads_and_an_unknown_model_is_reported(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    setup = make_library(fake_ollama)
    dialog = open_dialog(qtbot, setup)
    submitted: list[str] = []
    dialog.submitted.connect(submitted.append)
    qtbot.keyClicks(dialog.name, "someone/nosuchmodel:7b")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    assert submitted == ["someone/nosuchmodel:7b"]
    item = setup.downloads.item("someone/nosuchmodel:7b")
    assert item is not None
    qtbot.waitUntil(lambda: item.state is DownloadState.FAILED, timeout=5000)
    assert item.error is not None and item.error.title == "Unknown model"
    assert [r.json["model"] for r in fake_ollama.requests_to("/api/pull")] == [
        "someone/nosuchmodel:7b"
    ]


def test_a_catalog_name_downloads_with_its_catalog_size(
    qtbot: QtBot, make_library: LibraryFactory, fake_ollama: FakeOllama
) -> None:
    setup = make_library(fake_ollama)
    setup.library.refresh()
    qtbot.waitUntil(lambda: setup.library.snapshot is not None, timeout=5000)
    dialog = open_dialog(qtbot, setup)
    qtbot.keyClicks(dialog.name, "qwen3:0.6b")
    assert "This is Qwen 3 from the library" in dialog.note.text()
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    item = setup.downloads.item("qwen3:0.6b")
    assert item is not None
    assert item.title == "Qwen 3 · 0.6B" and item.expected_bytes == 523_000_000
    qtbot.waitUntil(lambda: item.state is DownloadState.DONE, timeout=5000)


BAD_NAMES = [
    "",
    "a b",
    "llama3:",
    "/x",
    "a/b/c/d",
    "ftp://h/n/m",
    "https://h/m",
    "ns.x/m",
    "-m",
    "m:-t",
    "x" * 81,
    "h!/n/m",
]


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_every_reason_goes_through_translation(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    with pytest.raises(InvalidModelName) as caught:
        parse_model_name(bad)
    monkeypatch.setattr(add_by_name, "_tr", lambda text: f"«{text}»")
    explained = explain_invalid_name(caught.value.reason)
    assert explained.startswith("«"), explained  # matched a translatable template
    assert name_problem(bad) == explained or bad == ""
