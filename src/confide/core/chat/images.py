"""Which images the composer may send to a vision model, decided from their bytes.

Formats are recognised by their magic bytes, never by the file name: a ``.jpg`` that is
really a TIFF is refused, a PNG saved as ``.dat`` is accepted.

What is sent: PNG and JPEG go to the daemon untouched. WebP, GIF and BMP are accepted but
converted first (by the UI layer, which has an image codec): Ollama's new engine decodes
through Go's ``image`` package plus WebP, while the older llama.cpp runners decode with
stb_image, which has no WebP. PNG and JPEG are the formats both paths read, so they are all
Confide ever sends. A GIF is sent as its first frame (models see still images only).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

SNIFF_BYTES = 32
"""How many leading bytes :func:`sniff_format` needs."""

MAX_IMAGE_BYTES = 20 * 1024 * 1024
"""Largest image file accepted, before and after conversion.

The request carries images as base64 (a third larger) and the whole conversation is sent
again with every turn, so a bigger file mostly costs time; vision models shrink every
picture to well under a megapixel anyway.
"""

MAX_PIXELS = 50_000_000
"""Width times height. A small PNG can unpack to gigabytes ("decompression bomb"), which the
daemon would have to hold in memory; no vision model looks at more than a few megapixels."""

MAX_IMAGES_PER_MESSAGE = 10
"""Each image takes a large share of the context (see ``context_budget.IMAGE_TOKENS``)."""

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_GIFS = (b"GIF87a", b"GIF89a")
_WEBP_CHUNKS = (b"VP8 ", b"VP8L", b"VP8X")
# The DIB header sizes of the BMP variants in use (OS/2 1.x, 2.x, Windows 3.x to 5).
# "BM" alone would also match plenty of text files.
_BMP_DIB_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


class ImageFormat(enum.Enum):
    PNG = "image/png"
    JPEG = "image/jpeg"
    WEBP = "image/webp"
    GIF = "image/gif"
    BMP = "image/bmp"

    @property
    def mime_type(self) -> str:
        return self.value

    @property
    def sent_as_is(self) -> bool:
        """True when the daemon gets the original bytes; otherwise they are converted."""
        return self in (ImageFormat.PNG, ImageFormat.JPEG)

    @property
    def extension(self) -> str:
        return "jpg" if self is ImageFormat.JPEG else self.name.lower()


def sniff_format(head: bytes) -> ImageFormat | None:
    """The image format of a file starting with ``head``, or None if it is none we accept."""
    if head.startswith(_PNG):
        return ImageFormat.PNG
    if head.startswith(_JPEG):
        return ImageFormat.JPEG
    if head.startswith(_GIFS):
        return ImageFormat.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and head[12:16] in _WEBP_CHUNKS:
        return ImageFormat.WEBP
    if head[:2] == b"BM" and len(head) >= 18:
        dib_size = int.from_bytes(head[14:18], "little")
        if dib_size in _BMP_DIB_SIZES:
            return ImageFormat.BMP
    return None


def converted_format(source: ImageFormat, *, has_alpha: bool) -> ImageFormat:
    """What an image in ``source`` format is sent as.

    WebP is mostly photographs: re-encoding a lossy photo as PNG can make it ten times
    bigger, so an opaque WebP becomes a JPEG. GIF and BMP are mostly drawings and
    screenshots, which PNG keeps sharp and small. Transparency needs PNG.
    """
    if source.sent_as_is:
        return source
    if source is ImageFormat.WEBP and not has_alpha:
        return ImageFormat.JPEG
    return ImageFormat.PNG


class ImageProblem(enum.Enum):
    NOT_SUPPORTED = "not_supported"
    """Not an image, or a kind Confide does not send (TIFF, HEIC, SVG, PDF…)."""
    TOO_LARGE = "too_large"
    """Bigger than :data:`MAX_IMAGE_BYTES` (``ImageRejected.size`` says how big)."""
    TOO_MANY_PIXELS = "too_many_pixels"
    """Width times height above :data:`MAX_PIXELS`."""
    EMPTY = "empty"
    """A file of zero bytes."""
    DAMAGED = "damaged"
    """Its header says image, but it cannot be decoded."""
    UNREADABLE = "unreadable"
    """The operating system would not let us read it (gone, no permission, I/O error)."""
    NOT_LOCAL = "not_local"
    """A link to something not on this computer; Confide never downloads it."""
    TOO_MANY = "too_many"
    """The message already holds :data:`MAX_IMAGES_PER_MESSAGE` images."""
    NOT_ALLOWED = "not_allowed"
    """The selected model cannot see images."""


class ImageRejected(Exception):
    """An image the composer will not attach; the UI words ``problem`` for the user.

    ``name`` is the file name the user knows the image by. It is never logged.
    """

    def __init__(self, problem: ImageProblem, name: str, *, size: int | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.name = name
        self.size = size

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_rejection, (self.problem, self.name, self.size))


def _rebuild_rejection(problem: ImageProblem, name: str, size: int | None) -> ImageRejected:
    return ImageRejected(problem, name, size=size)


def check_size(name: str, size: int) -> None:
    """Refuses an empty or oversized file before a single byte of it is read."""
    if size <= 0:
        raise ImageRejected(ImageProblem.EMPTY, name, size=size)
    if size > MAX_IMAGE_BYTES:
        raise ImageRejected(ImageProblem.TOO_LARGE, name, size=size)


def check_dimensions(name: str, width: int, height: int) -> None:
    """Refuses a picture whose pixels would not fit in memory sensibly (read from its header)."""
    if width <= 0 or height <= 0:
        raise ImageRejected(ImageProblem.DAMAGED, name)
    if width * height > MAX_PIXELS:
        raise ImageRejected(ImageProblem.TOO_MANY_PIXELS, name)


def check_image(name: str, data: bytes) -> ImageFormat:
    """The format of ``data``, or :class:`ImageRejected` saying why it cannot be sent."""
    check_size(name, len(data))
    found = sniff_format(data[:SNIFF_BYTES])
    if found is None:
        raise ImageRejected(ImageProblem.NOT_SUPPORTED, name)
    return found


@dataclass(frozen=True)
class ImageAttachment:
    """An image ready to send: ``data`` is exactly what goes to the daemon."""

    name: str
    """The name the user knows it by (the file name, or e.g. "Pasted image 1.png")."""
    mime_type: str
    """Of ``data``: always ``image/png`` or ``image/jpeg``."""
    data: bytes = field(repr=False)  # megabytes; never in a log line or a traceback
