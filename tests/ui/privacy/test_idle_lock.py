"""The idle lock: content hidden after the idle time, back only with the passphrase."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from confide.core.store import Protection
from confide.ui.privacy.idle_lock import LockController
from confide.ui.privacy.lock_screen import LockableArea, LockScreen, connect_idle_lock
from confide.ui.privacy.settings import LOCK_AFTER_MINUTES
from tests.ui.privacy.conftest import PASSPHRASE, Env, WaitFor

LEFT = Qt.MouseButton.LeftButton
SECRET = "Draft settlement for the Nowak case"


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _lockable(qtbot: QtBot, env: Env) -> tuple[LockableArea, QLabel, QLineEdit]:
    content = QLabel(SECRET)
    typing = QLineEdit(content)  # somewhere for the user to type while working
    area = LockableArea(content, LockScreen(env.gateway, env.key_store))
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    return area, content, typing


def test_idle_time_hides_the_content_and_the_passphrase_brings_it_back(
    qtbot: QtBot, env: Env, wait_for: WaitFor
) -> None:
    env.create(Protection.PASSPHRASE)
    area, content, _typing = _lockable(qtbot, env)
    controller = LockController(area)
    controller.install()
    connect_idle_lock(controller, area)
    try:
        with qtbot.waitSignal(controller.lockRequested, timeout=5000):
            controller.set_timeout_ms(150)
        screen = area.lock_screen
        assert area.locked and controller.locked
        assert not content.isVisible()  # hidden, not just covered
        assert screen.isVisible() and screen.title.text() == "Confide is locked"
        wait_for(lambda: screen.protection is Protection.PASSPHRASE)
        assert screen.field.isVisible() and not screen.unlock_button.isEnabled()

        qtbot.keyClicks(screen.field.edit, "guess")
        qtbot.mouseClick(screen.unlock_button, LEFT)
        wait_for(lambda: "not right" in screen.status.label.text())
        assert area.locked and not content.isVisible()
        assert screen.field.edit.hasFocus()

        screen.field.edit.clear()
        qtbot.keyClicks(screen.field.edit, PASSPHRASE)
        with qtbot.waitSignal(screen.unlocked, timeout=5000):
            qtbot.keyClick(screen.field.edit, Qt.Key.Key_Return)
        assert not area.locked and not controller.locked
        assert content.isVisible()
        assert screen.field.text() == ""  # the passphrase does not linger in the field
    finally:
        controller.uninstall()


def test_keychain_mode_unlocks_with_a_button(qtbot: QtBot, env: Env, wait_for: WaitFor) -> None:
    env.create(Protection.KEYRING)
    area, content, _typing = _lockable(qtbot, env)
    area.lock()
    screen = area.lock_screen
    wait_for(lambda: screen.protection is Protection.KEYRING)
    assert not content.isVisible()
    assert not screen.field.isVisible() and screen.unlock_button.isEnabled()
    with qtbot.waitSignal(screen.unlocked, timeout=2000):
        qtbot.mouseClick(screen.unlock_button, LEFT)
    area.unlock()
    assert content.isVisible()


def test_user_input_keeps_confide_unlocked(qtbot: QtBot, env: Env) -> None:
    env.create(Protection.KEYRING)
    area, _content, typing = _lockable(qtbot, env)
    clock = FakeMonotonic()
    controller = LockController(area, monotonic=clock)
    controller.install()
    locks: list[bool] = []
    controller.lockRequested.connect(lambda: locks.append(True))
    try:
        controller.set_timeout_ms(100)
        clock.now += 0.08
        qtbot.keyClick(typing, Qt.Key.Key_A)  # the user is typing: the count starts again
        clock.now += 0.08  # 160 ms since the start, but only 80 ms since the key
        qtbot.wait(300)  # the timer fires (more than once) meanwhile
        assert locks == [] and not controller.locked
        clock.now += 0.03
        qtbot.waitUntil(lambda: bool(locks), timeout=2000)
        assert controller.locked
        controller.unlock()
        assert not controller.locked
        controller.set_minutes(None)  # off: never locks
        clock.now += 3600
        qtbot.wait(200)
        assert locks == [True]
    finally:
        controller.uninstall()


def test_the_lock_setting_comes_from_the_store(qtbot: QtBot, env: Env, wait_for: WaitFor) -> None:
    store = env.create(Protection.KEYRING)
    controller = LockController(minute_ms=1000)
    controller.set_timeout_ms(60_000)
    with qtbot.waitSignal(controller.load_setting(env.gateway).finished, timeout=5000):
        pass
    assert controller.timeout_ms is None  # off by default
    env.gateway.wait(lambda s: s.settings.set(LOCK_AFTER_MINUTES, 5))
    controller.load_setting(env.gateway)
    wait_for(lambda: controller.timeout_ms == 5000)
    assert store.settings.get(LOCK_AFTER_MINUTES) == 5
    controller.set_minutes(0)
    assert controller.timeout_ms is None
