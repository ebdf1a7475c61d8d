"""A "world" for the local Twitter API: accounts, tweets and follow edges, loaded from a directory.

Directory layout (each file may also be gzipped, ``users.jsonl.gz``):

- ``world.json``: ``{"name", "reference_time", "bot_username", "description"}``
- ``users.jsonl``: one API v2 user per line (``id`` as a numeric string, ``username``, ``name``, ``created_at``,
  ``description``, ``protected``, ``suspended``, ``verified``, ``public_metrics``) plus ``snap_hashtags``;
- ``tweets.jsonl``: one API v2 tweet per line (``id``, ``author_id``, ``text``, ``created_at``, ``public_metrics``,
  ``referenced_tweets``, ``in_reply_to_user_id``, ``conversation_id``, ``entities``, ``lang``); ids are
  snowflakes, so ordering by id is ordering by creation time;
- ``follows.tsv``: ``follower_id<TAB>followee_id`` per line, oldest follow first.

Records are kept as the plain dicts of the files; the API renders them field by field.
"""

from __future__ import annotations

import bisect
import gzip
import io
import json
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from server.dev.twitter_local.twitter_text import (
    USERNAME_RE,
    extract_entities,
    format_time,
    parse_time,
    snowflake,
    snowflake_time,
)

logger = logging.getLogger(__name__)

USER_METRICS = ("followers_count", "following_count", "tweet_count", "listed_count")
TWEET_METRICS = ("retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count", "impression_count")


