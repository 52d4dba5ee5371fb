"""Chatting with the encrypted store behind it: nothing lost, every version kept, all reachable."""

from __future__ import annotations

import re
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from confide.core.chat_titles import TITLE_SYSTEM_PROMPT
from confide.core.paths import AppPaths
from confide.core.store import KeyStore, Protection, Role, Store
from confide.ui.chat.message_delegate import MessageAction
from confide.ui.chat.transcript_model import EntryStatus, TranscriptEntry
from confide.ui.main_window import MainWindow
from tests.fake_ollama.server import FakeOllama
from tests.keyring_double import FAST_SCRYPT
from tests.ui.conftest import MessageBoxes, WindowFactory, painted_words
from tests.ui.test_main_window import (
    connected,
    last_answer,
    long_answer_under_way,
    type_and_send,
)


def entries(window: MainWindow) -> list[TranscriptEntry]:
    return window.chat.transcript.entries()


def finished(window: MainWindow) -> bool:
    last = window.chat.transcript.last()
    return (
        last is not None
        and last.role == "assistant"
        and last.status is not EntryStatus.STREAMING
        and not window.chat.answering
    )


def click_action(qtbot: QtBot, window: MainWindow, row: int, action: str) -> None:
    """Clicks one of the words under a message, where the user sees it."""
    view = window.chat.view
    index = window.chat.transcript.index(row)
    view.scrollTo(index)
    qtbot.wait(20)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    rect = window.chat.delegate.action_rect(option, index, action)
    assert not rect.isEmpty(), f"no {action} under row {row}"
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center().toPoint())


def stored_branch(window: MainWindow) -> list[tuple[str, str, str]]:
    conversation = window.chat.session.conversation
    assert conversation is not None
    conversation_id = conversation.id
    messages = window.services.gateway.wait(
        lambda store: store.conversations.branch(conversation_id)
    )
    return [(m.role.value, m.content, m.status.value) for m in messages]


def stored_everything(window: MainWindow) -> list[tuple[str, str, str]]:
    """Every message of every conversation on disk."""

    def read(store: Store) -> list[tuple[str, str, str]]:
        return [
            (m.role.value, m.content, m.status.value)
            for summary in store.conversations.list_conversations()
            for m in store.conversations.all_messages(summary.id)
        ]

    return window.services.gateway.wait(read)


def chat_bodies(fake: FakeOllama) -> list[list[tuple[str, str]]]:
    """The conversation requests (not the ones asking for a title), as (role, content)."""
    return [
        [(m["role"], m["content"]) for m in request.json["messages"]]
        for request in fake.requests_to("/api/chat")
        if not any(
            m["role"] == "system" and m["content"] == TITLE_SYSTEM_PROMPT
            for m in request.json["messages"]
        )
    ]


def test_the_question_is_saved_before_the_daemon_hears_it(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(load_delay=20.0)
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "Is a verbal lease valid?")
    qtbot.waitUntil(lambda: len(fake_ollama.requests_to("/api/chat")) == 1, timeout=5000)
    # The request is on the wire: the question must already be on disk. Read the store
    # itself: the window may not have heard yet which conversation was created.
    assert stored_everything(window) == [("user", "Is a verbal lease valid?", "complete")]
    assert window.chat.composer.edit.toPlainText() == ""
    window.chat.stop()


def reopened(
    qtbot: QtBot,
    window: MainWindow,
    make_window: WindowFactory,
    fake: FakeOllama,
    conversation_id: str,
) -> MainWindow:
    """Quits ``window``, starts Confide again and opens the conversation (two messages)."""
    window.close()
    window.services.shutdown()
    again = make_window(fake.host_port)
    connected(qtbot, again)
    again.chat.open_conversation(conversation_id)
    qtbot.waitUntil(lambda: len(entries(again)) == 2, timeout=5000)
    return again


