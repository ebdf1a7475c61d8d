"""Untrusted image bytes: common formats decode upright; too large, bombs, truncated and non-images are clear errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from ml.vision import ImageError, decode_image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"])
def test_common_formats_decode_to_rgb(fmt):
    image = Image.new("RGB", (64, 32), (200, 30, 30))
    rgb = decode_image(encoded(image, fmt))
    assert rgb.shape == (32, 64, 3) and rgb.dtype == np.uint8 and rgb[..., 0].mean() > 150


def test_a_grey_or_transparent_image_becomes_rgb_and_exif_rotation_is_applied():
    assert decode_image(encoded(Image.new("L", (10, 20), 90), "PNG")).shape == (20, 10, 3)
    assert decode_image(encoded(Image.new("RGBA", (10, 20)), "PNG")).shape == (20, 10, 3)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view": a phone photo taken upright
    rotated = decode_image(encoded(Image.new("RGB", (40, 10)), "JPEG", exif=exif.tobytes()))
    assert rotated.shape == (40, 10, 3)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "image_unreadable"),
        (b"hello, not an image", "image_unreadable"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "image_unreadable"),  # no vector formats
        (encoded(Image.new("RGB", (300, 300)), "JPEG")[:200], "image_unreadable"),  # truncated
    ],
)
def test_what_is_not_a_readable_image_is_a_clear_error(data, code):
    with pytest.raises(ImageError) as error:
        decode_image(data)
    assert error.value.code == code and "not a readable image" in str(error.value)


def test_a_decompression_bomb_is_refused_from_its_header():
    bomb = encoded(Image.new("1", (20_000, 3_000)), "PNG")  # 60 M pixels in a few kB
    assert len(bomb) < 100_000
    with pytest.raises(ImageError) as error:
        decode_image(bomb)
    assert error.value.code == "image_too_large" and "20000x3000" in str(error.value)


def test_too_many_bytes_are_refused_before_reading():
    with pytest.raises(ImageError) as error:
        decode_image(b"\xff" * 2048, max_bytes=1024)
    assert error.value.code == "image_too_large"
