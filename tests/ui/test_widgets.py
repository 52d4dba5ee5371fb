"""Widgets on their own, driven like a user would: keys, clicks, what is on screen."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from confide.core.ollama.locate import DOWNLOAD_ADDRESS
from confide.core.ollama.status import DaemonState, DaemonStatus
from confide.core.ollama.types import ChatMetrics
from confide.ui.chat.composer import Composer
from confide.ui.chat.transcript_model import EntryStatus, TranscriptEntry, TranscriptModel
from confide.ui.crash_dialog import CrashDialog, install_crash_handler
from confide.ui.onboarding import OnboardingPage
from confide.ui.status_indicator import StatusIndicator


def test_enter_sends_and_shift_enter_adds_a_line(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    sent: list[str] = []
    composer.sendRequested.connect(sent.append)
    assert not composer.send_button.isEnabled()  # empty: nothing to send

    # QTest can only type ASCII keys; the rest arrives as input-method text, as on a keyboard
    # with dead keys.
    qtbot.keyClicks(composer.edit, "Dzie")
    composer.edit.insertPlainText("ń")
    qtbot.keyClicks(composer.edit, " dobry")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(composer.edit, "second line")
    assert sent == []
    assert composer.send_button.isEnabled()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == ["Dzień dobry\nsecond line"]
    assert composer.edit.toPlainText() == ""


def test_whitespace_only_cannot_be_sent(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    sent: list[str] = []
    composer.sendRequested.connect(sent.append)
    qtbot.keyClicks(composer.edit, "   ")
    assert not composer.send_button.isEnabled()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == []


def test_busy_composer_offers_stop_instead_of_send(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    stops: list[bool] = []
    composer.stopRequested.connect(lambda: stops.append(True))
    composer.set_busy(True)
    assert composer.stop_button.isVisible() and not composer.send_button.isVisible()
    qtbot.mouseClick(composer.stop_button, Qt.MouseButton.LeftButton)
    assert stops == [True]
    composer.set_busy(False)
    assert composer.send_button.isVisible()


def test_transcript_model_is_a_well_behaved_qt_model(qtmodeltester: object) -> None:
    model = TranscriptModel()
    model.append(TranscriptEntry(role="user", content="Hello"))
    model.append(TranscriptEntry(role="assistant", content="", status=EntryStatus.STREAMING))
    model.extend_last("Hi ", "")
    model.extend_last("there", "")
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.last() is not None and model.last().content == "Hi there"  # type: ignore[union-attr]


def test_streaming_announces_only_the_last_row(qtbot: QtBot) -> None:
    model = TranscriptModel()
    for text in ("one", "two", "three"):
        model.append(TranscriptEntry(role="user", content=text))
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda first, last, *_: changed.append((first.row(), last.row())))
    model.extend_last(" more")
    assert changed == [(2, 2)]
    assert model.data(model.index(2), Qt.ItemDataRole.AccessibleTextRole) == "You: three more"


@pytest.mark.parametrize(
    ("state", "visible", "hidden"),
    [
        (
            DaemonState.NOT_INSTALLED,
            ["retry_button", "locate_button", "copy_address"],
            ["start_button", "allow_button", "busy"],
        ),
        (
            DaemonState.NOT_RUNNING,
            ["start_button", "retry_button", "locate_button"],
            ["allow_button", "busy"],
        ),
        (DaemonState.STARTING, ["busy"], ["start_button", "retry_button", "allow_button"]),
        (DaemonState.INCOMPATIBLE, ["retry_button"], ["start_button", "locate_button", "busy"]),
        (DaemonState.UNRESPONSIVE, ["retry_button"], ["start_button", "busy"]),
        (DaemonState.REMOTE_BLOCKED, ["allow_button"], ["start_button", "busy"]),
    ],
)
def test_onboarding_offers_the_right_way_out(
    qtbot: QtBot, state: DaemonState, visible: list[str], hidden: list[str]
) -> None:
    page = OnboardingPage()
    qtbot.addWidget(page)
    page.show()
    page.show_status(DaemonStatus(state, "127.0.0.1:11434"))
    for name in visible:
        assert getattr(page, name).isVisible(), name
    for name in hidden:
        assert not getattr(page, name).isVisible(), name
    assert page.title.text() and page.body.text()


def test_not_installed_shows_the_download_address_as_copyable_text(qtbot: QtBot) -> None:
    page = OnboardingPage()
    qtbot.addWidget(page)
    page.show()
    page.show_status(DaemonStatus(DaemonState.NOT_INSTALLED, "127.0.0.1:11434"))
    assert page.address.text() == DOWNLOAD_ADDRESS
    assert "Install Ollama" in page.title.text()
    qtbot.mouseClick(page.copy_address, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == DOWNLOAD_ADDRESS


def test_status_indicator_speaks_words_not_just_colour(qtbot: QtBot) -> None:
    indicator = StatusIndicator()
    qtbot.addWidget(indicator)
    indicator.show_status(DaemonStatus(DaemonState.CONNECTED, "127.0.0.1:11434", version="0.33.0"))
    assert indicator.label.text() == "Connected to Ollama 0.33.0"
    indicator.show_status(DaemonStatus(DaemonState.INCOMPATIBLE, "127.0.0.1:8080"))
    assert indicator.label.text() == "Not Ollama at 127.0.0.1:8080"
    assert indicator.accessibleDescription() == indicator.label.text()


def test_metrics_footer_figures() -> None:
    metrics = ChatMetrics(
        "stop", total_duration=5_591_468_412, eval_count=291, eval_duration=4_117_379_000
    )
    assert metrics.tokens_per_second == pytest.approx(70.68, abs=0.01)


def test_crash_handler_writes_a_report_and_offers_to_copy_it(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    private = "".join(["Kowalski ", "divorce ", "settlement"])  # not in any source line
    previous = install_crash_handler(tmp_path, show_dialog=False)
    try:
        try:
            raise RuntimeError(private)
        except RuntimeError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = previous
    (report_file,) = tmp_path.glob("crash-*.txt")
    report = report_file.read_text()
    assert "builtins.RuntimeError" in report and private not in report
    assert "unhandled exception" in caplog.text and private not in caplog.text

    dialog = CrashDialog(report, report_file)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == report
    assert dialog.isVisible()  # copying does not close the dialog
    assert str(report_file) in dialog.informativeText()
    dialog.close()
    assert QApplication.instance() is not None


def test_long_conversations_are_shown_through_a_sliding_window(qtmodeltester: object) -> None:
    model = TranscriptModel(window=50)
    entries = [TranscriptEntry(role="user", content=f"message {i}") for i in range(500)]
    model.reset_entries(entries)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.rowCount() == 50 and model.at_tail  # opens at the end, holding 50 rows
    assert model.entry_at(0).content == "message 450"
    assert model.load_earlier(20) == 20
    assert model.rowCount() == 50 and model.entry_at(0).content == "message 430"
    assert model.has_later and not model.at_tail
    model.show_head()
    assert model.entry_at(0).content == "message 0" and not model.has_earlier
    assert model.load_later(30) == 30 and model.entry_at(0).content == "message 30"
    # A new message always lands at the end, and the window follows it there.
    model.append(TranscriptEntry(role="user", content="new"))
    assert model.at_tail and model.entry_at(model.rowCount() - 1).content == "new"
    assert len(model.entries()) == 501