def test_the_answer_is_stored_complete_and_the_conversation_reopens(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.script(reply="Yes, for up to one year.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    # Chat > Generate titles off: the title must stay the first words (a generated title
    # could otherwise arrive before the check below; titles have tests of their own).
    window.titles_action.setChecked(False)
    type_and_send(qtbot, window, "Is a verbal lease valid?")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    assert stored_branch(window) == [
        ("user", "Is a verbal lease valid?", "complete"),
        ("assistant", "Yes, for up to one year.", "complete"),
    ]
    conversation = window.chat.session.conversation
    assert conversation is not None and conversation.title == "Is a verbal lease valid?"

    # Quit, start again: the conversation is there, read back from the encrypted file.
    again = reopened(qtbot, window, make_window, fake_ollama, conversation.id)
    assert [(e.role, e.content) for e in entries(again)] == [
        ("user", "Is a verbal lease valid?"),
        ("assistant", "Yes, for up to one year."),
    ]
    assert entries(again)[1].metrics is not None  # the footer's figures were kept


def test_a_reopened_answer_with_reasoning_does_not_say_the_model_is_thinking(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script("qwen3:latest", thinking="Clause 2.1 says thirty days.", reply="30 days.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    window.chat.model_picker.setCurrentIndex(window.chat.model_picker.findData("qwen3:latest"))
    type_and_send(qtbot, window, "How long is the notice?")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    conversation = window.chat.session.conversation
    assert conversation is not None
    again = reopened(qtbot, window, make_window, fake_ollama, conversation.id)
    assert entries(again)[1].thinking == "Clause 2.1 says thirty days."
    words = painted_words(again.chat, 1)
    # How long it thought is not stored; it must not read as if it were thinking now.
    assert "▸ Thought process" in words and not any("Thinking" in w for w in words), words


def test_stop_is_stored_as_stopped_with_what_was_shown(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = long_answer_under_way(qtbot, make_window, fake_ollama, token_rate=40)
    qtbot.keyClick(window.chat.composer.edit, Qt.Key.Key_Escape)
    assert last_answer(window).status is EntryStatus.STOPPED
    qtbot.waitUntil(lambda: len(stored_branch(window)) == 2, timeout=5000)
    role, content, status = stored_branch(window)[1]
    assert (role, status) == ("assistant", "stopped")
    qtbot.waitUntil(lambda: last_answer(window).content == content, timeout=3000)
    assert content.startswith("word0")


def versions_shown(window: MainWindow) -> list[str]:
    """The "‹ 2/3 ›" under the answer, as painted."""
    words = painted_words(window.chat, 1)
    return [word for word in words if word in ("‹", "›") or re.fullmatch(r"\d+/\d+", word)]


def test_regenerate_keeps_the_old_answer_as_a_version(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama, qtmodeltester: object
) -> None:
    fake_ollama.script(reply="First version.", once=True)
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    # The model tester stays attached: every change below (rows added, versions switched) is
    # checked against Qt's rules for models.
    qtmodeltester.check(window.chat.transcript)  # type: ignore[attr-defined]
    type_and_send(qtbot, window, "Summarise the contract")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    fake_ollama.script(reply="Second version.")
    click_action(qtbot, window, 1, MessageAction.REGENERATE)
    qtbot.waitUntil(
        lambda: finished(window) and last_answer(window).content == "Second version.",
        timeout=5000,
    )
    answer = last_answer(window)
    assert (answer.sibling_position, len(answer.siblings)) == (2, 2)
    assert versions_shown(window) == ["‹", "2/2", "›"]
    # Both requests asked the same question, without the first answer in the history.
    assert chat_bodies(fake_ollama) == [[("user", "Summarise the contract")]] * 2

    click_action(qtbot, window, 1, MessageAction.PREVIOUS)
    qtbot.waitUntil(lambda: last_answer(window).content == "First version.", timeout=3000)
    assert last_answer(window).sibling_position == 1
    assert versions_shown(window) == ["‹", "1/2", "›"]
    qtbot.waitUntil(
        lambda: stored_branch(window)[-1][1] == "First version.", timeout=3000
    )  # the choice is remembered
    click_action(qtbot, window, 1, MessageAction.NEXT)
    qtbot.waitUntil(lambda: last_answer(window).content == "Second version.", timeout=3000)


def test_stop_keeps_the_answer_as_it_was_on_screen(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = long_answer_under_way(qtbot, make_window, fake_ollama, token_rate=60)
    # The window is busy for a moment (a slow machine): words keep arriving meanwhile, and
    # are still on their way to the screen when the user presses Esc.
    time.sleep(0.3)
    qtbot.keyClick(window.chat.composer.edit, Qt.Key.Key_Escape)
    shown = last_answer(window).content
    assert last_answer(window).status is EntryStatus.STOPPED
    assert fake_ollama.wait_for_cancelled(timeout=3.0)
    qtbot.waitUntil(lambda: len(stored_branch(window)) == 2, timeout=5000)
    assert stored_branch(window)[1][1] == shown  # not the words that came after Stop
    qtbot.wait(300)
    assert last_answer(window).content == shown
    assert last_answer(window).status is EntryStatus.STOPPED


def test_edit_and_resend_keeps_the_earlier_question(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="About leases.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "Tell me about leeses")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)

    click_action(qtbot, window, 0, MessageAction.EDIT)
    edit = window.chat.composer.edit
    assert edit.toPlainText() == "Tell me about leeses"
    assert window.chat.composer.editing
    edit.clear()
    qtbot.keyClicks(edit, "Tell me about leases")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: finished(window) and len(entries(window)) == 2, timeout=5000)
    question = entries(window)[0]
    assert question.content == "Tell me about leases"
    assert (question.sibling_position, len(question.siblings)) == (2, 2)
    assert chat_bodies(fake_ollama)[-1] == [("user", "Tell me about leases")]
    assert not window.chat.composer.editing

    click_action(qtbot, window, 0, MessageAction.PREVIOUS)
    qtbot.waitUntil(lambda: entries(window)[0].content == "Tell me about leeses", timeout=3000)
    assert last_answer(window).content == "About leases."


def test_up_arrow_in_an_empty_composer_edits_the_last_question(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="Answer.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "first try")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    edit = window.chat.composer.edit
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    assert edit.toPlainText() == "first try"
    assert window.chat.composer.editing
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert not window.chat.composer.editing
    assert edit.toPlainText() == ""


def stopped_answer(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> tuple[MainWindow, str]:
    """A window where a question was asked and its answer stopped after a few words; and
    those words, as stored."""
    fake_ollama.script(reply=" ".join(f"w{i}" for i in range(300)), token_rate=40, once=True)
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "Count")
    qtbot.waitUntil(lambda: len(last_answer(window).content) > 10, timeout=5000)
    window.chat.stop()
    qtbot.waitUntil(lambda: len(stored_branch(window)) == 2, timeout=5000)
    qtbot.waitUntil(lambda: last_answer(window).message_id is not None, timeout=3000)
    partial = stored_branch(window)[1][1]
    qtbot.waitUntil(lambda: last_answer(window).content == partial, timeout=3000)
    return window, partial


def test_continue_a_stopped_answer(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window, partial = stopped_answer(qtbot, make_window, fake_ollama)

    fake_ollama.script(reply=" and the rest.")
    click_action(qtbot, window, 1, MessageAction.CONTINUE)
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    assert last_answer(window).content == partial + " and the rest."
    assert last_answer(window).status is EntryStatus.COMPLETE
    # The model was shown its own unfinished answer as the last message, to carry on from.
    assert chat_bodies(fake_ollama)[-1] == [("user", "Count"), ("assistant", partial)]
    # One answer that grew: the stopped beginning is not kept as an earlier version, on
    # screen or on disk.
    assert versions_shown(window) == []
    grown = [("user", "Count", "complete"), ("assistant", partial + " and the rest.", "complete")]
    qtbot.waitUntil(lambda: stored_everything(window) == grown, timeout=3000)


def test_a_continuation_that_fails_leaves_the_stopped_answer_to_continue_later(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window, partial = stopped_answer(qtbot, make_window, fake_ollama)
    fake_ollama.script(runner_died=True, once=True)
    click_action(qtbot, window, 1, MessageAction.CONTINUE)
    qtbot.waitUntil(lambda: last_answer(window).status is EntryStatus.ERROR, timeout=5000)
    qtbot.waitUntil(lambda: versions_shown(window) == ["‹", "2/2", "›"], timeout=3000)

    click_action(qtbot, window, 1, MessageAction.PREVIOUS)
    qtbot.waitUntil(lambda: last_answer(window).status is EntryStatus.STOPPED, timeout=3000)
    assert last_answer(window).content == partial
    fake_ollama.script(reply=" and the rest.")
    click_action(qtbot, window, 1, MessageAction.CONTINUE)
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    assert last_answer(window).content == partial + " and the rest."


def test_continuing_an_answer_that_has_replies_keeps_them_as_another_version(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window, partial = stopped_answer(qtbot, make_window, fake_ollama)
    fake_ollama.script(reply="Sure.", once=True)
    type_and_send(qtbot, window, "Go on from w3 instead")
    qtbot.waitUntil(lambda: finished(window) and len(entries(window)) == 4, timeout=5000)

    fake_ollama.script(reply=" and the rest.")
    click_action(qtbot, window, 1, MessageAction.CONTINUE)
    qtbot.waitUntil(lambda: finished(window) and len(entries(window)) == 2, timeout=5000)
    assert last_answer(window).content == partial + " and the rest."
    assert versions_shown(window) == ["‹", "2/2", "›"]
    click_action(qtbot, window, 1, MessageAction.PREVIOUS)  # the earlier branch, whole
    qtbot.waitUntil(lambda: len(entries(window)) == 4, timeout=3000)
    assert [e.content for e in entries(window)][1:] == [partial, "Go on from w3 instead", "Sure."]


def test_delete_a_message_erases_it_and_its_replies(
    qtbot: QtBot,
    make_window: WindowFactory,
    fake_ollama: FakeOllama,
    message_boxes: MessageBoxes,
) -> None:
    fake_ollama.script(reply="Answer.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "keep me")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    type_and_send(qtbot, window, "delete me")
    qtbot.waitUntil(lambda: finished(window) and len(entries(window)) == 4, timeout=5000)
    message_boxes.answer = "Cancel"
    click_action(qtbot, window, 2, MessageAction.DELETE)
    [asked] = message_boxes.asked
    # The question is in the box, not only its title (macOS shows none); Cancel by default.
    assert asked.question == "Delete this message?" and "cannot be undone" in asked.details
    assert set(asked.buttons) == {"Delete", "Cancel"} and asked.default == "Cancel"
    qtbot.wait(100)
    assert len(entries(window)) == 4 and len(stored_branch(window)) == 4
    message_boxes.answer = "Delete"
    click_action(qtbot, window, 2, MessageAction.DELETE)
    qtbot.waitUntil(lambda: len(entries(window)) == 2, timeout=5000)
    assert [e.content for e in entries(window)] == ["keep me", "Answer."]
    assert [m[1] for m in stored_branch(window)] == ["keep me", "Answer."]


def test_copy_as_markdown_and_as_plain_text(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="**Bold** and `code`")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    type_and_send(qtbot, window, "Format it")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    click_action(qtbot, window, 1, MessageAction.COPY)
    assert QGuiApplication.clipboard().text() == "**Bold** and `code`"
    click_action(qtbot, window, 1, MessageAction.COPY_TEXT)
    assert QGuiApplication.clipboard().text() == "Bold and code"


def test_an_answer_cut_off_by_a_crash_shows_interrupted_with_continue_and_retry(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    paths = AppPaths.portable(tmp_path).ensure()
    key_store = KeyStore.for_paths(paths, scrypt=FAST_SCRYPT)
    with Store.create(paths, key_store, Protection.KEYRING) as store:
        conversation = store.conversations.create(title="Crash")
        question = store.conversations.add_message(conversation.id, None, Role.USER, "Explain")
        writer = store.begin_answer(conversation.id, question.id, "llama3.2:latest")
        writer.append("The first half")
        writer.flush()
        # Closing with an unfinished answer stores it exactly as a crash would leave it.
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    window.chat.open_conversation(conversation.id)
    qtbot.waitUntil(lambda: len(entries(window)) == 2, timeout=5000)
    answer = last_answer(window)
    assert answer.status is EntryStatus.INTERRUPTED
    assert answer.content == "The first half"
    actions = dict(window.chat.delegate.actions_for(answer, answering=False))
    assert actions[MessageAction.CONTINUE] == "Continue"
    assert actions[MessageAction.REGENERATE] == "Retry"
    assert "Interrupted" in window.chat.delegate._footer(answer)
    spoken = window.chat.transcript.index(1).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "interrupted" in spoken


def test_switching_model_is_recorded_in_the_transcript(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="Hi.")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    picker = window.chat.model_picker
    picker.setCurrentIndex(picker.findData("llama3.2:latest"))
    type_and_send(qtbot, window, "one")
    qtbot.waitUntil(lambda: finished(window), timeout=5000)
    picker.setCurrentIndex(picker.findData("qwen3:latest"))
    type_and_send(qtbot, window, "two")
    qtbot.waitUntil(lambda: finished(window) and len(entries(window)) == 4, timeout=5000)
    header = window.chat.delegate._header(last_answer(window))
    assert header == "qwen3 · model changed from llama3.2"
    assert window.chat.delegate._header(entries(window)[1]) == "llama3.2"


def test_a_search_result_on_an_older_version_opens_that_version(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    paths = AppPaths.portable(tmp_path).ensure()
    key_store = KeyStore.for_paths(paths, scrypt=FAST_SCRYPT)
    with Store.create(paths, key_store, Protection.KEYRING) as store:
        conversation = store.conversations.create(title="Versions")
        question = store.conversations.add_message(conversation.id, None, Role.USER, "Q")
        old = store.conversations.add_message(
            conversation.id, question.id, Role.ASSISTANT, "old answer"
        )
        store.conversations.add_message(conversation.id, question.id, Role.ASSISTANT, "new answer")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    window.chat.open_conversation(conversation.id, reveal_message_id=old.id)
    qtbot.waitUntil(lambda: last_answer(window).content == "old answer", timeout=5000)
    assert window.chat.view.currentIndex().row() == 1
    assert last_answer(window).sibling_position == 1
    assert versions_shown(window) == ["‹", "1/2", "›"]


def test_unsaved_question_returns_to_the_composer(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(reply="never")
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    window.services.gateway.wait(lambda store: store.close())  # e.g. the disk went away
    type_and_send(qtbot, window, "do not lose me")
    qtbot.waitUntil(lambda: window.chat.error_bar.isVisible(), timeout=5000)
    assert window.chat.composer.edit.toPlainText() == "do not lose me"
    assert entries(window) == []
    assert fake_ollama.requests_to("/api/chat") == []


def test_a_fast_answer_reaches_the_transcript_twenty_times_a_second_at_most(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    # Every delivery lays the answer's unfinished end out again: a fast model must not make
    # that happen more often than the eye needs.
    fake_ollama.script(reply=" ".join(f"w{i}" for i in range(300)), token_rate=200)
    window = make_window(fake_ollama.host_port)
    connected(qtbot, window)
    lengths: list[int] = []

    def seen() -> None:
        entry = window.chat.transcript.last()
        if entry is None or entry.role != "assistant" or not entry.content:
            return
        if not lengths or len(entry.content) != lengths[-1]:
            lengths.append(len(entry.content))

    window.chat.transcript.dataChanged.connect(seen)
    started = time.monotonic()
    type_and_send(qtbot, window, "Count for me")
    qtbot.waitUntil(lambda: finished(window), timeout=10_000)
    elapsed = time.monotonic() - started
    assert last_answer(window).content.endswith("w299")
    assert elapsed > 1.0  # long enough for the rate to show
    assert 5 < len(lengths) <= elapsed * 20 + 2
