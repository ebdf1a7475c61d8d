"""Score the classifier on a labelled JSONL file and print one JSON object.

    python -m ml.evaluate --data ml/data/emotion_validation.jsonl \\
        --labels sadness,joy,love,anger,fear,surprise
    python -m ml.evaluate --data FILE.jsonl --neutral-vs-emotional
    python -m ml.evaluate --data ml/data/goemotions_dev.jsonl --neutral-gold any

Each line is ``{"text": ..., "label": ...}``. ``--labels`` restricts the prediction to
those labels (softmax renormalised over them); every gold label must be among them.
``--neutral-vs-emotional`` scores the binary split instead; gold may then also be
``emotional``. ``--neutral-gold only|any`` scores the same split on GoEmotions rows, whose
label is the raters' comma-joined emotion names, deriving the gold as ``ml.data.neutral_gold``
says (``only`` gives the shipped goemotions_dev_neutral.jsonl check; ``any`` is how the
GoEmotions paper scores neutral). Bad input exits with status 2 and a message naming the line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ml.data import NEUTRAL_GOLDS, DataError, neutral_eval_rows, read_jsonl
from ml.labels import LABELS, NEUTRAL
from ml.metrics import classification_report, neutral_report


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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="JSONL file of {text, label}")
    parser.add_argument("--labels", help="comma-separated subset of labels to predict over")
    parser.add_argument("--neutral-vs-emotional", action="store_true", help="score neutral vs any emotion")
    parser.add_argument(
        "--neutral-gold",
        choices=NEUTRAL_GOLDS,
        help="read GoEmotions rows (comma-joined names) and score neutral vs emotional with this gold",
    )
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--tokenizer-dir", type=Path)
    parser.add_argument("--dtype", default="auto", choices=("auto", "int8", "bfloat16", "float32"))
    args = parser.parse_args(argv)
    try:
        binary = args.neutral_vs_emotional or args.neutral_gold is not None
        if binary and args.labels:
            raise DataError("--labels and --neutral-vs-emotional or --neutral-gold cannot be combined")
        labels = LABELS + ("emotional",) if binary else parse_labels(args.labels)
        if not args.data.is_file():
            raise DataError(f"{args.data}: no such file")
        rows = neutral_eval_rows(args.data, args.neutral_gold) if args.neutral_gold else read_jsonl(args.data, labels)
        if not rows:
            raise DataError(f"{args.data}: no examples")
    except DataError as exc:
        parser.exit(2, f"ml.evaluate: error: {exc}\n")
    if classifier is None:
        from ml.classifier import ClassificationModel

        classifier = ClassificationModel(args.model_dir, args.tokenizer_dir, dtype=args.dtype)
    if binary:
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
