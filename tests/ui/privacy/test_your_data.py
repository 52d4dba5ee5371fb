"""The "Your data" dialog, driven like a user: files, export/import, delete all, retention."""

from __future__ import annotations

import faulthandler
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from confide.core import crash
from confide.core.store import DataKind, Protection, Role, Store
from confide.core.store.settings import RETENTION_DAYS
from confide.ui.privacy import opening
from confide.ui.privacy.retention import RetentionScheduler
from confide.ui.privacy.texts import format_bytes
from confide.ui.privacy.your_data import YourDataDialog
from tests.keyring_double import MemoryKeyring
from tests.ui.privacy.conftest import PASSPHRASE, Env, WaitFor

LEFT = Qt.MouseButton.LeftButton


def _dialog(qtbot: QtBot, env: Env) -> YourDataDialog:
    dialog = YourDataDialog(env.paths, env.key_store, env.gateway)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.overview.report is not None, timeout=5000)
    return dialog


def _seed(store: Store, title: str = "Kept") -> str:
    conversation = store.conversations.create(title=title)
    first = store.conversations.add_message(conversation.id, None, Role.USER, "Question")
    store.conversations.add_message(conversation.id, first.id, Role.ASSISTANT, "Answer")
    return conversation.id


def _click_box(qtbot: QtBot, box: QCheckBox) -> None:
    # On the box itself: a check box stretched across a layout ignores clicks beside its text.
    qtbot.mouseClick(box, LEFT, pos=QPoint(8, box.height() // 2))


def _click_button(box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text() == text]
    button.click()


def delete_everything(qtbot: QtBot, dialog: YourDataDialog, wait_for: WaitFor) -> None:
    """Delete all, the typed word, Delete: until the dialog says it is done."""
    qtbot.mouseClick(dialog.delete_button, LEFT)
    confirm = dialog.delete_dialog
    assert confirm is not None
    qtbot.keyClicks(confirm.confirm_field, "DELETE")
    qtbot.mouseClick(confirm.delete_button, LEFT)
    wait_for(lambda: confirm.pages.currentIndex() == 1)


def test_lists_the_database_file_with_its_size_and_protection(
    qtbot: QtBot, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = env.create()
    _seed(store)
    store.backup_now()
    dialog = _dialog(qtbot, env)
    report = dialog.overview.report
    assert report is not None
    (database,) = [item for item in report.items if item.kind is DataKind.DATABASE]
    assert database.path == env.paths.database_file

    groups = dict(dialog.overview.rows())
    (db_group,) = [title for title in groups if title.startswith("Conversations database")]
    assert ("Conversations (confide.db)", format_bytes(database.size)) in groups[db_group]
    assert any(title.startswith("Backups (1 file)") for title in groups)
    head = dialog.overview.model.item(0, 0)
    assert dialog.overview.model.item(0, 2).text() == "Yes"  # encrypted, said in words
    assert head.child(0, 3).text() == str(env.paths.data_dir)
    assert "kept in" in dialog.overview.protection.text()
    assert "In total:" in dialog.overview.total.text()

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    qtbot.mouseClick(dialog.open_folder_button, LEFT)
    assert [url.toLocalFile() for url in opened] == [str(env.paths.data_dir)]


def test_export_then_import_round_trip(
    qtbot: QtBot, env: Env, wait_for: WaitFor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = env.create()
    conversation_id = _seed(store)
    target = tmp_path / "exports" / "my conversations"  # the .zip is added
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(target), ""))
    )
    monkeypatch.setattr(
        QFileDialog,
        "getOpenFileName",
        staticmethod(lambda *_a, **_k: (str(target) + ".zip", "")),
    )
    dialog = _dialog(qtbot, env)

    qtbot.mouseClick(dialog.export_button, LEFT)
    box = dialog.export_warning
    assert box is not None and "not encrypted" in box.text()
    _click_button(box, "Choose where to save…")
    wait_for(lambda: "Exported" in dialog.status.label.text())
    exported = target.with_name("my conversations.zip")
    assert exported.is_file()
    assert "Exported 1 conversation to" in dialog.status.label.text()
    assert "not encrypted" in dialog.status.label.text()

    env.gateway.wait(lambda s: s.conversations.erase_conversations([conversation_id]))
    assert env.gateway.wait(lambda s: s.conversations.count()) == 0

    qtbot.mouseClick(dialog.import_button, LEFT)
    wait_for(lambda: "Imported" in dialog.status.label.text())
    assert dialog.status.label.text() == "Imported 1 new conversation and 2 new messages."
    assert env.gateway.wait(lambda s: s.conversations.get(conversation_id).title) == "Kept"

    qtbot.mouseClick(dialog.import_button, LEFT)
    wait_for(lambda: "Nothing new" in dialog.status.label.text())
    assert env.gateway.wait(lambda s: s.conversations.count()) == 1  # no duplicates


def test_cancelling_the_export_warning_writes_nothing(
    qtbot: QtBot, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    env.create()
    asked: list[bool] = []
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: asked.append(True))
    )
    dialog = _dialog(qtbot, env)
    qtbot.mouseClick(dialog.export_button, LEFT)
    box = dialog.export_warning
    assert box is not None
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert asked == [] and dialog.export_warning is None


