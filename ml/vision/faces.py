"""Faces in a photo: YuNet (OpenCV's ``FaceDetectorYN``, MIT, vendored in ``model/vision/``) and FER-style crops."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ml.vision.fer import FACE_SIZE

ROOT = Path(__file__).resolve().parents[2]
YUNET = ROOT / "model" / "vision" / "face_detection_yunet_2026may.onnx"
DETECT_SIDE = 640  # photos are scaled down to this longest side to detect (YuNet's own input size is free)
MIN_SCORE = 0.8  # YuNet's confidence below which a box is not a face (OpenCV's sample uses 0.9; 0.8 finds more)
MIN_FACE = 24  # pixels (in the photo): smaller faces hold too little expression for a 48x48 crop
MARGIN = 1.15  # FER2013 crops frame the face a little wider than YuNet's box (forehead and chin)


@dataclass(frozen=True)
class Face:
    """A detected face: its box in the photo's pixels (x, y, width, height) and the detector's confidence."""

    x: int
    y: int
    width: int
    height: int
    score: float


class FaceDetector:
    """YuNet, loaded once per process on first use; ``detect`` is safe from several threads (one at a time)."""

    def __init__(self, model_path: Path = YUNET, min_score: float = MIN_SCORE):
        self.model_path = model_path
        self.min_score = min_score
        self._lock = threading.Lock()
        self._detector: Any = None  # cv2.FaceDetectorYN

    def detect(self, rgb: np.ndarray) -> list[Face]:
        """The faces in an RGB uint8 photo ``(H, W, 3)``, largest first."""
        import cv2  # imported here: only vision work needs OpenCV

        height, width = rgb.shape[:2]
        scale = min(1.0, DETECT_SIDE / max(height, width))
        small = (
            rgb
            if scale == 1.0
            else cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        )
        bgr = np.ascontiguousarray(small[:, :, ::-1])
        with self._lock:
            if self._detector is None:
                self._detector = cv2.FaceDetectorYN.create(str(self.model_path), "", (1, 1), self.min_score)
            self._detector.setInputSize((bgr.shape[1], bgr.shape[0]))
            _, found = self._detector.detect(bgr)
        faces = []
        for row in found if found is not None else ():
            x, y, w, h = (float(v) / scale for v in row[:4])
            if min(w, h) < MIN_FACE:
                continue
            x0, y0 = max(0, round(x)), max(0, round(y))
            faces.append(Face(x0, y0, min(round(w), width - x0), min(round(h), height - y0), round(float(row[14]), 4)))
        return sorted(faces, key=lambda face: -face.width * face.height)


def crop_faces(rgb: np.ndarray, faces: list[Face]) -> np.ndarray:
    """Grey 48x48 crops ``(N, 48, 48)`` uint8 of ``faces``, squared and widened as FER2013's faces are framed."""
    import cv2

    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    crops = np.zeros((len(faces), FACE_SIZE, FACE_SIZE), dtype=np.uint8)
    for index, face in enumerate(faces):
        side = round(max(face.width, face.height) * MARGIN)
        cx, cy = face.x + face.width / 2, face.y + face.height / 2
        x0, y0 = round(cx - side / 2), round(cy - side / 2)
        # Pad with the border's pixels where the square leaves the photo (a face at its edge).
        pad = max(0, -x0, -y0, x0 + side - grey.shape[1], y0 + side - grey.shape[0])
        padded = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else grey
        square = padded[y0 + pad : y0 + pad + side, x0 + pad : x0 + pad + side]
        crops[index] = cv2.resize(square, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    return crops
