"""Speed of the vision side: ``python -m ml.vision.bench``: faces classified per second, photos detected per second.

Faces: FER2013 PublicTest crops (or random ones without shared/data) in batches of 256, with and without the
mirror; detection: a 640x480 photo with one face (the astronaut portrait of scikit-image, else a grey frame).
Prints the CPU and thread count with the figures: compare runs on the same kind of machine only.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ml.vision import ExpressionModel, FaceDetector

FER = Path(__file__).resolve().parents[3] / "shared" / "data" / "fer2013" / "fer2013_PublicTest.npz"
FACE_GOAL, FRAME_GOAL = 500, 20


def faces_per_second(model: ExpressionModel, faces: np.ndarray, repeats: int) -> float:
    """Faces a second, the best of ``repeats`` passes over ``faces``."""
    model.predict(faces[:256])
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        model.predict(faces)
        best = min(best, time.perf_counter() - started)
    return len(faces) / best


def frames_per_second(frame: np.ndarray, repeats: int) -> tuple[float, int]:
    """Detections a second on ``frame`` (the median pass) and the faces found."""
    detector = FaceDetector()
    found = len(detector.detect(frame))
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        detector.detect(frame)
        times.append(time.perf_counter() - started)
    return 1 / float(np.median(times)), found


def main(argv: list[str] | None = None) -> None:
    """Print the figures."""
    import os

    import cv2

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if FER.exists():
        with np.load(FER) as split:
            faces = split["x"][:2048]
    else:
        faces = np.random.default_rng(0).integers(0, 256, (2048, 48, 48), dtype=np.uint8)
    try:
        from skimage import data

        frame = cv2.resize(data.astronaut(), (640, 480), interpolation=cv2.INTER_AREA)
    except ImportError:
        frame = np.full((480, 640, 3), 128, dtype=np.uint8)
    print(f"{os.cpu_count()} CPUs, onnxruntime and OpenCV on their default threads")
    for mirror in (True, False):
        rate = faces_per_second(ExpressionModel(mirror=mirror), faces, args.repeats)
        print(f"expression, mirror {'on ' if mirror else 'off'}: {rate:.0f} faces/s (goal {FACE_GOAL})")
    rate, found = frames_per_second(frame, args.repeats * 10)
    print(f"detection at 640x480: {rate:.1f} frames/s (goal {FRAME_GOAL}), {found} face(s) found")


if __name__ == "__main__":
    main()
