"""The Twitter gateway, through real HTTP and tweepy to the local API: data, pagination, and every error type."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import requests

from server.dev.twitter_local import DEMO_BEARER_TOKEN
from server.twitter import (
    AccountUnavailable,
    RateLimited,
    TwitterRejected,
    TwitterUnavailable,
    build_client,
    iter_timeline,
    lookup_user,
)
from server.twitter.http import HostRewritingSession
from tests.server.fixtures_app import new_account


@pytest.fixture
def twitter(local_twitter):
    """The gateway's client, built from settings as the app builds it."""
    return build_client(
        {"TWITTER_BEARER_TOKEN": DEMO_BEARER_TOKEN, "TWITTER_API_BASE": local_twitter.url, "TWITTER_TIMEOUT": 1.0}
    )


def fetch_all(client, user, **kwargs):
    return [t for page in iter_timeline(client, user, **kwargs) for t in page.tweets]


def test_build_client_uses_config_and_never_sleeps_on_rate_limits():
    real = build_client({"TWITTER_BEARER_TOKEN": "secret", "TWITTER_TIMEOUT": 3})
    assert real.bearer_token == "secret" and real.wait_on_rate_limit is False
    assert not isinstance(real.session, HostRewritingSession)
    assert real.session.get_adapter("https://api.twitter.com/2/users").timeout == 3
    local = build_client({"TWITTER_BEARER_TOKEN": "t", "TWITTER_API_BASE": "http://127.0.0.1:9"})
    assert local.session.rewrite_url("https://api.twitter.com/2/users/1") == "http://127.0.0.1:9/2/users/1"


def test_lookup_user(twitter):
    user = lookup_user(twitter, "SUNNY_SAM")
    assert (user.username, user.protected) == ("sunny_sam", False)
    assert user.id.isdigit() and user.tweet_count > 0


@pytest.mark.parametrize(
    ("username", "code"),
    [("nobody_here_x", "user_not_found"), ("gone_gary", "user_suspended"), ("private_pat", "user_protected")],
)
def test_unavailable_accounts_raise_with_their_code(twitter, username, code):
    with pytest.raises(AccountUnavailable) as raised:
        lookup_user(twitter, username)
    assert raised.value.code == code and username in str(raised.value)


def test_protected_timeline_found_mid_walk_is_user_protected(twitter, local_twitter):
    user = lookup_user(twitter, "calm_carla")
    local_twitter.add_user({"id": user.id, "protected": True})  # goes private between lookup and fetch
    try:
        with pytest.raises(AccountUnavailable) as raised:
            fetch_all(twitter, user, limit=3200)
        assert raised.value.code == "user_protected"
    finally:
        local_twitter.add_user({"id": user.id, "protected": False})


def test_timeline_kinds_texts_metrics_and_hashtags(twitter, local_twitter):
    source = new_account(local_twitter, "source", ["The original words, complete and long enough to be cut in a RT"])
    original = local_twitter.world.timeline_ids(source["id"])[-1]
    user = new_account(
        local_twitter,
        "kinds",
        [
            {"text": "Loving this #SunnyDay #sunnyday", "public_metrics": {"like_count": 7, "retweet_count": 2}},
            {
                "text": "RT @src: The original words, compl…",
                "referenced_tweets": [{"type": "retweeted", "id": str(original)}],
            },
            {"text": "so true", "referenced_tweets": [{"type": "quoted", "id": str(original)}]},
            {
                "text": f"@{source['username']} agreed",
                "referenced_tweets": [{"type": "replied_to", "id": str(original)}],
                "in_reply_to_user_id": source["id"],
            },
        ],
    )
    tweets = fetch_all(twitter, lookup_user(twitter, user["username"]), limit=3200)
    by_kind = {t.kind: t for t in tweets}
    assert [t.kind for t in tweets] == ["reply", "quote", "retweet", "own"]  # newest first
    assert by_kind["own"].hashtags == ("SunnyDay", "sunnyday") and by_kind["own"].likes == 7
    assert by_kind["own"].retweets == 2 and isinstance(by_kind["own"].created_at, datetime)
    assert by_kind["retweet"].referenced_text.endswith("cut in a RT")  # the full text, not the cut one
    assert by_kind["quote"].referenced_text == by_kind["retweet"].referenced_text
    assert by_kind["reply"].referenced_id is None


def test_a_tweets_photos_come_as_urls_the_api_serves(twitter, local_twitter):
    photo = {"media_key": "3_901", "type": "photo", "file": "astronaut.jpg"}
    video = {"media_key": "7_902", "type": "video", "file": "coffee.jpg"}
    user = new_account(
        local_twitter,
        "photos",
        [
            {"text": "look at this", "media": [video, photo, {**photo, "media_key": "3_903", "file": "coffee.jpg"}]},
            "none",
        ],
    )
    plain, with_photos = fetch_all(twitter, lookup_user(twitter, user["username"]), limit=3200)
    assert plain.photos == ()
    assert [url.rpartition("/")[2] for url in with_photos.photos] == ["astronaut.jpg", "coffee.jpg"]  # no video
    served = requests.get(with_photos.photos[0], timeout=5)  # like pbs.twimg.com: no credentials
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert served.content[:2] == b"\xff\xd8"
    assert requests.get(with_photos.photos[0].replace("astronaut", "missing"), timeout=5).status_code == 404