@dataclass
class World:
    """Accounts, tweets and follows with the indexes the API endpoints need. Thread-safe for writes."""

    name: str
    reference_time: datetime
    bot_username: str = "moodbot"
    description: str = ""
    users: dict[str, dict] = field(default_factory=dict)
    tweets: dict[str, dict] = field(default_factory=dict)
    _by_username: dict[str, str] = field(default_factory=dict, repr=False)
    _timelines: dict[str, list[int]] = field(default_factory=dict, repr=False)  # author -> ids, ascending
    _mentions: dict[str, list[int]] = field(default_factory=dict, repr=False)  # lower username -> ids, ascending
    _created: dict[int, datetime] = field(default_factory=dict, repr=False)
    _following: dict[str, list[str]] = field(default_factory=dict, repr=False)  # oldest follow first
    _followers: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # -- reading -------------------------------------------------------------------------------------------
    def user(self, user_id: str) -> dict | None:
        """The user record with this id, or None."""
        return self.users.get(str(user_id))

    def user_by_username(self, username: str) -> dict | None:
        """The user record with this username (case-insensitive, as on Twitter), or None."""
        user_id = self._by_username.get(username.lower())
        return self.users.get(user_id) if user_id else None

    @property
    def bot(self) -> dict | None:
        """The bot account (``world.json`` ``bot_username``), the acting user of OAuth 1.0a calls by default."""
        return self.user_by_username(self.bot_username)

    def tweet(self, tweet_id: str) -> dict | None:
        """The tweet record with this id, or None."""
        return self.tweets.get(str(tweet_id))

    def known_user(self, user_id: str) -> dict:
        """The user record of an id a check already found (KeyError if it is gone)."""
        return self.users[str(user_id)]

    def known_tweet(self, tweet_id: str) -> dict:
        """The tweet record of an id a check already found (KeyError if it is gone)."""
        return self.tweets[str(tweet_id)]

    def created_at(self, tweet_id: int) -> datetime:
        """The creation time of a tweet (world time, before any date shift)."""
        return self._created[tweet_id]

    def timeline_ids(self, user_id: str) -> list[int]:
        """Ids of the tweets authored by ``user_id``, oldest first (a copy)."""
        with self._lock:
            return list(self._timelines.get(str(user_id), ()))

    def mention_ids(self, user_id: str) -> list[int]:
        """Ids of the tweets mentioning ``user_id``'s current username, oldest first (a copy)."""
        user = self.user(user_id)
        with self._lock:
            return list(self._mentions.get(user["username"].lower(), ())) if user else []

    def following(self, user_id: str) -> list[str]:
        """Ids of the accounts ``user_id`` follows, most recent follow first, as the API lists them."""
        with self._lock:
            return self._following.get(str(user_id), [])[::-1]

    def followers(self, user_id: str) -> list[str]:
        """Ids of the accounts following ``user_id``, most recent follow first."""
        with self._lock:
            return self._followers.get(str(user_id), [])[::-1]

    def is_following(self, follower_id: str, followee_id: str) -> bool:
        """Whether ``follower_id`` follows ``followee_id``."""
        with self._lock:
            return str(followee_id) in self._following.get(str(follower_id), ())

    def follow_edges(self) -> Iterator[tuple[str, str]]:
        """Every (follower_id, followee_id) pair, grouped by follower, oldest follow first."""
        with self._lock:
            edges = [(a, b) for a, followees in self._following.items() for b in followees]
        return iter(edges)

    def tweet_ids(self) -> list[int]:
        """Every tweet id, oldest first (ids are snowflakes: by creation time)."""
        with self._lock:
            return sorted(self._created)

    def newest_tweet_id(self) -> int:
        """The largest tweet id in the world (0 when there are no tweets)."""
        with self._lock:
            return max(self._created, default=0)

    def stats(self) -> dict:
        """Counts for logs and the control API."""
        with self._lock:
            edges = sum(len(v) for v in self._following.values())
            return {"name": self.name, "users": len(self.users), "tweets": len(self.tweets), "follows": edges}

    # -- writing -------------------------------------------------------------------------------------------
    def add_user(self, record: dict) -> dict:
        """Insert a user, or update the fields given for an existing id; returns the stored record."""
        if not str(record.get("id", "")).isdigit():
            raise ValueError("a user needs a numeric string id")
        user_id = str(record["id"])
        with self._lock:
            existing = self.users.get(user_id)
            merged = {**existing, **record} if existing else _user_defaults(record, self.reference_time)
            merged["id"] = user_id
            if not USERNAME_RE.match(merged.get("username", "")):
                raise ValueError(f"invalid username {merged.get('username')!r}: 1-15 of A-Za-z0-9_")
            owner = self._by_username.get(merged["username"].lower())
            if owner not in (None, user_id):
                raise ValueError(f"username {merged['username']!r} is taken by user {owner}")
            if existing:
                self._by_username.pop(existing["username"].lower(), None)
            self._by_username[merged["username"].lower()] = user_id
            self.users[user_id] = merged
            return merged

    def add_tweet(self, record: dict, *, count: bool = True) -> dict:
        """Insert a tweet; fills in id (from created_at), created_at (now), conversation_id, entities, metrics.

        ``count`` adds one to the author's ``tweet_count`` (off while loading files, whose counts are final).
        """
        author = self.user(str(record.get("author_id", "")))
        if author is None:
            raise ValueError(f"unknown author_id {record.get('author_id')!r}")
        if not isinstance(record.get("text"), str):
            raise ValueError("a tweet needs a text")
        with self._lock:
            tweet = dict(record)
            created: datetime | None
            if "created_at" in tweet:
                created = parse_time(tweet["created_at"])
            else:
                created = datetime.now(UTC) if "id" not in tweet else None
            if "id" not in tweet:
                # The id encodes the creation time, so id order stays time order (since_id, until_id).
                new_id = snowflake(created or datetime.now(UTC))  # created is set when there is no id
                while new_id in self._created:  # same millisecond: next sequence number
                    new_id += 1
                tweet["id"] = str(new_id)
            tweet["id"] = str(tweet["id"])
            if tweet["id"] in self.tweets:
                raise ValueError(f"tweet {tweet['id']} exists")
            if created is None:  # an id but no time: the time the snowflake encodes
                created = snowflake_time(int(tweet["id"]))
            tweet["created_at"] = format_time(created)
            tweet["author_id"] = author["id"]
            tweet.setdefault("conversation_id", tweet["id"])
            tweet.setdefault("lang", "en")
            tweet.setdefault("public_metrics", dict.fromkeys(TWEET_METRICS, 0))
            if "entities" not in tweet:
                tweet["entities"] = extract_entities(tweet["text"], self.resolve_user_id)
            self._index_tweet(tweet, created)
            if count:
                metrics = author.setdefault("public_metrics", dict.fromkeys(USER_METRICS, 0))
                metrics["tweet_count"] = metrics.get("tweet_count", 0) + 1
            return tweet

    def remove_tweet(self, tweet_id: str) -> dict | None:
        """Delete a tweet (the API's DELETE); returns the removed record or None."""
        with self._lock:
            tweet = self.tweets.pop(str(tweet_id), None)
            if tweet is None:
                return None
            numeric = int(tweet["id"])
            del self._created[numeric]
            _remove_sorted(self._timelines.get(tweet["author_id"], []), numeric)
            for mention in tweet.get("entities", {}).get("mentions", ()):
                _remove_sorted(self._mentions.get(mention["username"].lower(), []), numeric)
            metrics = self.users[tweet["author_id"]].get("public_metrics", {})
            metrics["tweet_count"] = max(0, metrics.get("tweet_count", 1) - 1)
            return tweet

    def add_follow(self, follower_id: str, followee_id: str, *, count: bool = True) -> bool:
        """Record that ``follower_id`` follows ``followee_id``; False if it already did. Updates counts."""
        follower_id, followee_id = str(follower_id), str(followee_id)
        for user_id in (follower_id, followee_id):
            if user_id not in self.users:
                raise ValueError(f"unknown user {user_id}")
        with self._lock:
            followees = self._following.setdefault(follower_id, [])
            if followee_id in followees:
                return False
            followees.append(followee_id)
            self._followers.setdefault(followee_id, []).append(follower_id)
            if count:
                self._bump(follower_id, "following_count", 1)
                self._bump(followee_id, "followers_count", 1)
            return True

    def remove_follow(self, follower_id: str, followee_id: str) -> bool:
        """Undo a follow; False if there was none."""
        follower_id, followee_id = str(follower_id), str(followee_id)
        with self._lock:
            followees = self._following.get(follower_id, [])
            if followee_id not in followees:
                return False
            followees.remove(followee_id)
            self._followers[followee_id].remove(follower_id)
            self._bump(follower_id, "following_count", -1)
            self._bump(followee_id, "followers_count", -1)
            return True

    # -- internals -----------------------------------------------------------------------------------------
    def resolve_user_id(self, username: str) -> str | None:
        """The id of the account with this username (case-insensitive), or None."""
        return self._by_username.get(username.lower())

    def _index_tweet(self, tweet: dict, created: datetime) -> None:
        numeric = int(tweet["id"])
        self.tweets[tweet["id"]] = tweet
        self._created[numeric] = created
        bisect.insort(self._timelines.setdefault(tweet["author_id"], []), numeric)
        for name in {m["username"].lower() for m in tweet.get("entities", {}).get("mentions", ())}:
            bisect.insort(self._mentions.setdefault(name, []), numeric)

    def _bump(self, user_id: str, metric: str, delta: int) -> None:
        metrics = self.users[user_id].setdefault("public_metrics", dict.fromkeys(USER_METRICS, 0))
        metrics[metric] = max(0, metrics.get(metric, 0) + delta)


