"""Training and evaluation data: the CARER emotion tweets plus GoEmotions mapped to our labels."""

from __future__ import annotations

import gzip
import json
import random
from collections import Counter
from pathlib import Path

from ml.labels import GOEMOTIONS_TO_LABEL, LABELS, NEUTRAL

DATA_DIR = Path(__file__).resolve().parent / "data"

# How many GoEmotions rows join the 16,000 emotion tweets. Neutral is the only source of
# `neutral`; the emotional rows teach the same six labels in Reddit's register, so the
# model learns "emotional vs not" rather than "tweet vs Reddit". About two emotional
# Reddit rows per neutral one, close to GoEmotions' own mix (dev: 29 % neutral-only).
GOEMOTIONS_NEUTRAL = 8000
GOEMOTIONS_PER_EMOTION = 3000


class DataError(ValueError):
    """A data file line that cannot be used; the message names the file and line."""


def read_jsonl(path: str | Path, labels: tuple[str, ...] | None = None) -> list[dict]:
    """Read ``{"text", "label"}`` lines; raise :class:`DataError` naming the first bad line."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            if (
                not isinstance(row, dict)
                or not isinstance(row.get("text"), str)
                or not isinstance(row.get("label"), str)
            ):
                raise DataError(f'{path}:{lineno}: expected an object with string "text" and "label"')
            if labels is not None and row["label"] not in labels:
                raise DataError(f"{path}:{lineno}: unknown label {row['label']!r} (known: {', '.join(labels)})")
            rows.append(row)
    return rows


def map_goemotions(label_field: str) -> str | None:
    """Collapse a GoEmotions comma-joined label list to one of ours, or None to drop the row.

    A row is kept when all its labels map to the same label of ours (``"joy,amusement"``
    -> ``joy``); rows mixing labels, or mixing neutral with an emotion, are ambiguous
    and left out.
    """
    names = label_field.split(",")
    mapped = {GOEMOTIONS_TO_LABEL[name] for name in names}
    return mapped.pop() if len(mapped) == 1 else None


def goemotions_rows(path: str | Path) -> list[dict]:
    """GoEmotions rows whose labels collapse to a single label of ours."""
    rows = []
    for row in read_jsonl(path):
        label = map_goemotions(row["label"])
        if label is not None:
            rows.append({"text": row["text"], "label": label})
    return rows


def neutral_eval_rows(path: str | Path) -> list[dict]:
    """GoEmotions rows for the neutral-vs-emotional check: every row, nothing dropped.

    Gold is ``neutral`` when a row carries the neutral label only, else ``emotional``
    (a row labelled both neutral and an emotion counts as emotional). This is how
    ``goemotions_dev_neutral.jsonl`` is made from GoEmotions' dev split.
    """
    return [
        {"text": row["text"], "label": NEUTRAL if row["label"] == NEUTRAL else "emotional"} for row in read_jsonl(path)
    ]


def training_rows(data_dir: Path = DATA_DIR, seed: int = 42) -> list[dict]:
    """The training set: all emotion train tweets plus a seeded, capped GoEmotions sample."""
    rows = read_jsonl(data_dir / "emotion_train.jsonl", LABELS)
    pool = goemotions_rows(data_dir / "goemotions_train.jsonl.gz")
    rng = random.Random(seed)
    rng.shuffle(pool)
    caps = {label: GOEMOTIONS_PER_EMOTION for label in LABELS}
    caps[NEUTRAL] = GOEMOTIONS_NEUTRAL
    taken: Counter = Counter()
    for row in pool:
        if taken[row["label"]] < caps[row["label"]]:
            taken[row["label"]] += 1
            rows.append(row)
    return rows


def write_jsonl(rows: list[dict], path: str | Path) -> None:
    """Write ``rows`` as UTF-8 JSON lines."""
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    # Rebuild the neutral-vs-emotional evaluation file from GoEmotions' dev split.
    import sys

    source = Path(sys.argv[1] if len(sys.argv) > 1 else DATA_DIR.parents[2] / "shared/data/goemotions/dev.jsonl")
    write_jsonl(neutral_eval_rows(source), DATA_DIR / "goemotions_dev_neutral.jsonl")
