"""The shipped expression model: 48x48 grey faces in, the seven FER2013 expressions' probabilities out.

Served with onnxruntime from ``model/vision/expression.onnx`` (exported by ``python -m ml.vision.train``): no torch
at run time, so any process may read faces, and twice torch's speed on this network on 2 cores.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ml.vision.fer import FACE_SIZE, FER_LABELS, PIXEL_MEAN, PIXEL_STD

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "model" / "vision"
# Faces per run: onnxruntime's arena keeps the largest batch's activations, 450 MB of peak RSS at 256 against
# 150 MB at 32, for the same 620-680 faces/s on 2 cores (model card).
BATCH = 32


class ExpressionModel:
    """Loads ``model/vision`` once, on the first ``predict`` (after a worker's fork), and predicts batches.

    ``mirror`` also reads each face mirrored and averages the two: +0.1 point on PublicTest for half the speed, so
    it is off by default (model card).
    """

    def __init__(self, model_dir: Path = MODEL_DIR, mirror: bool = False):
        self.model_dir = model_dir
        self.mirror = mirror
        self._lock = threading.Lock()
        self.session_: Any = None  # onnxruntime.InferenceSession, once loaded
        self.version_: str | None = None

    def load(self) -> ExpressionModel:
        """Read the model now (``predict`` does it on first use); returns self."""
        import onnxruntime  # imported here: importing ml.vision loads no model runtime

        with self._lock:
            if self.session_ is None:
                config = json.loads((self.model_dir / "config.json").read_text())
                options = onnxruntime.SessionOptions()
                options.log_severity_level = 3  # warnings about unused initialisers are not ours to fix
                self.session_ = onnxruntime.InferenceSession(
                    str(self.model_dir / "expression.onnx"), options, providers=["CPUExecutionProvider"]
                )
                self.version_ = config["model_version"]
        return self

    @property
    def version(self) -> str:
        """The shipped model's version (config.json)."""
        return self.load().version_ or ""

    def predict(self, faces: np.ndarray) -> list[dict[str, float]]:
        """Per face of a uint8 array ``(N, 48, 48)``, a dict of the seven FER labels to probabilities."""
        faces = np.asarray(faces)
        if faces.dtype != np.uint8 or faces.ndim != 3 or faces.shape[1:] != (FACE_SIZE, FACE_SIZE):
            raise ValueError(f"faces must be uint8 (N, {FACE_SIZE}, {FACE_SIZE}), not {faces.dtype} {faces.shape}")
        self.load()
        out: list[dict[str, float]] = []
        for start in range(0, len(faces), BATCH):
            x = ((faces[start : start + BATCH].astype(np.float32) / 255.0 - PIXEL_MEAN) / PIXEL_STD)[:, None]
            probs = _softmax(self.session_.run(None, {"faces": x})[0])
            if self.mirror:
                probs = (probs + _softmax(self.session_.run(None, {"faces": x[..., ::-1].copy()})[0])) / 2
            out += [dict(zip(FER_LABELS, (round(float(p), 6) for p in row))) for row in probs]
        return out


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
