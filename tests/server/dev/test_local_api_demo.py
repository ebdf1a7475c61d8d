"""The demo world as the product will see it: real accounts and graph, through an unchanged tweepy.Client."""

from __future__ import annotations

import tweepy

from server.dev.twitter_local.twitter_text import USERNAME_RE, parse_time, snowflake_time
from tests.server.conftest import DEMO_WORLD, make_user_client

DEMO_USERNAMES = ["sunny_sam", "calm_carla", "stressed_steve", "blue_bella", "newsy_nora", "private_pat", "quiet_quinn"]


def test_demo_accounts_resolve(demo_client):
    response = demo_client.get_users(usernames=[*DEMO_USERNAMES, "gone_gary", "moodbot"], user_fields=["protected"])
    assert [u.username for u in response.data] == [*DEMO_USERNAMES, "moodbot"]
    assert [u.username for u in response.data if u.protected] == ["private_pat"]
    assert [e["detail"] for e in response.errors] == ["User has been suspended: [gone_gary]."]


def test_timeline_paging_up_to_a_limit(demo_client, demo_world):
    sam = demo_world.user_by_username("sunny_sam")
    tweets = list(tweepy.Paginator(demo_client.get_users_tweets, sam["id"], max_results=10, limit=3).flatten())
    ids = [t.id for t in tweets]
    assert len(ids) == 30 and ids == sorted(ids, reverse=True)
    assert ids == demo_world.timeline_ids(sam["id"])[::-1][:30]


def test_only_the_newest_3200_tweets_are_reachable(demo_client, demo_world):
    nora = demo_world.user_by_username("newsy_nora")
    assert nora["public_metrics"]["tweet_count"] >= 3300
    pages = tweepy.Paginator(demo_client.get_users_tweets, nora["id"], max_results=100)
    ids = [t.id for t in pages.flatten()]
    assert len(ids) == 3200 and len(set(ids)) == 3200
    assert ids == demo_world.timeline_ids(nora["id"])[::-1][:3200]


def test_retweets_expand_to_the_full_original(demo_client, demo_world):
    sam = demo_world.user_by_username("sunny_sam")
    response = demo_client.get_users_tweets(
        sam["id"], max_results=100, expansions=["referenced_tweets.id"], tweet_fields=["referenced_tweets"]
    )
    originals = {t.id: t.text for t in response.includes["tweets"]}
    retweets = [t for t in response.data if t.text.startswith("RT @")]
    assert retweets
    for retweet in retweets:
        [ref] = retweet.referenced_tweets
        shown = retweet.text.split(": ", 1)[1]
        assert ref.type == "retweeted"
        assert originals[ref.id].startswith(shown.removesuffix("…"))


def test_special_timelines(demo_client, demo_world):
    def timeline(username):
        return demo_client.get_users_tweets(demo_world.user_by_username(username)["id"])

    assert timeline("private_pat").errors[0]["title"] == "Authorization Error"
    assert timeline("gone_gary").errors[0]["detail"].startswith("User has been suspended")
    assert timeline("quiet_quinn").meta == {"result_count": 0}


def test_bot_mentions_since_id(demo_api, demo_world):
    bot = make_user_client(demo_api.url, demo_world.bot["id"])
    me = bot.get_me().data
    assert me.username == "moodbot"
    mentions = bot.get_users_mentions(me.id, expansions=["author_id"], tweet_fields=["created_at"], user_auth=True)
    assert len(mentions.data) >= 4 and all("@moodbot" in t.text for t in mentions.data)
    assert {"sunny_sam", "blue_bella"} <= {u.username for u in mentions.includes["users"]}
    newer = bot.get_users_mentions(me.id, since_id=mentions.data[1].id, user_auth=True)
    assert [t.id for t in newer.data] == [mentions.data[0].id]


def test_follower_graph_paging_matches_the_world(demo_client, demo_world):
    nora = demo_world.user_by_username("newsy_nora")
    pages = tweepy.Paginator(demo_client.get_users_followers, nora["id"], max_results=100)
    followers = [u.id for u in pages.flatten()]
    expected = [int(u) for u in demo_world.followers(nora["id"]) if not demo_world.user(u)["suspended"]]
    assert len(followers) > 200 and followers == expected
    following = demo_client.get_users_following(nora["id"], max_results=1000, user_fields=["public_metrics"])
    assert len(following.data) == nora["public_metrics"]["following_count"] - _suspended(demo_world, nora, True)


def _suspended(world, user, following):
    ids = world.following(user["id"]) if following else world.followers(user["id"])
    return sum(1 for u in ids if world.user(u)["suspended"])


def test_dates_parse_with_milliseconds(demo_client, demo_world):
    sam = demo_world.user_by_username("sunny_sam")
    tweet = demo_client.get_users_tweets(sam["id"], tweet_fields=["created_at"]).data[0]
    assert tweet.created_at.tzinfo is not None
    assert demo_world.tweet(str(tweet.id))["created_at"].endswith(".000Z")


def test_demo_world_files_are_consistent():
    assert sum(f.stat().st_size for f in DEMO_WORLD.iterdir()) < 3 * 1024 * 1024
    from server.dev.twitter_local import load_world

    world = load_world(DEMO_WORLD)
    assert 300 <= len(world.users) <= 500
    assert len({u["username"].lower() for u in world.users.values()}) == len(world.users)
    assert all(USERNAME_RE.match(u["username"]) for u in world.users.values())
    assert sum(u["protected"] for u in world.users.values()) == 1
    assert sum(u["suspended"] for u in world.users.values()) == 1
    for tweet in world.tweets.values():
        # Snowflake ids encode the creation time, so id order is time order (since_id/until_id rely on it).
        assert snowflake_time(int(tweet["id"])) == parse_time(tweet["created_at"])
        for ref in tweet.get("referenced_tweets", ()):
            assert int(world.tweet(ref["id"])["id"]) < int(tweet["id"])
        text, entities = tweet["text"], tweet.get("entities", {})
        assert all(text[h["start"] : h["end"]] == "#" + h["tag"] for h in entities.get("hashtags", ()))
        assert all(text[m["start"] : m["end"]] == "@" + m["username"] for m in entities.get("mentions", ()))
        assert all(text[u["start"] : u["end"]] == u["url"] for u in entities.get("urls", ()))
