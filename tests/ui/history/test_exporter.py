"""Exporting one conversation to PDF, Word, Markdown and JSON, through the real store."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path

import docx
import pypdf
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from confide.core.store import Role
from confide.ui.chat.rich_text import SafeDocument
from confide.ui.history import ConversationExporter
from tests.ui.conftest import MessageBoxes
from tests.ui.history.conftest import History

PDF = "PDF document (*.pdf)"
WORD = "Word document (*.docx)"
MARKDOWN = "Markdown (*.md)"
JSON = "JSON (*.json)"


class SaveDialog:
    """Stands in for the system's save dialog: records what it was asked, answers as told."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answer: tuple[str, str] = ("", "")
        self.asked: list[dict[str, str]] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self)

    def __call__(
        self, parent: QWidget, caption: str, directory: str, filters: str, selected: str
    ) -> tuple[str, str]:
        self.asked.append(
            {"caption": caption, "directory": directory, "filters": filters, "selected": selected}
        )
        return self.answer


@pytest.fixture
def save_dialog(monkeypatch: pytest.MonkeyPatch) -> SaveDialog:
    return SaveDialog(monkeypatch)


@pytest.fixture
def exporter(qtbot: QtBot, history: History) -> Iterator[ConversationExporter]:
    window = QWidget()
    qtbot.addWidget(window)
    made = ConversationExporter(history.gateway, window)
    yield made
    made.wait()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def lease(history: History) -> tuple[str, list[str]]:
    return history.conversation(
        "Lease: Smith / Jones?",
        (Role.USER, "Is the termination clause in this lease valid?", None),
        (Role.ASSISTANT, "Yes, the **termination clause** is valid.", "llama3.1:8b"),
    )


def export_to(
    qtbot: QtBot,
    exporter: ConversationExporter,
    save_dialog: SaveDialog,
    conversation: str,
    answer: tuple[str, str],
    title: str = "Lease: Smith / Jones?",
) -> str:
    save_dialog.answer = answer
    with qtbot.waitSignal(exporter.exported, timeout=30_000) as done:
        assert exporter.export(conversation, title)
    return str(done.args[0])


def pdf_pages(path: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages]


def test_pdf_has_title_text_and_page_numbers(
    qtbot: QtBot,
    history: History,
    exporter: ConversationExporter,
    save_dialog: SaveDialog,
    out: Path,
) -> None:
    conversation, _ = lease(history)
    written = export_to(qtbot, exporter, save_dialog, conversation, (str(out / "lease.pdf"), PDF))

    assert written == str(out / "lease.pdf")
    [asked] = save_dialog.asked
    assert asked["filters"].split(";;") == [PDF, WORD, MARKDOWN, JSON]
    assert Path(asked["directory"]).name == "Lease Smith Jones.pdf"  # no / : ? in a file name
    [words] = pdf_pages(out / "lease.pdf")
    assert "Lease: Smith / Jones?" in words
    assert "Is the termination clause in this lease valid?" in words
    assert "termination clause" in words and "llama3.1:8b" in words
    assert "Page 1 of 1" in words
    assert sorted(p.name for p in out.iterdir()) == ["lease.pdf"]  # nothing left beside it


def test_long_conversation_gets_numbered_pages_without_freezing(
    qtbot: QtBot,
    history: History,
    exporter: ConversationExporter,
    save_dialog: SaveDialog,
    out: Path,
) -> None:
    paragraph = "The parties agree that the premises are let for residential use only. " * 6
    turns = [
        (
            Role.USER if n % 2 == 0 else Role.ASSISTANT,
            f"Point {n}. {paragraph}",
            None if n % 2 == 0 else "bielik:11b",
        )
        for n in range(1000)
    ]
    conversation, _ = history.conversation("A very long lease", *turns)

    # The GUI thread keeps ticking while the 1,000 messages are laid out and painted.
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    save_dialog.answer = (str(out / "long.pdf"), PDF)
    timer.start()
    started = time.monotonic()
    with qtbot.waitSignal(exporter.exported, timeout=120_000):
        assert exporter.export(conversation, "A very long lease")
        assert time.monotonic() - started < 0.5  # export() only starts the work
    finished = time.monotonic()
    timer.stop()
    # The export's length depends on the machine, so bound the gaps (start and end included),
    # not the number of ticks.
    moments = [started, *ticks, finished]
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert ticks and max(gaps) < 1.0

    # pypdf reads text slowly: look at the pages that matter only.
    pages = pypdf.PdfReader(out / "long.pdf").pages
    count = len(pages)
    assert count > 50
    first, second, last = (" ".join(pages[n].extract_text().split()) for n in (0, 1, -1))
    assert f"Page 2 of {count}" in second
    assert "A very long lease" in second  # the title heads every page
    assert "bielik:11b" in first  # the first page names the model
    assert "Point 999." in last and f"Page {count} of {count}" in last


def test_pdf_never_loads_images_or_other_resources(
    qtbot: QtBot,
    history: History,
    exporter: ConversationExporter,
    save_dialog: SaveDialog,
    out: Path,
) -> None:
    conversation, _ = history.conversation(
        "Pictures",
        (Role.USER, "Show me", None),
        (
            Role.ASSISTANT,
            "![chart](http://example.com/chart.png) ![local](/etc/hostname)",
            "m",
        ),
    )
    SafeDocument.refused.clear()
    export_to(qtbot, exporter, save_dialog, conversation, (str(out / "p.pdf"), PDF), "Pictures")
    assert "http://example.com/chart.png" in SafeDocument.refused
    assert "/etc/hostname" in SafeDocument.refused
    assert pdf_pages(out / "p.pdf")


