"""Where the user types: Enter sends, Shift+Enter starts a new line, Esc stops an answer.

It also takes images for vision models (the button, paste, drag and drop), offers Up in an
empty box to edit the last message, and estimates the draft's size for the context meter.

Sending: ``sendRequested(text)`` fires with the stripped text; while it is being emitted,
:meth:`Composer.attachments` still returns the message's images, and right after they are
cleared, unless the receiver called :meth:`Composer.keep_message` (it did not send: the
text and images stay in the box). A message needs text, at least one image, or both.
Sending waits until every image has finished loading and is refused while images are
attached but not allowed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QEvent, QMimeData, QObject, QSize, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QKeyEvent,
    QPalette,
    QPixmap,
    QTextOption,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from confide.core.chat.context_budget import estimate_message_tokens
from confide.core.chat.images import (
    MAX_IMAGES_PER_MESSAGE,
    ImageAttachment,
    ImageProblem,
    ImageRejected,
)
from confide.ui.chat.attachments import (
    THUMBNAIL_SIZE,
    AttachmentStrip,
    PreparedImage,
    attach_icon,
    default_not_allowed_reason,
    describe_rejection,
    looks_like_image_name,
    prepare_bytes,
    prepare_file,
    prepare_qimage,
)
from confide.ui.tasks import ProgressSink, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

MAX_VISIBLE_LINES = 8
# Qt's default wrap mode (word boundary, else anywhere) is quadratic on a line without
# spaces: a 1 MB base64 blob froze the window for about a minute, 100k characters for a
# second. Past this length a line wraps anywhere, which stays linear.
LONG_LINE_CHARS = 20_000
# Above this many characters the text is taken to be more than whitespace without copying
# it out of the document on every keystroke (sending strips it anyway).
BLANK_CHECK_LIMIT = 10_000
DRAFT_SETTLE_MS = 250
# Clipboard formats holding an encoded image, best first: taken as they are, not re-encoded.
RAW_IMAGE_FORMATS = ("image/png", "image/jpeg", "image/webp", "image/gif", "image/bmp")


class AttachmentSink(Protocol):
    def wants_mime(self, mime: QMimeData) -> bool: ...

    def take_mime(self, mime: QMimeData) -> None: ...


class MessageEdit(QPlainTextEdit):
    submitted = Signal()
    upInEmpty = Signal()  # Up pressed while there is no text at all
    escapePressed = Signal()  # only while ``claims_escape`` (otherwise Esc stops an answer)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attachment_sink: AttachmentSink | None = None
        self.claims_escape = False
        self.textChanged.connect(self._relax_wrapping)

    def event(self, event: QEvent) -> bool:
        # The chat page binds Esc to "stop the answer"; while editing, Esc here means
        # "cancel editing", so take the key before the shortcut does.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and self.claims_escape
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        modifiers = event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if not modifiers & (
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier
            ):
                self.submitted.emit()
                return
            self.insertPlainText("\n")
            return
        if key == Qt.Key.Key_Escape and self.claims_escape:
            self.escapePressed.emit()
            return
        if (
            key == Qt.Key.Key_Up
            and not modifiers & ~Qt.KeyboardModifier.KeypadModifier
            and self.document().isEmpty()
        ):
            self.upInEmpty.emit()
            return
        super().keyPressEvent(event)

    def prepare_for_text(self, text: str) -> None:
        """Call before putting ``text`` in: picks a wrap mode that lays it out in linear time."""
        if len(text) > LONG_LINE_CHARS and _longest_line(text) > LONG_LINE_CHARS:
            self.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)

    def _relax_wrapping(self) -> None:
        if (
            self.wordWrapMode() == QTextOption.WrapMode.WrapAnywhere
            and self.document().characterCount() <= LONG_LINE_CHARS
        ):
            self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        sink = self.attachment_sink
        if sink is not None and sink.wants_mime(source):
            return True
        return super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        sink = self.attachment_sink
        if sink is not None and sink.wants_mime(source):
            sink.take_mime(source)
            return
        if source.hasText():
            self.prepare_for_text(source.text())
        super().insertFromMimeData(source)


def _longest_line(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


@dataclass
class _Item:
    key: int
    name: str
    handle: TaskHandle | None = None
    attachment: ImageAttachment | None = None


class _JobReceiver(QObject):
    """Carries one image job's outcome back; dies with the composer, so a late result from
    a job of a closed window reaches nobody."""

    done = Signal(int, object)

    def __init__(self, key: int, parent: QObject) -> None:
        super().__init__(parent)
        self.key = key

    def deliver(self, outcome: object) -> None:
        self.done.emit(self.key, outcome)


class Composer(QFrame):
    sendRequested = Signal(str)
    stopRequested = Signal()
    editLastRequested = Signal()  # Up in the empty box: the page puts the last message back
    editCancelled = Signal()  # the user left editing (Cancel or Esc); the box is empty again
    attachmentsChanged = Signal()  # an image finished loading, was removed, or all were sent
    draftChanged = Signal()  # text or images changed (settled): time to refresh the meter

    def __init__(self, parent: QWidget | None = None, *, runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self._runner = runner
        self._busy = False
        self._keep_message = False  # set by a receiver of sendRequested that did not send
        self._can_send = True
        self._can_send_reason = ""
        self._editing = False
        self._images_allowed = True
        self._images_reason = ""
        self._items: dict[int, _Item] = {}
        self._next_key = 0
        self._pasted = 0
        self._notice_lines: list[str] = []
        self._last_folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.PicturesLocation
        )

        self.edit = MessageEdit(self)
        self.edit.setObjectName("composerEdit")
        self.edit.setPlaceholderText(
            self.tr("Ask anything… (Enter sends, Shift+Enter adds a line)")
        )
        self.edit.setAccessibleName(self.tr("Message"))
        self.edit.setAccessibleDescription(
            self.tr("Type your message. Enter sends it, Shift+Enter starts a new line.")
        )
        self.edit.setTabChangesFocus(True)
        self.edit.setFrameShape(QFrame.Shape.NoFrame)
        self.send_button = QPushButton(self.tr("Send"), self)
        self.send_button.setObjectName("primaryButton")
        self.send_button.setAccessibleName(self.tr("Send message"))
        self.send_button.setAccessibleDescription(
            self.tr("Sends your message to the model (Enter)")
        )
        self.stop_button = QPushButton(self.tr("Stop"), self)
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setAccessibleName(self.tr("Stop the answer"))
        self.stop_button.setToolTip(self.tr("Stop the answer (Esc)"))
        self.stop_button.hide()
        self.attach_button = QToolButton(self)
        self.attach_button.setObjectName("attachButton")
        self.attach_button.setAutoRaise(True)
        self.attach_button.setIconSize(QSize(20, 20))
        self.attach_button.setAccessibleName(self.tr("Attach image"))
        self.attach_button.setVisible(runner is not None)

        # Editing an earlier message: says so, and offers the way back.
        self.editing_bar = QFrame(self)
        self.editing_bar.setObjectName("composerEditingBar")
        self.editing_label = QLabel(self.tr("Editing your message — Esc to cancel"))
        self.cancel_edit_button = QPushButton(self.tr("Cancel"), self.editing_bar)
        self.cancel_edit_button.setAccessibleName(self.tr("Cancel editing"))
        self.cancel_edit_button.setAccessibleDescription(
            self.tr("Leaves your earlier message as it was (Esc)")
        )
        editing_layout = QHBoxLayout(self.editing_bar)
        editing_layout.setContentsMargins(0, 0, 0, 0)
        editing_layout.addWidget(self.editing_label, 1)
        editing_layout.addWidget(self.cancel_edit_button)
        self.editing_bar.hide()

        self.strip = AttachmentStrip(self)
        self.strip.hide()

        # Why an image was not attached, right where the user looked (no modal dialog).
        self.notice = QFrame(self)
        self.notice.setObjectName("composerNotice")
        self.notice_text = QLabel(self.notice)
        self.notice_text.setWordWrap(True)
        self.notice_text.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_text.setAccessibleName(self.tr("Attachment problem"))
        self.dismiss_notice_button = QToolButton(self.notice)
        self.dismiss_notice_button.setText("×")
        self.dismiss_notice_button.setAutoRaise(True)
        self.dismiss_notice_button.setAccessibleName(self.tr("Dismiss this message"))
        self.dismiss_notice_button.setToolTip(self.tr("Dismiss"))
        notice_layout = QHBoxLayout(self.notice)
        notice_layout.setContentsMargins(0, 0, 0, 0)
        notice_layout.addWidget(self.notice_text, 1)
        notice_layout.addWidget(self.dismiss_notice_button, 0, Qt.AlignmentFlag.AlignTop)
        self.notice.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.edit, 1)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.stop_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.editing_bar)
        layout.addWidget(self.strip)
        layout.addWidget(self.notice)
        layout.addLayout(row)

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_SETTLE_MS)
        self._draft_timer.timeout.connect(self.draftChanged)

        self.edit.submitted.connect(self._submit)
        self.edit.upInEmpty.connect(self._on_up_in_empty)
        self.edit.escapePressed.connect(self.cancel_editing)
        self.send_button.clicked.connect(self._submit)
        self.stop_button.clicked.connect(self.stopRequested)
        self.cancel_edit_button.clicked.connect(self.cancel_editing)
        self.dismiss_notice_button.clicked.connect(self._dismiss_notice)
        self.attach_button.clicked.connect(self.choose_images)
        self.strip.removeRequested.connect(self.remove_attachment)
        self.edit.textChanged.connect(self._on_text_changed)
        self.edit.document().documentLayout().documentSizeChanged.connect(self._update_height)
        if runner is not None:
            self.edit.attachment_sink = self
            self.setAcceptDrops(True)
        self._refresh_attach_button()
        self._update()

    # -- state the page sets ----------------------------------------------------------------

    def set_busy(self, busy: bool) -> None:
        """While an answer streams, Send turns into Stop."""
        self._busy = busy
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)
        self._update()

    def set_can_send(self, can_send: bool, reason: str = "") -> None:
        self._can_send = can_send
        self._can_send_reason = reason
        self._update()

    def set_images_allowed(self, allowed: bool, reason: str = "") -> None:
        """Whether the selected model can see images; ``reason`` says why not, and what to do."""
        self._images_allowed = allowed
        self._images_reason = reason or default_not_allowed_reason()
        self._refresh_attach_button()
        if allowed:
            self._dismiss_notice()
        elif self._items:
            # Keep the user's images (switching back to a vision model makes them sendable
            # again), but say why Send is off.
            self._set_notice(
                [self._images_reason, self.tr("Remove the images to send the text alone.")]
            )
        self._update()

    @property
    def images_allowed(self) -> bool:
        return self._images_allowed

    # -- editing an earlier message ---------------------------------------------------------

    def set_text_for_edit(self, text: str) -> None:
        """Puts a message back into the box, cursor at the end, ready to change."""
        self.edit.prepare_for_text(text)
        self.edit.setPlainText(text)
        self.edit.moveCursor(self.edit.textCursor().MoveOperation.End)
        self.edit.setFocus()

    def set_editing(self, editing: bool) -> None:
        """Shows or hides "Editing your message — Esc to cancel" with its Cancel button."""
        self._editing = editing
        self.editing_bar.setVisible(editing)
        self.edit.claims_escape = editing

    @property
    def editing(self) -> bool:
        return self._editing

    def cancel_editing(self) -> None:
        if not self._editing:
            return
        self.set_editing(False)
        self.edit.clear()
        self.clear_attachments()
        self.edit.setFocus()
        self.editCancelled.emit()

    def _on_up_in_empty(self) -> None:
        if not self._busy and not self._items:
            self.editLastRequested.emit()

    # -- images -------------------------------------------------------------------------------

    def attachments(self) -> list[ImageAttachment]:
        """The images ready to send, in the order they were added."""
        return [item.attachment for item in self._items.values() if item.attachment is not None]

    @property
    def loading_attachments(self) -> bool:
        return any(item.attachment is None for item in self._items.values())

    def clear_attachments(self) -> None:
        if not self._items:
            return
        for item in self._items.values():
            if item.handle is not None:
                item.handle.cancel()
        self._items.clear()
        self.strip.clear()
        self.attachmentsChanged.emit()
        self._update()

    def remove_attachment(self, key: int) -> None:
        item = self._items.pop(key, None)
        if item is None:
            return
        if item.handle is not None:
            item.handle.cancel()
        self.strip.remove(key)
        if not self._items:
            self.edit.setFocus()
            if not self._images_allowed:
                self._dismiss_notice()
        self.attachmentsChanged.emit()
        self._update()

    def choose_images(self) -> None:
        """The Attach button: pick image files in the system's file dialog."""
        if not self._images_allowed or self._runner is None:
            return
        paths, _selected = QFileDialog.getOpenFileNames(
            self,
            self.tr("Attach images"),
            self._last_folder,
            self.tr("Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp);;All files (*)"),
        )
        if not paths:
            return
        self._last_folder = str(Path(paths[0]).parent)
        self.attach_files(Path(path) for path in paths)

    def attach_files(self, paths: Iterable[Path]) -> None:
        """Attaches image files (decoded and checked off the GUI thread)."""
        self._begin_attempt()
        self._attach_paths(paths)

    def _attach_paths(self, paths: Iterable[Path]) -> None:
        for path in paths:
            name = path.name or str(path)
            if not self._images_allowed and looks_like_image_name(name):
                self._refuse(ImageRejected(ImageProblem.NOT_ALLOWED, name))
                continue
            self._start(name, partial(prepare_file, path, self._thumbnail_px()))

    def restore_attachments(self, images: Iterable[ImageAttachment]) -> None:
        """Puts a sent message's images back (editing it): they show as thumbnails again."""
        for image in images:
            self._start(
                image.name,
                partial(prepare_bytes, image.data, self._thumbnail_px(), name=image.name),
            )

    def wants_mime(self, mime: QMimeData) -> bool:
        """Whether pasted or dropped data is ours: local files, or an image."""
        if self._runner is None:
            return False
        if mime.hasUrls() and any(url.isLocalFile() for url in mime.urls()):
            return True
        if mime.hasText() and mime.text().strip():
            # Word, LibreOffice and Excel put a picture of the copied selection next to its
            # text; the user copied text.
            return False
        return mime.hasImage() or any(mime.hasFormat(kind) for kind in RAW_IMAGE_FORMATS)

    def take_mime(self, mime: QMimeData) -> None:
        """Attaches what was pasted or dropped, or says why not."""
        if not self.wants_mime(mime):
            return
        if mime.hasUrls() and any(url.isLocalFile() for url in mime.urls()):
            self._begin_attempt()
            local: list[Path] = []
            for url in mime.urls():
                if url.isLocalFile():
                    local.append(Path(url.toLocalFile()))
                else:
                    # Never fetched: attaching must not reach the network.
                    shown = url.fileName() or url.toDisplayString()
                    self._refuse(ImageRejected(ImageProblem.NOT_LOCAL, shown))
            self._attach_paths(local)
            return
        self._begin_attempt()
        self._pasted += 1
        stem = self.tr("Pasted image %1").replace("%1", str(self._pasted))
        if not self._images_allowed:
            self._refuse(ImageRejected(ImageProblem.NOT_ALLOWED, stem))
            return
        px = self._thumbnail_px()
        for kind in RAW_IMAGE_FORMATS:
            if mime.hasFormat(kind):
                data = bytes(mime.data(kind).data())
                self._start(stem, partial(prepare_bytes, data, px, stem=stem))
                return
        image = mime.imageData()
        if isinstance(image, QPixmap):
            image = image.toImage()
        if not isinstance(image, QImage):
            self._refuse(ImageRejected(ImageProblem.DAMAGED, stem))
            return
        self._start(stem, partial(prepare_qimage, image, px, stem=stem))

    def _start(self, name: str, work: Callable[[], PreparedImage]) -> None:
        if self._runner is None:
            return
        if not self._images_allowed:
            self._refuse(ImageRejected(ImageProblem.NOT_ALLOWED, name))
            return
        if len(self._items) >= MAX_IMAGES_PER_MESSAGE:
            self._refuse(ImageRejected(ImageProblem.TOO_MANY, name))
            return
        key = self._next_key
        self._next_key += 1
        item = _Item(key, name)
        self._items[key] = item
        self.strip.add(key, name)

        async def job(_push: ProgressSink) -> PreparedImage | ImageRejected:
            try:
                return await asyncio.to_thread(work)
            except ImageRejected as rejected:  # an everyday outcome, not a failure to log
                return rejected

        receiver = _JobReceiver(key, self)
        receiver.done.connect(self._on_prepared)
        item.handle = self._runner.run("attach-image", job)
        item.handle.succeeded.connect(receiver.deliver)
        item.handle.failed.connect(receiver.deliver)
        item.handle.finished.connect(receiver.deleteLater)
        self._update()

    def _on_prepared(self, key: int, outcome: object) -> None:
        item = self._items.get(key)
        if item is None:
            return  # removed while it loaded
        item.handle = None
        if isinstance(outcome, PreparedImage):
            item.attachment = outcome.attachment
            thumbnail = outcome.thumbnail
            thumbnail.setDevicePixelRatio(self.devicePixelRatioF())
            chip = self.strip.chip(key)
            if chip is not None:
                chip.set_ready(outcome.attachment.name, thumbnail, len(outcome.attachment.data))
            log.info(
                "image attached (%s, %d KB%s)",
                outcome.attachment.mime_type,
                len(outcome.attachment.data) // 1024,
                ", converted" if outcome.converted else "",
            )
            self.attachmentsChanged.emit()
        else:
            del self._items[key]
            self.strip.remove(key)
            if isinstance(outcome, ImageRejected):
                outcome.name = outcome.name or item.name
                self._refuse(outcome)
            else:
                self._refuse(ImageRejected(ImageProblem.DAMAGED, item.name))
        self._update()

    def _thumbnail_px(self) -> int:
        return round(THUMBNAIL_SIZE * self.devicePixelRatioF())

    def _refresh_attach_button(self) -> None:
        self.attach_button.setIcon(attach_icon(self.palette().color(QPalette.ColorRole.ButtonText)))
        self.attach_button.setEnabled(self._images_allowed and self._runner is not None)
        if self._images_allowed:
            self.attach_button.setToolTip(
                self.tr(
                    "Attach images (PNG, JPEG, WebP, GIF or BMP). You can also paste them "
                    "or drop them here."
                )
            )
            self.attach_button.setAccessibleDescription(
                self.tr("Adds pictures for the model to look at")
            )
        else:
            self.attach_button.setToolTip(self._images_reason)
            self.attach_button.setAccessibleDescription(self._images_reason)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # The icon follows light and dark mode (the palette can change mid-construction).
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "attach_button"):
            self._refresh_attach_button()

    # -- drag and drop onto the whole box ---------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.wants_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.wants_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if not self.wants_mime(mime):
            event.ignore()
            return
        event.acceptProposedAction()
        self.take_mime(mime)

    # -- notices ----------------------------------------------------------------------------

    def _begin_attempt(self) -> None:
        self._notice_lines = []
        self.notice.hide()

    def _refuse(self, rejection: ImageRejected) -> None:
        log.info("image refused (%s)", rejection.problem.value)
        self._set_notice([*self._notice_lines, describe_rejection(rejection, self._images_reason)])

    def _set_notice(self, lines: list[str]) -> None:
        self._notice_lines = lines
        if not lines:
            self.notice.hide()
            return
        self.notice_text.setText("\n".join(lines))
        self.notice.show()
        # Screen readers announce it, as they would a message box.
        QAccessible.updateAccessibility(QAccessibleEvent(self.notice_text, QAccessible.Event.Alert))

    def _dismiss_notice(self) -> None:
        self._notice_lines = []
        self.notice.hide()

    @property
    def notice_message(self) -> str:
        """What the inline notice says ("" when hidden)."""
        return self.notice_text.text() if not self.notice.isHidden() else ""

    # -- the draft --------------------------------------------------------------------------

    def draft_tokens(self) -> int:
        """Estimated size of the message being written, template markers and images included."""
        return estimate_message_tokens(self.edit.toPlainText(), len(self._items))

    def _has_text(self) -> bool:
        document = self.edit.document()
        if document.isEmpty():
            return False
        if document.characterCount() > BLANK_CHECK_LIMIT:
            return True
        return bool(self.edit.toPlainText().strip())

    def _on_text_changed(self) -> None:
        self._update()

    def _update(self) -> None:
        has_text = self._has_text()
        blocked = bool(self._items) and not self._images_allowed
        loading = self.loading_attachments
        ready = (has_text or bool(self._items)) and not loading and not blocked
        self.send_button.setEnabled(ready and self._can_send and not self._busy)
        if not self._can_send:
            tip = self._can_send_reason
        elif blocked:
            tip = self._images_reason
        elif loading:
            tip = self.tr("Wait until the images are ready")
        else:
            tip = ""
        self.send_button.setToolTip(tip)
        self._update_height()
        self._draft_timer.start()

    def _update_height(self) -> None:
        # Visual lines, so that a long wrapped paragraph grows the box like several lines do.
        lines = max(1, min(self.edit.document().lineCount(), MAX_VISIBLE_LINES))
        line_height = self.edit.fontMetrics().lineSpacing()
        self.edit.setFixedHeight(lines * line_height + 16)

    def _submit(self) -> None:
        if self._busy or not self._can_send or self.loading_attachments:
            return
        if self._items and not self._images_allowed:
            return
        typed = self.edit.toPlainText()
        text = typed.strip()
        if not text and not self._items:
            return
        self.edit.clear()
        self._dismiss_notice()
        self._keep_message = False
        self.sendRequested.emit(text)
        if self._keep_message:
            self.set_text_for_edit(typed)
        else:
            self.clear_attachments()

    def keep_message(self) -> None:
        """For a receiver of ``sendRequested`` that did not send after all (the user chose
        not to, when warned): the message stays in the box as it was, images included."""
        self._keep_message = True
