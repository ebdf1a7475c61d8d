"""Training and evaluation data: CARER emotion tweets, GoEmotions, and real tweets mapped to our labels.

The real-tweet sources (SemEval-2018 E-c, TweetEval emotion, airline sentiment) are read from
``../shared/data`` beside the repository (`SHARED_DIR`): they serve training and the
real-tweet checks only, never the product at run time, and their terms keep them out of it.
"""

# Long module: every training and check source is read here, so that one module decides which text is held out.

from __future__ import annotations

import gzip
import json
import math
import re
import zlib
from collections.abc import Collection
from pathlib import Path

from ml.labels import (
    AIRLINE_SENTIMENT_TO_LABELS,
    GOEMOTIONS_TO_LABEL,
    LABELS,
    NEUTRAL,
    SEMEVAL_TO_LABEL,
    TWEETEVAL_TO_LABEL,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
SHARED_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"
SEMEVAL_TRAIN = "semeval2018_ec/train.jsonl"
SEMEVAL_DEV = "semeval2018_ec/dev.jsonl"
TWEETEVAL_TRAIN = "tweeteval_emotion/train.jsonl"
TWEETEVAL_VALIDATION = "tweeteval_emotion/validation.jsonl"
AIRLINE = "tweets/airline_tweets.jsonl.gz"
# Every training source by name (``ml.training.train --sources``); the ablations in the model card drop one at a time.
SOURCES = ("carer", "goemotions", "semeval", "tweeteval", "airline")

# Every usable GoEmotions train row joins the emotion tweets: neutral is learned only from
# them, and their emotional rows teach the same six labels in Reddit's register, so the
# model learns "emotional vs not" rather than "tweet vs Reddit". The tweets are counted
# twice so that the 36 k Reddit rows do not drown them (emotion accuracy held at 0.935+
# on the GPU sweep recorded in the model card; once, it fell to 0.929).
TWEET_REPEATS = 2
# One GoEmotions train row in ten (by a hash of its id, so the split never moves) is kept
# out of training to calibrate the neutral decision (`ml.training.train`); GoEmotions dev stays
# the untouched check.
CALIBRATION_MODULUS = 10
# GoEmotions rows also learn from a larger teacher's logits (`ml.training.teacher`), shipped as
# TEACHER_FILE: its softened distribution carries which rows are borderline neutral, which
# one noisy rater label cannot. Rows mixing two of our labels, unusable with hard labels,
# are learned from the teacher alone.
TEACHER_FILE = "goemotions_teacher.jsonl.gz"
TEACHER_WEIGHT = 0.5  # share of the teacher in a labelled row's target
TEACHER_TEMPERATURE = 2.0


# One SemEval train row in ten (by a hash of its id) is held out, with the GoEmotions
# calibration rows, to pick the epoch and calibrate neutral: SemEval dev stays the check.
SEMEVAL_HOLDOUT_MODULUS = 10
# One airline user in five (by a hash of the handle, so a user's tweets stay on one side) is
# kept out of training: their unanimous tweets are the airline check (`airline_eval_rows`).
AIRLINE_EVAL_MODULUS = 5
# Only tweets whose raters agreed unanimously: the rest are too noisy for a weak signal.
AIRLINE_MIN_CONFIDENCE = 1.0
# Share of the negative airline tweets trained on. Without the demo world's tweets, complaints
# outnumber the neutral and positive ones 7 to 1; all of them taught "a tweet to an airline is
# negative" (a third of neutral airline tweets left neutral), a share keeps "complaints are not
# neutral" without it (model card, "Real tweets").
AIRLINE_NEGATIVE_SHARE = 0.35


class DataError(ValueError):
    """A data file line that cannot be used; the message names the file and line."""


def json_lines(path: str | Path):
    """``(line number, object)`` for each non-blank line of a JSONL(.gz) file; DataError names a bad line."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None


def read_jsonl(
    path: str | Path, labels: Collection[str] | None = None, multi_label: bool = False, allow_empty: bool = False
) -> list[dict]:
    """Read ``{"text", "label"}`` lines; raise :class:`DataError` naming the first bad line.

    With ``multi_label``, a label is a comma-joined list (GoEmotions' ``"joy,neutral"``) and
    each of its names must be in ``labels``; ``allow_empty`` accepts ``""`` (SemEval's "no emotion").
    """
    rows = []
    for lineno, row in json_lines(path):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not isinstance(row.get("label"), str):
            raise DataError(f'{path}:{lineno}: expected an object with string "text" and "label"')
        names = row["label"].split(",") if multi_label else [row["label"]]
        if allow_empty and not row["label"]:
            names = []
        unknown = [name for name in names if labels is not None and name not in labels]
        if unknown:
            raise DataError(f"{path}:{lineno}: unknown label {unknown[0]!r} (known: {', '.join(labels or ())})")
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
    """Teacher logits over LABELS by GoEmotions row id, as `ml.training.teacher` writes them."""
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
    """The distribution over LABELS that ``row`` is trained towards (``weight``: the teacher's share).

    For a row with ``allowed`` labels it is the 0/1 mask of them instead (`is_partial`).
    """
    if "allowed" in row:
        return [float(label in row["allowed"]) for label in LABELS]
    if "target" in row:
        return [row["target"].get(label, 0.0) for label in LABELS]
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


def is_partial(row: dict) -> bool:
    """True for a row trained to put its mass on any of its ``allowed`` labels, not on a given distribution."""
    return "allowed" in row


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


def training_rows(
    data_dir: Path = DATA_DIR,
    shared_dir: Path = SHARED_DIR,
    sources: Collection[str] = SOURCES,
    exclude: Collection[Path] = (),
    shares: dict[str, float] | None = None,
) -> list[dict]:
    """The training set: the emotion train tweets, twice, the GoEmotions training rows and the real tweets.

    The GoEmotions rows carry teacher logits when ``data_dir`` holds TEACHER_FILE. ``shares`` keeps a
    fixed share of the CARER or GoEmotions rows (`subsample`), for fine-tuning a model that learned them.
    """
    unknown = set(sources) - set(SOURCES)
    if unknown:
        raise DataError(f"unknown source(s) {', '.join(sorted(unknown))}; known: {', '.join(SOURCES)}")
    shares = dict(shares or {})
    if set(shares) - {"carer", "goemotions"} or not all(0.0 < v <= 1.0 for v in shares.values()):
        raise DataError(f"shares: carer and goemotions take a share in (0, 1], got {shares}")
    rows = []
    if "carer" in sources:
        carer = read_jsonl(data_dir / "emotion_train.jsonl", LABELS)
        rows += subsample(carer, shares.get("carer", 1.0)) * TWEET_REPEATS
    if "goemotions" in sources:
        teacher_file = data_dir / TEACHER_FILE
        teacher = read_teacher(teacher_file) if teacher_file.exists() else None
        rows += subsample(
            goemotions_rows(data_dir / "goemotions_train.jsonl.gz", teacher), shares.get("goemotions", 1.0)
        )
    return rows + tweet_rows(shared_dir, sources, exclude)


def subsample(rows: list[dict], share: float) -> list[dict]:
    """The rows whose text hashes into the first ``share`` of the range: the same rows on every run.

    >>> rows = [{"text": str(i)} for i in range(1000)]
    >>> 250 < len(subsample(rows, 0.3)) < 350, subsample(rows, 1.0) == rows
    (True, True)
    """
    if share >= 1.0:
        return rows
    return [r for r in rows if zlib.crc32(r["text"].encode()) % 10_000 < share * 10_000]


def text_key(text: str) -> str:
    """A key under which two copies of a tweet match across datasets' preprocessing.

    TweetEval's texts are SemEval's with mentions as ``@user`` and other spacing; letters
    alone, mentions and URLs dropped, find the copies.
    """
    text = re.sub(r"@\w+|https?://\S+", "", text.lower())
    return re.sub(r"[^a-z]", "", text)


def semeval_gold(label_field: str) -> set[str]:
    """Our labels for a SemEval E-c row (`SEMEVAL_TO_LABEL`).

    ``{"neutral"}`` for no emotion, empty when its emotions are only anticipation and trust.
    """
    if not label_field:
        return {NEUTRAL}
    return {label for name in label_field.split(",") if (label := SEMEVAL_TO_LABEL[name]) is not None}


def semeval_target(label_field: str) -> dict[str, float] | None:
    """Soft target over our labels: each annotated emotion adds its share to its label of ours.

    ``"anger,disgust,joy"`` -> anger 2/3, joy 1/3 (two of the three marked emotions were
    anger's). None when no emotion maps to ours.
    """
    if not label_field:
        return {NEUTRAL: 1.0}
    mapped = [label for name in label_field.split(",") if (label := SEMEVAL_TO_LABEL[name]) is not None]
    if not mapped:
        return None
    return {label: mapped.count(label) / len(mapped) for label in dict.fromkeys(mapped)}


def read_semeval(path: str | Path) -> list[dict]:
    """SemEval E-c rows; a label outside its 11 emotions is a :class:`DataError` naming the line."""
    return read_jsonl(path, tuple(SEMEVAL_TO_LABEL), multi_label=True, allow_empty=True)


def is_semeval_holdout(row: dict) -> bool:
    """True for the SemEval train rows held out for epoch selection and calibration."""
    return zlib.crc32(row["id"].encode()) % SEMEVAL_HOLDOUT_MODULUS == 0


def semeval_eval_rows(path: str | Path) -> list[dict]:
    """SemEval rows with ``gold``, our labels (`semeval_gold`), for the real-tweet check."""
    return [
        {"text": r["text"], "label": r["label"], "gold": sorted(semeval_gold(r["label"]))} for r in read_semeval(path)
    ]


def is_airline_eval_user(user: str) -> bool:
    """True for the airline users whose tweets are the airline check, never trained on."""
    return zlib.crc32(user.lower().encode()) % AIRLINE_EVAL_MODULUS == 0


def read_airline(path: str | Path) -> list[dict]:
    """Airline tweets whose raters agreed unanimously (`AIRLINE_MIN_CONFIDENCE`)."""
    rows = []
    for lineno, row in json_lines(path):
        try:
            keep = row["label_confidence"] >= AIRLINE_MIN_CONFIDENCE
            text, user, label = str(row["text"]), str(row["user"]), row["label"]
        except (KeyError, TypeError):
            raise DataError(
                f"{path}:{lineno}: expected an airline tweet with text, user, label, label_confidence"
            ) from None
        if label not in AIRLINE_SENTIMENT_TO_LABELS:
            raise DataError(f"{path}:{lineno}: unknown sentiment {label!r}")
        if keep:
            rows.append({"text": text, "user": user, "label": label})
    return rows


def airline_eval_rows(path: str | Path) -> list[dict]:
    """The held-out users' unanimous airline tweets (the airline check)."""
    return [r for r in read_airline(path) if is_airline_eval_user(r["user"])]


def held_out_keys(shared_dir: Path, exclude: Collection[Path] = ()) -> set[str]:
    """Text keys of every tweet the real-tweet checks score and of the texts in ``exclude``: never trained on.

    ``exclude`` is JSONL with a ``text`` field, e.g. the demo world's tweets.
    """
    keys = set()
    for path in exclude:
        keys |= {text_key(str(row.get("text", ""))) for _, row in json_lines(path) if isinstance(row, dict)}
    for name in (SEMEVAL_DEV, TWEETEVAL_VALIDATION):
        if (shared_dir / name).exists():
            keys |= {text_key(r["text"]) for r in read_jsonl(shared_dir / name, allow_empty=True)}
    if (shared_dir / AIRLINE).exists():
        keys |= {text_key(r["text"]) for r in airline_eval_rows(shared_dir / AIRLINE)}
    return keys


def tweet_rows(shared_dir: Path, sources: Collection[str], exclude: Collection[Path] = ()) -> list[dict]:
    """Training rows from the real-tweet sources in ``sources``, without held-out tweets (`held_out_keys`).

    SemEval rows carry a soft ``target``; TweetEval rows a hard ``label``; airline rows the
    set of labels their sentiment ``allows`` (the loss lets the model choose among them).
    """
    needed = {"semeval": SEMEVAL_TRAIN, "tweeteval": TWEETEVAL_TRAIN, "airline": AIRLINE}
    missing = [name for source, name in needed.items() if source in sources and not (shared_dir / name).is_file()]
    if missing:
        raise DataError(
            f"{shared_dir}: no {', '.join(missing)}; "
            "point --shared-dir at the real-tweet data or leave those --sources out"
        )
    held_out = held_out_keys(shared_dir, exclude)
    rows = []
    if "semeval" in sources:
        for row in read_semeval(shared_dir / SEMEVAL_TRAIN):
            target = semeval_target(row["label"])
            if target is not None and not is_semeval_holdout(row) and text_key(row["text"]) not in held_out:
                rows.append({"text": row["text"], "label": None, "target": target})
    if "tweeteval" in sources:
        for row in read_jsonl(shared_dir / TWEETEVAL_TRAIN, tuple(TWEETEVAL_TO_LABEL)):
            if text_key(row["text"]) not in held_out:
                rows.append({"text": row["text"], "label": TWEETEVAL_TO_LABEL[row["label"]]})
    if "airline" in sources:
        airline = read_airline(shared_dir / AIRLINE)
        negative = subsample([r for r in airline if r["label"] == "negative"], AIRLINE_NEGATIVE_SHARE)
        for row in [r for r in airline if r["label"] != "negative"] + negative:
            if not is_airline_eval_user(row["user"]) and text_key(row["text"]) not in held_out:
                rows.append({"text": row["text"], "label": None, "allowed": AIRLINE_SENTIMENT_TO_LABELS[row["label"]]})
    return rows


def selection_rows(shared_dir: Path) -> list[dict]:
    """The held-out SemEval train rows with their ``gold`` labels, for epoch selection and calibration."""
    held_out = held_out_keys(shared_dir)
    return [
        {"text": r["text"], "gold": sorted(semeval_gold(r["label"]))}
        for r in read_semeval(shared_dir / SEMEVAL_TRAIN)
        if is_semeval_holdout(r) and semeval_gold(r["label"]) and text_key(r["text"]) not in held_out
    ]


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
