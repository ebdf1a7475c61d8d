"""Real dated tweet corpora served at their own dates, so topic search finds real events on real days.

A corpus is a JSON-lines file (plain or .gz) of ``{"created_at", "text", "hashtags", "retweets", "favorites",
"lang", "user"}`` (only ``created_at`` and ``text`` are required). ``add_corpus`` adds its tweets to a world under
generated accounts (``<prefix>_<n>``; one per distinct ``user``, else spread over ``ACCOUNTS``), at ``created_at``
minus the date shift, so the API, which adds the shift back, shows each tweet at its real date. The collectors cut
long texts at about 140 characters and kept the hashtags apart: hashtags the cut dropped are appended to the text,
so a tweet's ``entities`` hold all its hashtags, as the real API's do.

Shipped: ``corpora/pfizer_vaccine_tweets.jsonl.gz`` (the demo topic; README.md there has its source and licence),
rebuilt from ``shared/data`` by ``python -m server.dev.twitter_local.build_corpus``. The airline tweets are read from
``shared/data/tweets/airline_tweets.jsonl.gz`` where present (tests, ``--corpus`` of the local API).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from ml.training.data import json_lines
from server.dev.twitter_local.twitter_text import HASHTAG_RE, parse_time
from server.dev.twitter_local.world import World

CORPUS_DIR = Path(__file__).resolve().parent / "corpora"
PFIZER = CORPUS_DIR / "pfizer_vaccine_tweets.jsonl.gz"
SHARED_DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
AIRLINE = SHARED_DATA / "tweets" / "airline_tweets.jsonl.gz"
NAMED_CORPORA = {"pfizer": PFIZER, "airline": AIRLINE}
ACCOUNTS = 400  # accounts a corpus without authors is spread over
# Corpus accounts take ids far above the demo world's (SNAP node ids stay below 2**32).
FIRST_ACCOUNT_ID = 9_000_000_000_000


def read_corpus(path: Path) -> Iterator[dict]:
    """The corpus's rows, in file order (DataError names a line that is not JSON)."""
    return (row for _, row in json_lines(path))


def add_corpus(world: World, path: Path, shift: timedelta = timedelta(0), prefix: str | None = None) -> int:
    """Add a corpus's tweets to ``world`` so the API shows them at their real dates; returns how many."""
    prefix = (prefix or path.name.split("_")[0])[:9]
    base = FIRST_ACCOUNT_ID + int(hashlib.sha256(prefix.encode()).hexdigest()[:6], 16) * 100_000
    accounts: dict[str, str] = {}
    added = 0
    for number, row in enumerate(read_corpus(path)):
        who = str(row.get("user") or number % ACCOUNTS)
        if who not in accounts:
            n = len(accounts) + 1
            accounts[who] = world.add_user({"id": str(base + n), "username": f"{prefix}_{n}", "name": prefix})["id"]
        text = row["text"]
        in_text = {match.lower() for match in HASHTAG_RE.findall(text)}
        missing = [tag for tag in row.get("hashtags") or () if tag.lower() not in in_text]
        if missing:
            text = f"{text} {' '.join('#' + tag for tag in missing)}"
        metrics = {"retweet_count": int(row.get("retweets") or 0), "like_count": int(row.get("favorites") or 0)}
        world.add_tweet(
            {
                "author_id": accounts[who],
                "text": text,
                "created_at": (parse_time(row["created_at"]) - shift).isoformat(),
                "lang": row.get("lang") or "en",
                "public_metrics": {"reply_count": 0, "quote_count": 0, **metrics},
            }
        )
        added += 1
    return added