def test_importing_something_else_is_explained(
    qtbot: QtBot, env: Env, wait_for: WaitFor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env.create()
    bogus = tmp_path / "holiday.zip"
    bogus.write_bytes(b"not a zip at all")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (str(bogus), ""))
    )
    dialog = _dialog(qtbot, env)
    qtbot.mouseClick(dialog.import_button, LEFT)
    wait_for(lambda: "Confide archive" in dialog.status.label.text())
    assert dialog.status.label.text().startswith("⚠ This is not a Confide archive.")
    assert dialog.import_button.isEnabled()


def test_delete_all_needs_the_typed_word_and_removes_everything(
    qtbot: QtBot, env: Env, wait_for: WaitFor, _memory_keyring: MemoryKeyring
) -> None:
    store = env.create()
    _seed(store)
    store.backup_now()
    assert _memory_keyring.entries  # the key is in the keychain
    dialog = _dialog(qtbot, env)
    deleted: list[bool] = []
    dialog.allDataDeleted.connect(lambda: deleted.append(True))

    qtbot.mouseClick(dialog.delete_button, LEFT)
    confirm = dialog.delete_dialog
    assert confirm is not None and confirm.isVisible()
    assert not confirm.delete_button.isEnabled()
    qtbot.keyClicks(confirm.confirm_field, "DELET")
    assert not confirm.delete_button.isEnabled()
    qtbot.keyClicks(confirm.confirm_field, "E")
    assert confirm.delete_button.isEnabled()
    assert env.paths.database_file.exists()  # typing alone deletes nothing

    qtbot.mouseClick(confirm.delete_button, LEFT)
    wait_for(lambda: confirm.pages.currentIndex() == 1)
    assert confirm.done_title.text() == "All your Confide data was deleted"
    assert not env.paths.database_file.exists()
    assert not env.paths.backup_dir.exists()
    assert not env.key_store.key_file.exists()
    assert _memory_keyring.entries == {}
    assert not env.gateway.is_open
    assert deleted == []  # the user reads the result first

    qtbot.mouseClick(confirm.close_app_button, LEFT)
    assert deleted == [True]
    assert not dialog.isVisible()


def test_cancelling_delete_all_keeps_everything(qtbot: QtBot, env: Env) -> None:
    env.create()
    dialog = _dialog(qtbot, env)
    qtbot.mouseClick(dialog.delete_button, LEFT)
    confirm = dialog.delete_dialog
    assert confirm is not None
    qtbot.keyClicks(confirm.confirm_field, "delete")  # the case of the word does not matter
    assert confirm.delete_button.isEnabled()
    qtbot.mouseClick(confirm.cancel_button, LEFT)
    assert not confirm.isVisible()
    assert env.paths.database_file.exists() and env.gateway.is_open


