"""'Import model file…' with a tiny real GGUF, a wrong file, and a cancel mid-way."""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from confide.ui.models.gguf_check import GGUFProblem, GGUFProblemKind, read_gguf_header
from confide.ui.models.import_dialog import ImportDialog, suggested_name
from tests.fake_ollama import build_gguf
from tests.fake_ollama.server import FakeOllama
from tests.ui.models.conftest import LibraryFactory, Setup


def open_import(
    qtbot: QtBot, setup: Setup, monkeypatch: pytest.MonkeyPatch, path: Path
) -> ImportDialog:
    """Opens the dialog and chooses ``path`` through the (stubbed) native file dialog."""
    dialog = setup.library.open_import()
    qtbot.addWidget(dialog)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *_args, **_kw: (str(path), "GGUF model files")
    )
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog._inspect is None, timeout=5000)
    return dialog


def test_import_a_gguf_file_and_lend_it_a_chat_format(
    qtbot: QtBot,
    make_library: LibraryFactory,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    data = build_gguf("llama", parameter_count=1_235_814_432, size=3 * 1024 * 1024)
    path = tmp_path / "Tiny-Llama.Q4_K_M.gguf"
    path.write_bytes(data)
    setup = make_library(fake_ollama)
    setup.library.refresh()  # the catalog's family names label the chat formats
    qtbot.waitUntil(lambda: setup.library.snapshot is not None, timeout=5000)
    dialog = open_import(qtbot, setup, monkeypatch, path)

    assert dialog.file_info.text().startswith("GGUF model file, 3 MB, architecture “llama”")
    assert "1.2 billion parameters" in dialog.file_info.text()
    assert dialog.name.text() == "tiny-llama.q4_k_m"
    # No chat template in the file: a format is lent, guessed from the architecture.
    assert dialog.format.currentData() == "llama3"
    assert dialog.format.currentText() == "Like Llama 3.1"
    assert "does not say how to lay out a conversation" in dialog.format_hint.text()
    assert dialog.import_button.isEnabled()

    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "office/tiny-llama:q4")
    imported: list[str] = []
    dialog.imported.connect(imported.append)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.cancel_button.text() == "Cancel import"
    qtbot.waitUntil(lambda: bool(imported), timeout=10000)
    assert imported == ["office/tiny-llama:q4"]
    assert dialog.status.text() == "“office/tiny-llama:q4” is ready to use."
    assert dialog.use_button.isVisible()
    assert "office/tiny-llama:q4" in fake_ollama.installed_models()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    assert fake_ollama.has_blob(digest)
    create = fake_ollama.last_request("/api/create")
    assert create is not None
    assert create.json["files"] == {path.name: digest}
    assert "<|start_header_id|>" in create.json["template"]
    assert create.json["parameters"]["stop"][-1] == "<|eot_id|>"

    used: list[str] = []
    setup.library.useRequested.connect(used.append)
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert used == ["office/tiny-llama:q4"]


def test_a_file_with_its_own_chat_format_keeps_it(
    qtbot: QtBot,
    make_library: LibraryFactory,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(build_gguf("qwen2", extra={"tokenizer.chat_template": "{{ messages }}"}))
    setup = make_library(fake_ollama)
    dialog = open_import(qtbot, setup, monkeypatch, path)
    assert dialog.format.currentText() == "The file's own chat format (recommended)"
    assert "carries its own chat format" in dialog.file_info.text()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "ready to use" in dialog.status.text(), timeout=10000)
    create = fake_ollama.last_request("/api/create")
    assert create is not None and "template" not in create.json


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 this is a zip archive, not a model", "This is not a GGUF model file"),
        (b"GGUF" + struct.pack("<I", 1) + bytes(64), "This GGUF file is version 1"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 5) + b"\x05", "damaged or incomplete"),
    ],
    ids=["zip", "version-1", "truncated"],
)
def test_anything_but_a_usable_gguf_is_refused_before_copying(
    qtbot: QtBot,
    make_library: LibraryFactory,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    content: bytes,
    message: str,
) -> None:
    path = tmp_path / "contract-scan.gguf"
    path.write_bytes(content)
    dialog = open_import(qtbot, make_library(fake_ollama), monkeypatch, path)
    assert dialog.file_problem.isVisible()
    assert message in dialog.file_problem.text()
    assert not dialog.import_button.isEnabled()
    assert fake_ollama.requests_to("/api/create") == []
    assert [r for r in fake_ollama.requests if r.path.startswith("/api/blobs")] == []


def test_the_name_is_checked_as_you_type(
    qtbot: QtBot,
    make_library: LibraryFactory,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.gguf"
    path.write_bytes(build_gguf())
    setup = make_library(fake_ollama)
    setup.library.refresh()  # knows what is installed
    qtbot.waitUntil(lambda: setup.library.snapshot is not None, timeout=5000)
    dialog = open_import(qtbot, setup, monkeypatch, path)
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "my model")
    assert dialog.name_problem.text() == (
        "The model name contains a space; model names have no spaces."
    )
    assert not dialog.import_button.isEnabled()
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "llama3.2")
    assert dialog.name_problem.text() == (
        "A model with this name is installed already; importing replaces it."
    )
    assert dialog.import_button.isEnabled()  # a warning, not a refusal


def test_cancel_while_reading_a_big_file(
    qtbot: QtBot,
    make_library: LibraryFactory,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    path = tmp_path / "big.gguf"
    path.write_bytes(build_gguf())
    with path.open("r+b") as handle:  # sparse: big on paper, instant to make
        handle.truncate(4 * 1024**3)
    dialog = open_import(qtbot, make_library(fake_ollama), monkeypatch, path)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Step 1 of 3: reading the file… " in dialog.status.text(), timeout=5000)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Import cancelled."
    assert not dialog.busy
    assert dialog.import_button.isEnabled()  # can start again
    qtbot.wait(200)
    assert [r for r in fake_ollama.requests if r.path.startswith("/api/blobs")] == []
    assert fake_ollama.requests_to("/api/create") == []


def test_header_reader_and_name_suggestions(tmp_path: Path) -> None:
    path = tmp_path / "x.gguf"
    path.write_bytes(build_gguf("gemma3", parameter_count=4_000_000_000))
    header = read_gguf_header(path)
    assert (header.version, header.architecture, header.parameter_count) == (3, "gemma3", 4e9)
    assert not header.has_chat_template
    missing = tmp_path / "missing.gguf"
    with pytest.raises(GGUFProblem) as problem:
        read_gguf_header(missing)
    assert problem.value.kind is GGUFProblemKind.UNREADABLE
    assert suggested_name(Path("Bielik-11B v2.3 (Instruct).Q4_K_M.gguf")) == (
        "bielik-11b-v2.3-instruct.q4_k_m"
    )
    assert suggested_name(Path("___.gguf")) == "imported-model"
    assert os.sep not in suggested_name(Path("a/b.gguf"))
