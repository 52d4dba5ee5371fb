"""A real main window wired to real services, pointed at whatever the test chooses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QTextDocumentFragment
from PySide6.QtWidgets import QMessageBox, QStyle, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from confide.core.async_loop import LoopThread
from confide.core.paths import AppPaths
from confide.core.settings import PreferencesStore
from confide.core.store import Protection, Store
from confide.ui.chat.chat_page import ChatPage
from confide.ui.chat.message_delegate import MessageDelegate
from confide.ui.chat.transcript_model import TranscriptEntry
from confide.ui.daemon_watcher import DaemonWatcher
from confide.ui.main_window import MainWindow
from confide.ui.services import AppServices, build_services
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskRunner
from tests.keyring_double import FAST_SCRYPT

WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, tmp_path: Path) -> Iterator[WindowFactory]:
    """Builds the app as app.main() does, with a portable data dir and fast polling."""
    made: list[tuple[MainWindow, AppServices]] = []

    def make(
        ollama_host: str | None,
        *,
        start_watching: bool = True,
        environ: dict[str, str] | None = None,
        open_store: bool = True,
    ) -> MainWindow:
        env = dict(environ or {})
        if ollama_host is not None:
            env["OLLAMA_HOST"] = ollama_host
        paths = AppPaths.portable(tmp_path).ensure()
        services = build_services(paths, env, probe_read_timeout=0.5, scrypt=FAST_SCRYPT)
        if open_store:
            # The encrypted store as after a first run with a keyring (unlocking has its own tests).
            if services.key_store.protection() is None:
                store = Store.create(paths, services.key_store, Protection.KEYRING)
            else:
                store = Store.open(paths, services.key_store)
            services.gateway.attach(store)
        watcher = DaemonWatcher(
            services.supervisor,
            services.runner,
            connected_interval=0.2,
            first_retry=0.1,
            max_retry=0.3,
        )
        window = MainWindow(services, watcher)
        qtbot.addWidget(window)
        window.show()
        if start_watching:
            watcher.start()
        made.append((window, services))
        return window

    yield make
    for window, services in made:
        window.close()
        services.shutdown()


@pytest.fixture
def bare_page(qtbot: QtBot, tmp_path: Path) -> Iterator[ChatPage]:
    """A chat page shown on its own, with no store: tests fill its transcript directly."""
    runner = TaskRunner(LoopThread("test-page"))
    gateway = StoreGateway(runner)
    chat = ChatPage(runner, gateway, lambda: None, PreferencesStore(tmp_path / "settings.json"))
    qtbot.addWidget(chat)
    chat.resize(900, 700)
    chat.show()
    yield chat
    gateway.close()
    runner.shutdown()


def pixels_in_colour(
    page: ChatPage, role: QPalette.ColorRole | QColor, row: int | None = None
) -> int:
    """How many pixels of the transcript as painted now (or of one row) are exactly the
    palette's ``role`` colour (or the colour given)."""
    page.view.viewport().repaint()
    image = page.view.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    if row is not None:
        image = image.copy(page.view.visualRect(page.transcript.index(row)))
    colour = role if isinstance(role, QColor) else page.view.palette().color(role)
    pixel = bytes([colour.blue(), colour.green(), colour.red(), 0xFF])  # RGB32, little-endian
    return bytes(image.constBits()).count(pixel)


def row_layout(page: ChatPage, row: int) -> tuple[QStyleOptionViewItem, Any, Any, TranscriptEntry]:
    """What the delegate drew for `row`: its style option, documents and geometry."""
    index = page.transcript.index(row)
    option = QStyleOptionViewItem()
    page.view.initViewItemOption(option)
    option.rect = page.view.visualRect(index)
    docs = page.delegate._documents(option, index)
    entry = page.transcript.entries()[row]
    assert docs is not None
    return option, docs, page.delegate._geometry(option, entry, docs), entry


class _RecordingPainter(QPainter):
    """Paints as usual, and keeps the lines of text drawn outside documents."""

    def __init__(self, device: QImage) -> None:
        super().__init__(device)
        self.texts: list[str] = []

    def drawText(self, *args: Any) -> None:
        self.texts.extend(arg for arg in args if isinstance(arg, str))
        super().drawText(*args)


def painted_words(page: ChatPage, row: int) -> list[str]:
    """The lines the transcript paints around a message's text, as the user sees them: the
    model's name, the "Thinking" toggle, the footer (figures, Stopped…), "‹ 2/3 ›" and the
    actions (shown on a selected row, so the row is painted selected)."""
    index = page.transcript.index(row)
    option = QStyleOptionViewItem()
    page.view.initViewItemOption(option)
    option.rect = page.view.visualRect(index)
    option.state |= QStyle.StateFlag.State_Selected
    image = QImage(page.view.viewport().size(), QImage.Format.Format_ARGB32_Premultiplied)
    painter = _RecordingPainter(image)
    page.delegate.paint(painter, option, index)
    painter.end()
    return painter.texts


def find_anchor(page: ChatPage, row: int, wanted: str) -> QPoint:
    """Scans the row like a user's eye would, for the place where `wanted` is a link."""
    option, docs, geometry, entry = row_layout(page, row)
    rect = option.rect
    for y in range(rect.top(), rect.bottom(), 3):
        for x in range(rect.left(), rect.right(), 4):
            point = QPointF(x, y - rect.top())
            if MessageDelegate.anchor_at(entry, docs, geometry, point) == wanted:
                return QPoint(x, y)
    raise AssertionError(f"no link {wanted!r} on screen")


class Asked(NamedTuple):
    """A message box as the user saw it."""

    question: str
    details: str
    buttons: list[str]
    default: str


class MessageBoxes:
    """Answers message boxes as a user would, by clicking the button with the words in
    ``answer``, and keeps what each box said (see the ``message_boxes`` fixture)."""

    def __init__(self) -> None:
        self.answer = "Cancel"
        self.asked: list[Asked] = []

    def exec(self, box: QMessageBox) -> int:
        default = box.defaultButton()
        self.asked.append(
            Asked(
                QTextDocumentFragment.fromHtml(box.text()).toPlainText(),  # as it reads
                box.informativeText(),
                [button.text() for button in box.buttons()],
                default.text() if default is not None else "",
            )
        )
        (button,) = [button for button in box.buttons() if button.text() == self.answer]
        button.click()
        return 0


@pytest.fixture
def message_boxes(monkeypatch: pytest.MonkeyPatch) -> MessageBoxes:
    """Message boxes are answered at once (``answer``), instead of waiting for a click."""
    boxes = MessageBoxes()
    monkeypatch.setattr(QMessageBox, "exec", lambda box: boxes.exec(box))
    return boxes