def test_retention_rule_is_saved_and_applied(qtbot: QtBot, env: Env, wait_for: WaitFor) -> None:
    store = env.create()
    old = _seed(store, "Old case")
    env.clock.advance_days(40)
    recent = _seed(store, "Recent case")
    dialog = _dialog(qtbot, env)
    dialog.tabs.setCurrentWidget(dialog.retention)
    panel = dialog.retention
    wait_for(lambda: panel.enabled.isEnabled())
    assert not panel.enabled.isChecked()  # off by default
    assert not panel.days.isEnabled() and not panel.apply_button.isEnabled()

    _click_box(qtbot, panel.enabled)
    panel.days.selectAll()
    qtbot.keyClicks(panel.days, "30")
    assert panel.days.value() == 30 and panel.apply_button.isEnabled()
    qtbot.mouseClick(panel.apply_button, LEFT)
    wait_for(lambda: panel.confirmation is not None)
    box = panel.confirmation
    assert box is not None and "1 conversation had no activity" in box.text()
    assert store.settings.get(RETENTION_DAYS) is None  # nothing happens before the answer
    _click_button(box, "Delete them and keep this rule")

    wait_for(lambda: "Saved." in panel.status.label.text())
    assert panel.status.label.text() == "Saved. Older conversations deleted: 1."
    assert env.gateway.wait(lambda s: s.settings.get(RETENTION_DAYS)) == 30
    remaining = env.gateway.wait(lambda s: [c.id for c in s.conversations.list_conversations()])
    assert remaining == [recent] and old not in remaining
    assert not panel.apply_button.isEnabled()

    again = _dialog(qtbot, env)
    wait_for(lambda: again.retention.enabled.isChecked())
    assert again.retention.days.value() == 30

    _click_box(qtbot, again.retention.enabled)  # off again
    qtbot.mouseClick(again.retention.apply_button, LEFT)
    wait_for(lambda: "kept until you delete" in again.retention.status.label.text())
    assert env.gateway.wait(lambda s: s.settings.get(RETENTION_DAYS)) is None


