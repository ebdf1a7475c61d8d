"""Small stand-ins for the real-tweet data share (``../shared/data``), in its files' formats."""

import gzip
import json

from ml.training.data import AIRLINE, SEMEVAL_DEV, SEMEVAL_TRAIN, TWEETEVAL_TRAIN, TWEETEVAL_VALIDATION


def write_shared(root, semeval_train, semeval_dev, tweeteval_train, tweeteval_validation, airline):
    """Write the five real-tweet files under ``root`` as the data share lays them out; returns ``root``."""
    for name, rows in (
        (SEMEVAL_TRAIN, semeval_train),
        (SEMEVAL_DEV, semeval_dev),
        (TWEETEVAL_TRAIN, tweeteval_train),
        (TWEETEVAL_VALIDATION, tweeteval_validation),
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / AIRLINE).parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(root / AIRLINE, "wt") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in airline)
    return root


def tiny_shared(root):
    """A few rows of every source, enough for a smoke training run (some SemEval rows fall in the held-out tenth)."""
    moods = ["anger,disgust", "joy,optimism", "sadness", "fear", "", "love,joy", "surprise", "trust"]
    semeval = [
        {"id": f"t{i}", "text": f"tweet number {i} about my {moods[i % len(moods)] or 'day'}", "label": moods[i % 8]}
        for i in range(60)
    ]
    tweeteval = [
        {"text": f"@user a {label} tweet", "label": label} for label in ("anger", "joy", "optimism", "sadness")
    ]
    airline = [
        {"user": f"u{i}", "text": f"@united flight {i} was {label}", "label": label, "label_confidence": 1.0}
        for i, label in enumerate(["negative", "positive", "neutral"] * 6)
    ]
    dev = [{"id": "d", "text": "a dev tweet", "label": "joy"}]
    return write_shared(root, semeval, dev, tweeteval, [{"text": "a validation tweet", "label": "joy"}], airline)
