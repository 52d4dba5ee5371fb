"""Images on their way into a message: decoding off the GUI thread, and the thumbnail strip.

The byte-level rules (formats, sizes) live in :mod:`confide.core.chat.images`; this module
adds what needs an image codec: checking that the picture really decodes, converting WebP,
GIF and BMP to PNG or JPEG, applying a photo's EXIF rotation (the model should see what the
user sees), and drawing thumbnails. :func:`prepare_file`, :func:`prepare_bytes` and
:func:`prepare_qimage` block, and run on a worker thread (QImage, unlike QPixmap, may be used
there); the widgets below live on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QLocale,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QIcon,
    QImage,
    QImageIOHandler,
    QImageReader,
    QImageWriter,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QToolButton,
    QWidget,
)

from confide.core.chat.images import (
    MAX_IMAGE_BYTES,
    MAX_IMAGES_PER_MESSAGE,
    MAX_PIXELS,
    ImageAttachment,
    ImageFormat,
    ImageProblem,
    ImageRejected,
    check_dimensions,
    check_image,
    check_size,
    converted_format,
)

THUMBNAIL_SIZE = 64  # logical pixels; drawn at the screen's device pixel ratio
JPEG_QUALITY = 90
IMAGE_FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".jfif", ".webp", ".gif", ".bmp")

_CONTEXT = "Composer"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


@dataclass(frozen=True)
class PreparedImage:
    """The result of a worker: what to send, and a thumbnail (a QImage, safe across threads)."""

    attachment: ImageAttachment
    thumbnail: QImage
    converted: bool


# -- worker side ------------------------------------------------------------------------------


def prepare_file(path: Path, thumbnail_px: int) -> PreparedImage:
    """Reads, checks and, if needed, converts an image file. Blocks: call on a worker."""
    name = path.name or str(path)
    try:
        if path.is_dir():
            raise ImageRejected(ImageProblem.NOT_SUPPORTED, name)
        check_size(name, path.stat().st_size)  # before reading: never load a huge file
        data = path.read_bytes()
    except OSError as exc:
        raise ImageRejected(ImageProblem.UNREADABLE, name) from exc
    return prepare_bytes(data, thumbnail_px, name=name)


def prepare_bytes(
    data: bytes, thumbnail_px: int, *, name: str | None = None, stem: str = ""
) -> PreparedImage:
    """Like :func:`prepare_file` for bytes already in memory (the clipboard's PNG, say).

    Without ``name`` the attachment is called ``stem`` plus the extension of what is sent.
    """
    shown = name or stem
    source = check_image(shown, data)
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    size = reader.size()
    if not size.isValid():
        raise ImageRejected(ImageProblem.DAMAGED, shown)
    check_dimensions(shown, size.width(), size.height())
    upright = reader.transformation() == QImageIOHandler.Transformation.TransformationNone
    if source.sent_as_is and upright:
        # The original bytes go out; decoding at thumbnail size proves they decode, cheaply
        # (JPEG decodes straight to a fraction of its size).
        reader.setScaledSize(_cover_size(size, thumbnail_px))
        small = reader.read()
        if small.isNull():
            raise ImageRejected(ImageProblem.DAMAGED, shown)
        attachment = ImageAttachment(name or f"{stem}.{source.extension}", source.mime_type, data)
        return PreparedImage(attachment, _crop_square(small, thumbnail_px), converted=False)
    image = reader.read()
    if image.isNull():
        raise ImageRejected(ImageProblem.DAMAGED, shown)
    target = (
        ImageFormat.JPEG
        if source is ImageFormat.JPEG
        else converted_format(source, has_alpha=image.hasAlphaChannel())
    )
    encoded = encode(image, target)
    check_size(shown, len(encoded))
    attachment = ImageAttachment(name or f"{stem}.{target.extension}", target.mime_type, encoded)
    return PreparedImage(attachment, make_thumbnail(image, thumbnail_px), converted=True)


def prepare_qimage(image: QImage, thumbnail_px: int, *, stem: str) -> PreparedImage:
    """An image the clipboard offered only decoded (a screenshot): sent as PNG."""
    if image.isNull():
        raise ImageRejected(ImageProblem.DAMAGED, stem)
    check_dimensions(stem, image.width(), image.height())
    encoded = encode(image, ImageFormat.PNG)
    check_size(stem, len(encoded))
    attachment = ImageAttachment(f"{stem}.png", ImageFormat.PNG.mime_type, encoded)
    return PreparedImage(attachment, make_thumbnail(image, thumbnail_px), converted=True)


def encode(image: QImage, target: ImageFormat) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if target is ImageFormat.JPEG:
        if image.hasAlphaChannel():
            image = image.convertToFormat(QImage.Format.Format_RGB32)
        writer = QImageWriter(buffer, QByteArray(b"jpeg"))
        writer.setQuality(JPEG_QUALITY)
    else:
        writer = QImageWriter(buffer, QByteArray(b"png"))
    if not writer.write(image):
        raise ImageRejected(ImageProblem.DAMAGED, "")
    return bytes(buffer.data().data())


def make_thumbnail(image: QImage, size_px: int) -> QImage:
    """A square, centre-cropped thumbnail ``size_px`` device pixels wide."""
    cover = _cover_size(image.size(), size_px)
    if image.width() > cover.width() * 4:
        # Two steps: a fast shrink first keeps smooth scaling of a 50-megapixel photo cheap.
        image = image.scaled(
            cover * 4,
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
    scaled = image.scaled(
        cover, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    return _crop_square(scaled, size_px)


def _cover_size(size: QSize, side: int) -> QSize:
    """``size`` scaled so that its shorter side is ``side`` (never below one pixel)."""
    shorter = max(1, min(size.width(), size.height()))
    scale = side / shorter
    return QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))


def _crop_square(image: QImage, side: int) -> QImage:
    if image.width() == image.height() == side:
        return image
    if image.width() < side or image.height() < side:
        image = image.scaled(
            _cover_size(image.size(), side),
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    left = (image.width() - side) // 2
    top = (image.height() - side) // 2
    return image.copy(QRect(left, top, side, side))


# -- messages ---------------------------------------------------------------------------------


def looks_like_image_name(name: str) -> bool:
    """Only to choose the wording of a refusal; the real check reads the bytes."""
    return name.lower().endswith(IMAGE_FILE_SUFFIXES)


def default_not_allowed_reason() -> str:
    return _tr("The selected model cannot see images. Choose a model with vision.")


def describe_rejection(rejection: ImageRejected, not_allowed_reason: str = "") -> str:
    """One sentence for the user saying what happened and what to do."""
    name = rejection.name or _tr("The image")
    locale = QLocale()
    problem = rejection.problem
    if problem is ImageProblem.NOT_SUPPORTED:
        return _tr("“%1” is not an image Confide can send. Use PNG or JPEG.").replace("%1", name)
    if problem is ImageProblem.TOO_LARGE:
        return (
            _tr("“%1” is too large (%2). An image can be up to %3.")
            .replace("%1", name)
            .replace("%2", locale.formattedDataSize(rejection.size or 0))
            .replace("%3", locale.formattedDataSize(MAX_IMAGE_BYTES))
        )
    if problem is ImageProblem.TOO_MANY_PIXELS:
        return (
            _tr(
                "“%1” has too many pixels for a model to take in. Make it smaller than "
                "%2 megapixels first."
            )
            .replace("%1", name)
            .replace("%2", locale.toString(MAX_PIXELS // 1_000_000))
        )
    if problem is ImageProblem.EMPTY:
        return _tr("“%1” is empty.").replace("%1", name)
    if problem is ImageProblem.DAMAGED:
        return _tr("“%1” could not be read as an image. The file may be damaged.").replace(
            "%1", name
        )
    if problem is ImageProblem.UNREADABLE:
        return _tr(
            "“%1” could not be opened. Check that it still exists and that you may read it."
        ).replace("%1", name)
    if problem is ImageProblem.NOT_LOCAL:
        return _tr(
            "“%1” is not on this computer. Confide attaches only files saved here, and never "
            "downloads anything."
        ).replace("%1", name)
    if problem is ImageProblem.TOO_MANY:
        return (
            _tr("A message can carry up to %1 images; “%2” was not added.")
            .replace("%1", locale.toString(MAX_IMAGES_PER_MESSAGE))
            .replace("%2", name)
        )
    return not_allowed_reason or default_not_allowed_reason()


# -- widgets ----------------------------------------------------------------------------------


def attach_icon(color: QColor, ratios: tuple[float, ...] = (1.0, 2.0)) -> QIcon:
    """A framed picture with a hill and a sun, in the text colour (no bundled icon needed)."""
    icon = QIcon()
    side = 20
    for ratio in ratios:
        pixmap = QPixmap(round(side * ratio), round(side * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(color, 1.6)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawRoundedRect(QRectF(2.5, 4.5, 15, 11), 2, 2)
        hill = QPainterPath()
        hill.moveTo(3.5, 14.5)
        hill.lineTo(8, 9.5)
        hill.lineTo(11, 12.5)
        hill.lineTo(13, 10.5)
        hill.lineTo(16.5, 14.5)
        painter.drawPath(hill)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(13.2, 7.8), 1.2, 1.2)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


class AttachmentChip(QFrame):
    """One image in the strip: its thumbnail (or a placeholder while it loads) and ×."""

    removeRequested = Signal(int)

    def __init__(self, key: int, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.name = name
        self.setObjectName("attachmentChip")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedSize(THUMBNAIL_SIZE + 4, THUMBNAIL_SIZE + 4)
        self.thumbnail = QLabel(self)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setFixedSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE)
        self.remove_button = QToolButton(self)
        self.remove_button.setText("×")
        self.remove_button.setAutoRaise(False)
        self.remove_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.remove_button.setAccessibleName(self.tr("Image %1, remove").replace("%1", name))
        self.remove_button.setToolTip(self.tr("Remove this image"))
        layout = QGridLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.thumbnail, 0, 0)
        layout.addWidget(
            self.remove_button, 0, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight
        )
        self.remove_button.clicked.connect(lambda: self.removeRequested.emit(self.key))
        self.set_loading()

    def set_loading(self) -> None:
        self.thumbnail.setText("…")
        self.setAccessibleName(self.tr("Image %1").replace("%1", self.name))
        self.setAccessibleDescription(self.tr("Loading"))
        self.setToolTip(self.tr("%1 (loading…)").replace("%1", self.name))

    def set_ready(self, name: str, thumbnail: QImage, size_bytes: int) -> None:
        self.name = name
        self.remove_button.setAccessibleName(self.tr("Image %1, remove").replace("%1", name))
        self.thumbnail.setPixmap(QPixmap.fromImage(thumbnail))
        size_text = QLocale().formattedDataSize(size_bytes)
        self.setAccessibleName(self.tr("Image %1").replace("%1", self.name))
        self.setAccessibleDescription(size_text)
        self.setToolTip(self.tr("%1, %2").replace("%1", self.name).replace("%2", size_text))


class AttachmentStrip(QScrollArea):
    """The row of attached images above the text; scrolls sideways when it is long."""

    removeRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentStrip")
        self.setAccessibleName(self.tr("Attached images"))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustIgnored)
        self.viewport().setAutoFillBackground(False)
        inner = QWidget(self)
        self._row = QHBoxLayout(inner)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self._row.addStretch(1)
        self.setWidget(inner)
        inner.setAutoFillBackground(False)  # setWidget turns it on: keep the composer's colour
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.setFixedHeight(THUMBNAIL_SIZE + 4 + bar + 2)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._chips: dict[int, AttachmentChip] = {}

    def chips(self) -> list[AttachmentChip]:
        return list(self._chips.values())

    def chip(self, key: int) -> AttachmentChip | None:
        return self._chips.get(key)

    def add(self, key: int, name: str) -> AttachmentChip:
        chip = AttachmentChip(key, name, self.widget())
        chip.removeRequested.connect(self.removeRequested)
        self._row.insertWidget(self._row.count() - 1, chip)
        self._chips[key] = chip
        self.setVisible(True)
        self.ensureWidgetVisible(chip)
        return chip

    def remove(self, key: int) -> None:
        chip = self._chips.pop(key, None)
        if chip is None:
            return
        had_focus = chip.remove_button.hasFocus()
        self._row.removeWidget(chip)
        chip.hide()
        chip.deleteLater()
        if not self._chips:
            self.setVisible(False)
        elif had_focus:
            # Keyboard users removing one image after another keep their place.
            self.chips()[-1].remove_button.setFocus()

    def clear(self) -> None:
        for key in list(self._chips):
            self.remove(key)
