"""Evaluate the vision side: ``python -m ml.vision.evaluate [--choose-weights] [--json FILE]``.

1. FER2013 PublicTest: accuracy, recall per class and the confusion matrix of the shipped expression model
   (mirror averaged in, as served), and faces per second.
2. MVSA-Single (tweets with their photo, labelled positive / neutral / negative): polarity accuracy of the text
   alone (the shipped text model), of the faces alone (a pair without a detected face reads neutral), and of the
   two soft-voted (``ml.fusion``), on all pairs and on the pairs with a face, with a bootstrap 95 % interval for
   fused minus text. ``--choose-weights`` first picks the faces' weight on MVSA train (the pairs with a face).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from ml.fusion import DEFAULT_WEIGHTS, face_labels, polarity, soft_vote
from ml.training.data import json_lines
from ml.vision.fer import FER_LABELS

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
BOOTSTRAP = 2000


def fer_report(fer_dir: Path) -> dict:
    """Accuracy, recall per class, confusion (rows: truth) and faces per second on PublicTest."""
    from ml.vision import ExpressionModel

    with np.load(fer_dir / "fer2013_PublicTest.npz") as split:
        faces, labels = split["x"], split["y"].astype(int)
    model = ExpressionModel().load()
    model.predict(faces[:64])  # warm-up
    started = time.perf_counter()
    predicted = model.predict(faces)
    seconds = time.perf_counter() - started
    guesses = np.array([FER_LABELS.index(max(p, key=p.__getitem__)) for p in predicted])
    confusion = np.zeros((7, 7), dtype=int)
    for truth, guess in zip(labels, guesses):
        confusion[truth, guess] += 1
    recall = {FER_LABELS[i]: round(confusion[i, i] / confusion[i].sum(), 4) for i in range(7)}
    return {
        "faces": len(faces),
        "accuracy": round(float((guesses == labels).mean()), 4),
        "recall": recall,
        "confusion": confusion.tolist(),
        "faces_per_second": round(len(faces) / seconds),
    }


def read_pairs(mvsa_dir: Path, split: str) -> list[dict]:
    """MVSA-Single pairs with the text's emotions and the photo's faces' expressions (mapped onto our labels)."""
    from ml import ClassificationModel
    from ml.vision import ImageError, analyse_image

    rows = [row for _, row in json_lines(mvsa_dir / f"{split}.jsonl")]
    texts = ClassificationModel().load().predict([row["text"] for row in rows])
    for row, text in zip(rows, texts):
        try:
            found = analyse_image((mvsa_dir / row["image"]).read_bytes())
        except ImageError:
            found = []
        row["text_probs"] = text
        row["face_probs"] = face_labels([face.probabilities for face in found]) if found else None
    return rows


def accuracy(rows: list[dict], predict) -> float:
    """Share of ``rows`` whose label ``predict(row)`` gets right."""
    return float(np.mean([predict(row) == row["label"] for row in rows])) if rows else float("nan")


def text_only(row: dict) -> str:
    """The text's polarity."""
    return polarity(row["text_probs"])


def faces_only(row: dict) -> str:
    """The faces' polarity; neutral without a face."""
    return polarity(row["face_probs"]) if row["face_probs"] else "neutral"


def fused(weights: tuple[float, float]):
    """The soft vote's polarity with these weights."""
    return lambda row: polarity(soft_vote(row["text_probs"], row["face_probs"], weights))


def bootstrap_difference(rows: list[dict], better, baseline, seed: int = 0) -> tuple[float, float, float]:
    """Accuracy of ``better`` minus ``baseline`` and its 95 % percentile bootstrap interval (paired resampling)."""
    rng = random.Random(seed)
    wins = [int(better(row) == row["label"]) - int(baseline(row) == row["label"]) for row in rows]
    means = sorted(sum(rng.choices(wins, k=len(wins))) / len(wins) for _ in range(BOOTSTRAP))
    return sum(wins) / len(wins), means[int(0.025 * BOOTSTRAP)], means[int(0.975 * BOOTSTRAP) - 1]


def choose_weights(rows: list[dict]) -> tuple[float, float]:
    """The faces' weight (0 to 1 by 0.05) with the best polarity accuracy on ``rows`` with a face (ties: less)."""
    with_faces = [row for row in rows if row["face_probs"]]
    scored = [(accuracy(with_faces, fused((1 - w / 20, w / 20))), -w) for w in range(21)]
    for score, negative in scored:
        print(f"  face weight {-negative / 20:.2f}: {score:.4f}")
    best = max(scored)
    return 1 - (-best[1]) / 20, (-best[1]) / 20


def main(argv: list[str] | None = None) -> None:
    """Print (and with --json write) the evaluation."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fer-dir", type=Path, default=SHARED / "fer2013")
    parser.add_argument("--mvsa-dir", type=Path, default=SHARED / "mvsa_single")
    parser.add_argument("--choose-weights", action="store_true", help="pick the faces' weight on MVSA train first")
    parser.add_argument("--skip-mvsa", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    report: dict = {"fer_public_test": fer_report(args.fer_dir)}
    fer = report["fer_public_test"]
    print(f"FER2013 PublicTest: accuracy {fer['accuracy']} on {fer['faces']} faces, {fer['faces_per_second']} faces/s")
    print("  recall: " + ", ".join(f"{label} {value:.3f}" for label, value in fer["recall"].items()))
    print("  confusion (rows: truth, columns: predicted; " + " ".join(FER_LABELS) + "):")
    for label, row in zip(FER_LABELS, fer["confusion"]):
        print(f"    {label:>8} " + " ".join(f"{n:>5}" for n in row))
    if not args.skip_mvsa:
        weights = DEFAULT_WEIGHTS
        if args.choose_weights:
            print("MVSA-Single train, pairs with a face: polarity accuracy by the faces' weight")
            weights = choose_weights(read_pairs(args.mvsa_dir, "train"))
            report["weights"] = weights
        dev = read_pairs(args.mvsa_dir, "dev")
        subsets = {"all": dev, "with_faces": [row for row in dev if row["face_probs"]]}
        report["mvsa_dev"] = {}
        for name, rows in subsets.items():
            scores = {
                "text": round(accuracy(rows, text_only), 4),
                "faces": round(accuracy(rows, faces_only), 4),
                "fused": round(accuracy(rows, fused(weights)), 4),
            }
            gain, low, high = (round(v, 4) for v in bootstrap_difference(rows, fused(weights), text_only))
            report["mvsa_dev"][name] = {"pairs": len(rows), **scores, "fused_minus_text": [gain, low, high]}
            print(
                f"MVSA-Single dev, {name} ({len(rows)} pairs), weights {weights}: text {scores['text']}, "
                f"faces {scores['faces']}, fused {scores['fused']}; fused - text {gain:+.4f} "
                f"(95 % interval {low:+.4f} to {high:+.4f})"
            )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