def test_retention_scheduler_applies_the_rule_at_start(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    store = env.create()
    _seed(store, "Old case")
    env.clock.advance_days(10)
    recent = _seed(store, "Recent case")
    scheduler = RetentionScheduler(env.gateway)
    with qtbot.waitSignal(scheduler.applied, timeout=5000) as nothing:
        scheduler.start()  # the rule is off: nothing goes
    assert nothing.args == [0]
    env.gateway.wait(lambda s: s.settings.set(RETENTION_DAYS, 7))
    with qtbot.waitSignal(scheduler.applied, timeout=5000) as applied:
        scheduler.apply_now()
    assert applied.args == [1]
    assert env.gateway.wait(lambda s: [c.id for c in s.conversations.list_conversations()]) == [
        recent
    ]
    scheduler.stop()


def test_require_a_passphrase_then_change_it(qtbot: QtBot, env: Env, wait_for: WaitFor) -> None:
    env.create(Protection.KEYRING)
    dialog = _dialog(qtbot, env)
    dialog.show_security()
    panel = dialog.security
    wait_for(lambda: panel.state is not None)
    assert not panel.require_passphrase.isChecked()
    assert not panel.change_button.isEnabled()  # no passphrase to change yet

    _click_box(qtbot, panel.require_passphrase)
    assert not panel.require_passphrase.isChecked()  # only once it is done
    ask = panel.dialog
    assert ask is not None and ask.new is not None and ask.current is None
    assert not ask.accept_button.isEnabled()
    qtbot.keyClicks(ask.new.passphrase_field.edit, PASSPHRASE)
    qtbot.keyClicks(ask.new.confirm_field.edit, PASSPHRASE)
    qtbot.mouseClick(ask.accept_button, LEFT)
    wait_for(lambda: panel.require_passphrase.isChecked())
    assert env.key_store.protection() is Protection.PASSPHRASE
    assert "asks for your passphrase" in panel.status.label.text()
    assert panel.change_button.isEnabled()

    qtbot.mouseClick(panel.change_button, LEFT)
    change = panel.dialog
    assert change is not None and change.current is not None and change.new is not None
    qtbot.keyClicks(change.current.edit, "wrong passphrase")
    qtbot.keyClicks(change.new.passphrase_field.edit, "a brand new passphrase")
    qtbot.keyClicks(change.new.confirm_field.edit, "a brand new passphrase")
    qtbot.mouseClick(change.accept_button, LEFT)
    wait_for(lambda: "not right" in change.status.label.text())
    assert change.isVisible()
    change.current.edit.clear()
    qtbot.keyClicks(change.current.edit, PASSPHRASE)
    qtbot.mouseClick(change.accept_button, LEFT)
    wait_for(lambda: "was changed" in panel.status.label.text())
    assert env.key_store.verify_passphrase("a brand new passphrase")
    assert not env.key_store.verify_passphrase(PASSPHRASE)


def test_stop_requiring_the_passphrase_and_make_a_new_key(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    store = env.create(Protection.PASSPHRASE)
    conversation_id = _seed(store)
    dialog = _dialog(qtbot, env)
    panel = dialog.security
    wait_for(lambda: panel.state is not None)
    assert panel.require_passphrase.isChecked()

    qtbot.mouseClick(panel.new_key_button, LEFT)
    rotate = panel.dialog
    assert rotate is not None and rotate.current is not None
    before = env.key_store.key_file.read_text()
    qtbot.keyClicks(rotate.current.edit, PASSPHRASE)
    qtbot.mouseClick(rotate.accept_button, LEFT)
    wait_for(lambda: "new key" in panel.status.label.text())
    assert env.key_store.key_file.read_text() != before

    _click_box(qtbot, panel.require_passphrase)
    stop = panel.dialog
    assert stop is not None and stop.current is not None and stop.new is None
    qtbot.keyClicks(stop.current.edit, PASSPHRASE)
    qtbot.keyClick(stop.current.edit, Qt.Key.Key_Return)
    wait_for(
        lambda: (
            not panel.require_passphrase.isChecked()
            and panel.state is not None
            and panel.state.protection is Protection.KEYRING
        )
    )
    assert env.key_store.protection() is Protection.KEYRING
    assert env.gateway.wait(lambda s: s.conversations.get(conversation_id).title) == "Kept"


def test_lock_after_minutes_is_saved(qtbot: QtBot, env: Env, wait_for: WaitFor) -> None:
    env.create()
    dialog = _dialog(qtbot, env)
    panel = dialog.security
    wait_for(lambda: panel.lock_enabled.isEnabled())
    assert not panel.lock_enabled.isChecked()  # off by default
    with qtbot.waitSignal(dialog.lockMinutesChanged, timeout=5000) as changed:
        _click_box(qtbot, panel.lock_enabled)
    assert changed.args == [panel.lock_minutes.value()]
    with qtbot.waitSignal(dialog.lockMinutesChanged, timeout=5000) as changed:
        panel.lock_minutes.selectAll()
        qtbot.keyClicks(panel.lock_minutes, "25")
    assert changed.args == [25]
    assert env.gateway.wait(lambda s: s.settings.get("privacy.lock_after_minutes")) == 25


def test_delete_all_also_removes_keys_kept_from_a_set_aside_history(
    qtbot: QtBot, env: Env, wait_for: WaitFor, _memory_keyring: MemoryKeyring
) -> None:
    env.create(attach=False).close()
    aside = opening.set_aside(env.paths, env.key_store, env.clock)
    assert aside.is_dir() and not env.paths.database_file.exists()
    assert [name for _service, name in _memory_keyring.entries] == [f"database-key-{aside.name}"]
    env.create()  # the fresh start
    dialog = _dialog(qtbot, env)
    delete_everything(qtbot, dialog, wait_for)
    assert _memory_keyring.entries == {}
    assert not aside.exists()


@pytest.fixture
def crash_log_open(env: Env) -> Iterator[Path]:
    """The app's native-crash log, open as it is from start-up; pytest's own handler after."""
    path = crash.enable_fault_handler(env.paths.log_dir)
    yield path
    crash.disable_fault_handler()
    faulthandler.enable(sys.__stderr__)


def test_delete_all_closes_the_crash_log_so_the_log_folder_can_go(
    qtbot: QtBot, env: Env, wait_for: WaitFor, crash_log_open: Path
) -> None:
    env.create()
    assert crash_log_open.exists() and faulthandler.is_enabled()
    dialog = _dialog(qtbot, env)
    delete_everything(qtbot, dialog, wait_for)
    # Windows cannot delete a file that is still open: the crash log must be closed first.
    assert not faulthandler.is_enabled()
    assert crash._fault_file is None
    assert not env.paths.log_dir.exists()
