"""Which images the composer may send, decided from their bytes alone."""

from __future__ import annotations

import pickle
import struct

import pytest

from confide.core.chat.images import (
    MAX_IMAGE_BYTES,
    SNIFF_BYTES,
    ImageAttachment,
    ImageFormat,
    ImageProblem,
    ImageRejected,
    check_dimensions,
    check_image,
    check_size,
    converted_format,
    sniff_format,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20
BMP = b"BM" + struct.pack("<IHHI", 70, 0, 0, 54) + struct.pack("<I", 40) + b"\x00" * 40


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, ImageFormat.PNG),
        (JPEG, ImageFormat.JPEG),
        (GIF, ImageFormat.GIF),
        (b"GIF87a" + b"\x00" * 10, ImageFormat.GIF),
        (WEBP, ImageFormat.WEBP),
        (b"RIFF\x24\x00\x00\x00WEBPVP8L" + b"\x00" * 8, ImageFormat.WEBP),
        (BMP, ImageFormat.BMP),
    ],
)
def test_formats_are_recognised_by_their_magic_bytes(data: bytes, expected: ImageFormat) -> None:
    assert sniff_format(data[:SNIFF_BYTES]) is expected
    assert check_image("whatever.dat", data) is expected  # the name does not matter


@pytest.mark.parametrize(
    "data",
    [
        b"II*\x00\x08\x00\x00\x00" + b"\x00" * 20,  # TIFF, little-endian
        b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 20,  # TIFF, big-endian
        b"\x00\x00\x00\x18ftypheic" + b"\x00" * 20,  # HEIC
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        b"%PDF-1.7\n" + b"\x00" * 20,
        b"BMW is a car maker, and this is a text file.",  # "BM" alone is no bitmap
        b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 20,  # a RIFF that is sound
        b"RIFF\x24\x00\x00\x00WEBPXXXX" + b"\x00" * 20,  # WebP with no known chunk
        b"\x89PNG",  # cut short
    ],
)
def test_everything_else_is_refused_as_not_supported(data: bytes) -> None:
    with pytest.raises(ImageRejected) as caught:
        check_image("scan.tiff", data)
    assert caught.value.problem is ImageProblem.NOT_SUPPORTED
    assert caught.value.name == "scan.tiff"


def test_empty_and_oversized_files_are_refused_by_size() -> None:
    with pytest.raises(ImageRejected) as empty:
        check_image("blank.png", b"")
    assert empty.value.problem is ImageProblem.EMPTY

    with pytest.raises(ImageRejected) as big:
        check_size("huge.png", MAX_IMAGE_BYTES + 1)
    assert big.value.problem is ImageProblem.TOO_LARGE
    assert big.value.size == MAX_IMAGE_BYTES + 1
    check_size("just-fits.png", MAX_IMAGE_BYTES)  # the limit itself is allowed

    with pytest.raises(ImageRejected) as big_bytes:
        check_image("huge.png", PNG + b"\x00" * MAX_IMAGE_BYTES)
    assert big_bytes.value.problem is ImageProblem.TOO_LARGE


def test_pixel_bombs_are_refused_from_their_dimensions() -> None:
    check_dimensions("photo.jpg", 8000, 6000)  # 48 megapixels: a big camera, fine
    with pytest.raises(ImageRejected) as caught:
        check_dimensions("bomb.png", 100_000, 100_000)
    assert caught.value.problem is ImageProblem.TOO_MANY_PIXELS
    with pytest.raises(ImageRejected) as nothing:
        check_dimensions("odd.png", 0, 10)
    assert nothing.value.problem is ImageProblem.DAMAGED


def test_only_png_and_jpeg_are_sent_unchanged() -> None:
    assert ImageFormat.PNG.sent_as_is and ImageFormat.JPEG.sent_as_is
    assert converted_format(ImageFormat.PNG, has_alpha=True) is ImageFormat.PNG
    assert converted_format(ImageFormat.JPEG, has_alpha=False) is ImageFormat.JPEG
    # Photos stay photos; drawings and transparency stay lossless.
    assert converted_format(ImageFormat.WEBP, has_alpha=False) is ImageFormat.JPEG
    assert converted_format(ImageFormat.WEBP, has_alpha=True) is ImageFormat.PNG
    assert converted_format(ImageFormat.GIF, has_alpha=False) is ImageFormat.PNG
    assert converted_format(ImageFormat.BMP, has_alpha=False) is ImageFormat.PNG
    assert ImageFormat.JPEG.extension == "jpg" and ImageFormat.PNG.extension == "png"


def test_an_attachment_never_shows_its_bytes_in_a_repr() -> None:
    secret = b"\x89PNG\r\n\x1a\nconfidential-pixels"
    attachment = ImageAttachment("evidence.png", "image/png", secret)
    assert "confidential" not in repr(attachment)
    assert attachment.data == secret


def test_a_rejection_survives_pickling_with_its_details() -> None:
    rejection = ImageRejected(ImageProblem.TOO_LARGE, "huge.png", size=123)
    copy = pickle.loads(pickle.dumps(rejection))
    assert (copy.problem, copy.name, copy.size) == (ImageProblem.TOO_LARGE, "huge.png", 123)
