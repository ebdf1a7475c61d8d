"""Emotion from faces in photos: detect faces (YuNet), read each expression (a CNN trained on FER2013).

``ExpressionModel().predict(faces)`` takes 48x48 grey crops; ``analyse_image(data)`` takes a photo's bytes.
Serving needs no torch: onnxruntime reads the expression model and OpenCV detects the faces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.vision.expression import ExpressionModel
from ml.vision.faces import Face, FaceDetector, crop_faces
from ml.vision.fer import FER_LABELS
from ml.vision.images import ImageError, decode_image

__all__ = [
    "FER_LABELS",
    "ExpressionModel",
    "Face",
    "FaceDetector",
    "FoundFace",
    "ImageError",
    "analyse_image",
    "draw_faces",
    "expression_model",
    "read_faces",
    "crop_faces",
    "decode_image",
]

_detector = FaceDetector()
_model = ExpressionModel()


@dataclass(frozen=True)
class FoundFace:
    """A face in a photo: its box, the detector's confidence, and the expression's probabilities."""

    face: Face
    probabilities: dict[str, float]


def expression_model() -> ExpressionModel:
    """The process's expression model (loaded on first use)."""
    return _model


def read_faces(rgb: np.ndarray) -> list[FoundFace]:
    """The faces in a decoded RGB photo ``(H, W, 3)`` with their expressions, largest first."""
    faces = _detector.detect(rgb)
    if not faces:
        return []
    probabilities = _model.predict(crop_faces(rgb, faces))
    return [FoundFace(face, probs) for face, probs in zip(faces, probabilities)]


def analyse_image(data: bytes) -> list[FoundFace]:
    """The faces in a photo's bytes (any common format; ImageError when unreadable or too large), largest first."""
    return read_faces(decode_image(data))


def draw_faces(rgb: np.ndarray, found: list[FoundFace]) -> bytes:
    """The photo as PNG with each face's box and its most likely expression drawn on it."""
    import io

    from PIL import Image, ImageDraw

    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    width = max(2, round(max(image.size) / 300))
    for item in found:
        face, probs = item.face, item.probabilities
        top = max(probs, key=probs.__getitem__)
        box = (face.x, face.y, face.x + face.width, face.y + face.height)
        draw.rectangle(box, outline=(255, 200, 0), width=width)
        label = f"{top} {probs[top]:.0%}"
        size = max(12, face.width // 6)
        text_box = draw.textbbox((face.x, face.y), label, font_size=size)
        lift = text_box[3] - text_box[1] + 2 * width
        origin = (face.x, face.y - lift if face.y >= lift else face.y + face.height)
        text_box = draw.textbbox(origin, label, font_size=size)
        draw.rectangle(text_box, fill=(255, 200, 0))
        draw.text(origin, label, fill=(0, 0, 0), font_size=size)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
