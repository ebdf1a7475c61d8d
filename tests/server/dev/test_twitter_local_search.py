"""Search on the local Twitter API: the query language, then both endpoints over real HTTP through tweepy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
import tweepy

from server.dev.twitter_local import DEMO_BEARER_TOKEN, start_local_api
from server.dev.twitter_local.search import QueryError, candidate, parse
from server.dev.twitter_local.world import load_world
from tests.server.conftest import make_client, write_tiny_world


def tweet(text: str, tags=(), lang="en", kinds=(), author="alice", mentions=()) -> dict:
    return {
        "text": text,
        "lang": lang,
        "entities": {"hashtags": [{"tag": t} for t in tags], "mentions": [{"username": m} for m in mentions]},
        "referenced_tweets": [{"type": k, "id": "1"} for k in kinds],
        "author": author,
    }


def matches(query: str, record: dict) -> bool:
    return parse(query)(candidate(record, record["author"]))


@pytest.mark.parametrize(
    ("query", "record", "expected"),
    [
        ("vaccine", tweet("Got my Vaccine today!"), True),
        ("vaccine", tweet("vaccines for all"), False),  # whole words
        ("#PfizerBioNTech", tweet("first dose", tags=["pfizerbiontech"]), True),
        ("#PfizerBioNTech", tweet("#PfizerBioNTech in text only"), False),  # entities, as Twitter does
        ('"second dose"', tweet("My second dose is Friday"), True),
        ('"second dose"', tweet("dose two, second"), False),
        ("dose lang:en", tweet("dose", lang="fr"), False),
        ("dose -is:retweet", tweet("RT dose", kinds=["retweeted"]), False),
        ("dose -is:retweet", tweet("dose"), True),
        ("dose is:reply", tweet("dose", kinds=["replied_to"]), True),
        ("moderna OR pfizer", tweet("pfizer news"), True),
        ("sore arm OR fever", tweet("fever tonight"), True),  # AND binds tighter: (sore arm) OR fever
        ("sore arm OR fever", tweet("sore throat"), False),
        ("(sore OR tired) arm", tweet("tired arm"), True),
        ("(sore OR tired) arm", tweet("tired legs"), False),
        ("vaccine -moderna", tweet("vaccine moderna"), False),
        ("from:Alice dose", tweet("dose", author="alice"), True),
        ("@NHS dose", tweet("dose", mentions=["nhs"]), True),
    ],
)
def test_the_query_language(query, record, expected):
    assert matches(query, record) is expected


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("", "can not be empty"),
        ("-vaccine", "non-negation term"),
        ("lang:en -is:retweet", "non-negation term"),
        ("(vaccine OR", "empty clause"),
        ("(vaccine", "missing ')'"),
        ("vaccine)", "unexpected ')'"),
        ('"open quote', "unbalanced quotes"),
        ("vaccine is:famous", "invalid operator 'is:famous'"),
        ("vaccine place_country:US", "invalid operator 'place_country'"),
        ("x" * 513, "limit is 512"),
    ],
)
def test_bad_queries_are_refused_with_a_reason(query, says):
    with pytest.raises(QueryError, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse(query)


@pytest.fixture
def recent(tmp_path):
    """The tiny world with its dates moved to now, so its tweets fall within recent search's seven days."""
    with start_local_api(load_world(write_tiny_world(tmp_path / "tiny")), shift_dates=True) as server:
        yield server


def test_recent_search_pages_newest_first_through_tweepy(recent):
    client = make_client(recent.url)
    first = client.search_recent_tweets("#raid -is:retweet", max_results=10, tweet_fields=["created_at"])
    assert first.meta["result_count"] == 10 and "next_token" in first.meta
    pages = list(tweepy.Paginator(client.search_recent_tweets, "#raid -is:retweet", max_results=10))
    tweets = [t for page in pages for t in page.data]
    assert len(tweets) == 25 and len(pages) == 3  # alice's 25 tweets tagged #raid
    ids = [int(t.id) for t in tweets]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 25
    # since_id: only what is newer (a refresh).
    newer = client.search_recent_tweets("#raid", since_id=ids[3], max_results=10)
    assert [int(t.id) for t in newer.data] == ids[:3]
    # A protected account's tweets are not searchable by others.
    assert client.search_recent_tweets("followers see").data is None


def test_recent_search_is_seven_days_and_full_archive_goes_further(recent):
    client = make_client(recent.url)
    old = (datetime.now(UTC) - timedelta(days=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(tweepy.BadRequest, match="must be on or after"):
        client.search_recent_tweets("raid", start_time=old)
    window = client.search_all_tweets("raid", start_time=old, max_results=100)
    assert window.meta["result_count"] > 0
    hours = [t for t in client.search_all_tweets("alice tweet", max_results=500).data]
    assert len(hours) == 25


def test_search_answers_errors_and_rate_limits_as_twitter_does(recent):
    headers = {"Authorization": f"Bearer {DEMO_BEARER_TOKEN}"}
    bad = requests.get(f"{recent.url}/2/tweets/search/recent", params={"query": "-raid"}, headers=headers, timeout=5)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["parameters"] == {"query": ["-raid"]}
    ok = requests.get(f"{recent.url}/2/tweets/search/recent", params={"query": "raid"}, headers=headers, timeout=5)
    assert ok.headers["x-rate-limit-limit"] == "450" and int(ok.headers["x-rate-limit-remaining"]) == 448  # both count
    too_many = requests.get(
        f"{recent.url}/2/tweets/search/recent", params={"query": "raid", "max_results": 101}, headers=headers, timeout=5
    )
    assert too_many.status_code == 400
