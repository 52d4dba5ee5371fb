"""Markdown, HTML, DOCX and JSON of one conversation; the whole store as an archive, and back."""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path

import docx
import pytest

from confide.core.paths import AppPaths
from confide.core.store import (
    ExportLabels,
    KeyStore,
    MessageStats,
    MessageStatus,
    NewAttachment,
    Protection,
    Role,
    Store,
    StoreError,
    StoreErrorKind,
    StoreOptions,
)
from tests.core.store.conftest import FAST_SCRYPT, PASSPHRASE


def _rich(store: Store) -> str:
    conv = store.conversations.create(
        "Umowa najmu <lokalu>",
        model="bielik:11b",
        system_prompt="Bądź ostrożny.",
        options={"temperature": 0.2},
    )
    store.conversations.set_pinned(conv.id, True)
    question = store.conversations.add_message(
        conv.id,
        None,
        Role.USER,
        "Czy <script>alert(1)</script> klauzula 4\njest ważna?",
        attachments=[NewAttachment("umowa.pdf", "application/pdf", b"%PDF-1.7 \x00\xff binary")],
    )
    old = store.conversations.add_message(
        conv.id, question.id, Role.ASSISTANT, "Old branch answer", model="x"
    )
    writer = store.begin_answer(conv.id, question.id, "bielik:11b")
    writer.append("**Tak**, jest ważna.\n\n<b>raw html</b>", "Rozważam art. 659 KC")
    writer.finish(MessageStatus.STOPPED, MessageStats(eval_count=10, eval_duration_ns=10**9))
    store.conversations.add_message(conv.id, old.id, Role.USER, "Follow-up on the old branch")
    store.conversations.select_branch(writer.message_id)
    return conv.id


def test_markdown_shows_the_visible_branch(store: Store) -> None:
    conv_id = _rich(store)
    text = store.export_markdown(conv_id)
    assert text.startswith("# Umowa najmu <lokalu>\n")
    assert "Model: bielik:11b" in text and "Date: " in text
    assert (
        "**You · " in text
        and "**Assistant (bielik:11b) · " in text
        and "stopped by the user" in text
    )
    assert "**Tak**, jest ważna." in text and "Attachments: umowa.pdf" in text
    assert "Old branch answer" not in text
    labels = ExportLabels(
        roles={
            Role.USER: "Ty",
            Role.ASSISTANT: "Asystent",
            Role.SYSTEM: "System",
            Role.TOOL: "Narzędzie",
        }
    )
    assert "**Ty · " in store.export_markdown(conv_id, labels)


def test_html_for_printing_is_escaped(store: Store) -> None:
    page = store.export_html(_rich(store))
    assert "<h1>Umowa najmu &lt;lokalu&gt;</h1>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<strong>Tak</strong>" in page  # the answer's Markdown is rendered
    assert "<b>raw html</b>" not in page  # but raw HTML from a model is not


def test_docx_has_title_date_model_and_text(store: Store, tmp_path: Path) -> None:
    conv_id = _rich(store)
    target = tmp_path / "export" / "umowa.docx"
    target.parent.mkdir()
    store.export_docx(conv_id, target)
    assert [p.name for p in target.parent.iterdir()] == ["umowa.docx"]  # nothing else written
    document = docx.Document(str(target))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Umowa najmu <lokalu>"
    assert paragraphs[1].startswith("Date: ") and "Model: bielik:11b" in paragraphs[1]
    assert "**Tak**, jest ważna." in paragraphs
    assert document.core_properties.title == "Umowa najmu <lokalu>"
    assert document.core_properties.author == "Confide"


def test_json_keeps_every_branch_and_attachment(store: Store) -> None:
    conv_id = _rich(store)
    record = json.loads(store.export_json(conv_id))
    assert len(record["messages"]) == 4
    attachment = record["messages"][0]["attachments"][0]
    assert base64.b64decode(attachment["data_base64"]) == b"%PDF-1.7 \x00\xff binary"
    assert record["messages"][2]["thinking"] == "Rozważam art. 659 KC"
    assert "data_base64" not in store.export_json(conv_id, include_attachments=False)


def _second_store(tmp_path: Path) -> tuple[AppPaths, KeyStore]:
    paths = AppPaths.portable(tmp_path / "other").ensure()
    return paths, KeyStore.for_paths(paths, scrypt=FAST_SCRYPT)


def _snapshot(store: Store) -> dict[str, object]:
    data: dict[str, object] = {}
    for summary in store.conversations.list_conversations(limit=1000):
        conversation = store.conversations.get(summary.id)
        messages = store.conversations.all_messages(summary.id)
        blobs = [
            store.conversations.attachment_data(a.id)
            for message in messages
            for a in message.attachments
        ]
        data[summary.id] = (conversation, messages, blobs)
    data["presets"] = [p for p in store.presets.list_presets() if not p.builtin]
    data["settings"] = store.settings.all()
    return data


def test_archive_round_trip_is_lossless_and_idempotent(store: Store, tmp_path: Path) -> None:
    _rich(store)
    second = store.conversations.create("Druga")
    store.conversations.add_message(second.id, None, Role.USER, "Ąę " * 1000)
    gone = store.conversations.create("Deleted")
    store.conversations.soft_delete(gone.id)
    store.presets.create("Mój preset", "Mów krótko.", {"num_ctx": 4096})
    store.settings.set("retention_days", 365)
    archive = tmp_path / "out" / "confide-archive.zip"
    archive.parent.mkdir()
    counts = store.export_archive(archive)
    assert (counts.conversations, counts.messages, counts.attachments) == (2, 5, 1)
    assert [p.name for p in archive.parent.iterdir()] == [archive.name]
    with zipfile.ZipFile(archive) as zipped:
        assert gone.id + ".json" not in " ".join(zipped.namelist())

    expected = _snapshot(store)
    paths, key_store = _second_store(tmp_path)
    with Store.create(paths, key_store, Protection.PASSPHRASE, PASSPHRASE, StoreOptions()) as other:
        imported = other.import_archive(archive)
        assert (imported.conversations, imported.messages, imported.attachments) == (2, 5, 1)
        assert (imported.presets, imported.settings) == (1, 1)
        assert _snapshot(other) == expected
        again = other.import_archive(archive)
        assert (again.conversations, again.messages, again.attachments, again.presets) == (
            0,
            0,
            0,
            0,
        )
        assert _snapshot(other) == expected
        assert len(other.search("ąę")) == 1
    assert store.import_archive(archive).messages == 0  # into the source: nothing duplicated


def test_broken_archives_add_nothing(store: Store, tmp_path: Path) -> None:
    _rich(store)
    good = tmp_path / "good.zip"
    store.export_archive(good)
    paths, key_store = _second_store(tmp_path)
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"hello")
    no_manifest = tmp_path / "empty.zip"
    with zipfile.ZipFile(no_manifest, "w") as zipped:
        zipped.writestr("readme.txt", "x")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(
                info.filename, data + b"!" if info.filename.startswith("attachments/") else data
            )
    with Store.create(paths, key_store, Protection.PASSPHRASE, PASSPHRASE, StoreOptions()) as other:
        for broken in (not_zip, no_manifest, tampered):
            with pytest.raises(StoreError) as error:
                other.import_archive(broken)
            assert error.value.kind is StoreErrorKind.INVALID_ARCHIVE
        assert other.conversations.count(include_deleted=True) == 0  # all or nothing
        with pytest.raises(StoreError) as error:
            other.import_archive(tmp_path / "missing.zip")
        assert error.value.kind is StoreErrorKind.IO_ERROR