def _user_defaults(record: dict, reference_time: datetime) -> dict:
    user = {
        "id": str(record["id"]),
        "username": record.get("username", ""),
        "name": record.get("name", record.get("username", "")),
        "created_at": format_time(reference_time),
        "description": "",
        "protected": False,
        "suspended": False,
        "verified": False,
        "public_metrics": dict.fromkeys(USER_METRICS, 0),
        "snap_hashtags": [],
    }
    user.update(record)
    return user


def _remove_sorted(values: list[int], value: int) -> None:
    index = bisect.bisect_left(values, value)
    if index < len(values) and values[index] == value:
        del values[index]


# -- files ---------------------------------------------------------------------------------------------------
def _open_text(directory: Path, name: str) -> io.TextIOBase | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.exists():
            if candidate.suffix == ".gz":
                return gzip.open(candidate, "rt", encoding="utf-8")
            return candidate.open(encoding="utf-8")
    return None


def _read_jsonl(directory: Path, name: str) -> Iterator[dict]:
    handle = _open_text(directory, name)
    if handle is None:
        return
    with handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{directory / name}:{number}: {error}") from error


def load_world(directory: str | Path) -> World:
    """Load a world directory (see the module docstring); raises FileNotFoundError without ``world.json``."""
    directory = Path(directory)
    meta_file = _open_text(directory, "world.json")
    if meta_file is None:
        raise FileNotFoundError(f"no world.json in {directory}")
    with meta_file:
        meta = json.load(meta_file)
    world = World(
        name=meta.get("name", directory.name),
        reference_time=parse_time(meta["reference_time"]),
        bot_username=meta.get("bot_username", "moodbot"),
        description=meta.get("description", ""),
    )
    for user in _read_jsonl(directory, "users.jsonl"):
        world.add_user(user)
    # Authors first, then tweets: entities of file tweets are taken as written (they carry mention ids).
    for tweet in _read_jsonl(directory, "tweets.jsonl"):
        world.add_tweet(tweet, count=False)
    follows = _open_text(directory, "follows.tsv")
    if follows is not None:
        with follows:
            for line in follows:
                if line.strip():
                    follower, followee = line.split()
                    world.add_follow(follower, followee, count=False)
    logger.info("loaded world %s", world.stats())
    return world


def write_world(
    directory: str | Path, meta: dict, users: Iterable[dict], tweets: Iterable[dict], follows: Iterable[tuple]
) -> dict[str, int]:
    """Write a world directory reproducibly (gzipped, mtime 0, fixed order); returns file sizes in bytes."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sizes = {}

    def dump(name: str, lines: Iterable[str]) -> None:
        path = directory / name
        buffer = io.BytesIO()
        # mtime=0 and no file name in the header: the same content gives the same bytes on every run.
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as packed:
            for line in lines:
                packed.write(line.encode("utf-8") + b"\n")
        path.write_bytes(buffer.getvalue())
        sizes[name] = path.stat().st_size

    def compact(record: dict) -> str:
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"))

    (directory / "world.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sizes["world.json"] = (directory / "world.json").stat().st_size
    dump("users.jsonl.gz", (compact(u) for u in sorted(users, key=lambda u: int(u["id"]))))
    dump("tweets.jsonl.gz", (compact(t) for t in sorted(tweets, key=lambda t: int(t["id"]))))
    dump("follows.tsv.gz", (f"{a}\t{b}" for a, b in follows))
    return sizes
