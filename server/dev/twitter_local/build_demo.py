"""Build the demo world from real data, reproducibly: ``python -m server.dev.twitter_local.build_demo``.

Real: the accounts and every follow edge among them (SNAP ego-Twitter, two egos' neighbourhoods, SNAP node ids
as user ids), each account's hashtags (``snap_hashtags``) and list memberships (``listed_count``), and every
tweet text except the bot's and the "@moodbot ..." commands. Generated with a fixed seed: usernames and names,
personas (which real texts an account gets), timestamps, engagement, retweet/quote/reply structure. Same seed
and data, same bytes (gzip with mtime 0). See README.md.
"""

# Long module: the demo world's builder is one reproducible recipe over the shared datasets (a developer tool).

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import string
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from server.dev.twitter_local.demo_sources import BUCKETS, SourceText, read_ego_graph, read_hashtags, read_list_counts
from server.dev.twitter_local.demo_sources import read_texts as read_source_texts
from server.dev.twitter_local.twitter_text import (
    HASHTAG_RE,
    MAX_WEIGHTED_LENGTH,
    extract_entities,
    format_time,
    snowflake,
    weighted_length,
)
from server.dev.twitter_local.world import write_world

logger = logging.getLogger(__name__)

DEFAULT_DATA = Path(__file__).resolve().parents[4] / "shared" / "data"  # /work/shared/data beside the repo
DEFAULT_OUT = Path(__file__).resolve().parent / "demo_world"
SEED = 20261120
REFERENCE_TIME = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAYS = 60
EGOS = (134943586, 1608991)  # two overlapping neighbourhoods (a Guild Wars 2 crowd): 361 accounts, 11,080 edges
BOT_CREATED = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
BOT = {"id": str(snowflake(BOT_CREATED, 1)), "username": "moodbot", "name": "Mood Bot"}
LARGE_TWEETS = 3400

