"""Start Ollama: Confide runs `ollama serve` on loopback, and stops what it started on exit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from confide.core.ollama.status import DaemonState
from confide.core.settings import Preferences
from tests.fake_ollama.server import FakeOllama
from tests.ui.conftest import WindowFactory

REPO = Path(__file__).resolve().parents[2]


def stand_in_ollama(folder: Path) -> Path:
    """An executable called `ollama` whose `serve` is the Ollama double."""
    if sys.platform == "win32":
        pytest.fail("this test writes a POSIX shell script; port it before running on Windows")
    script = folder / "ollama"
    script.write_text(
        f'#!/bin/sh\ncd "{REPO}"\nexec "{sys.executable}" -m tests.fake_ollama "$@"\n'
    )
    script.chmod(0o755)
    return script


def test_start_ollama_runs_serve_and_stops_it_on_exit(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, closed_port: int
) -> None:
    executable = stand_in_ollama(tmp_path)
    window = make_window(f"127.0.0.1:{closed_port}", start_watching=False)
    window.services.preferences.save(Preferences(ollama_executable=str(executable)))
    window.watcher.start()
    qtbot.waitUntil(lambda: window.watcher.status is not None, timeout=5000)
    assert window.watcher.status is not None
    assert window.watcher.status.state is DaemonState.NOT_RUNNING
    assert window.onboarding.start_button.isVisible()

    qtbot.mouseClick(window.onboarding.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.chat, timeout=15000)
    launcher = window.services.supervisor.launcher
    assert launcher.owns_daemon
    process = launcher._owned
    assert process is not None
    # It was told to listen on loopback, on the port Confide uses.
    assert window.watcher.status is not None and window.watcher.status.version

    window.close()
    window.services.shutdown()
    assert process.poll() is not None  # stopped, gracefully (SIGINT) within the grace period
    assert process.returncode == 0
    assert not launcher.owns_daemon


def test_an_ollama_confide_did_not_start_is_left_alone(
    qtbot: QtBot, make_window: WindowFactory, fake_ollama: FakeOllama
) -> None:
    window = make_window(fake_ollama.host_port)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.chat, timeout=5000)
    window.close()
    window.services.shutdown()
    assert fake_ollama.running  # Confide never touches a daemon it did not start


def test_locate_ollama_is_remembered(
    qtbot: QtBot,
    make_window: WindowFactory,
    tmp_path: Path,
    closed_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = make_window(f"127.0.0.1:{closed_port}")
    qtbot.waitUntil(lambda: window.watcher.status is not None, timeout=5000)
    assert window.watcher.status is not None
    assert window.watcher.status.state is DaemonState.NOT_INSTALLED

    # A file that is not a program is refused with a message.
    not_a_program = tmp_path / "notes.txt"
    not_a_program.write_text("hello")
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *_a: warnings.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(not_a_program), ""))
    qtbot.mouseClick(window.onboarding.locate_button, Qt.MouseButton.LeftButton)
    assert warnings and "notes.txt" in warnings[0]
    assert window.services.preferences.load().ollama_executable is None

    executable = stand_in_ollama(tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(executable), ""))
    qtbot.mouseClick(window.onboarding.locate_button, Qt.MouseButton.LeftButton)
    assert window.services.preferences.load().ollama_executable == str(executable)
    qtbot.waitUntil(
        lambda: (
            window.watcher.status is not None
            and window.watcher.status.state is DaemonState.NOT_RUNNING
        ),
        timeout=5000,
    )
    assert window.onboarding.start_button.isVisible()
    assert os.access(executable, os.X_OK)
