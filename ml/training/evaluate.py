r"""Score the classifier on a labelled JSONL file and print one JSON object.

    python -m ml.training.evaluate --data ml/data/emotion_validation.jsonl \
        --labels sadness,joy,love,anger,fear,surprise
    python -m ml.training.evaluate --data FILE.jsonl --neutral-vs-emotional
    python -m ml.training.evaluate --data ml/data/goemotions_dev.jsonl --neutral-gold any
    python -m ml.training.evaluate --data ../shared/data/semeval2018_ec/dev.jsonl --multi-label
    python -m ml.training.evaluate --data ../shared/data/tweeteval_emotion/validation.jsonl --tweeteval
    python -m ml.training.evaluate --data ../shared/data/tweets/airline_tweets.jsonl.gz --airline

Each line is ``{"text": ..., "label": ...}``. ``--labels`` restricts the prediction to
those labels (softmax renormalised over them); every gold label must be among them.
``--neutral-vs-emotional`` scores the binary split instead; gold may then also be
``emotional``. ``--neutral-gold only|any`` scores the same split on GoEmotions rows, whose
label is the raters' comma-joined emotion names, deriving the gold as ``ml.training.data.neutral_gold``
says (``only`` gives the shipped goemotions_dev_neutral.jsonl check; ``any`` is how the
GoEmotions paper scores neutral).

Real tweets: ``--multi-label`` reads SemEval-2018 E-c rows (comma-joined SemEval emotions,
empty for none), maps them to ours (``ml.labels.SEMEVAL_TO_LABEL``) and scores the top label
of the seven against them (`ml.training.metrics.multi_label_report`). ``--tweeteval`` reads TweetEval
emotion rows and prints macro-F1 over anger/joy/sadness (joy+love summed; optimism rows
left out) and the same over every row with optimism counted as joy. ``--airline`` reads the
airline sentiment file and scores the held-out users' unanimous tweets (``ml.training.data``): the
share of each sentiment whose top label is neutral, a negative or a positive emotion.

Bad input exits with status 2 and a message naming the line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ml.labels import AIRLINE_SENTIMENT_TO_LABELS, LABELS, NEUTRAL, TWEETEVAL_TO_LABEL
from ml.training.data import (
    NEUTRAL_GOLDS,
    DataError,
    airline_eval_rows,
    neutral_eval_rows,
    read_jsonl,
    semeval_eval_rows,
)
from ml.training.metrics import (
    classification_report,
    merge_labels,
    multi_label_report,
    neutral_report,
    score,
    sentiment_report,
)

# TweetEval's classes as sums of ours: love is joy's (TweetEval has no love class).
TWEETEVAL_GROUPS = {"anger": ("anger",), "joy": ("joy", "love"), "sadness": ("sadness",)}
MODES = ("neutral_vs_emotional", "neutral_gold", "multi_label", "tweeteval", "airline")


def tweeteval_report(rows: list[dict], probs: list[dict[str, float]]) -> dict:
    """Macro-F1 over anger/joy/sadness: without the optimism rows, and with optimism as joy."""
    merged = merge_labels(probs, TWEETEVAL_GROUPS)
    labels = tuple(TWEETEVAL_GROUPS)
    kept = [i for i, r in enumerate(rows) if r["label"] != "optimism"]
    three = score([rows[i]["label"] for i in kept], [merged[i] for i in kept], labels)
    four = score([TWEETEVAL_TO_LABEL[r["label"]] for r in rows], merged, labels)
    return {
        "n": len(rows),
        "three_class": {"n": three["n"], "macro_f1": three["macro_f1"], "per_class": three["per_class"]},
        "four_class_optimism_as_joy": {"n": four["n"], "macro_f1": four["macro_f1"], "per_class": four["per_class"]},
    }


def parse_labels(value: str | None) -> tuple[str, ...]:
    """Parse ``--labels a,b,c``; raise :class:`DataError` on unknown or repeated names."""
    if value is None:
        return LABELS
    labels = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [label for label in labels if label not in LABELS]
    if unknown or not labels:
        raise DataError(
            f"--labels: unknown label(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(LABELS)}"
        )
    if len(set(labels)) != len(labels):
        raise DataError("--labels: a label is repeated")
    return labels


def main(argv: list[str] | None = None, classifier=None) -> dict:
    """The command line (``--help`` lists the options)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="JSONL file of {text, label}")
    parser.add_argument("--labels", help="comma-separated subset of labels to predict over")
    parser.add_argument("--neutral-vs-emotional", action="store_true", help="score neutral vs any emotion")
    parser.add_argument(
        "--neutral-gold",
        choices=NEUTRAL_GOLDS,
        help="read GoEmotions rows (comma-joined names) and score neutral vs emotional with this gold",
    )
    parser.add_argument("--multi-label", action="store_true", help="SemEval E-c rows: top label vs mapped gold")
    parser.add_argument("--tweeteval", action="store_true", help="TweetEval emotion rows: anger/joy/sadness F1")
    parser.add_argument("--airline", action="store_true", help="airline sentiment file: held-out unanimous tweets")
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--tokenizer-dir", type=Path)
    parser.add_argument("--dtype", default="auto", choices=("auto", "int8", "bfloat16", "float32"))
    args = parser.parse_args(argv)
    try:
        chosen = [m for m in MODES if getattr(args, m) not in (None, False)]
        if len(chosen) > 1:
            raise DataError(f"choose one of --{', --'.join(m.replace('_', '-') for m in chosen)}")
        mode = chosen[0] if chosen else None
        binary = mode in ("neutral_vs_emotional", "neutral_gold")
        if mode and args.labels:
            raise DataError(f"--labels and --{mode.replace('_', '-')} cannot be combined")
        labels = LABELS + ("emotional",) if binary else parse_labels(args.labels)
        if not args.data.is_file():
            raise DataError(f"{args.data}: no such file")
        if mode == "neutral_gold":
            rows = neutral_eval_rows(args.data, args.neutral_gold)
        elif mode == "multi_label":
            rows = semeval_eval_rows(args.data)
        elif mode == "tweeteval":
            rows = read_jsonl(args.data, tuple(TWEETEVAL_TO_LABEL))
        elif mode == "airline":
            rows = airline_eval_rows(args.data)
        else:
            rows = read_jsonl(args.data, labels)
        if not rows:
            raise DataError(f"{args.data}: no examples")
    except DataError as exc:
        parser.exit(2, f"ml.training.evaluate: error: {exc}\n")
    if classifier is None:
        from ml.text.classifier import ClassificationModel

        classifier = ClassificationModel(args.model_dir, args.tokenizer_dir, dtype=args.dtype)
    if mode in ("multi_label", "tweeteval", "airline"):
        probs = classifier.predict([r["text"] for r in rows])
        if mode == "multi_label":
            result = multi_label_report([r["gold"] for r in rows], probs, LABELS)
        elif mode == "tweeteval":
            result = tweeteval_report(rows, probs)
        else:
            result = {
                "n": len(rows),
                "by_sentiment": sentiment_report([r["label"] for r in rows], probs, AIRLINE_SENTIMENT_TO_LABELS),
            }
    elif binary:
        result = neutral_report(classifier, rows)
        result["positive_class"] = NEUTRAL
        if args.neutral_gold:
            result["gold"] = args.neutral_gold
    else:
        result = classification_report(classifier, rows, labels)
    result["model_version"] = classifier.version
    result["dtype"] = getattr(classifier, "dtype_", None)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return result


if __name__ == "__main__":
    main()
