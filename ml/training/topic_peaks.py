"""Peaks of a dated tweet corpus, to read against what happened: ``python -m ml.training.topic_peaks FILE``.

Classifies every tweet of a JSON-lines corpus (``created_at`` ISO-8601, ``text``, ``hashtags``; plain or .gz)
with the shipped model, folds them into days (``ml.topics``), and prints the strongest peaks of positivity and of
each emotion with their over-represented hashtags and a few of that day's tweets, so a person can check each peak
against the news of that day. ``--exclude`` names the query's own terms (left out of the hashtags). ``--hours``
reads hourly buckets (for a corpus of a few days, such as the airline tweets).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from ml.topics import DAY, HOUR, aggregate, bucket_of, topic_peaks
from ml.training.data import json_lines


def read_corpus(path: Path) -> list[dict]:
    """The corpus's tweets, with ``created_at`` as an aware UTC datetime."""
    tweets = [row for _, row in json_lines(path)]
    for tweet in tweets:
        tweet["created_at"] = datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00")).astimezone(UTC)
    return tweets


def main(argv: list[str] | None = None) -> int:
    """Classify, aggregate, print the peaks."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--exclude", default="", help="comma-separated query terms, left out of the hashtags")
    parser.add_argument("--peaks", type=int, default=8, help="how many peaks to print")
    parser.add_argument("--examples", type=int, default=3, help="tweets of the day to print per peak")
    parser.add_argument("--hours", action="store_true", help="hourly buckets against a three-day baseline")
    parser.add_argument("--contains", default="", help="keep only tweets whose text contains this (any case)")
    args = parser.parse_args(argv)

    from ml import ClassificationModel  # imported here: --help needs no torch

    tweets = [tweet for tweet in read_corpus(args.corpus) if args.contains.lower() in tweet["text"].lower()]
    started = time.perf_counter()
    probabilities = ClassificationModel().load().predict([tweet["text"] for tweet in tweets])
    seconds = time.perf_counter() - started
    step = HOUR if args.hours else DAY
    days = aggregate(((t["created_at"], p, t.get("hashtags", ())) for t, p in zip(tweets, probabilities)), step)
    unit = "hours" if args.hours else "days"
    print(f"{len(tweets)} tweets over {len(days)} {unit}, classified in {seconds:.1f} s")
    by_day = defaultdict(list)
    for tweet, probs in zip(tweets, probabilities):
        by_day[bucket_of(tweet["created_at"], step)].append((tweet["text"], probs))
    exclude = [term for term in args.exclude.split(",") if term]
    for found in topic_peaks(days, exclude, step=step)[: args.peaks]:
        peak, series = found.peak, found.series
        tags = ", ".join(f"#{tag} ({count}, x{lift:.1f})" for tag, lift, count in found.hashtags) or "-"
        print(
            f"\n{peak.day} {series} {peak.direction} score {peak.score:.1f}: {peak.value:.3f} against "
            f"{peak.baseline:.3f}; {days[peak.day].tweets} tweets; hashtags: {tags}"
        )
        key = "joy" if series == "positivity" else series
        ranked = sorted(by_day[peak.day], key=lambda item: item[1][key], reverse=peak.direction == "up")
        for text, _ in ranked[: args.examples]:
            print("   -", " ".join(text.split())[:160])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
