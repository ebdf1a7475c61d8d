"""Dated corpora on the local Twitter API: served at their real dates, whatever the demo world's date shift."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest
import tweepy

from server.dev.twitter_local import DEMO_BEARER_TOKEN, start_local_api
from server.dev.twitter_local.corpora import AIRLINE, PFIZER, add_corpus, read_corpus
from server.dev.twitter_local.twitter_text import HASHTAG_RE
from server.dev.twitter_local.world import World, load_world
from server.twitter.http import HostRewritingSession
from tests.server.conftest import write_tiny_world

DEMO_WORLD = "server/dev/twitter_local/demo_world"


def tags(row: dict) -> set[str]:
    """A corpus row's hashtags: the collector's list and those in its (cut) text."""
    return {tag.lower() for tag in row["hashtags"]} | {tag.lower() for tag in HASHTAG_RE.findall(row["text"])}


def client_for(api) -> tweepy.Client:
    client = tweepy.Client(bearer_token=DEMO_BEARER_TOKEN)
    client.session = HostRewritingSession(api.url)
    return client


def search_all(client, query: str, start: str, end: str) -> list:
    found = []
    for page in tweepy.Paginator(
        client.search_all_tweets,
        query,
        start_time=start,
        end_time=end,
        max_results=500,
        tweet_fields=["created_at", "entities", "lang", "public_metrics"],
    ):
        found += page.data or []
    return found


@pytest.fixture(scope="module")
def pfizer_api():
    with start_local_api(load_world(DEMO_WORLD), shift_dates=True, corpora=[PFIZER]) as api:
        yield api


def test_the_shipped_corpus_is_served_at_its_real_dates_in_a_shifted_world(pfizer_api):
    assert pfizer_api.state.shift.days > 0  # the demo world is moved to now; the corpus is not
    rows = [row for row in read_corpus(PFIZER) if row["created_at"].startswith("2021-01-16")]
    found = search_all(client_for(pfizer_api), "#PfizerBioNTech", "2021-01-16T00:00:00Z", "2021-01-17T00:00:00Z")
    tagged = [row for row in rows if "pfizerbiontech" in tags(row)]
    assert len(found) == len(tagged) > 20
    assert all(tweet.created_at.date().isoformat() == "2021-01-16" for tweet in found)
    # The cut texts' lost hashtags are in the entities, as the full tweet's were.
    norway = [t for t in found if "norway" in {tag["tag"].lower() for tag in t.entities.get("hashtags", ())}]
    assert len(norway) == sum("norway" in tags(row) for row in tagged) > 5


def test_lang_and_retweet_operators_work_on_the_corpus(pfizer_api):
    client = client_for(pfizer_api)
    everything = search_all(client, "#PfizerBioNTech", "2020-12-12T00:00:00Z", "2021-03-16T00:00:00Z")
    english = search_all(client, "#PfizerBioNTech lang:en -is:retweet", "2020-12-12T00:00:00Z", "2021-03-16T00:00:00Z")
    assert 0 < len(english) < len(everything) and {tweet.lang for tweet in english} == {"en"}
    # Recent search does not reach 2021: its start_time may not be older than 7 days.
    with pytest.raises(tweepy.BadRequest):
        client.search_recent_tweets("#PfizerBioNTech", start_time="2021-01-16T00:00:00Z")


def test_a_corpus_with_authors_keeps_them_apart_under_invented_names(tmp_path):
    write_tiny_world(tmp_path / "world")
    corpus = tmp_path / "tiny_tweets.jsonl.gz"
    rows = [
        {"user": "real_a", "created_at": "2015-02-17T08:00:00-08:00", "text": "@united late again #fail"},
        {"user": "real_b", "created_at": "2015-02-17T09:30:00-08:00", "text": "thanks @united", "hashtags": []},
        {"user": "real_a", "created_at": "2015-02-18T10:00:00-08:00", "text": "still waiting", "hashtags": ["bags"]},
    ]
    corpus.write_bytes(gzip.compress("\n".join(json.dumps(row) for row in rows).encode()))
    world: World = load_world(tmp_path / "world")
    assert add_corpus(world, corpus) == 3
    every = [world.known_tweet(str(i)) for i in world.tweet_ids()]
    added = [tweet for tweet in every if world.known_user(tweet["author_id"])["username"].startswith("tiny_")]
    authors = [world.known_user(tweet["author_id"])["username"] for tweet in added]
    assert authors == ["tiny_1", "tiny_2", "tiny_1"] and "real_a" not in str(world.users)
    assert [t["created_at"] for t in added] == [
        "2015-02-17T16:00:00.000Z", "2015-02-17T17:30:00.000Z", "2015-02-18T18:00:00.000Z"
    ]  # fmt: skip
    assert added[2]["text"] == "still waiting #bags" and added[2]["entities"]["hashtags"][0]["tag"] == "bags"


@pytest.mark.skipif(not AIRLINE.exists(), reason="the airline corpus lives in shared/data, beside the repository")
def test_the_airline_corpus_is_served_from_shared_data(tmp_path):
    write_tiny_world(tmp_path / "world")
    with start_local_api(tmp_path / "world", corpora=[AIRLINE]) as api:
        found = search_all(client_for(api), "@united", "2015-02-22T00:00:00Z", "2015-02-23T00:00:00Z")
    expected = sum(
        1
        for row in read_corpus(AIRLINE)
        if "united" in {m.lower() for m in row["mentions"]}
        and datetime.fromisoformat(row["created_at"]).astimezone(UTC).date().isoformat() == "2015-02-22"
    )
    assert len(found) == expected > 100
