"""The composer driven like a user: images by button, paste and drop; Up to edit; big pastes;
and the context meter's words."""

from __future__ import annotations

import base64
import os
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeySequence,
    QPalette,
    QShortcut,
)
from PySide6.QtWidgets import QApplication, QFileDialog, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from confide.core.async_loop import LoopThread
from confide.core.chat.context_budget import IMAGE_TOKENS, estimate_message_tokens
from confide.core.chat.images import (
    MAX_IMAGE_BYTES,
    MAX_IMAGES_PER_MESSAGE,
    ImageAttachment,
    ImageFormat,
)
from confide.ui.chat import composer as composer_module
from confide.ui.chat.attachments import THUMBNAIL_SIZE, encode
from confide.ui.chat.composer import Composer
from confide.ui.chat.context_meter import ContextMeter
from confide.ui.tasks import TaskRunner

NO_VISION = "The selected model cannot see images. Choose a model with vision, e.g. gemma3."
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
# A 1×1 GIF, written out by hand.
TINY_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\x00\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    task_runner = TaskRunner(LoopThread())
    yield task_runner
    task_runner.shutdown()


@pytest.fixture
def composer(qtbot: QtBot, runner: TaskRunner) -> Composer:
    widget = Composer(runner=runner)
    qtbot.addWidget(widget)
    widget.resize(640, 200)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def picture(width: int = 120, height: int = 80, *, alpha: bool = False) -> QImage:
    image = QImage(
        width,
        height,
        QImage.Format.Format_ARGB32 if alpha else QImage.Format.Format_RGB32,
    )
    image.fill(QColor(30, 120, 200, 128 if alpha else 255))
    return image


def save(path: Path, image: QImage, fmt: str) -> Path:
    assert image.save(str(path), fmt)
    return path


def png_file(folder: Path, name: str = "photo.png") -> Path:
    return save(folder / name, picture(), "PNG")


def wait_for_images(qtbot: QtBot, composer: Composer, count: int) -> None:
    qtbot.waitUntil(
        lambda: len(composer.attachments()) == count and not composer.loading_attachments
    )


def wait_for_notice(qtbot: QtBot, composer: Composer) -> str:
    qtbot.waitUntil(lambda: composer.notice_message != "" and not composer.loading_attachments)
    return composer.notice_message


