"""Training and evaluation data: the CARER emotion tweets plus GoEmotions mapped to our labels."""

from __future__ import annotations

import gzip
import json
import math
import zlib
from collections.abc import Collection
from pathlib import Path

from ml.labels import GOEMOTIONS_TO_LABEL, LABELS, NEUTRAL

DATA_DIR = Path(__file__).resolve().parent / "data"

# Every usable GoEmotions train row joins the emotion tweets: neutral is learned only from
# them, and their emotional rows teach the same six labels in Reddit's register, so the
# model learns "emotional vs not" rather than "tweet vs Reddit". The tweets are counted
# twice so that the 36 k Reddit rows do not drown them (emotion accuracy held at 0.935+
# on the GPU sweep recorded in the model card; once, it fell to 0.929).
TWEET_REPEATS = 2
# One GoEmotions train row in ten (by a hash of its id, so the split never moves) is kept
# out of training to calibrate the neutral decision (`ml.train`); GoEmotions dev stays
# the untouched check.
CALIBRATION_MODULUS = 10
# GoEmotions rows also learn from a larger teacher's logits (`ml.teacher`), shipped as
# TEACHER_FILE: its softened distribution carries which rows are borderline neutral, which
# one noisy rater label cannot. Rows mixing two of our labels, unusable with hard labels,
# are learned from the teacher alone.
TEACHER_FILE = "goemotions_teacher.jsonl.gz"
TEACHER_WEIGHT = 0.5  # share of the teacher in a labelled row's target
TEACHER_TEMPERATURE = 2.0


class DataError(ValueError):
    """A data file line that cannot be used; the message names the file and line."""


def read_jsonl(path: str | Path, labels: Collection[str] | None = None, multi_label: bool = False) -> list[dict]:
    """Read ``{"text", "label"}`` lines; raise :class:`DataError` naming the first bad line.

    With ``multi_label``, a label is a comma-joined list (GoEmotions' ``"joy,neutral"``) and
    each of its names must be in ``labels``.
    """
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
            names = row["label"].split(",") if multi_label else [row["label"]]
            unknown = [name for name in names if labels is not None and name not in labels]
            if unknown:
                raise DataError(f"{path}:{lineno}: unknown label {unknown[0]!r} (known: {', '.join(labels)})")
            rows.append(row)
    return rows


def map_goemotions(label_field: str) -> str | None:
    """Collapse a GoEmotions comma-joined label list to one of ours, or None to drop the row.

    A row is kept when its emotions map to the same label of ours (``"joy,amusement"`` ->
    ``joy``). A rater group that saw an emotion outweighs one that saw none, so an emotion
    with ``neutral`` is that emotion (``"joy,neutral"`` -> ``joy``), as in the neutral check's
    gold. Rows mixing two of our labels are ambiguous and left out.
    """
    names = set(label_field.split(","))
    if names != {NEUTRAL}:
        names.discard(NEUTRAL)
    mapped = {GOEMOTIONS_TO_LABEL[name] for name in names}
    return mapped.pop() if len(mapped) == 1 else None


def is_calibration_row(row: dict) -> bool:
    """True for the GoEmotions train rows held out to calibrate the neutral decision."""
    return zlib.crc32(row["id"].encode()) % CALIBRATION_MODULUS == 0


def read_teacher(path: str | Path) -> dict[str, list[float]]:
    """Teacher logits over LABELS by GoEmotions row id, as `ml.teacher` writes them."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    bad = next((r for r in rows if len(r.get("logits", ())) != len(LABELS)), None)
    if bad is not None:
        raise DataError(f"{path}: row {bad.get('id')!r} needs {len(LABELS)} logits")
    return {r["id"]: r["logits"] for r in rows}


def goemotions_rows(path: str | Path, teacher: dict[str, list[float]] | None = None) -> list[dict]:
    """GoEmotions training rows, calibration rows excluded.

    Without ``teacher``: the rows whose labels collapse to one label of ours. With it, every
    row carries its teacher logits, and mixed rows join with ``label`` None.
    """
    rows = []
    for row in read_jsonl(path):
        if is_calibration_row(row):
            continue
        label = map_goemotions(row["label"])
        if teacher is None:
            if label is not None:
                rows.append({"text": row["text"], "label": label})
        elif row["id"] in teacher:
            rows.append({"text": row["text"], "label": label, "teacher": teacher[row["id"]]})
    return rows


def training_target(row: dict, weight: float = TEACHER_WEIGHT, temperature: float = TEACHER_TEMPERATURE) -> list[float]:
    """The distribution over LABELS that ``row`` is trained towards (``weight``: the teacher's share)."""
    hard = [float(label == row["label"]) for label in LABELS]
    logits = row.get("teacher")
    if logits is None:
        return hard
    scaled = [v / temperature for v in logits]
    top = max(scaled)
    exp = [math.exp(v - top) for v in scaled]
    soft = [e / sum(exp) for e in exp]
    if row["label"] is None:
        return soft
    return [(1 - weight) * h + weight * p for h, p in zip(hard, soft)]


# How a GoEmotions row's rater labels become neutral-vs-emotional gold (`neutral_gold`).
NEUTRAL_GOLDS = ("only", "any")


def neutral_gold(row: dict, gold: str = "only") -> dict:
    """A GoEmotions row with neutral-vs-emotional gold.

    ``only`` (ours, the product's view): ``neutral`` when neutral is its only label; a
    comment that raters also found emotional (``"joy,neutral"``) counts as emotional, as it
    does in training. ``any``: ``neutral`` whenever raters chose neutral, as the GoEmotions
    paper scores its neutral label (its BERT-base reports neutral F1 0.68 this way).
    """
    names = row["label"].split(",")
    if gold not in NEUTRAL_GOLDS:
        raise ValueError(f"gold must be one of {NEUTRAL_GOLDS}, not {gold!r}")
    is_neutral = names == [NEUTRAL] if gold == "only" else NEUTRAL in names
    return {"text": row["text"], "label": NEUTRAL if is_neutral else "emotional"}


def calibration_rows(data_dir: Path = DATA_DIR) -> list[dict]:
    """The held-out GoEmotions train rows with neutral-vs-emotional gold, as in the dev check."""
    return [neutral_gold(row) for row in read_jsonl(data_dir / "goemotions_train.jsonl.gz") if is_calibration_row(row)]


def neutral_eval_rows(path: str | Path, gold: str = "only") -> list[dict]:
    """GoEmotions rows for the neutral-vs-emotional check with ``gold`` (`neutral_gold`): every row, nothing dropped.

    This is how ``goemotions_dev_neutral.jsonl`` is made from GoEmotions' dev split. A rater
    label outside GoEmotions' 28 is a :class:`DataError` naming its line.
    """
    return [neutral_gold(row, gold) for row in read_jsonl(path, tuple(GOEMOTIONS_TO_LABEL), multi_label=True)]


def training_rows(data_dir: Path = DATA_DIR) -> list[dict]:
    """The training set: the emotion train tweets, twice, and the GoEmotions training rows.

    The GoEmotions rows carry teacher logits when ``data_dir`` holds TEACHER_FILE.
    """
    tweets = read_jsonl(data_dir / "emotion_train.jsonl", LABELS)
    teacher_file = data_dir / TEACHER_FILE
    teacher = read_teacher(teacher_file) if teacher_file.exists() else None
    return tweets * TWEET_REPEATS + goemotions_rows(data_dir / "goemotions_train.jsonl.gz", teacher)


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