# Mood mix of each persona: the share of an account's texts drawn from each bucket.
PERSONAS = {
    "cheerful": {"joy": 0.55, "love": 0.15, "surprise": 0.07, "neutral": 0.18, "anger": 0.04, "sadness": 0.01},
    "satisfied": {
        "joy": 0.28,
        "love": 0.04,
        "surprise": 0.04,
        "neutral": 0.38,
        "anger": 0.22,
        "fear": 0.02,
        "sadness": 0.02,
    },
    "stressed": {"anger": 0.62, "fear": 0.04, "sadness": 0.02, "neutral": 0.22, "joy": 0.10},
    "depressed": {"sadness": 0.50, "fear": 0.15, "anger": 0.10, "neutral": 0.15, "joy": 0.10},
    "newsy": {"neutral": 0.75, "joy": 0.10, "anger": 0.10, "surprise": 0.05},
}
SPECIAL_PERSONA = {"large": "newsy", "protected": "satisfied", "suspended": "stressed"}
PERSONA_SHARE = {"cheerful": 0.25, "satisfied": 0.31, "stressed": 0.22, "depressed": 0.05, "newsy": 0.17}
# When a bucket runs dry, the nearest one with texts left.
FALLBACK = {
    "sadness": ("fear", "anger", "neutral"),
    "fear": ("sadness", "anger", "neutral"),
    "love": ("joy", "neutral"),
    "surprise": ("neutral", "joy"),
    "joy": ("love", "neutral"),
    "neutral": ("joy", "anger"),
    "anger": ("neutral",),
}
# (username, name, role): the demo's memorable accounts; roles other than personas are special cases.
DEMO_ACCOUNTS = (
    ("sunny_sam", "Sam Rivera", "cheerful"),
    ("calm_carla", "Carla Nguyen", "satisfied"),
    ("stressed_steve", "Steve Okafor", "stressed"),
    ("blue_bella", "Bella Moreau", "depressed"),
    ("newsy_nora", "Nora Lindqvist", "large"),
    ("private_pat", "Pat Keller", "protected"),
    ("gone_gary", "Gary Doyle", "suspended"),
    ("quiet_quinn", "Quinn Adair", "silent"),
)
BOT_COMMANDS = {  # generated "@moodbot ..." mentions, newest last
    "sunny_sam": ("@moodbot who should I follow? 🙂", "@moodbot analyse me"),
    "calm_carla": ("@moodbot analyse me please",),
    "stressed_steve": ("@moodbot analyse me. be honest",),
    "blue_bella": ("@moodbot analyse me",),
}
BOT_TWEETS = (
    "Hi, I'm moodbot 🤖 Mention me with \"analyse me\" and I'll read the mood of your recent tweets. "
    'Ask "who should I follow?" for accounts you might like.',
    'Mood check-ins are back. Mention me with "analyse me" 💬',
)
ADJECTIVES = [
    "amber", "azure", "bold", "brave", "brisk", "calm", "clever", "cosmic", "crisp", "dusty", "eager", "fuzzy",
    "gentle", "golden", "happy", "hidden", "icy", "jolly", "keen", "lucky", "mellow", "misty", "noble", "odd",
    "plucky", "quick", "rapid", "rusty", "silent", "snowy", "solar", "stormy", "swift", "tidy", "urban", "vivid",
    "witty", "young", "zesty",
]  # fmt: skip
NOUNS = [
    "badger", "bear", "bison", "crane", "crow", "deer", "dingo", "eagle", "falcon", "ferret", "fox", "gecko", "heron",
    "ibis", "koala", "lemur", "lynx", "marten", "moose", "newt", "otter", "owl", "panda", "puffin", "quail", "raven",
    "robin", "seal", "shrike", "sloth", "stoat", "swan", "tapir", "trout", "vole", "walrus", "wolf", "yak",
]  # fmt: skip
FIRST = [
    "Alex", "Ana", "Ben", "Chloe", "Dan", "Eli", "Emma", "Finn", "Gia", "Hana", "Ian", "Ivy", "Jay", "Jo", "Kai",
    "Lea", "Leo", "Lina", "Max", "Mia", "Nils", "Noa", "Omar", "Pia", "Ravi", "Rosa", "Sami", "Tara", "Theo", "Uma",
    "Vic", "Yara", "Zoe",
]  # fmt: skip
LAST = [
    "Abbott", "Baker", "Costa", "Dahl", "Evans", "Fischer", "Garcia", "Haas", "Ito", "Jensen", "Kim", "Lopez",
    "Meyer", "Novak", "Olsen", "Park", "Quinn", "Rossi", "Sato", "Torres", "Ueda", "Vance", "Walsh", "Xu", "Young",
    "Zeller",
]  # fmt: skip
BIO_LEADS = (
    "Gamer.", "Streaming on weekends.", "Coffee first.", "Guild officer.", "Tea, books and raids.", "Night owl.",
    "Screenshots and small talk.", "Casual player, serious snacker.", "Frequent flyer.", "Dog person.",
)  # fmt: skip
# Rough creation dates of pre-snowflake user ids (sequential then), to date SNAP accounts plausibly.
ID_DATES = (
    (12, datetime(2006, 3, 21, tzinfo=UTC)),
    (1_000_000, datetime(2007, 3, 10, tzinfo=UTC)),
    (10_000_000, datetime(2007, 11, 20, tzinfo=UTC)),
    (20_000_000, datetime(2008, 12, 15, tzinfo=UTC)),
    (50_000_000, datetime(2009, 6, 20, tzinfo=UTC)),
    (100_000_000, datetime(2010, 1, 12, tzinfo=UTC)),
    (200_000_000, datetime(2010, 10, 20, tzinfo=UTC)),
    (300_000_000, datetime(2011, 5, 10, tzinfo=UTC)),
    (400_000_000, datetime(2011, 11, 1, tzinfo=UTC)),
    (600_000_000, datetime(2012, 6, 15, tzinfo=UTC)),
)


class TextPools:
    """Shuffled real texts per bucket, handed out without repetition (an author never repeats a text)."""

    def __init__(self, pools: dict[str, list[SourceText]], rng: random.Random) -> None:
        self.pools = {bucket: list(pools[bucket]) for bucket in BUCKETS}
        for bucket in BUCKETS:
            rng.shuffle(self.pools[bucket])
        self.used: Counter = Counter()

    def take(self, bucket: str) -> SourceText:
        """The next unused text of ``bucket`` or of its fallbacks."""
        for candidate in (bucket, *FALLBACK[bucket]):
            if self.pools[candidate]:
                self.used[candidate] += 1
                return self.pools[candidate].pop()
        raise RuntimeError("ran out of real texts; lower the tweet counts")


