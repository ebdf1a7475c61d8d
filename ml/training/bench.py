"""Throughput of the shipped classifier against the usual setups, on tweet-length texts.

    python -m ml.training.bench [--texts 1024] [--batch-sizes 1,16,32,64,128]

Prints texts/second of ``ClassificationModel.predict`` at several batch sizes, of
``transformers.pipeline("text-classification")`` on the same model directory (its
defaults: float32, a batch size we give it), and of the seed's setup (a 12-layer,
768-hidden BERT with random weights, every text padded to 256 tokens), the ratios,
and peak RSS: of a fresh process that holds the model with its defaults and classifies
the same tweets, and of this benchmark process.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import time

import torch

from ml.text.classifier import MODEL_DIR, ROOT, TOKENIZER_DIR, ClassificationModel
from ml.training.data import DATA_DIR, read_jsonl


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_peak_rss_mb(n: int) -> float:
    """Peak RSS of a fresh process that loads the default model and classifies ``n`` tweets twice.

    That is what a worker holding the model costs.
    """
    code = (
        "import resource; from ml import ClassificationModel; from ml.training.bench import tweet_texts;"
        f"t = tweet_texts({n}); m = ClassificationModel(); m.predict(t); m.predict(t);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def tweet_texts(n: int, seed: int = 0) -> list[str]:
    """Real tweets from the CARER validation split, sampled with a fixed seed."""
    rows = read_jsonl(DATA_DIR / "emotion_validation.jsonl")
    rng = random.Random(seed)
    return [rng.choice(rows)["text"] for _ in range(n)]


def timed(fn, texts: list[str], repeats: int = 3) -> float:
    """Best texts/second of ``fn(texts)`` over a few runs, after one warm-up run."""
    fn(texts[: min(len(texts), 64)])
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        fn(texts)
        best = max(best, len(texts) / (time.perf_counter() - start))
    return best


def main(argv: list[str] | None = None) -> dict:
    """The command line (``--help`` lists the options)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=1024)
    parser.add_argument("--batch-sizes", default="1,16,32,64,128,256")
    parser.add_argument(
        "--dtypes", default="auto", help="ClassificationModel dtypes to time, e.g. auto,bfloat16,float32"
    )
    parser.add_argument("--seed-texts", type=int, default=64, help="texts for the slow seed setup")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    texts = tweet_texts(args.texts)
    print(f"{len(texts)} tweets, {torch.get_num_threads()} threads, torch {torch.__version__}")

    results: dict[str, float] = {}
    sizes = [int(size) for size in args.batch_sizes.split(",")]
    ours_rss = worker_peak_rss_mb(len(texts))
    print(f"peak RSS of a process holding ClassificationModel() and classifying them: {ours_rss:.0f} MB")
    for index, dtype in enumerate(args.dtypes.split(",")):
        model = ClassificationModel(dtype=dtype).load()
        if index == 0:
            tokens = [len(ids) for ids in model.encode(texts)]
            print(f"mean {sum(tokens) / len(tokens):.1f} tokens/text")
        for size in sizes:
            model.batch_size = size
            key = f"ours_{model.dtype_}_bs{size}"
            results[key] = timed(model.predict, texts if size > 1 else texts[:256])
            print(f"ClassificationModel.predict {model.dtype_:>8} batch {size:>4}: {results[key]:8.1f} texts/s")
        del model
    best_key = max(results, key=results.__getitem__)
    ours = results[best_key]

    from transformers import AutoModelForSequenceClassification, BertConfig, pipeline
    from transformers import logging as hf_logging

    hf_logging.set_verbosity_error()
    best_size = int(best_key.rsplit("_bs", 1)[1])
    pipe = pipeline(
        "text-classification",
        model=str(MODEL_DIR),
        tokenizer=str(TOKENIZER_DIR),
        device=-1,
        top_k=None,
        dtype=torch.float32,
    )
    results["pipeline"] = timed(lambda t: pipe(t, batch_size=best_size, truncation=True), texts, repeats=1)
    print(f"transformers pipeline         batch {best_size:>4}: {results['pipeline']:8.1f} texts/s")

    seed_config = BertConfig()
    seed_config.num_labels = 6
    seed_model = AutoModelForSequenceClassification.from_config(seed_config).eval()
    seed_tokenizer = pipe.tokenizer
    assert seed_tokenizer is not None  # the pipeline loaded TOKENIZER_DIR

    def seed_predict(batch: list[str]) -> None:
        for start in range(0, len(batch), 32):
            enc = seed_tokenizer(
                batch[start : start + 32], padding="max_length", max_length=256, truncation=True, return_tensors="pt"
            )
            with torch.no_grad():
                seed_model(**enc)

    results["seed"] = timed(seed_predict, texts[: args.seed_texts], repeats=1)
    print(f"seed setup (bert-base, pad 256)     : {results['seed']:8.1f} texts/s")
    print(f"\nbest: {ours:.1f} texts/s ({best_key})")
    print(f"ratio vs pipeline: {ours / results['pipeline']:.1f}x   ratio vs seed: {ours / results['seed']:.1f}x")
    print(f"peak RSS, process holding the model: {ours_rss:.0f} MB   this benchmark process: {peak_rss_mb():.0f} MB")
    results.update(peak_rss_mb_ours=ours_rss, best=ours)
    return results


if __name__ == "__main__":
    main()
