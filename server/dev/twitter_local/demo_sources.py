"""Read the real data the demo world is built from (``shared/data``; see each folder's README).

- ``twitter_ego/``: SNAP ego-Twitter follow graph, per-node hashtags, circles (= Twitter lists);
- ``tweets/airline_tweets.jsonl.gz``: Twitter US Airline Sentiment, labels positive / negative / neutral;
- ``goemotions/dev.jsonl``: GoEmotions dev split (Reddit comments, 27 emotions + neutral).
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

from server.dev.twitter_local.twitter_text import MAX_WEIGHTED_LENGTH, weighted_length

# Mood buckets a persona draws texts from; GoEmotions labels are grouped as the classifier's labels are
# (ml/labels.py), airline labels as positive -> joy, negative -> anger (complaints), neutral -> neutral.
BUCKETS = ("joy", "love", "surprise", "neutral", "anger", "fear", "sadness")
GOEMOTIONS_BUCKET = {
    **dict.fromkeys(
        ("admiration", "amusement", "excitement", "gratitude", "joy", "optimism", "pride", "relief"), "joy"
    ),
    **dict.fromkeys(("caring", "desire", "love"), "love"),
    **dict.fromkeys(("anger", "annoyance", "disapproval", "disgust"), "anger"),
    **dict.fromkeys(("fear", "nervousness"), "fear"),
    **dict.fromkeys(("disappointment", "embarrassment", "grief", "remorse", "sadness"), "sadness"),
    **dict.fromkeys(("confusion", "curiosity", "surprise"), "surprise"),
    "neutral": "neutral",
}
AIRLINE_BUCKET = {"positive": "joy", "negative": "anger", "neutral": "neutral"}
MASKED = re.compile(r"\[(NAME|RELIGION)\]")  # GoEmotions' anonymisation tokens read badly as tweets


@dataclass(frozen=True)
class SourceText:
    """One real text with where it came from."""

    text: str
    source: str  # "airline" or "goemotions"
    label: str  # the source's own label(s)


def read_ego_graph(data: Path, egos: tuple[int, ...], max_accounts: int | None = None) -> tuple[list[int], list]:
    """The egos and the accounts they follow, with every real follow edge among them (sorted).

    ``max_accounts`` keeps the egos plus the lowest-numbered others (a smaller, still real, subgraph).
    """
    data_bytes = b"\n" + gzip.decompress((data / "twitter_ego" / "twitter_combined_unique.txt.gz").read_bytes())
    nodes = set(egos)
    # "A B" means A follows B: an ego's followees are the lines starting "ego ", found by bytes.find (C speed).
    for ego in egos:
        marker = f"\n{ego} ".encode()
        position = data_bytes.find(marker)
        while position != -1:
            end = data_bytes.find(b"\n", position + 1)
            nodes.add(int(data_bytes[position + len(marker) : end if end != -1 else None]))
            position = data_bytes.find(marker, position + 1)
    if max_accounts is not None and len(nodes) > max_accounts:
        others = sorted(nodes - set(egos))[: max(0, max_accounts - len(egos))]
        nodes = set(egos) | set(others)
    keys = {str(n).encode() for n in nodes}
    # Edges among the chosen nodes: comparing bytes avoids parsing 1.77 M lines into ints.
    edges = []
    for line in data_bytes.split(b"\n"):
        follower, _, followee = line.partition(b" ")
        if follower in keys and followee in keys and follower != followee:
            edges.append((int(follower), int(followee)))
    return sorted(nodes), sorted(edges)


def read_hashtags(data: Path, nodes: list[int]) -> dict[int, list[str]]:
    """Each node's real hashtags from its SNAP profile features, verbatim, first-seen order."""
    wanted = {str(n) for n in nodes}
    hashtags: dict[int, list[str]] = {}
    with gzip.open(data / "twitter_ego" / "node_features.tsv.gz", "rt", encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            node, _, features = line.rstrip("\n").partition("\t")
            if node in wanted:
                tags = [f for f in features.split() if f.startswith("#") and len(f) > 1]
                hashtags[int(node)] = list(dict.fromkeys(tags))
    return hashtags


def read_list_counts(data: Path, nodes: list[int]) -> dict[int, int]:
    """How many SNAP circles (Twitter lists of the egos) each node is a member of."""
    wanted = {str(n) for n in nodes}
    counts: dict[int, int] = {}
    with gzip.open(data / "twitter_ego" / "circles.tsv.gz", "rt", encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            for member in line.rstrip("\n").split("\t")[2].split():
                if member in wanted:
                    counts[int(member)] = counts.get(int(member), 0) + 1
    return counts


def read_texts(data: Path) -> dict[str, list[SourceText]]:
    """Real short texts per mood bucket, de-duplicated, in file order (airline first, then GoEmotions)."""
    pools: dict[str, list[SourceText]] = {bucket: [] for bucket in BUCKETS}
    seen: set[str] = set()

    def keep(bucket: str, item: SourceText) -> None:
        text = item.text.strip()
        if text and text not in seen and weighted_length(text) <= MAX_WEIGHTED_LENGTH - 40:  # room for RT/@ prefixes
            seen.add(text)
            pools[bucket].append(SourceText(text, item.source, item.label))

    with gzip.open(data / "tweets" / "airline_tweets.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            keep(AIRLINE_BUCKET[row["label"]], SourceText(row["text"], "airline", row["label"]))
    with (data / "goemotions" / "dev.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if MASKED.search(row["text"]) or len(row["text"].split()) < 3:
                continue
            labels = [label for label in row["label"].split(",") if label in GOEMOTIONS_BUCKET]
            buckets = sorted({GOEMOTIONS_BUCKET[label] for label in labels})
            if len(buckets) == 1:  # rows whose labels disagree on the mood would blur the personas
                keep(buckets[0], SourceText(row["text"], "goemotions", row["label"]))
    return pools