def test_self_replies_count_as_own_words(twitter, local_twitter):
    user = new_account(local_twitter, "thread", ["1/ a thread starts"])
    first = str(local_twitter.world.timeline_ids(user["id"])[-1])
    local_twitter.add_tweet(
        {
            "author_id": user["id"],
            "text": "2/ and goes on",
            "referenced_tweets": [{"type": "replied_to", "id": first}],
            "in_reply_to_user_id": user["id"],
        }
    )
    assert [t.kind for t in fetch_all(twitter, lookup_user(twitter, user["username"]), limit=10)] == ["own", "own"]


def test_pagination_stops_at_the_limit(twitter):
    user = lookup_user(twitter, "newsy_nora")
    assert user.tweet_count > 3200
    pages = list(iter_timeline(twitter, user, limit=250))
    assert [len(p.tweets) for p in pages] == [100, 100, 50]
    ids = [int(t.id) for p in pages for t in p.tweets]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 250
    assert len(fetch_all(twitter, user, limit=3200)) == 3200  # the API's own depth


def test_since_id_fetches_only_new_tweets(twitter, local_twitter):
    account = new_account(local_twitter, "since", [f"tweet number {i}" for i in range(12)])
    user = lookup_user(twitter, account["username"])
    everything = fetch_all(twitter, user, limit=3200)
    newest = everything[0].id
    assert fetch_all(twitter, user, limit=3200, since_id=newest) == []
    local_twitter.add_tweet({"author_id": user.id, "text": "something new"})
    assert [t.text for t in fetch_all(twitter, user, limit=3200, since_id=newest)] == ["something new"]


def test_a_pagination_token_resumes_where_a_walk_stopped(twitter):
    user = lookup_user(twitter, "newsy_nora")
    first = next(iter_timeline(twitter, user, limit=3200))
    resumed = next(iter_timeline(twitter, user, limit=3200, pagination_token=first.next_token))
    assert int(resumed.tweets[0].id) < int(first.tweets[-1].id)


def test_empty_timeline(twitter):
    user = lookup_user(twitter, "quiet_quinn")
    assert fetch_all(twitter, user, limit=3200) == []


def test_rate_limit_raises_with_the_reset_time_from_the_headers(twitter, local_twitter):
    user = lookup_user(twitter, "sunny_sam")
    local_twitter.add_fault("/tweets$", 429, reset_in=120)
    with pytest.raises(RateLimited) as raised:
        fetch_all(twitter, user, limit=3200)
    expected = time.time() + 120
    assert abs(raised.value.reset_at.timestamp() - expected) < 5
    assert raised.value.reset_at.tzinfo == UTC and raised.value.transient


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(twitter, local_twitter, status):
    local_twitter.add_fault("/users/by/username/", status)
    with pytest.raises(TwitterUnavailable) as raised:
        lookup_user(twitter, "sunny_sam")
    assert raised.value.code == "twitter_unavailable" and raised.value.transient
    assert lookup_user(twitter, "sunny_sam").username == "sunny_sam"  # the fault was used up


def test_timeouts_are_transient(twitter, local_twitter):
    local_twitter.add_fault("/users/by/username/", delay=2.5)
    with pytest.raises(TwitterUnavailable, match="in time"):
        lookup_user(twitter, "sunny_sam")


def test_connection_refused_is_transient():
    client = build_client({"TWITTER_BEARER_TOKEN": "t", "TWITTER_API_BASE": "http://127.0.0.1:9", "TWITTER_TIMEOUT": 1})
    with pytest.raises(TwitterUnavailable) as raised:
        lookup_user(client, "sunny_sam")
    assert isinstance(raised.value.__cause__, requests.ConnectionError)


def test_wrong_credentials_are_rejected_not_retried(local_twitter):
    client = build_client({"TWITTER_BEARER_TOKEN": "wrong", "TWITTER_API_BASE": local_twitter.url})
    with pytest.raises(TwitterRejected) as raised:
        lookup_user(client, "sunny_sam")
    assert raised.value.code == "twitter_unauthorized" and not raised.value.transient


def test_forbidden_is_rejected(twitter, local_twitter):
    local_twitter.add_fault("/tweets$", 403)
    with pytest.raises(TwitterRejected) as raised:
        fetch_all(twitter, lookup_user(twitter, "sunny_sam"), limit=10)
    assert raised.value.code == "twitter_forbidden"