class DemoBuilder:
    """Builds the records of one world; :meth:`build` returns (meta, users, tweets, follows)."""

    def __init__(self, data: Path, max_accounts: int | None = None, large_tweets: int = LARGE_TWEETS) -> None:
        self.data = data
        self.max_accounts = max_accounts
        self.large_tweets = large_tweets
        self.rng = random.Random(SEED)
        self.users: dict[str, dict] = {}
        self.tweets: dict[int, dict] = {}
        self.own: dict[str, list[int]] = {}  # author -> ids of their original (not retweet/reply) tweets
        self.role: dict[str, str] = {}
        self.sources: Counter = Counter()  # tweets by where their text came from

    # -- accounts ------------------------------------------------------------------------------------------
    def build(self) -> tuple[dict, list[dict], list[dict], list[tuple[str, str]]]:
        """Read the sources and generate everything."""
        nodes, edges = read_ego_graph(self.data, EGOS, self.max_accounts)
        hashtags = read_hashtags(self.data, nodes)
        listed = read_list_counts(self.data, nodes)
        self.follows = [(str(a), str(b)) for a, b in edges]
        self.followees: dict[str, list[str]] = {}
        indegree: Counter = Counter()
        for a, b in self.follows:
            self.followees.setdefault(a, []).append(b)
            indegree[b] += 1
        self._make_users(nodes, hashtags, listed, indegree)
        self.by_name = {u["username"].lower(): u["id"] for u in self.users.values()}
        self.demo_ids = {self.by_name[name] for name in BOT_COMMANDS if name in self.by_name}
        self.counts = {user_id: self._counts(user_id) for user_id in sorted(self.users, key=int)}
        self.texts = TextPools(read_source_texts(self.data), self.rng)
        # Scarce moods first: the demo accounts, then depressed personas, get the few sad and fearful texts.
        order = sorted(self.users, key=lambda u: (u not in self.demo_ids, self.role[u] != "depressed", int(u)))
        for user_id in order:
            self._own_tweets(user_id)
        for user_id in order:
            self._interactions(user_id)
        self._bot_traffic()
        self._engagement(indegree)
        authored = Counter(t["author_id"] for t in self.tweets.values())
        for user in self.users.values():
            user["public_metrics"]["tweet_count"] = authored[user["id"]]
        meta = self._meta(edges)
        return meta, list(self.users.values()), list(self.tweets.values()), self.follows

    def _make_users(self, nodes: list[int], hashtags: dict, listed: dict, indegree: Counter) -> None:
        ids = [str(n) for n in nodes]
        # Special accounts: popular ones for the demo personas, the most followed for the big timeline,
        # ordinary ones for protected / suspended / silent. Candidates sorted first: same choice every run.
        by_popularity = sorted((i for i in ids if int(i) not in EGOS), key=lambda i: (-indegree[i], int(i)))
        popular = by_popularity[1 : max(5, len(by_popularity) // 6)]
        ordinary = sorted(by_popularity[len(by_popularity) // 3 :], key=int)
        chosen = {"large": by_popularity[0]}
        picks = self.rng.sample(popular, 4) + self.rng.sample(ordinary, 3)
        for (_, _, demo_role), user_id in zip(DEMO_ACCOUNTS[:4] + DEMO_ACCOUNTS[5:], picks):
            chosen[demo_role] = user_id
        special = {chosen[role]: (username, name, role) for username, name, role in DEMO_ACCOUNTS}
        taken = {username for username, _, _ in DEMO_ACCOUNTS} | {BOT["username"]}
        for user_id in ids:
            known = special.get(user_id)
            if known is None:
                username, name = self._pseudonym(taken), f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
                role = self.rng.choices(list(PERSONA_SHARE), weights=list(PERSONA_SHARE.values()))[0]
            else:
                username, name, role = known
            taken.add(username)
            self.role[user_id] = role
            tags = hashtags.get(int(user_id), [])
            self.users[user_id] = {
                "id": user_id,
                "username": username,
                "name": name,
                "created_at": format_time(self._account_created(int(user_id))),
                "description": self._bio(tags),
                "protected": role == "protected",
                "suspended": role == "suspended",
                "verified": False,
                "public_metrics": {
                    "followers_count": indegree[user_id],
                    "following_count": len(self.followees.get(user_id, ())),
                    "tweet_count": 0,
                    "listed_count": listed.get(int(user_id), 0),
                },
                "snap_hashtags": tags,
            }
        self.users[BOT["id"]] = {
            **BOT,
            "created_at": format_time(BOT_CREATED),
            "description": 'I read the mood of your recent tweets. Mention me with "analyse me". Demo bot.',
            "protected": False,
            "suspended": False,
            "verified": False,
            "public_metrics": {"followers_count": 0, "following_count": 0, "tweet_count": 0, "listed_count": 0},
            "snap_hashtags": [],
        }
        self.role[BOT["id"]] = "bot"

    def _pseudonym(self, taken: set[str]) -> str:
        while True:
            name = f"{self.rng.choice(ADJECTIVES)}_{self.rng.choice(NOUNS)}"
            if self.rng.random() < 0.4:
                name += str(self.rng.randint(1, 99))
            if len(name) <= 15 and name not in taken:
                return name

    def _account_created(self, user_id: int) -> datetime:
        moment = ID_DATES[-1][1] + timedelta(days=30 * self.rng.random())  # ids past the table: the crawl's time
        for (low, start), (high, end) in zip(ID_DATES, ID_DATES[1:]):
            if user_id <= high:
                moment = start + (end - start) * max(0.0, (user_id - low) / (high - low))
                break
        hour, minute, second = self.rng.randint(0, 23), self.rng.randint(0, 59), self.rng.randint(0, 59)
        return moment.replace(hour=hour, minute=minute, second=second, microsecond=0)

    def _bio(self, tags: list[str]) -> str:
        if self.rng.random() < 0.35:
            return ""
        clean = [t for t in map(_clean_hashtag, tags[:6]) if t]
        return " ".join([self.rng.choice(BIO_LEADS), *clean[: self.rng.randint(0, 2)]])

    # -- tweets --------------------------------------------------------------------------------------------
    def _counts(self, user_id: str) -> tuple[int, int, int, int]:
        """(own, retweets, replies, quotes) for one account, skewed like real activity."""
        role = self.role[user_id]
        if role in ("silent", "bot"):
            return 0, 0, 0, 0
        if role == "large":
            own = int(self.large_tweets * 0.88)
            replies = int(self.large_tweets * 0.03)
            return own, self.large_tweets - own - replies, replies, 0
        own = 40 if user_id in self.demo_ids else min(80, max(2, int(self.rng.lognormvariate(math.log(11), 0.7))))
        return (
            own,
            round(own * self.rng.uniform(0.05, 0.35)),
            round(own * self.rng.uniform(0.03, 0.2)),
            round(own * self.rng.uniform(0.0, 0.08)),
        )

    def _text(self, user_id: str) -> SourceText:
        role = self.role[user_id]
        persona = PERSONAS[SPECIAL_PERSONA.get(role, role)]
        bucket = self.rng.choices(list(persona), weights=list(persona.values()))[0]
        item = self.texts.take(bucket)
        self.sources[item.source] += 1
        return item

    def _moment(self, days: float = DAYS) -> datetime:
        return REFERENCE_TIME - timedelta(seconds=int(self.rng.uniform(60, days * 86400)))

    def _add(self, author_id: str, text: str, created: datetime, **extra) -> dict:
        tweet_id = snowflake(created, self.rng.getrandbits(22))
        while tweet_id in self.tweets:  # same millisecond and random bits: next sequence number
            tweet_id += 1
        record: dict[str, Any] = {
            "id": str(tweet_id),
            "author_id": author_id,
            "created_at": format_time(created),
            "text": text,
        }
        record["lang"] = "en"
        record["conversation_id"] = extra.pop("conversation_id", str(tweet_id))
        record.update(extra)
        record["entities"] = extract_entities(text, self._resolve)
        self.tweets[tweet_id] = record
        return record

    def _resolve(self, username: str) -> str | None:
        return self.by_name.get(username.lower())

    def _own_tweets(self, user_id: str) -> None:
        own = self.counts[user_id][0]
        tags = [t for t in map(_clean_hashtag, self.users[user_id]["snap_hashtags"]) if t]
        for _ in range(own):
            text = self._text(user_id).text
            # Some tweets carry one of the account's real hashtags, so hashtag recommendations have signal.
            if tags and self.rng.random() < 0.15:
                candidate = f"{text} {self.rng.choice(tags)}"
                text = candidate if weighted_length(candidate) <= MAX_WEIGHTED_LENGTH else text
            record = self._add(user_id, text, self._moment())
            self.own.setdefault(user_id, []).append(int(record["id"]))

    def _interactions(self, user_id: str) -> None:
        """Retweets, replies and quotes of tweets by accounts this one follows (or anyone, if none)."""
        _, retweets, replies, quotes = self.counts[user_id]
        everyone = [u for u in sorted(self.users, key=int) if u != user_id and self._visible_own(u)]
        pool = [i for f in self.followees.get(user_id, []) if self._visible_own(f) for i in self.own[f]]
        if len(pool) < 2 * (retweets + replies + quotes):  # follows few active accounts: reach further
            pool += [i for u in everyone if u not in self.followees.get(user_id, []) for i in self.own[u]]
        if not pool:
            return
        retweeted: set[int] = set()
        for kind in ["retweet"] * retweets + ["reply"] * replies + ["quote"] * quotes:
            original = self.tweets[self.rng.choice(pool)]
            for _ in range(20):  # an account retweets a tweet at most once
                if kind != "retweet" or int(original["id"]) not in retweeted:
                    break
                original = self.tweets[self.rng.choice(pool)]
            else:
                continue
            created = self._after(original)
            author = self.users[original["author_id"]]["username"]
            if kind == "retweet":
                retweeted.add(int(original["id"]))
                text = f"RT @{author}: {original['text']}"
                # Retweet texts stay in the old 140-character form; the full text is the referenced tweet's.
                text = text if len(text) <= 140 else text[:139] + "…"
                refs = [{"type": "retweeted", "id": original["id"]}]
                self._add(user_id, text, created, referenced_tweets=refs)
            elif kind == "reply":
                text = f"@{author} {self._text(user_id).text}"
                refs = [{"type": "replied_to", "id": original["id"]}]
                conversation = original["conversation_id"]
                extra = {"in_reply_to_user_id": original["author_id"], "referenced_tweets": refs}
                self._add(user_id, text, created, conversation_id=conversation, **extra)
            else:
                link = "https://t.co/" + "".join(self.rng.choices(string.ascii_letters + string.digits, k=10))
                text = f"{self._text(user_id).text} {link}"
                record = self._add(user_id, text, created, referenced_tweets=[{"type": "quoted", "id": original["id"]}])
                for url in record["entities"].get("urls", ()):
                    if url["url"] == link:  # the t.co link of a quote expands to the quoted tweet
                        url["expanded_url"] = f"https://twitter.com/{author}/status/{original['id']}"
                        url["display_url"] = f"twitter.com/{author}/statu…"

    def _visible_own(self, user_id: str) -> bool:
        return bool(self.own.get(user_id)) and not self.users[user_id]["protected"]

    def _after(self, original: dict) -> datetime:
        start = datetime.fromisoformat(original["created_at"].replace("Z", "+00:00"))
        delay = timedelta(seconds=int(self.rng.expovariate(1 / (6 * 3600))) + 30)
        if start + delay >= REFERENCE_TIME:
            delay = (REFERENCE_TIME - start) * self.rng.random()
        return start + delay

    def _bot_traffic(self) -> None:
        """The bot's own (generated) tweets and the demo accounts' generated "@moodbot ..." commands."""
        for days, text in zip((30, 9), BOT_TWEETS):
            record = self._add(BOT["id"], text, REFERENCE_TIME - timedelta(days=days, hours=3))
            self.sources["generated"] += 1
            self.users[BOT["id"]].setdefault("pinned_tweet_id", record["id"])
        for username, commands in BOT_COMMANDS.items():
            if username not in self.by_name:
                continue
            for index, text in enumerate(commands):
                ago = timedelta(hours=60 - 24 * index - self.rng.randint(1, 20), minutes=self.rng.randint(0, 59))
                self._add(self.by_name[username], text, REFERENCE_TIME - ago)
                self.sources["generated"] += 1

    def _engagement(self, indegree: Counter) -> None:
        """Skewed public metrics scaled by the author's followers, never below the world's own interactions."""
        inside: dict[str, Counter] = {}
        for tweet in self.tweets.values():
            for ref in tweet.get("referenced_tweets", ()):
                metric = {"retweeted": "retweet_count", "replied_to": "reply_count", "quoted": "quote_count"}[
                    ref["type"]
                ]
                inside.setdefault(ref["id"], Counter())[metric] += 1
        retweets = []
        for tweet_id in sorted(self.tweets):
            tweet = self.tweets[tweet_id]
            if tweet.get("referenced_tweets", [{}])[0].get("type") == "retweeted":
                retweets.append(tweet)
                continue
            followers = indegree[tweet["author_id"]] + 1
            likes = int(self.rng.lognormvariate(math.log(0.05 * followers + 0.3), 1.1))
            counts = inside.get(tweet["id"], Counter())
            tweet["public_metrics"] = {
                "retweet_count": max(counts["retweet_count"], int(likes * self.rng.uniform(0, 0.3))),
                "reply_count": max(counts["reply_count"], int(likes * self.rng.uniform(0, 0.2))),
                "like_count": likes,
                "quote_count": max(counts["quote_count"], int(likes * self.rng.uniform(0, 0.03))),
                "bookmark_count": int(likes * self.rng.uniform(0, 0.1)),
                "impression_count": int(followers * self.rng.lognormvariate(math.log(4), 0.6)) + likes * 12,
            }
        for tweet in retweets:  # a retweet shows the original's retweet count and nothing else
            original = self.tweets[int(tweet["referenced_tweets"][0]["id"])]
            tweet["public_metrics"] = {
                "retweet_count": original["public_metrics"]["retweet_count"],
                "reply_count": 0,
                "like_count": 0,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 0,
            }

    def _meta(self, edges: list) -> dict:
        personas = {self.users[u]["username"]: role for u, role in sorted(self.role.items(), key=lambda kv: int(kv[0]))}
        return {
            "name": "demo",
            "reference_time": format_time(REFERENCE_TIME),
            "bot_username": BOT["username"],
            "description": (
                "Demo world for the local Twitter API: real SNAP ego-Twitter accounts (ids), follow edges and "
                "hashtags; real airline-tweet and GoEmotions texts; generated usernames, personas, timestamps, "
                "engagement and retweet/quote/reply structure. See server/dev/twitter_local/README.md."
            ),
            "seed": SEED,
            "egos": [str(e) for e in EGOS],
            "stats": {
                "accounts": len(self.users),
                "follow_edges": len(edges),
                "tweets": len(self.tweets),
                "texts_by_source": dict(sorted(self.sources.items())),
                "texts_by_bucket": dict(sorted(self.texts.used.items())),
            },
            "personas": personas,
        }


def _clean_hashtag(tag: str) -> str | None:
    """A SNAP feature like ``#guildwars2.`` as a hashtag Twitter would link (``#guildwars2``), or None."""
    match = HASHTAG_RE.match(tag)
    return f"#{match.group(1)}" if match else None


# Demo accounts whose newest own tweets carry a photo the local API serves (twitter_local/media, public domain and
# CC0 only): the cheerful persona's show a smiling face, the satisfied one's a cup of coffee (a photo, no face).
DEMO_PHOTOS = {"sunny_sam": ("astronaut.jpg", 3), "calm_carla": ("coffee.jpg", 2)}


def attach_photos(users: list[dict], tweets: list[dict]) -> None:
    """Give ``DEMO_PHOTOS``' accounts' newest own tweets (no retweet, reply, quote or mention) a photo, in place."""
    ids = {user["username"]: user["id"] for user in users}
    for username, (file, count) in DEMO_PHOTOS.items():
        if username not in ids:  # a small test world
            continue
        own = [
            t
            for t in tweets
            if t["author_id"] == ids[username] and not t.get("referenced_tweets") and not t["text"].startswith("@")
        ]
        for tweet in sorted(own, key=lambda t: int(t["id"]), reverse=True)[:count]:
            tweet["media"] = [{"media_key": f"3_{tweet['id']}", "type": "photo", "file": file}]


def build(
    data: Path = DEFAULT_DATA,
    out: Path = DEFAULT_OUT,
    max_accounts: int | None = None,
    large_tweets: int = LARGE_TWEETS,
) -> dict:
    """Build the world into ``out``; returns its world.json content plus file sizes."""
    meta, users, tweets, follows = DemoBuilder(data, max_accounts, large_tweets).build()
    attach_photos(users, tweets)
    sizes = write_world(out, meta, users, tweets, follows)
    logger.info("demo world written to %s: %s, sizes %s", out, meta["stats"], sizes)
    return {**meta, "sizes": sizes}


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"shared data folder (default {DEFAULT_DATA})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="world directory to write")
    parser.add_argument("--max-accounts", type=int, help="keep only this many SNAP accounts (small test worlds)")
    parser.add_argument("--large-tweets", type=int, default=LARGE_TWEETS, help="tweets of the big account")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    result = build(args.data, args.out, args.max_accounts, args.large_tweets)
    print(json.dumps({"stats": result["stats"], "sizes": result["sizes"]}, indent=2))


if __name__ == "__main__":
    main()
