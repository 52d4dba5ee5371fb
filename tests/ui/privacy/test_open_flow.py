"""Start-up through the dialogs, as a user meets them: first run, unlock, problems."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from confide.core.store import KeyStatus, Protection, Role, Store, StoreErrorKind
from confide.core.store.keys import KEYRING_SERVICE, KEYRING_USERNAME
from confide.ui.privacy.first_run import FirstRunDialog
from confide.ui.privacy.open_flow import StoreOpener, open_store_interactively
from confide.ui.privacy.problems import Choice, OpenProblemDialog
from confide.ui.privacy.unlock import UnlockDialog
from confide.ui.services import build_services
from tests.keyring_double import FAST_SCRYPT, MemoryKeyring
from tests.ui.privacy.conftest import PASSPHRASE, Env, WaitFor

LEFT = Qt.MouseButton.LeftButton


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Run:
    """An opener started, with every dialog it showed and its result."""

    def __init__(self, env: Env, opener: StoreOpener) -> None:
        self.env = env
        self.opener = opener
        self.dialogs: list[QDialog] = []
        self.results: list[Store | None] = []
        opener.dialogShown.connect(self.dialogs.append)
        opener.finished.connect(self._finished)
        opener.start()

    def _finished(self, store: Store | None) -> None:
        self.results.append(store)
        if store is not None:
            self.env.opened.append(store)

    @property
    def dialog(self) -> QDialog | None:
        return self.opener.dialog


def _start(env: Env, **kwargs: Any) -> Run:
    return Run(env, env.opener(**kwargs))


def _seed(store: Store) -> str:
    conversation = store.conversations.create(title="Kept")
    store.conversations.add_message(conversation.id, None, Role.USER, "Nothing may be lost")
    return conversation.id


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_first_run_with_a_keychain_opens_again_without_asking(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    run = _start(env)
    wait_for(lambda: isinstance(run.dialog, FirstRunDialog))
    dialog = run.dialog
    assert isinstance(dialog, FirstRunDialog)
    assert dialog.keyring_choice.isVisible() and dialog.keyring_choice.isChecked()
    assert "recommended" in dialog.keyring_choice.text()
    assert dialog.passphrase_choice.isVisible()
    assert not dialog.form.isVisible()  # no passphrase needed for the keychain
    assert dialog.create_button.isEnabled()
    qtbot.mouseClick(dialog.create_button, LEFT)
    wait_for(lambda: run.results)
    store = run.results[0]
    assert store is not None and store.protection is Protection.KEYRING
    assert run.dialog is None  # dismissed (and deleted)
    conversation_id = _seed(store)
    store.close()

    again = _start(env)
    wait_for(lambda: again.results)
    reopened = again.results[0]
    assert reopened is not None
    assert again.dialogs == []  # no prompt at all
    assert reopened.conversations.get(conversation_id).title == "Kept"


def test_choosing_a_passphrase_when_a_keychain_exists(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    run = _start(env)
    wait_for(lambda: isinstance(run.dialog, FirstRunDialog))
    dialog = run.dialog
    assert isinstance(dialog, FirstRunDialog)
    qtbot.mouseClick(dialog.passphrase_choice, LEFT)
    assert dialog.form.isVisible() and not dialog.create_button.isEnabled()
    _type(qtbot, dialog.form.passphrase_field.edit, PASSPHRASE)
    _type(qtbot, dialog.form.confirm_field.edit, PASSPHRASE)
    qtbot.keyClick(dialog.form.confirm_field.edit, Qt.Key.Key_Return)
    wait_for(lambda: run.results)
    assert env.key_store.status(env.paths.database_file) is KeyStatus.PASSPHRASE


def test_first_run_without_a_keychain_requires_a_passphrase(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())  # the autouse fixture restores it
    run = _start(env)
    wait_for(lambda: isinstance(run.dialog, FirstRunDialog))
    dialog = run.dialog
    assert isinstance(dialog, FirstRunDialog)
    assert not dialog.keyring_choice.isVisible()
    assert dialog.no_keyring.isVisible() and "no secure keychain" in dialog.no_keyring.text()
    assert dialog.form.isVisible()
    assert "nobody can open" in dialog.form.forget_warning.text()
    form = dialog.form
    assert not dialog.create_button.isEnabled()

    _type(qtbot, form.passphrase_field.edit, "short")
    assert form.problem.isVisible()
    assert "at least 8 characters (5 so far)" in form.problem.text()
    assert not dialog.create_button.isEnabled()

    _type(qtbot, form.passphrase_field.edit, PASSPHRASE)
    _type(qtbot, form.confirm_field.edit, PASSPHRASE + "x")
    assert "not the same" in form.problem.text() and form.problem.isVisible()
    assert not dialog.create_button.isEnabled()

    qtbot.keyClick(form.confirm_field.edit, Qt.Key.Key_Backspace)
    assert not form.problem.isVisible()
    assert dialog.create_button.isEnabled()

    assert form.passphrase_field.edit.echoMode() is QLineEdit.EchoMode.Password
    qtbot.mouseClick(form.passphrase_field.reveal, LEFT)
    assert form.passphrase_field.edit.echoMode() is QLineEdit.EchoMode.Normal
    assert form.passphrase_field.reveal.text() == "Hide"

    qtbot.mouseClick(dialog.create_button, LEFT)
    wait_for(lambda: run.results)
    store = run.results[0]
    assert store is not None and store.protection is Protection.PASSPHRASE


def test_unlock_with_a_wrong_then_the_right_passphrase(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    created = env.create(Protection.PASSPHRASE, attach=False)
    conversation_id = _seed(created)
    created.close()

    run = _start(env)
    wait_for(lambda: isinstance(run.dialog, UnlockDialog))
    dialog = run.dialog
    assert isinstance(dialog, UnlockDialog)
    qtbot.waitExposed(dialog)
    assert not dialog.unlock_button.isEnabled()  # nothing typed yet
    _type(qtbot, dialog.field.edit, "not my passphrase")
    qtbot.mouseClick(dialog.unlock_button, LEFT)
    wait_for(lambda: "not right" in dialog.status.label.text())
    assert dialog.status.isVisible() and dialog.status.label.text().startswith("⚠")
    assert dialog.isVisible() and run.results == []
    assert dialog.field.edit.hasFocus()
    assert dialog.field.edit.selectedText() == "not my passphrase"  # typing replaces it

    qtbot.keyClicks(dialog.field.edit, PASSPHRASE)
    qtbot.keyClick(dialog.field.edit, Qt.Key.Key_Return)
    wait_for(lambda: run.results)
    store = run.results[0]
    assert store is not None
    assert store.conversations.get(conversation_id).title == "Kept"


def test_quitting_at_the_unlock_prompt_opens_nothing(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    env.create(Protection.PASSPHRASE, attach=False).close()
    run = _start(env)
    wait_for(lambda: isinstance(run.dialog, UnlockDialog))
    dialog = run.dialog
    assert isinstance(dialog, UnlockDialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    wait_for(lambda: run.results)
    assert run.results == [None]


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:140] = os.urandom(40)  # inside page 1: its HMAC no longer matches
    path.write_bytes(bytes(data))


def test_a_damaged_database_offers_the_latest_backup_and_restoring_brings_it_back(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    store = env.create(attach=False)
    conversation_id = _seed(store)
    backup = store.backup_now()
    store.close()
    _corrupt(env.paths.database_file)
    damaged = _digest(env.paths.database_file)

    run = _start(env)
    wait_for(lambda: isinstance(run.dialog, OpenProblemDialog))
    dialog = run.dialog
    assert isinstance(dialog, OpenProblemDialog)
    assert "damaged" in dialog.title.text()
    assert dialog.restore_button.isVisible()
    assert dialog.restore_button.text().startswith("Restore the latest backup (")
    assert "not deleted" in dialog.backup_note.text()
    assert not dialog.start_over_button.isVisible()  # a restore is possible: no starting over
    assert _digest(env.paths.database_file) == damaged  # nothing touched before the choice

    qtbot.mouseClick(dialog.restore_button, LEFT)
    wait_for(lambda: run.results)
    restored = run.results[0]
    assert restored is not None
    assert restored.conversations.get(conversation_id).title == "Kept"
    assert [hit.conversation_id for hit in restored.search("lost")] == [conversation_id]
    kept = [p for p in env.paths.backup_dir.iterdir() if p.name.startswith("damaged-")]
    assert [_digest(p) for p in kept] == [damaged]  # the damaged file is kept, not deleted
    assert backup.exists()


def test_a_damaged_database_without_backup_never_starts_empty_silently(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    env.create(attach=False).close()
    _corrupt(env.paths.database_file)
    run = _start(env)
    wait_for(lambda: isinstance(run.dialog, OpenProblemDialog))
    dialog = run.dialog
    assert isinstance(dialog, OpenProblemDialog)
    assert not dialog.restore_button.isVisible()
    assert dialog.quit_button.isVisible() and dialog.start_over_button.isVisible()
    qtbot.mouseClick(dialog.quit_button, LEFT)
    wait_for(lambda: run.results)
    assert run.results == [None]


def test_a_missing_key_is_explained_and_nothing_is_deleted(
    qtbot: QtBot, env: Env, wait_for: WaitFor, _memory_keyring: MemoryKeyring
) -> None:
    store = env.create(attach=False)
    _seed(store)
    store.backup_now()
    store.close()
    _memory_keyring.entries.pop((KEYRING_SERVICE, KEYRING_USERNAME))
    before = {p: _digest(p) for p in env.paths.data_dir.rglob("*") if p.is_file()}

    run = _start(env)
    wait_for(lambda: isinstance(run.dialog, OpenProblemDialog))
    dialog = run.dialog
    assert isinstance(dialog, OpenProblemDialog)
    assert dialog.title.text() == "The key to your conversations is missing"
    assert "cannot be opened" in dialog.message.text()
    assert dialog.quit_button.isVisible()
    assert not dialog.retry_button.isVisible() and not dialog.restore_button.isVisible()
    assert not dialog.start_over_panel.isVisible()

    qtbot.mouseClick(dialog.quit_button, LEFT)
    wait_for(lambda: run.results)
    assert run.results == [None]
    after = {p: _digest(p) for p in env.paths.data_dir.rglob("*") if p.is_file()}
    assert after == before


def test_starting_over_needs_the_typed_word_and_sets_the_old_history_aside(
    qtbot: QtBot, env: Env, wait_for: WaitFor, _memory_keyring: MemoryKeyring
) -> None:
    store = env.create(attach=False)
    _seed(store)
    store.backup_now()
    store.close()
    old_key = _memory_keyring.entries.pop((KEYRING_SERVICE, KEYRING_USERNAME))
    env.key_store.key_file.unlink()
    # The key file is gone but, say, an old keychain entry came back: it is kept, not erased.
    _memory_keyring.entries[(KEYRING_SERVICE, KEYRING_USERNAME)] = old_key
    database = _digest(env.paths.database_file)
    # An answer's log left by a crash belongs to the old database too.
    stream_log = env.paths.database_file.with_name("confide.db-stream-1")
    stream_log.write_bytes(b"encrypted with the old key")

    run = _start(env)
    wait_for(lambda: isinstance(run.dialog, OpenProblemDialog))
    dialog = run.dialog
    assert isinstance(dialog, OpenProblemDialog)
    qtbot.mouseClick(dialog.start_over_button, LEFT)
    assert dialog.start_over_panel.isVisible()
    assert not dialog.start_over_confirm_button.isEnabled()
    qtbot.keyClicks(dialog.start_over_confirm, "START")
    assert not dialog.start_over_confirm_button.isEnabled()
    qtbot.keyClicks(dialog.start_over_confirm, " OVER")
    assert dialog.start_over_confirm_button.isEnabled()
    qtbot.mouseClick(dialog.start_over_confirm_button, LEFT)

    wait_for(lambda: isinstance(run.dialog, FirstRunDialog))
    first_run = run.dialog
    assert isinstance(first_run, FirstRunDialog)
    (aside,) = env.paths.backup_dir.glob("set-aside-*")
    assert str(aside) in first_run.note.text() and first_run.note.isVisible()
    assert _digest(aside / "confide.db") == database
    assert len(list(aside.glob("confide-*.db"))) == 1  # its backup went along
    assert (aside / stream_log.name).read_bytes() == b"encrypted with the old key"
    assert (aside / "confide.key.json").exists() is False  # it was already gone
    kept = [name for (_service, name) in _memory_keyring.entries if "set-aside" in name]
    assert len(kept) == 1 and _memory_keyring.entries[(KEYRING_SERVICE, kept[0])] == old_key

    qtbot.mouseClick(first_run.create_button, LEFT)
    wait_for(lambda: run.results)
    fresh = run.results[0]
    assert fresh is not None and fresh.conversations.count() == 0


def test_a_second_confide_is_told_and_can_try_again(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    first = env.create(attach=False)
    from confide.core.store import StoreOptions

    run = _start(env, options=StoreOptions(busy_timeout_s=0.1, clock=env.clock))
    wait_for(lambda: isinstance(run.dialog, OpenProblemDialog))
    dialog = run.dialog
    assert isinstance(dialog, OpenProblemDialog)
    assert dialog.title.text() == "Confide is already open"
    assert dialog.retry_button.isVisible() and dialog.quit_button.isVisible()
    assert not dialog.start_over_button.isVisible()

    first.close()
    qtbot.mouseClick(dialog.retry_button, LEFT)
    wait_for(lambda: run.results)
    assert run.results[0] is not None


def test_a_read_only_folder_shows_the_folder(qtbot: QtBot, env: Env, wait_for: WaitFor) -> None:
    from confide.core.store import StoreError, StoreOptions

    env.create(attach=False).close()

    def refuse(_folder: Path, _file: Path | None) -> None:
        raise StoreError(StoreErrorKind.READ_ONLY, "test: not writable")

    run = _start(env, options=StoreOptions(write_probe=refuse, clock=env.clock))
    wait_for(lambda: isinstance(run.dialog, OpenProblemDialog))
    dialog = run.dialog
    assert isinstance(dialog, OpenProblemDialog)
    assert dialog.folder.isVisible() and str(env.paths.data_dir) in dialog.folder.text()
    assert dialog.retry_button.isVisible()
    qtbot.mouseClick(dialog.retry_button, LEFT)  # still refused: the same explanation again
    wait_for(lambda: run.dialog is not dialog and isinstance(run.dialog, OpenProblemDialog))
    assert run.results == []


def test_a_newer_database_can_only_be_left_alone(qtbot: QtBot, env: Env, wait_for: WaitFor) -> None:
    from confide.core.store.database import connect

    env.create(attach=False).close()
    conn = connect(env.paths.database_file, env.key_store.unlock().current, create=False)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    run = _start(env)
    wait_for(lambda: isinstance(run.dialog, OpenProblemDialog))
    dialog = run.dialog
    assert isinstance(dialog, OpenProblemDialog)
    assert "newer" in dialog.title.text()
    assert dialog.offered == [Choice.QUIT] and dialog.quit_button.isVisible()
    assert not dialog.retry_button.isVisible()


def test_open_store_interactively_waits_for_the_user(
    qtbot: QtBot, tmp_path: Path, wait_for: WaitFor
) -> None:
    from confide.core.paths import AppPaths

    paths = AppPaths.portable(tmp_path / "app").ensure()
    services = build_services(paths, {}, scrypt=FAST_SCRYPT)
    clicked: list[bool] = []

    def click_create() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, FirstRunDialog) and widget.isVisible():
                qtbot.mouseClick(widget.create_button, LEFT)
                clicked.append(True)
                return
        QTimer.singleShot(20, click_create)

    QTimer.singleShot(0, click_create)
    try:
        store = open_store_interactively(services)
        assert clicked and store is not None and store.protection is Protection.KEYRING
        assert QApplication.quitOnLastWindowClosed()  # restored afterwards
        services.gateway.attach(store)
    finally:
        services.shutdown()


def test_a_slow_open_shows_that_it_is_busy(qtbot: QtBot, env: Env, wait_for: WaitFor) -> None:
    import threading

    from confide.core.store import StoreOptions

    env.create(attach=False).close()
    release = threading.Event()

    def slow_probe(_folder: Path, _file: Path | None) -> None:
        release.wait(10)  # a slow network drive, say

    run = _start(env, options=StoreOptions(write_probe=slow_probe, clock=env.clock))
    wait_for(lambda: run.opener.busy_dialog is not None)
    busy = run.opener.busy_dialog
    assert busy is not None and busy.isVisible()
    assert busy.label.text() == "Opening your conversations…"
    busy.close()  # cannot be closed meanwhile
    assert busy.isVisible()
    release.set()
    wait_for(lambda: run.results)
    assert run.results[0] is not None and run.opener.busy_dialog is None


def test_after_restoring_a_backup_the_passphrase_is_not_asked_twice(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    store = env.create(Protection.PASSPHRASE, attach=False)
    conversation_id = _seed(store)
    store.backup_now()
    store.close()
    _corrupt(env.paths.database_file)

    run = _start(env)
    wait_for(lambda: isinstance(run.dialog, UnlockDialog))
    unlock = run.dialog
    assert isinstance(unlock, UnlockDialog)
    qtbot.keyClicks(unlock.field.edit, PASSPHRASE)
    qtbot.mouseClick(unlock.unlock_button, LEFT)
    wait_for(lambda: isinstance(run.dialog, OpenProblemDialog))
    problem = run.dialog
    assert isinstance(problem, OpenProblemDialog)
    qtbot.mouseClick(problem.restore_button, LEFT)
    wait_for(lambda: run.results)
    restored = run.results[0]
    assert restored is not None
    assert restored.conversations.get(conversation_id).title == "Kept"
    assert [type(d) for d in run.dialogs] == [UnlockDialog, OpenProblemDialog]
