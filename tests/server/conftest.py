"""Fixtures for the Twitter gateway tests: local API servers (demo world, tiny world) and tweepy clients."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import tweepy

from server.dev.twitter_local import DEMO_BEARER_TOKEN, DEMO_CONSUMER_KEY, load_world, start_local_api
from server.dev.twitter_local.twitter_text import format_time, snowflake
from server.twitter.http import HostRewritingSession

DEMO_WORLD = Path(__file__).resolve().parents[2] / "server" / "dev" / "twitter_local" / "demo_world"
TINY_REFERENCE = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LONG_TEXT = (
    "Queued two hours for the raid, then the server crashed right at the last boss. I am laughing now but I was "
    "not laughing then. Back tomorrow with snacks and a better plan."
)


def make_client(url: str, **credentials) -> tweepy.Client:
    """An unchanged tweepy.Client whose HTTP goes to ``url`` instead of api.twitter.com."""
    credentials = credentials or {"bearer_token": DEMO_BEARER_TOKEN}
    client = tweepy.Client(**credentials, wait_on_rate_limit=False)
    client.session = HostRewritingSession(url)
    return client


def make_user_client(url: str, user_id: str) -> tweepy.Client:
    """A user-context (OAuth 1.0a) client acting as ``user_id`` (access tokens start with the user id)."""
    return make_client(
        url,
        consumer_key=DEMO_CONSUMER_KEY,
        consumer_secret="local-demo-consumer-secret",
        access_token=f"{user_id}-localdemo",
        access_token_secret="local-demo-access-secret",
    )


def write_tiny_world(directory: Path) -> Path:
    """A hand-made world with every case the API distinguishes, as plain (not gzipped) files."""
    directory.mkdir(parents=True, exist_ok=True)

    def user(user_id, username, **extra):
        metrics = {"followers_count": 0, "following_count": 0, "tweet_count": 0, "listed_count": 0}
        return {
            "id": user_id,
            "username": username,
            "name": username.title(),
            "created_at": "2012-05-01T08:00:00.000Z",
            "description": "",
            "protected": False,
            "suspended": False,
            "verified": False,
            "public_metrics": metrics,
            "snap_hashtags": [],
            **extra,
        }

    users = [
        user("1", "moodbot"),
        user("10", "alice", description="Raids and #coffee"),
        user("11", "bob"),
        user("12", "pat", protected=True),
        user("13", "gary", suspended=True),
        user("14", "quinn"),
    ]
    tweets = []

    def tweet(author_id, text, hours_ago, **extra):
        created = TINY_REFERENCE - timedelta(hours=hours_ago)
        tweet_id = str(snowflake(created, len(tweets)))
        tweets.append(
            {
                "id": tweet_id,
                "author_id": author_id,
                "text": text,
                "created_at": format_time(created),
                "conversation_id": extra.pop("conversation_id", tweet_id),
                **extra,
            }
        )
        return tweet_id

    bob_long = tweet("11", LONG_TEXT, 100)
    gary_tweet = tweet("13", "suspended soon", 99)
    tweet("12", "only my followers see this", 98)
    for hour in range(25):  # alice: 25 own tweets, one per hour, newest 1 hour ago
        tweet("10", f"alice tweet {hour} #raid", 50 - 2 * hour)
    rt_text = f"RT @bob: {LONG_TEXT}"[:139] + "…"
    tweet("10", rt_text, 60, referenced_tweets=[{"type": "retweeted", "id": bob_long}])
    tweet("10", "RT @gary: suspended soon", 59, referenced_tweets=[{"type": "retweeted", "id": gary_tweet}])
    tweet(
        "10",
        "@bob same here",
        58,
        referenced_tweets=[{"type": "replied_to", "id": bob_long}],
        in_reply_to_user_id="11",
        conversation_id=bob_long,
    )
    for hour in (30, 20, 10):
        tweet("11", f"@alice raid at {hour}?", hour)
    tweet("12", "@alice psst", 5)  # protected author: hidden from alice's mentions for outsiders
    follows = [("11", "10"), ("14", "10"), ("12", "10"), ("13", "10"), ("10", "11"), ("10", "12")]
    for user_record in users:  # counts as the real API keeps them: including the suspended follower
        metrics = user_record["public_metrics"]
        metrics["followers_count"] = sum(1 for _, b in follows if b == user_record["id"])
        metrics["following_count"] = sum(1 for a, _ in follows if a == user_record["id"])
        metrics["tweet_count"] = sum(1 for t in tweets if t["author_id"] == user_record["id"])
    meta = {"name": "tiny", "reference_time": format_time(TINY_REFERENCE), "bot_username": "moodbot"}
    (directory / "world.json").write_text(json.dumps(meta))
    (directory / "users.jsonl").write_text("".join(json.dumps(u) + "\n" for u in users))
    (directory / "tweets.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tweets))
    (directory / "follows.tsv").write_text("".join(f"{a}\t{b}\n" for a, b in follows))
    return directory


@pytest.fixture(scope="session")
def demo_server():
    """The demo world served once for the session (loading it takes about a second)."""
    if not (DEMO_WORLD / "world.json").exists():
        pytest.skip("demo world not built: python -m server.dev.twitter_local.build_demo")
    with start_local_api(DEMO_WORLD) as server:
        yield server


@pytest.fixture
def demo_api(demo_server):
    """The demo server, with faults, rate-limit windows and settings reset after each test."""
    yield demo_server
    demo_server.reset()


@pytest.fixture
def demo_client(demo_api) -> tweepy.Client:
    """App-only (bearer) tweepy client on the demo world."""
    return make_client(demo_api.url)


@pytest.fixture
def demo_world(demo_api):
    """The demo server's world (for expected values)."""
    return demo_api.world


@pytest.fixture
def tiny_api(tmp_path):
    """A fresh server on the tiny world, per test (tests may change it)."""
    with start_local_api(load_world(write_tiny_world(tmp_path / "tiny"))) as server:
        yield server


@pytest.fixture
def tiny_client(tiny_api) -> tweepy.Client:
    """App-only tweepy client on the tiny world."""
    return make_client(tiny_api.url)


# The app fixtures live in their own module, shared with tests/tasks.
from tests.server import fixtures_app  # noqa: E402

app, client, local_twitter = fixtures_app.app, fixtures_app.client, fixtures_app.local_twitter
migrated_sqlite, twitter_api = fixtures_app.migrated_sqlite, fixtures_app.twitter_api
