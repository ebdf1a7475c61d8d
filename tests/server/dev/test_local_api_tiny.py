"""The local API's v2 behaviour, through an unchanged tweepy.Client, on a small hand-made world."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
import requests
import tweepy

from server.dev.twitter_local import create_local_api, load_world
from server.dev.twitter_local.app import LocalApiServer
from tests.server.conftest import LONG_TEXT, TINY_REFERENCE, make_client, make_user_client, write_tiny_world

NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
NOT_AUTHORIZED = "https://api.twitter.com/2/problems/not-authorized-for-resource"


def ids_of(response) -> list[int]:
    return [tweet.id for tweet in response.data or ()]


# -- users ---------------------------------------------------------------------------------------------------
def test_user_lookup_by_username_id_and_list(tiny_client):
    alice = tiny_client.get_user(username="ALICE", user_fields=["created_at", "public_metrics", "entities"]).data
    assert (alice.id, alice.username, alice.name) == (10, "alice", "Alice")
    assert alice.created_at == datetime.fromisoformat("2012-05-01T08:00:00+00:00")
    assert alice.public_metrics["followers_count"] == 4
    assert alice.entities["description"]["hashtags"] == [{"start": 10, "end": 17, "tag": "coffee"}]
    assert tiny_client.get_user(id=11).data.username == "bob"

    both = tiny_client.get_users(usernames=["alice", "nobody_here", "gary"])
    assert [u.username for u in both.data] == ["alice"]
    assert [e["detail"] for e in both.errors] == [
        "Could not find user with usernames: [nobody_here].",
        "User has been suspended: [gary].",
    ]


def test_unknown_and_suspended_users_are_partial_errors(tiny_client):
    unknown = tiny_client.get_user(username="nobody_here")
    assert unknown.data is None
    assert unknown.errors == [
        {
            "value": "nobody_here",
            "detail": "Could not find user with username: [nobody_here].",
            "title": "Not Found Error",
            "resource_type": "user",
            "parameter": "username",
            "resource_id": "nobody_here",
            "type": NOT_FOUND,
        }
    ]
    [suspended] = tiny_client.get_user(username="gary").errors
    assert (suspended["title"], suspended["detail"], suspended["type"]) == (
        "Forbidden",
        "User has been suspended: [gary].",
        NOT_FOUND,
    )
    [by_id] = tiny_client.get_users_tweets(13).errors
    assert by_id["detail"] == "User has been suspended: [13]." and by_id["parameter"] == "id"


def test_get_me_is_the_oauth_user_and_needs_user_context(tiny_api, tiny_client):
    assert make_user_client(tiny_api.url, "1").get_me().data.username == "moodbot"
    assert make_user_client(tiny_api.url, "10").get_me().data.username == "alice"
    with pytest.raises(tweepy.Forbidden) as error:
        tiny_client.get_me(user_auth=False)
    assert error.value.response.json()["type"] == "https://api.twitter.com/2/problems/unsupported-authentication"


# -- timelines -----------------------------------------------------------------------------------------------
def test_timeline_is_newest_first_with_meta_and_pages(tiny_client):
    first = tiny_client.get_users_tweets(10, max_results=5)
    assert ids_of(first) == sorted(ids_of(first), reverse=True)
    assert first.data[0].text == "alice tweet 24 #raid"
    assert set(first.data[0].data) == {"id", "text", "edit_history_tweet_ids"}  # the API's default fields
    assert first.meta["result_count"] == 5
    assert (first.meta["newest_id"], first.meta["oldest_id"]) == (str(first.data[0].id), str(first.data[-1].id))
    assert "previous_token" not in first.meta

    second = tiny_client.get_users_tweets(10, max_results=5, pagination_token=first.meta["next_token"])
    assert max(ids_of(second)) < min(ids_of(first))
    back = tiny_client.get_users_tweets(10, max_results=5, pagination_token=second.meta["previous_token"])
    assert ids_of(back) == ids_of(first)

    everything = list(tweepy.Paginator(tiny_client.get_users_tweets, 10, max_results=7).flatten())
    assert len(everything) == 28 and len({t.id for t in everything}) == 28


def test_since_until_and_time_window(tiny_client):
    newest = ids_of(tiny_client.get_users_tweets(10, max_results=10))
    assert ids_of(tiny_client.get_users_tweets(10, since_id=newest[3])) == newest[:3]
    assert ids_of(tiny_client.get_users_tweets(10, until_id=newest[1], max_results=5)) == newest[2:7]
    window = tiny_client.get_users_tweets(
        10,
        start_time=TINY_REFERENCE - timedelta(hours=6, minutes=30),
        end_time=TINY_REFERENCE,
        tweet_fields=["created_at"],
    )
    assert [t.text for t in window.data] == ["alice tweet 24 #raid", "alice tweet 23 #raid", "alice tweet 22 #raid"]
    assert tiny_client.get_users_tweets(10, since_id=newest[0]).meta == {"result_count": 0}


def test_exclude_retweets_and_replies(tiny_client):
    kinds = {"referenced_tweets"}
    everything = tiny_client.get_users_tweets(10, max_results=100, tweet_fields=list(kinds))
    assert len(everything.data) == 28
    own = tiny_client.get_users_tweets(10, max_results=100, exclude=["retweets", "replies"])
    assert len(own.data) == 25 and all(t.text.startswith("alice tweet") for t in own.data)


def test_retweet_expansion_gives_the_full_original_text(tiny_client):
    response = tiny_client.get_users_tweets(
        10,
        max_results=100,
        exclude=["replies"],
        expansions=["referenced_tweets.id", "referenced_tweets.id.author_id"],
        tweet_fields=["referenced_tweets", "author_id"],
    )
    retweet = next(t for t in response.data if t.text.startswith("RT @bob"))
    assert len(retweet.text) == 140 and retweet.text.endswith("…")
    [original] = [t for t in response.includes["tweets"] if t.id == retweet.referenced_tweets[0].id]
    assert original.text == LONG_TEXT and original.author_id == 11
    assert [u.username for u in response.includes["users"]] == ["bob"]
    # The retweeted suspended account's tweet cannot be expanded: a partial error beside the data.
    [error] = response.errors
    assert (error["parameter"], error["resource_type"], error["type"]) == ("referenced_tweets.id", "tweet", NOT_FOUND)


def test_protected_timeline_is_an_authorization_error_unless_followed(tiny_api, tiny_client):
    response = tiny_client.get_users_tweets(12)
    assert response.data is None
    assert response.errors == [
        {
            "value": "12",
            "detail": "Sorry, you are not authorized to see the user with id: [12].",
            "title": "Authorization Error",
            "resource_type": "user",
            "parameter": "id",
            "resource_id": "12",
            "type": NOT_AUTHORIZED,
        }
    ]
    alice = make_user_client(tiny_api.url, "10")  # alice follows pat
    texts = [t.text for t in alice.get_users_tweets(12, user_auth=True).data]
    assert texts == ["@alice psst", "only my followers see this"]


def test_empty_timeline(tiny_client):
    response = tiny_client.get_users_tweets(14)
    assert (response.data, response.errors, response.meta) == (None, [], {"result_count": 0})


def test_mentions_newest_first_since_id_and_protected_authors_hidden(tiny_api, tiny_client):
    mentions = tiny_client.get_users_mentions(10, tweet_fields=["author_id"])
    assert [t.text for t in mentions.data] == ["@alice raid at 10?", "@alice raid at 20?", "@alice raid at 30?"]
    newer = tiny_client.get_users_mentions(10, since_id=mentions.data[0].id)
    assert newer.meta == {"result_count": 0}

    added = tiny_api.add_tweet({"author_id": "14", "text": "hey @alice, coffee?"})
    newer = tiny_client.get_users_mentions(10, since_id=mentions.data[0].id)
    assert [t.id for t in newer.data] == [int(added["id"])]
    assert newer.meta["newest_id"] == added["id"]


# -- follows -------------------------------------------------------------------------------------------------
def test_followers_and_following_pages(tiny_client):
    followers = tiny_client.get_users_followers(10, max_results=1)
    assert followers.meta["result_count"] == 1 and "next_token" in followers.meta
    every = list(tweepy.Paginator(tiny_client.get_users_followers, 10, max_results=1).flatten())
    assert [u.username for u in every] == ["pat", "quinn", "bob"]  # newest follow first, suspended gary left out
    assert [u.username for u in tiny_client.get_users_following(10).data] == ["pat", "bob"]
    assert tiny_client.get_users_following(1).meta == {"result_count": 0}


def test_follows_can_be_switched_to_the_tier_403(tiny_api, tiny_client):
    requests.put(f"{tiny_api.url}/_control/settings", json={"follows_forbidden": True}, timeout=5).raise_for_status()
    with pytest.raises(tweepy.Forbidden) as error:
        tiny_client.get_users_following(10)
    body = error.value.response.json()
    assert (body["title"], body["reason"]) == ("Client Forbidden", "client-not-enrolled")
    assert body["type"] == "https://api.twitter.com/2/problems/client-forbidden"
    tiny_api.set_follows_forbidden(False)
    assert tiny_client.get_users_following(10).data


# -- errors --------------------------------------------------------------------------------------------------
def test_wrong_token_is_unauthorized(tiny_api):
    with pytest.raises(tweepy.Unauthorized) as error:
        make_client(tiny_api.url, bearer_token="wrong").get_user(username="alice")
    assert error.value.response.json() == {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }
    assert requests.get(f"{tiny_api.url}/2/users/10", timeout=5).status_code == 401  # no header at all


def test_invalid_parameters_are_bad_requests(tiny_client):
    with pytest.raises(tweepy.BadRequest) as error:
        tiny_client.get_users_tweets(10, max_results=3)
    body = error.value.response.json()
    assert body["title"] == "Invalid Request"
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert body["errors"] == [
        {
            "parameters": {"max_results": ["3"]},
            "message": "The `max_results` query parameter value [3] is not between 5 and 100",
        }
    ]
    with pytest.raises(tweepy.BadRequest, match="tweet.fields"):
        tiny_client.get_users_tweets(10, tweet_fields=["nonsense"])
    with pytest.raises(tweepy.BadRequest, match="pagination_token"):
        tiny_client.get_users_tweets(10, pagination_token="not-a-token")
    with pytest.raises(tweepy.BadRequest, match="does not match"):
        tiny_client.get_user(username="not a name")


def test_rate_limit_headers_and_exhaustion(tmp_path):
    world = load_world(write_tiny_world(tmp_path / "w"))
    with LocalApiServer(create_local_api(world, rate_limit={"get_users_following": 2})) as server:
        client = make_client(server.url)
        assert client.get_users_following(10).data
        raw = requests.get(
            f"{server.url}/2/users/10/following", headers={"Authorization": "Bearer local-demo-token"}, timeout=5
        )
        assert raw.headers["x-rate-limit-limit"] == "2" and raw.headers["x-rate-limit-remaining"] == "0"
        assert int(raw.headers["x-rate-limit-reset"]) > time.time() + 800
        with pytest.raises(tweepy.TooManyRequests) as error:
            client.get_users_following(10)
        assert error.value.response.json()["title"] == "Too Many Requests"
        assert error.value.reset_time == int(raw.headers["x-rate-limit-reset"])
        assert client.get_user(id=10).data  # other endpoints keep their own window


def test_injected_429_carries_the_reset_time(tiny_api, tiny_client):
    tiny_api.add_fault(r"/users/\d+/tweets$", 429, reset_in=120)
    before = int(time.time())
    with pytest.raises(tweepy.TooManyRequests) as error:
        tiny_client.get_users_tweets(10)
    reset = int(error.value.response.headers["x-rate-limit-reset"])
    assert before + 120 <= reset <= int(time.time()) + 120
    assert error.value.response.headers["x-rate-limit-remaining"] == "0"
    assert error.value.response.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert tiny_client.get_users_tweets(10).data  # times=1: the next call goes through


def test_injected_503_over_http_control_route(tiny_api, tiny_client):
    fault = {"path": "/users/by/username/", "status": 503, "times": 2}
    assert requests.post(f"{tiny_api.url}/_control/faults", json=fault, timeout=5).status_code == 201
    for _ in range(2):
        with pytest.raises(tweepy.TwitterServerError) as error:
            tiny_client.get_user(username="alice")
        assert error.value.response.status_code == 503
        assert error.value.response.json()["title"] == "Service Unavailable"
    assert tiny_client.get_user(username="alice").data
    log = requests.get(f"{tiny_api.url}/_control/requests", timeout=5).json()["requests"]
    assert [entry["status"] for entry in log] == [503, 503, 200]


def test_delay_fault_provokes_client_timeouts(tiny_api, tiny_client):
    tiny_api.add_fault("/users/10$", delay=1.0)
    tiny_client.session.request = _with_timeout(tiny_client.session.request, 0.2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        tiny_client.get_user(id=10)


def _with_timeout(send, seconds):
    def request(*args, **kwargs):
        return send(*args, timeout=seconds, **kwargs)

    return request


# -- posting -------------------------------------------------------------------------------------------------
def test_reply_then_duplicate_is_forbidden(tiny_api):
    bot = make_user_client(tiny_api.url, "1")
    mention = make_client(tiny_api.url).get_users_mentions(10).data[0]
    created = bot.create_tweet(text="@bob you sound cheerful lately", in_reply_to_tweet_id=mention.id)
    assert set(created.data) == {"id", "text", "edit_history_tweet_ids"}
    assert created.data["edit_history_tweet_ids"] == [created.data["id"]]

    with pytest.raises(tweepy.Forbidden) as error:
        bot.create_tweet(text="@bob you sound cheerful lately", in_reply_to_tweet_id=mention.id)
    assert error.value.api_messages == ["You are not allowed to create a Tweet with duplicate content."]

    [posted] = tiny_api.posted_tweets()
    assert posted["referenced_tweets"] == [{"type": "replied_to", "id": str(mention.id)}]
    assert (posted["in_reply_to_user_id"], posted["author_id"]) == ("11", "1")
    assert int(posted["id"]) > mention.id  # snowflake order: newer than everything before
    assert requests.get(f"{tiny_api.url}/_control/posted", timeout=5).json()["data"][0]["id"] == created.data["id"]
    bob_mentions = make_client(tiny_api.url).get_users_mentions(11, tweet_fields=["in_reply_to_user_id"])
    assert bob_mentions.data[0].id == int(created.data["id"])


def test_create_tweet_refusals(tiny_api):
    bot = make_user_client(tiny_api.url, "1")
    with pytest.raises(tweepy.Forbidden, match="too long"):
        bot.create_tweet(text="x" * 281)
    assert bot.create_tweet(text="é" * 280).data  # 280 light characters fit
    with pytest.raises(tweepy.Forbidden, match="deleted or not visible"):
        bot.create_tweet(text="hello?", in_reply_to_tweet_id=1234)
    with pytest.raises(tweepy.Forbidden, match="Application-Only is forbidden"):
        make_client(tiny_api.url).create_tweet(text="as an app", user_auth=False)


def test_delete_own_tweet(tiny_api):
    bot = make_user_client(tiny_api.url, "1")
    tweet_id = bot.create_tweet(text="short-lived").data["id"]
    assert bot.delete_tweet(tweet_id).data == {"deleted": True}
    assert make_client(tiny_api.url).get_users_tweets(1).meta == {"result_count": 0}


# -- dates ---------------------------------------------------------------------------------------------------
def test_dates_have_milliseconds_and_parse_as_datetimes(tiny_api, tiny_client):
    raw = requests.get(
        f"{tiny_api.url}/2/users/10/tweets",
        params={"tweet.fields": "created_at"},
        headers={"Authorization": "Bearer local-demo-token"},
        timeout=5,
    ).json()
    assert raw["data"][0]["created_at"] == "2026-11-20T10:00:00.000Z"
    tweet = tiny_client.get_users_tweets(10, tweet_fields=["created_at"]).data[0]
    assert isinstance(tweet.created_at, datetime) and tweet.created_at == TINY_REFERENCE - timedelta(hours=2)


def test_shift_dates_moves_dates_not_ids(tmp_path):
    world = load_world(write_tiny_world(tmp_path / "w"))
    now = TINY_REFERENCE.timestamp() + 30 * 86400
    with LocalApiServer(create_local_api(world, shift_dates=True, clock=lambda: now)) as server:
        client = make_client(server.url)
        newest = client.get_users_tweets(10, tweet_fields=["created_at"]).data[0]
        assert newest.created_at == TINY_REFERENCE + timedelta(days=30, hours=-2)
        assert newest.id == max(world.timeline_ids("10"))
        recent = client.get_users_tweets(10, start_time=TINY_REFERENCE + timedelta(days=30, hours=-5))
        assert len(recent.data) == 2
