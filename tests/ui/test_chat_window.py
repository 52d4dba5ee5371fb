"""The whole chat window as a user meets it: sidebar, settings, images, context, privacy."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QTextDocumentFragment
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from confide.ui.chat.conversation_list import ConversationRole
from confide.ui.chat.message_delegate import MessageAction
from confide.ui.chat.transcript_model import EntryStatus
from confide.ui.main_window import MainWindow
from tests.fake_ollama.server import FakeOllama
from tests.ui.conftest import WindowFactory, pixels_in_colour
from tests.ui.test_chat_history import click_action, entries, finished
from tests.ui.test_conversation_settings import choose
from tests.ui.test_main_window import chat_bodies, connected, last_answer, type_and_send


def sidebar_titles(window: MainWindow) -> list[str]:
    model = window.conversation_list
    titles = []
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if not index.data(ConversationRole.IS_HEADER):
            titles.append(index.data(Qt.ItemDataRole.DisplayRole))
    return titles


def sidebar_row(window: MainWindow, title: str) -> int:
    model = window.conversation_list
    for row in range(model.rowCount()):
        if model.index(row, 0).data(Qt.ItemDataRole.DisplayRole) == title:
            return row
    raise AssertionError(f"{title!r} is not in the sidebar")


def click_conversation(qtbot: QtBot, window: MainWindow, title: str) -> None:
    view = window.sidebar.view
    index = window.conversation_list.index(sidebar_row(window, title), 0)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    """A PNG picture, all one blue."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(0x3366CC)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def test_on_launch_the_composer_has_focus_and_ctrl_n_starts_a_new_chat(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="Hi.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    assert window.chat.composer.edit.hasFocus()
    type_and_send(qtbot, window, "hello there")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    qtbot.keyClick(window.chat.composer.edit, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert entries(window) == []
    assert window.chat.session.conversation is None
    assert window.chat.composer.edit.hasFocus()


def test_conversations_appear_in_the_sidebar_and_open_with_a_click(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="Noted.")
    window = make_window(fake_ollama.host_port)
    window.titles_action.setChecked(False)  # keep the first words as titles
    connected(qtbot, window)
    type_and_send(qtbot, window, "First topic about rent")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    window.chat.new_chat()
    type_and_send(qtbot, window, "Second topic about wages")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    qtbot.waitUntil(lambda: len(sidebar_titles(window)) == 2, timeout=3000)
    assert sidebar_titles(window) == ["Second topic about wages", "First topic about rent"]
    heading = window.conversation_list.index(0, 0).data(Qt.ItemDataRole.DisplayRole)
    assert heading == "Today"

    click_conversation(qtbot, window, "First topic about rent")
    qtbot.waitUntil(
        lambda: [e.content for e in entries(window)] == ["First topic about rent", "Noted."],
        timeout=5000,
    )


def test_a_generated_title_replaces_the_first_words(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="Notice periods in Polish labour law.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "How long is the notice period for an indefinite contract?")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    # The double answers the title request with the same scripted text.
    qtbot.waitUntil(
        lambda: sidebar_titles(window) == ["Notice periods in Polish labour law"], timeout=5000
    )
    conversation = window.chat.session.conversation
    assert conversation is not None and conversation.title == "Notice periods in Polish labour law"


def test_the_title_is_made_in_the_background_while_the_chat_goes_on(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(num_parallel=2)  # the daemon can answer two requests at once
    answer = "The lease ends in March, three months after notice is served. " * 4
    fake_ollama.script(once=True, reply=answer, token_rate=40)  # a few seconds
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "When does the lease end?")
    qtbot.waitUntil(lambda: bool(entries(window)[-1].content), timeout=5000)
    # The next request is the one asking for a title: the model takes its time over it.
    fake_ollama.script(once=True, prompt_eval_delay=8.0, reply="Lease end date")
    assert not finished(window) and len(fake_ollama.requests_to("/api/chat")) == 1
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    qtbot.waitUntil(lambda: len(fake_ollama.requests_to("/api/chat")) == 2, timeout=3000)
    title_asked = time.monotonic()
    # Until the title comes, the sidebar shows the first words; the user goes on meanwhile.
    assert sidebar_titles(window) == ["When does the lease end?"]
    fake_ollama.script(reply="It is 1,200 EUR.")
    type_and_send(qtbot, window, "And the deposit?")
    qtbot.waitUntil(
        lambda: finished(window) and entries(window)[-1].content == "It is 1,200 EUR.",
        timeout=6000,
    )
    assert time.monotonic() - title_asked < 8.0  # answered while the title was still coming
    assert sidebar_titles(window) == ["When does the lease end?"]
    qtbot.waitUntil(lambda: sidebar_titles(window) == ["Lease end date"], timeout=12000)


def test_delete_from_the_sidebar_can_be_undone_then_is_final(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="ok")
    window = make_window(fake_ollama.host_port)
    window.titles_action.setChecked(False)
    connected(qtbot, window)
    type_and_send(qtbot, window, "Delete me later")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    qtbot.waitUntil(lambda: sidebar_titles(window) == ["Delete me later"], timeout=3000)
    conversation = window.chat.session.conversation
    assert conversation is not None

    window.sidebar.deleteRequested.emit(conversation.id)
    assert sidebar_titles(window) == []
    assert entries(window) == []  # the open conversation closed
    assert window.undo_bar.isVisible()
    qtbot.mouseClick(window.undo_bar.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sidebar_titles(window) == ["Delete me later"], timeout=3000)
    qtbot.waitUntil(lambda: len(entries(window)) == 2, timeout=3000)

    window.sidebar.deleteRequested.emit(conversation.id)
    window.undo_bar.finish()  # the seconds for Undo are over
    qtbot.waitUntil(
        lambda: (
            window.services.gateway.wait(
                lambda store: store.conversations.count(include_deleted=True)
            )
            == 0
        ),
        timeout=5000,
    )


def test_rename_and_pin_from_the_sidebar_are_saved(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="ok")
    window = make_window(fake_ollama.host_port)
    window.titles_action.setChecked(False)
    connected(qtbot, window)
    type_and_send(qtbot, window, "old name")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    conversation = window.chat.session.conversation
    assert conversation is not None
    window.sidebar.renameRequested.emit(conversation.id, "Lease dispute")
    qtbot.waitUntil(lambda: sidebar_titles(window) == ["Lease dispute"], timeout=3000)
    window.sidebar.pinRequested.emit(conversation.id, True)
    qtbot.waitUntil(
        lambda: window.conversation_list.index(0, 0).data(Qt.ItemDataRole.DisplayRole) == "Pinned",
        timeout=3000,
    )
    stored = window.services.gateway.wait(lambda store: store.conversations.get(conversation.id))
    assert (stored.title, stored.pinned) == ("Lease dispute", True)


def test_search_jumps_to_the_message(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="The deposit is three months of rent.")
    window = make_window(fake_ollama.host_port)
    window.titles_action.setChecked(False)
    connected(qtbot, window)
    type_and_send(qtbot, window, "What about the kaucja?")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    window.chat.new_chat()
    qtbot.keyClick(
        window.chat.composer.edit,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = window.search_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.search, "deposit")
    qtbot.waitUntil(lambda: dialog.results_model.rowCount() == 1, timeout=5000)
    dialog.search.setFocus()
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    # The message is revealed once the whole conversation is loaded (right after it shows).
    qtbot.waitUntil(lambda: window.chat.view.currentIndex().row() == 1, timeout=5000)
    assert [e.role for e in entries(window)] == ["user", "assistant"]
    assert not dialog.isVisible()


def test_preset_temperature_and_context_length_reach_the_daemon(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="ok")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    picker = window.chat.model_picker
    picker.setCurrentIndex(picker.findData("qwen3:latest"))
    qtbot.mouseClick(window.chat.settings_button, Qt.MouseButton.LeftButton)
    dialog = window.chat.settings_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.preset_combo.count() > 3, timeout=5000)
    choose(qtbot, dialog.preset_combo, "Legal analyst (cautious, quotes the text it relies on)")
    assert dialog.context_spin.maximum() == 40960  # qwen3's maximum, from /api/show
    dialog.context_default.setChecked(False)
    dialog.context_spin.setValue(16384)
    dialog.temperature_default.setChecked(False)
    dialog.temperature_spin.setValue(0.3)
    dialog.seed_fixed.setChecked(True)
    dialog.seed_spin.setValue(42)
    legal_prompt = dialog.prompt_edit.toPlainText()
    dialog.accept()

    type_and_send(qtbot, window, "Review clause 4")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    request = fake_ollama.requests_to("/api/chat")[0].json
    assert request["messages"][0] == {"role": "system", "content": legal_prompt}
    assert request["options"] == {"temperature": 0.3, "num_ctx": 16384, "seed": 42}
    conversation = window.chat.session.conversation
    assert conversation is not None
    stored = window.services.gateway.wait(lambda store: store.conversations.get(conversation.id))
    assert stored.preset_key == "legal_analyst" and stored.system_prompt == legal_prompt


def test_images_go_only_to_a_vision_model_as_plain_base64(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="A blue square.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    picker = window.chat.model_picker
    composer = window.chat.composer
    picker.setCurrentIndex(picker.findData("llama3.2:latest"))
    assert not composer.attach_button.isEnabled()
    assert "cannot see images" in composer.attach_button.toolTip()

    picker.setCurrentIndex(picker.findData("gemma3:latest"))
    assert composer.attach_button.isEnabled()
    image = png_bytes()
    QGuiApplication.clipboard().setImage(QImage.fromData(image))
    composer.edit.setFocus()
    qtbot.keyClick(composer.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(composer.attachments()) == 1, timeout=5000)
    type_and_send(qtbot, window, "What is this?")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    sent = fake_ollama.requests_to("/api/chat")[0].json["messages"][-1]
    assert sent["content"] == "What is this?"
    (encoded,) = sent["images"]
    assert not encoded.startswith("data:")
    assert base64.b64decode(encoded, validate=True) == composer_sent_bytes(window)
    # The question shows the picture: its blue is painted in the question's row.
    assert len(entries(window)[0].images) == 1
    blue = QColor(0x3366CC)
    qtbot.waitUntil(lambda: pixels_in_colour(window.chat, blue, row=0) >= 8 * 8, timeout=3000)
    assert composer.attachments() == []


def composer_sent_bytes(window: MainWindow) -> bytes:
    return entries(window)[0].images[0]


def test_a_message_that_does_not_fit_warns_and_offers_a_larger_context(
    qtbot: QtBot,
    make_window: WindowFactory,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_ollama.script(reply="Read it.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    picker = window.chat.model_picker
    picker.setCurrentIndex(picker.findData("llama3.2:latest"))
    shown: list[str] = []

    def raise_context(box: QMessageBox) -> int:
        shown.append(box.informativeText())
        for button in box.buttons():
            if button.text() == "Raise the context length":
                box.setProperty("chosen", True)
                monkeypatch.setattr(box, "clickedButton", lambda b=button: b)
        return 0

    monkeypatch.setattr(QMessageBox, "exec", raise_context)
    pasted = "Umowa najmu lokalu. " * 50_000  # about 1 MB, pasted as one piece
    QGuiApplication.clipboard().setText(pasted)
    edit = window.chat.composer.edit
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(edit.toPlainText()) == len(pasted)  # accepted whole
    qtbot.waitUntil(lambda: "Full" in window.chat.context_meter.text(), timeout=3000)
    limit = window.chat.context_limit()
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    # The warning gives both figures: what the turn needs and what the model reads.
    assert len(shown) == 1
    needed = re.search(r"need about ([\d,]+) tokens, but the model reads only ([\d,]+)\.", shown[0])
    assert needed is not None, shown[0]
    assert needed[2] == f"{limit:,}" and int(needed[1].replace(",", "")) > limit
    qtbot.waitUntil(lambda: finished(window), timeout=10000)
    request = fake_ollama.requests_to("/api/chat")[0].json
    assert request["options"]["num_ctx"] >= 131072 // 2
    assert request["messages"][-1]["content"] == pasted.strip()


def test_a_full_conversation_can_go_on_in_a_new_chat_seeded_with_a_summary(
    qtbot: QtBot,
    make_window: WindowFactory,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_ollama.script(reply="The lease ends in March.", once=True)
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "When does the lease end?")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    summary = "We found that the lease ends in March."
    fake_ollama.script(reply=summary)

    def choose_summary(box: QMessageBox) -> int:
        for button in box.buttons():
            if button.text() == "New chat with a summary":
                monkeypatch.setattr(box, "clickedButton", lambda b=button: b)
        return 0

    monkeypatch.setattr(QMessageBox, "exec", choose_summary)
    draft = "Umowa najmu lokalu. " * 50_000  # far more than the model reads at once
    QGuiApplication.clipboard().setText(draft)
    edit = window.chat.composer.edit
    qtbot.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    # A new, empty chat, with the summary ready to send above what the user had written.
    qtbot.waitUntil(lambda: entries(window) == [], timeout=5000)
    qtbot.waitUntil(lambda: edit.toPlainText().startswith("Summary of"), timeout=5000)
    assert edit.toPlainText() == (
        f"Summary of our earlier conversation:\n\n{summary}\n\n{draft.strip()}"
    )
    # The model summarised the conversation as it was, without the message that did not fit.
    conversations = chat_bodies(fake_ollama)  # not the request for the first chat's title
    assert len(conversations) == 2  # the first question, then the summary: nothing else sent
    *earlier, request = conversations[1]
    assert earlier == [
        ("user", "When does the lease end?"),
        ("assistant", "The lease ends in March."),
    ]
    assert request[0] == "user" and "Summarise our conversation" in request[1]
    assert len(sidebar_titles(window)) == 1  # the first chat stays; the new one is not saved yet


def test_a_message_that_does_not_fit_stays_in_the_box_when_not_sent(
    qtbot: QtBot,
    make_window: WindowFactory,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Cancel in the warning: nothing is sent, and nothing the user wrote or attached is
    lost."""
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    picker = window.chat.model_picker
    picker.setCurrentIndex(picker.findData("gemma3:latest"))  # can look at pictures

    asked: list[tuple[str, bool]] = []

    def cancel(box: QMessageBox) -> int:
        cancel_button = box.button(QMessageBox.StandardButton.Cancel)
        # Enter and Escape both mean Cancel: a hurried Enter must not send it anyway.
        safe = box.defaultButton() is cancel_button and box.escapeButton() is cancel_button
        asked.append((QTextDocumentFragment.fromHtml(box.text()).toPlainText(), safe))
        monkeypatch.setattr(box, "clickedButton", lambda: cancel_button)
        return 0

    monkeypatch.setattr(QMessageBox, "exec", cancel)
    composer = window.chat.composer
    picture = tmp_path / "scan.png"
    picture.write_bytes(png_bytes())
    composer.attach_files([picture])
    qtbot.waitUntil(lambda: len(composer.attachments()) == 1, timeout=5000)
    message = "Umowa najmu lokalu.\n" * 50_000
    QGuiApplication.clipboard().setText(message)
    qtbot.keyClick(composer.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert composer.edit.toPlainText() == message
    assert [image.name for image in composer.attachments()] == ["scan.png"]
    assert entries(window) == []
    assert fake_ollama.requests_to("/api/chat") == []
    assert asked == [("This message will not fit. Send it anyway?", True)]


def test_a_model_counts_as_used_when_it_is_asked_not_when_send_is_pressed(
    qtbot: QtBot,
    make_window: WindowFactory,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The library's "last used" follows what really went to the model."""
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    model = window.chat.current_model
    assert model
    usage = window.models.usage
    monkeypatch.setattr(QMessageBox, "exec", lambda box: 0)  # the warning is closed: not sent
    composer = window.chat.composer
    QGuiApplication.clipboard().setText("Umowa najmu lokalu.\n" * 50_000)
    qtbot.keyClick(composer.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    qtbot.wait(300)  # recording takes a few milliseconds when it happens
    assert fake_ollama.requests_to("/api/chat") == []
    assert usage.get(model).last_used is None

    composer.edit.clear()
    type_and_send(qtbot, window, "Hello")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    qtbot.waitUntil(lambda: usage.get(model).last_used is not None, timeout=3000)
    first_use = usage.get(model).last_used
    time.sleep(0.01)  # the clock moves on: the next use has a later time
    click_action(qtbot, window, 1, MessageAction.REGENERATE)  # asks the model again
    qtbot.waitUntil(lambda: usage.get(model).last_used != first_use, timeout=3000)


def test_empty_message_cannot_be_sent(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    assert not window.chat.composer.send_button.isEnabled()
    qtbot.keyClicks(window.chat.composer.edit, "   ")
    assert not window.chat.composer.send_button.isEnabled()
    qtbot.keyClick(window.chat.composer.edit, Qt.Key.Key_Return)
    assert fake_ollama.requests_to("/api/chat") == []


def test_a_notification_when_an_answer_finishes_in_the_background(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="Done.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    other = QDialog()
    qtbot.addWidget(other)
    type_and_send(qtbot, window, "Take your time")
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=3000)
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    model = (window.chat.current_model or "").removesuffix(":latest")
    assert window.last_notification == f"The answer from {model} is ready."
    assert "Done" not in window.last_notification  # never the words of the answer

    # Turned off in the Chat menu (and remembered): the next answer comes without one.
    window.last_notification = ""
    window.notify_action.trigger()
    assert not window.services.preferences.load().notify_when_answered
    type_and_send(qtbot, window, "And again")
    qtbot.waitUntil(lambda: finished(window) and len(entries(window)) == 4, timeout=5000)
    assert not window.isActiveWindow()
    assert window.last_notification == ""


def test_no_notification_while_the_window_is_in_front(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="Done.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    type_and_send(qtbot, window, "Quick one")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    assert window.last_notification == ""


def test_window_layout_is_remembered(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = make_window(fake_ollama.host_port)
    window.resize(760, 560)
    window.splitter.setSizes([220, 540])
    qtbot.wait(20)
    chosen = window.splitter.sizes()[0]
    assert chosen > 150
    window.sidebar.toggle_action().trigger()  # hide the sidebar
    assert not window.sidebar.isVisible()
    window.close()
    window.services.shutdown()
    again = make_window(fake_ollama.host_port)
    assert again.size().width() == 760
    assert not again.sidebar.isVisible()
    again.sidebar.toggle_action().trigger()
    assert again.sidebar.isVisible()
    qtbot.waitUntil(lambda: again.splitter.sizes()[0] == chosen, timeout=3000)


def test_locking_hides_every_word_until_unlocked(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="secret answer")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "secret question")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    window.idle_lock.lock_now()
    assert not window.chat.isVisible() and not window.sidebar.isVisible()
    assert window.lock_screen.isVisible()
    assert not window.menuBar().isEnabled()
    # Keyring mode: no passphrase to type, one click shows the content again.
    qtbot.waitUntil(window.lock_screen.unlock_button.isEnabled, timeout=3000)
    qtbot.mouseClick(window.lock_screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.chat.isVisible(), timeout=3000)
    assert last_answer(window).status is EntryStatus.COMPLETE
