"""A user's timeline, page by page, as plain tweets (kind, referenced text, hashtags, engagement)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import tweepy

from server.twitter.client import TwitterUser, account_error
from server.twitter.errors import typed_pages

PAGE_SIZE = 100  # the API's maximum for a user's timeline
MIN_PAGE_SIZE = 5  # ... and its minimum
TWEET_FIELDS = [
    "created_at", "public_metrics", "entities", "referenced_tweets", "in_reply_to_user_id", "lang", "attachments",
]  # fmt: skip
# The full text of retweeted and quoted tweets comes through the first expansion (a retweet's own text is cut);
# the tweet's photos (their URLs) through the second.
EXPANSIONS = ["referenced_tweets.id", "attachments.media_keys"]
MEDIA_FIELDS = ["type", "url"]


@dataclass(frozen=True)
class TimelineTweet:
    """One tweet of a timeline, flattened; ``referenced_text`` is the full retweeted or quoted text."""

    id: str
    created_at: datetime
    text: str
    kind: str  # "own", "reply", "quote" or "retweet"
    likes: int
    retweets: int
    replies: int
    quotes: int
    hashtags: tuple[str, ...]
    lang: str | None = None
    referenced_id: str | None = None
    referenced_text: str | None = None
    photos: tuple[str, ...] = ()  # the URLs of its photos (not videos or GIFs), in the tweet's order


@dataclass(frozen=True)
class TimelinePage:
    """One page of a timeline, newest first, with the token of the next (older) page."""

    tweets: list[TimelineTweet]
    next_token: str | None


def _kind(tweet: tweepy.Tweet) -> tuple[str, str | None]:
    """The tweet's kind for scoring and the id of the tweet it retweets or quotes."""
    refs = {ref.type: str(ref.id) for ref in tweet.referenced_tweets or ()}
    if "retweeted" in refs:
        return "retweet", refs["retweeted"]
    if "quoted" in refs:
        return "quote", refs["quoted"]
    # A reply to oneself continues a thread: the author's own words, not a conversation shaped by others.
    if "replied_to" in refs and tweet.in_reply_to_user_id != tweet.author_id and tweet.in_reply_to_user_id:
        return "reply", None
    return "own", None


def _flatten(
    tweet: tweepy.Tweet, author_id: str, included: Mapping[str, str], photos: Mapping[str, str]
) -> TimelineTweet:
    tweet.author_id = tweet.author_id or int(author_id)
    kind, referenced_id = _kind(tweet)
    metrics = tweet.public_metrics or {}
    hashtags = tuple(dict.fromkeys(tag["tag"] for tag in (tweet.entities or {}).get("hashtags", ()) if "tag" in tag))
    return TimelineTweet(
        id=str(tweet.id),
        created_at=tweet.created_at or datetime.now(UTC),
        text=tweet.text,
        kind=kind,
        likes=int(metrics.get("like_count", 0)),
        retweets=int(metrics.get("retweet_count", 0)),
        replies=int(metrics.get("reply_count", 0)),
        quotes=int(metrics.get("quote_count", 0)),
        hashtags=hashtags,
        lang=tweet.lang,
        referenced_id=referenced_id,
        referenced_text=included.get(referenced_id) if referenced_id else None,
        photos=tuple(photos[key] for key in (tweet.attachments or {}).get("media_keys", ()) if key in photos),
    )


def iter_timeline(
    client: tweepy.Client,
    user: TwitterUser,
    *,
    limit: int,
    since_id: str | None = None,
    pagination_token: str | None = None,
) -> Iterator[TimelinePage]:
    """Yield a user's timeline page by page, newest first, through ``tweepy.Paginator``: at most ``limit`` tweets.

    ``since_id`` fetches only tweets newer than it; ``pagination_token`` resumes an interrupted walk. Each
    page's ``next_token`` is what to pass as ``pagination_token`` to continue after it.
    """
    if limit <= 0:
        return
    paginator = tweepy.Paginator(
        client.get_users_tweets,
        user.id,
        max_results=max(MIN_PAGE_SIZE, min(PAGE_SIZE, limit)),
        since_id=since_id,
        pagination_token=pagination_token,
        tweet_fields=TWEET_FIELDS,
        expansions=EXPANSIONS,
        media_fields=MEDIA_FIELDS,
    )
    remaining = limit
    for response in typed_pages(paginator, f"fetching @{user.username}'s timeline"):
        if response.data is None and response.errors:
            raise account_error(response.errors, user.username)
        includes = response.includes or {}
        included = {str(t.id): t.text for t in includes.get("tweets", ())}
        photos = {m.media_key: m.url for m in includes.get("media", ()) if m.type == "photo" and m.url}
        tweets = [_flatten(t, user.id, included, photos) for t in response.data or ()][:remaining]
        remaining -= len(tweets)
        yield TimelinePage(tweets, (response.meta or {}).get("next_token"))
        if remaining <= 0:
            return
