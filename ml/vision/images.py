"""Decode untrusted image bytes safely: known formats only, bounded bytes and pixels, no decompression bomb."""

from __future__ import annotations

import io
import warnings

import numpy as np

MAX_BYTES = 10 * 2**20  # a tweet photo is at most 5 MB; room for a PNG screenshot
MAX_PIXELS = 40_000_000  # 8000 x 5000; Pillow's own bomb check is at 89 M
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
FORMATS_TEXT = ", ".join(FORMATS)


class ImageError(ValueError):
    """An image that cannot be read; ``code`` is stable (for the API), the message says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def decode_image(data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """The image's first frame as an RGB uint8 array ``(H, W, 3)``, upright per its EXIF orientation.

    Raises ImageError: ``image_too_large`` (bytes or pixels, checked from the header before decoding),
    ``image_unreadable`` (not an image of ``FORMATS``, or truncated).
    """
    from PIL import Image, ImageOps  # imported here: only image routes and the vision worker read images

    if len(data) > max_bytes:
        raise ImageError(
            "image_too_large", f"The image is {len(data) / 2**20:.1f} MB; at most {max_bytes // 2**20} MB."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = image.size  # from the header: nothing is decoded yet
            if width * height > max_pixels:
                raise ImageError(
                    "image_too_large", f"The image is {width}x{height} pixels; at most {max_pixels:,} pixels."
                )
            image.load()
            rgb = ImageOps.exif_transpose(image).convert("RGB")
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageError("image_too_large", f"The image is too large to decode: {error}") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # Pillow's ways of saying "not an image"
        raise ImageError("image_unreadable", f"The file is not a readable image ({FORMATS_TEXT}): {error}") from error
    return np.asarray(rgb)