def file_mime(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    return mime


def drop(target: QWidget, mime: QMimeData) -> QDropEvent:
    """A drag entering ``target`` and then dropping there, as the window system sends them."""
    position = QPoint(target.width() // 2, target.height() // 2)
    enter = QDragEnterEvent(
        position,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    event = QDropEvent(
        QPointF(position),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, event)
    return event


def paste(qtbot: QtBot, composer: Composer, mime: QMimeData) -> None:
    QGuiApplication.clipboard().setMimeData(mime)
    composer.edit.setFocus()
    qtbot.keyClick(composer.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


# -- attaching ------------------------------------------------------------------------------


def test_attach_button_adds_the_chosen_images_with_thumbnails(
    qtbot: QtBot, composer: Composer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = png_file(tmp_path, "first.png")
    second = save(tmp_path / "second.jpg", picture(300, 200), "JPEG")
    asked: list[Any] = []

    def choose(*args: Any) -> tuple[list[str], str]:
        asked.append(args)
        return [str(first), str(second)], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(choose))
    assert composer.attach_button.isVisible() and composer.attach_button.isEnabled()
    assert composer.attach_button.accessibleName() == "Attach image"
    assert "paste" in composer.attach_button.toolTip()
    assert not composer.attach_button.icon().isNull()

    with qtbot.waitSignal(composer.attachmentsChanged):
        qtbot.mouseClick(composer.attach_button, Qt.MouseButton.LeftButton)
    wait_for_images(qtbot, composer, 2)

    assert len(asked) == 1
    images = composer.attachments()
    assert [image.name for image in images] == ["first.png", "second.jpg"]
    assert [image.mime_type for image in images] == ["image/png", "image/jpeg"]
    # PNG and JPEG go out byte for byte.
    assert images[0].data == first.read_bytes()
    assert images[1].data == second.read_bytes()

    chips = composer.strip.chips()
    assert composer.strip.isVisible()
    assert [chip.accessibleName() for chip in chips] == ["Image first.png", "Image second.jpg"]
    assert chips[0].remove_button.accessibleName() == "Image first.png, remove"
    pixmap = chips[1].thumbnail.pixmap()
    assert not pixmap.isNull()
    ratio = composer.devicePixelRatioF()
    assert pixmap.width() == round(THUMBNAIL_SIZE * ratio)
    assert pixmap.deviceIndependentSize().width() == pytest.approx(THUMBNAIL_SIZE)
    assert composer.notice_message == ""


def test_webp_gif_and_bmp_are_converted_before_sending(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    webp = save(tmp_path / "holiday.webp", picture(), "WEBP")
    clear = save(tmp_path / "logo.webp", picture(alpha=True), "WEBP")
    gif = tmp_path / "tiny.gif"
    gif.write_bytes(TINY_GIF)
    bmp = save(tmp_path / "scan.bmp", picture(), "BMP")

    composer.attach_files([webp, clear, gif, bmp])
    wait_for_images(qtbot, composer, 4)

    sent = {image.name: image for image in composer.attachments()}
    assert sent["holiday.webp"].mime_type == "image/jpeg"  # a photo stays a compact JPEG
    assert sent["holiday.webp"].data.startswith(JPEG_MAGIC)
    assert sent["logo.webp"].mime_type == "image/png"  # transparency needs PNG
    assert sent["tiny.gif"].mime_type == "image/png"  # the first frame
    assert sent["tiny.gif"].data.startswith(PNG_MAGIC)
    assert sent["scan.bmp"].mime_type == "image/png"
    assert QImage.fromData(sent["scan.bmp"].data).size() == picture().size()


def test_a_rotated_phone_photo_is_sent_upright(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    # A JPEG whose EXIF says "turn me 90°", as phones write them.
    plain = encode(picture(40, 20), ImageFormat.JPEG)
    tiff = b"II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHIHH", 0x0112, 3, 1, 6, 0)
    exif = b"Exif\x00\x00" + tiff + struct.pack("<I", 0)
    segment = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    path = tmp_path / "phone.jpg"
    path.write_bytes(plain[:2] + segment + plain[2:])

    composer.attach_files([path])
    wait_for_images(qtbot, composer, 1)

    image = composer.attachments()[0]
    assert image.mime_type == "image/jpeg"
    assert QImage.fromData(image.data).size().width() == 20  # turned: 20 wide, 40 high


def test_an_unsupported_file_says_why_and_attaches_nothing(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    tiff = tmp_path / "x.tiff"
    tiff.write_bytes(b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64)

    composer.attach_files([tiff])
    message = wait_for_notice(qtbot, composer)

    assert message == "“x.tiff” is not an image Confide can send. Use PNG or JPEG."
    assert composer.attachments() == []
    assert composer.strip.chips() == [] and not composer.strip.isVisible()
    assert composer.notice.isVisible()
    qtbot.mouseClick(composer.dismiss_notice_button, Qt.MouseButton.LeftButton)
    assert composer.notice_message == ""


def test_too_large_and_damaged_images_are_refused_with_reasons(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.png"
    with huge.open("wb") as handle:
        handle.write(PNG_MAGIC)
        handle.truncate(MAX_IMAGE_BYTES + 1)  # sparse: the size is refused before reading
    broken = tmp_path / "broken.png"
    broken.write_bytes(PNG_MAGIC + os.urandom(200))
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    gone = tmp_path / "gone.png"

    composer.attach_files([huge, broken, empty, gone])
    qtbot.waitUntil(lambda: composer.notice_message.count("\n") == 3)

    # One line per file, in the order the checks finished.
    lines = sorted(composer.notice_message.splitlines())
    assert lines[0] == "“broken.png” could not be read as an image. The file may be damaged."
    assert lines[1] == "“empty.jpg” is empty."
    assert lines[2].startswith("“gone.png” could not be opened.")
    assert lines[3].startswith("“huge.png” is too large (") and "An image can be up to" in lines[3]
    assert composer.attachments() == []


def test_paste_an_image_from_the_clipboard(qtbot: QtBot, composer: Composer) -> None:
    mime = QMimeData()
    mime.setImageData(picture(200, 100))
    paste(qtbot, composer, mime)
    wait_for_images(qtbot, composer, 1)

    image = composer.attachments()[0]
    assert image.name == "Pasted image 1.png"
    assert image.mime_type == "image/png"
    assert QImage.fromData(image.data).size() == picture(200, 100).size()
    assert composer.edit.toPlainText() == ""  # nothing pasted as text
    assert composer.strip.chips()[0].remove_button.accessibleName() == (
        "Image Pasted image 1.png, remove"
    )


def test_paste_an_encoded_image_keeps_its_bytes(qtbot: QtBot, composer: Composer) -> None:
    data = encode(picture(), ImageFormat.JPEG)
    mime = QMimeData()
    mime.setData("image/jpeg", data)  # what a browser's "Copy image" offers
    paste(qtbot, composer, mime)
    wait_for_images(qtbot, composer, 1)
    image = composer.attachments()[0]
    assert (image.name, image.mime_type, image.data) == ("Pasted image 1.jpg", "image/jpeg", data)


def test_text_copied_from_an_office_program_stays_text(qtbot: QtBot, composer: Composer) -> None:
    mime = QMimeData()
    mime.setText("Clause 4.2: notice period")
    mime.setImageData(picture())  # Word adds a picture of the selection
    paste(qtbot, composer, mime)
    assert composer.edit.toPlainText() == "Clause 4.2: notice period"
    qtbot.wait(50)
    assert composer.attachments() == [] and composer.strip.chips() == []


def test_paste_copied_files_attaches_them_but_links_stay_text(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    photo = png_file(tmp_path)
    paste(qtbot, composer, file_mime(photo))  # copied in the file manager
    wait_for_images(qtbot, composer, 1)
    assert composer.edit.toPlainText() == ""

    link = QMimeData()
    link.setUrls([QUrl("https://example.org/report.png")])
    link.setText("https://example.org/report.png")
    paste(qtbot, composer, link)  # a link copied in a browser is just text
    assert composer.edit.toPlainText() == "https://example.org/report.png"
    assert len(composer.attachments()) == 1


def test_drop_files_onto_the_composer(qtbot: QtBot, composer: Composer, tmp_path: Path) -> None:
    photo = png_file(tmp_path)
    notes = tmp_path / "notes.docx"
    notes.write_bytes(b"PK\x03\x04" + b"\x00" * 40)

    event = drop(composer, file_mime(photo, notes))
    assert event.isAccepted()
    wait_for_images(qtbot, composer, 1)
    message = wait_for_notice(qtbot, composer)

    assert composer.attachments()[0].name == "photo.png"
    assert message == "“notes.docx” is not an image Confide can send. Use PNG or JPEG."


def test_drop_onto_the_text_field_attaches_too(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    photo = png_file(tmp_path)
    qtbot.keyClicks(composer.edit, "Look")
    drop(composer.edit.viewport(), file_mime(photo))
    wait_for_images(qtbot, composer, 1)
    assert composer.edit.toPlainText() == "Look"  # no file path typed into the message


def test_remote_files_are_never_fetched(qtbot: QtBot, composer: Composer, tmp_path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(png_file(tmp_path))), QUrl("https://example.org/a.png")])
    drop(composer, mime)
    wait_for_images(qtbot, composer, 1)
    assert wait_for_notice(qtbot, composer).startswith("“a.png” is not on this computer.")


def test_without_vision_images_are_refused_with_the_reason(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    composer.set_images_allowed(False, NO_VISION)
    assert not composer.attach_button.isEnabled()
    assert composer.attach_button.toolTip() == NO_VISION
    assert composer.attach_button.accessibleDescription() == NO_VISION

    mime = QMimeData()
    mime.setImageData(picture())
    paste(qtbot, composer, mime)
    assert composer.notice_message == NO_VISION
    assert composer.notice.isVisible()

    drop(composer, file_mime(png_file(tmp_path)))
    assert composer.notice_message == NO_VISION
    qtbot.wait(50)
    assert composer.attachments() == [] and composer.strip.chips() == []

    composer.set_images_allowed(True)
    assert composer.attach_button.isEnabled()
    assert composer.notice_message == ""


def test_switching_to_a_model_without_vision_keeps_images_but_blocks_send(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    composer.attach_files([png_file(tmp_path)])
    wait_for_images(qtbot, composer, 1)
    qtbot.keyClicks(composer.edit, "What is this?")
    assert composer.send_button.isEnabled()

    composer.set_images_allowed(False, NO_VISION)
    assert not composer.send_button.isEnabled()
    assert composer.send_button.toolTip() == NO_VISION
    assert NO_VISION in composer.notice_message
    sent: list[str] = []
    composer.sendRequested.connect(sent.append)
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == []

    qtbot.mouseClick(composer.strip.chips()[0].remove_button, Qt.MouseButton.LeftButton)
    assert composer.attachments() == []
    assert composer.send_button.isEnabled()  # the text alone can go
    assert composer.notice_message == ""


def test_thumbnails_can_be_removed(qtbot: QtBot, composer: Composer, tmp_path: Path) -> None:
    composer.attach_files([png_file(tmp_path, "a.png"), png_file(tmp_path, "b.png")])
    wait_for_images(qtbot, composer, 2)

    first = composer.strip.chips()[0]
    with qtbot.waitSignal(composer.attachmentsChanged):
        qtbot.mouseClick(first.remove_button, Qt.MouseButton.LeftButton)
    assert [image.name for image in composer.attachments()] == ["b.png"]
    assert [chip.name for chip in composer.strip.chips()] == ["b.png"]

    # From the keyboard: Space on the focused ×.
    last = composer.strip.chips()[0].remove_button
    last.setFocus()
    qtbot.keyClick(last, Qt.Key.Key_Space)
    assert composer.attachments() == []
    assert not composer.strip.isVisible()
    assert composer.edit.hasFocus()


def test_at_most_ten_images_per_message(qtbot: QtBot, composer: Composer, tmp_path: Path) -> None:
    paths = [png_file(tmp_path, f"p{index}.png") for index in range(MAX_IMAGES_PER_MESSAGE + 1)]
    composer.attach_files(paths)
    assert composer.notice_message == (
        f"A message can carry up to {MAX_IMAGES_PER_MESSAGE} images; “p10.png” was not added."
    )
    wait_for_images(qtbot, composer, MAX_IMAGES_PER_MESSAGE)


def test_attach_icon_follows_light_and_dark_mode(composer: Composer) -> None:
    before = composer.attach_button.icon().cacheKey()
    palette = composer.palette()
    palette.setColor(QPalette.ColorRole.ButtonText, QColor("white"))
    composer.setPalette(palette)
    assert composer.attach_button.icon().cacheKey() != before


# -- sending --------------------------------------------------------------------------------


def test_send_text_with_images_then_both_are_cleared(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    composer.attach_files([png_file(tmp_path)])
    wait_for_images(qtbot, composer, 1)
    qtbot.keyClicks(composer.edit, "Describe it")
    received: list[tuple[str, list[ImageAttachment]]] = []
    composer.sendRequested.connect(lambda text: received.append((text, composer.attachments())))

    with qtbot.waitSignal(composer.attachmentsChanged):
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)

    assert len(received) == 1
    text, images = received[0]
    assert text == "Describe it" and [image.name for image in images] == ["photo.png"]
    assert composer.attachments() == [] and composer.edit.toPlainText() == ""
    assert not composer.strip.isVisible()


def test_an_image_alone_can_be_sent(qtbot: QtBot, composer: Composer, tmp_path: Path) -> None:
    assert not composer.send_button.isEnabled()
    composer.attach_files([png_file(tmp_path)])
    wait_for_images(qtbot, composer, 1)
    assert composer.send_button.isEnabled()
    sent: list[tuple[str, int]] = []
    composer.sendRequested.connect(lambda text: sent.append((text, len(composer.attachments()))))
    qtbot.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
    assert sent == [("", 1)]


def test_send_waits_until_images_are_ready(
    qtbot: QtBot, composer: Composer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real_prepare = composer_module.prepare_file

    def slow_prepare(path: Path, px: int) -> Any:
        release.wait(10)
        return real_prepare(path, px)

    monkeypatch.setattr(composer_module, "prepare_file", slow_prepare)
    qtbot.keyClicks(composer.edit, "Look at this")
    composer.attach_files([png_file(tmp_path)])

    chip = composer.strip.chips()[0]
    assert chip.accessibleDescription() == "Loading"
    assert not composer.send_button.isEnabled()
    assert composer.send_button.toolTip() == "Wait until the images are ready"
    sent: list[str] = []
    composer.sendRequested.connect(sent.append)
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == []

    release.set()
    wait_for_images(qtbot, composer, 1)
    assert composer.send_button.isEnabled()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == ["Look at this"]


def test_composer_without_a_runner_offers_no_images(qtbot: QtBot) -> None:
    plain = Composer()
    qtbot.addWidget(plain)
    plain.show()
    assert not plain.attach_button.isVisible()
    mime = QMimeData()
    mime.setImageData(picture())
    assert not plain.wants_mime(mime)


# -- editing the last message ---------------------------------------------------------------


def test_up_in_an_empty_composer_asks_to_edit_the_last_message(
    qtbot: QtBot, composer: Composer
) -> None:
    with qtbot.waitSignal(composer.editLastRequested, timeout=1000):
        qtbot.keyClick(composer.edit, Qt.Key.Key_Up)

    asked: list[bool] = []
    composer.editLastRequested.connect(lambda: asked.append(True))
    qtbot.keyClicks(composer.edit, "draft")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Home)
    qtbot.keyClick(composer.edit, Qt.Key.Key_Up)
    assert asked == []  # text present: Up moves the cursor, nothing else

    composer.edit.clear()
    composer.set_busy(True)
    qtbot.keyClick(composer.edit, Qt.Key.Key_Up)
    assert asked == []  # not while an answer streams
    composer.set_busy(False)
    qtbot.keyClick(composer.edit, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert asked == []


def test_up_does_nothing_while_images_wait_to_be_sent(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    composer.attach_files([png_file(tmp_path)])
    wait_for_images(qtbot, composer, 1)
    asked: list[bool] = []
    composer.editLastRequested.connect(lambda: asked.append(True))
    qtbot.keyClick(composer.edit, Qt.Key.Key_Up)
    assert asked == []


def test_editing_state_shows_a_bar_and_esc_cancels(qtbot: QtBot, runner: TaskRunner) -> None:
    # Inside a page whose Esc stops answers, as the chat page does.
    page = QWidget()
    qtbot.addWidget(page)
    editor = Composer(page, runner=runner)
    QVBoxLayout(page).addWidget(editor)
    stops: list[bool] = []
    stop = QShortcut(QKeySequence(Qt.Key.Key_Escape), page)
    stop.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    stop.activated.connect(lambda: stops.append(True))
    page.show()
    page.activateWindow()
    qtbot.waitActive(page)  # shortcuts only fire in the active window
    editor.edit.setFocus()
    qtbot.waitUntil(editor.edit.hasFocus)

    editor.editLastRequested.connect(
        lambda: (editor.set_text_for_edit("Earlier question"), editor.set_editing(True))
    )
    qtbot.keyClick(editor.edit, Qt.Key.Key_Up)
    assert editor.edit.toPlainText() == "Earlier question"
    assert editor.edit.textCursor().position() == len("Earlier question")
    assert editor.editing_bar.isVisible()
    assert editor.editing_label.text() == "Editing your message — Esc to cancel"

    with qtbot.waitSignal(editor.editCancelled):
        qtbot.keyClick(editor.edit, Qt.Key.Key_Escape)
    assert stops == []  # Esc cancelled the edit; it did not reach "stop"
    assert not editor.editing_bar.isVisible()
    assert editor.edit.toPlainText() == ""

    qtbot.keyClick(editor.edit, Qt.Key.Key_Escape)
    assert stops == [True]  # outside editing, Esc is the page's again

    qtbot.keyClick(editor.edit, Qt.Key.Key_Up)
    with qtbot.waitSignal(editor.editCancelled):
        qtbot.mouseClick(editor.cancel_edit_button, Qt.MouseButton.LeftButton)
    assert editor.edit.toPlainText() == "" and not editor.editing


def test_restored_images_come_back_as_thumbnails(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    data = png_file(tmp_path).read_bytes()
    composer.restore_attachments([ImageAttachment("photo.png", "image/png", data)])
    wait_for_images(qtbot, composer, 1)
    assert composer.attachments() == [ImageAttachment("photo.png", "image/png", data)]
    assert not composer.strip.chips()[0].thumbnail.pixmap().isNull()


# -- big pastes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20_000)[:1_000_000],
        base64.b64encode(os.urandom(750_000)).decode(),  # one line, not a single space
        "\n".join(["A line of a long contract, clause after clause."] * 20_000)[:1_000_000],
    ],
    ids=["one-line-prose", "one-line-no-spaces", "many-lines"],
)
def test_a_megabyte_paste_is_taken_whole_without_freezing(
    qtbot: QtBot, composer: Composer, text: str
) -> None:
    mime = QMimeData()
    mime.setText(text)
    started = time.perf_counter()
    paste(qtbot, composer, mime)
    QApplication.processEvents()
    elapsed = time.perf_counter() - started

    assert len(composer.edit.toPlainText()) == len(text)
    assert composer.edit.toPlainText() == text
    # Qt's default wrapping took about a minute on the no-spaces line; now it is ~0.6 s.
    assert elapsed < 5, f"pasting 1 MB took {elapsed:.2f} s"
    assert composer.send_button.isEnabled()
    sent: list[str] = []
    composer.sendRequested.connect(sent.append)
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == [text.strip()]
    # An empty box wraps at word boundaries again.
    qtbot.keyClicks(composer.edit, "short")
    assert composer.edit.wordWrapMode().name == "WrapAtWordBoundaryOrAnywhere"


def test_a_long_paragraph_grows_the_box(qtbot: QtBot, composer: Composer) -> None:
    one_line = composer.edit.height()
    composer.edit.insertPlainText("word " * 200)
    assert composer.edit.height() > one_line * 3


# -- the draft and the meter ----------------------------------------------------------------


def test_draft_size_follows_text_and_images(
    qtbot: QtBot, composer: Composer, tmp_path: Path
) -> None:
    with qtbot.waitSignal(composer.draftChanged):
        qtbot.keyClicks(composer.edit, "How long is this?")
    assert composer.draft_tokens() == estimate_message_tokens("How long is this?")
    composer.attach_files([png_file(tmp_path)])
    wait_for_images(qtbot, composer, 1)
    assert composer.draft_tokens() == estimate_message_tokens("How long is this?") + IMAGE_TOKENS


@pytest.fixture
def english() -> Iterator[None]:
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(previous)


@pytest.fixture
def meter(qtbot: QtBot) -> ContextMeter:
    widget = ContextMeter()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("used", "limit", "text", "state"),
    [
        (3210, 8192, "3.2k of 8.2k tokens", "Plenty of room."),
        (850, 2048, "850 of 2k tokens", "Plenty of room."),
        (6200, 8192, "6.2k of 8.2k tokens · Filling up", "filling"),
        (7400, 8192, "7.4k of 8.2k tokens · Almost full", "Almost full"),
        (9000, 8192, "9k of 8.2k tokens · Full", "no longer sees the beginning"),
        (70_000, 131_072, "70k of 131k tokens", "Plenty of room."),
    ],
)
def test_context_meter_says_how_full_in_words(
    meter: ContextMeter, used: int, limit: int, text: str, state: str
) -> None:
    meter.set_budget(used, limit)
    assert meter.text() == text
    description = meter.accessibleDescription()
    assert description.startswith(f"{used:,} of {limit:,} tokens used")
    assert state in description
    assert meter.bar.value() == round(min(1.0, used / limit) * 1000)
    assert "silently drops the oldest part" in meter.toolTip()
    assert description in meter.toolTip()


@pytest.mark.usefixtures("english")
def test_context_meter_without_a_known_limit(meter: ContextMeter) -> None:
    meter.set_budget(1234, 0)
    assert meter.text() == "1.2k tokens"
    assert "not known" in meter.accessibleDescription()
    assert meter.bar.value() == 0


def test_context_meter_numbers_follow_the_locale(meter: ContextMeter) -> None:
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.Polish, QLocale.Country.Poland))
    try:
        meter.set_budget(3210, 8192)
        assert meter.text() == "3,2k of 8,2k tokens"  # decimal comma
        meter.set_budget(32_100, 131_072)
        assert meter.text() == "32k of 131k tokens"
        # Exact figures with Polish digit grouping (a no-break space).
        assert meter.accessibleDescription().startswith("32\u00a0100 of 131\u00a0072 tokens")
    finally:
        QLocale.setDefault(previous)