def test_word_document_is_written_to_the_chosen_file(
    qtbot: QtBot,
    history: History,
    exporter: ConversationExporter,
    save_dialog: SaveDialog,
    out: Path,
) -> None:
    conversation, _ = lease(history)
    export_to(qtbot, exporter, save_dialog, conversation, (str(out / "lease.docx"), WORD))
    paragraphs = [p.text for p in docx.Document(str(out / "lease.docx")).paragraphs]
    assert paragraphs[0] == "Lease: Smith / Jones?"
    assert "Is the termination clause in this lease valid?" in paragraphs
    assert any(p.startswith("Assistant (llama3.1:8b)") for p in paragraphs)
    assert sorted(p.name for p in out.iterdir()) == ["lease.docx"]
    assert not exporter.busy


def test_markdown_gets_its_extension_from_the_chosen_format(
    qtbot: QtBot,
    history: History,
    exporter: ConversationExporter,
    save_dialog: SaveDialog,
    out: Path,
) -> None:
    conversation, _ = lease(history)
    written = export_to(qtbot, exporter, save_dialog, conversation, (str(out / "notes"), MARKDOWN))
    assert written == str(out / "notes.md")
    text = (out / "notes.md").read_text(encoding="utf-8")
    assert text.startswith("# Lease: Smith / Jones?\n")
    assert "Is the termination clause in this lease valid?" in text
    assert "**You ·" in text
    # The next export proposes the format and folder used last.
    save_dialog.answer = ("", "")
    exporter.export(conversation, "Next")
    assert save_dialog.asked[-1]["selected"] == MARKDOWN
    assert save_dialog.asked[-1]["directory"] == str(out / "Next.md")


def test_a_file_the_name_gets_to_already_exists_is_only_replaced_when_the_user_says(
    qtbot: QtBot,
    history: History,
    exporter: ConversationExporter,
    save_dialog: SaveDialog,
    out: Path,
    message_boxes: MessageBoxes,
) -> None:
    # The save dialog confirmed "notes" only; "notes.md" is the name the format adds.
    conversation, _ = lease(history)
    (out / "notes.md").write_text("my own notes", encoding="utf-8")
    save_dialog.answer = (str(out / "notes"), MARKDOWN)
    message_boxes.answer = "Cancel"
    assert not exporter.export(conversation, "Lease")
    [asked] = message_boxes.asked
    assert asked.question == "Replace “notes.md”?" and asked.default == "Cancel"
    assert set(asked.buttons) == {"Replace", "Cancel"}
    assert (out / "notes.md").read_text(encoding="utf-8") == "my own notes"
    message_boxes.answer = "Replace"
    written = export_to(qtbot, exporter, save_dialog, conversation, (str(out / "notes"), MARKDOWN))
    assert written == str(out / "notes.md")
    assert (out / "notes.md").read_text(encoding="utf-8").startswith("# Lease")


def test_json_keeps_the_whole_conversation(
    qtbot: QtBot,
    history: History,
    exporter: ConversationExporter,
    save_dialog: SaveDialog,
    out: Path,
) -> None:
    conversation, ids = lease(history)
    export_to(qtbot, exporter, save_dialog, conversation, (str(out / "lease.json"), JSON))
    record = json.loads((out / "lease.json").read_text(encoding="utf-8"))
    assert record["id"] == conversation
    assert [m["id"] for m in record["messages"]] == ids
    assert record["messages"][1]["model"] == "llama3.1:8b"


def test_cancelling_the_file_dialog_writes_nothing(
    qtbot: QtBot,
    history: History,
    exporter: ConversationExporter,
    save_dialog: SaveDialog,
    out: Path,
    tmp_path: Path,
) -> None:
    conversation, _ = lease(history)
    before = sorted(p for p in tmp_path.rglob("*") if "confide" not in p.parts)
    save_dialog.answer = ("", "")
    events: list[object] = []
    exporter.started.connect(events.append)
    exporter.exported.connect(events.append)
    exporter.failed.connect(events.append)
    assert exporter.export(conversation, "Lease") is False
    qtbot.wait(100)
    assert events == []
    assert not exporter.busy
    assert sorted(p for p in tmp_path.rglob("*") if "confide" not in p.parts) == before


def test_an_unwritable_place_is_explained(
    qtbot: QtBot,
    history: History,
    exporter: ConversationExporter,
    save_dialog: SaveDialog,
    out: Path,
) -> None:
    conversation, _ = lease(history)
    save_dialog.answer = (str(out / "gone" / "lease.pdf"), PDF)
    with qtbot.waitSignal(exporter.failed, timeout=30_000) as failed:
        exporter.export(conversation, "Lease")
    message = str(failed.args[0])
    assert message.startswith("The conversation could not be exported.")
    assert "folder no longer exists" in message
    assert "Traceback" not in message and str(out) not in message
    assert list(out.iterdir()) == []


def test_a_deleted_conversation_is_explained(
    qtbot: QtBot,
    history: History,
    exporter: ConversationExporter,
    save_dialog: SaveDialog,
    out: Path,
) -> None:
    save_dialog.answer = (str(out / "x.md"), MARKDOWN)
    with qtbot.waitSignal(exporter.failed, timeout=30_000) as failed:
        exporter.export("no-such-conversation", "Gone")
    assert "deleted" in str(failed.args[0])
    assert list(out.iterdir()) == []
