"""Search (a topic's tweets), page by page, as the little a topic keeps: when, what it says, hashtags, language.

No id or author leaves this module: a topic stores aggregates only. Each page carries the newest id it saw, for
the next refresh's ``since_id``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import tweepy

from server.twitter.errors import typed_pages

TWEET_FIELDS = ["created_at", "entities", "lang"]
PAGE_SIZE = {False: 100, True: 500}  # the API's largest page: recent search, full-archive search
MIN_PAGE_SIZE = 10
OPERATOR = re.compile(r"^-?\w+:")  # lang:, is:, from: ... (not a term of what the query is about)


@dataclass(frozen=True)
class SearchedTweet:
    """One matching tweet, without its id or author."""

    created_at: datetime
    text: str
    hashtags: tuple[str, ...]
    lang: str | None


@dataclass(frozen=True)
class SearchPage:
    """One page, newest first: its tweets, the token of the next (older) page, the newest tweet id on it."""

    tweets: list[SearchedTweet]
    next_token: str | None
    newest_id: str | None


def iter_search(
    client: tweepy.Client,
    query: str,
    *,
    limit: int,
    start: datetime | None = None,
    end: datetime | None = None,
    since_id: str | None = None,
    next_token: str | None = None,
    full_archive: bool = False,
) -> Iterator[SearchPage]:
    """Yield the tweets matching ``query`` page by page, newest first, at most ``limit``; ``next_token`` resumes."""
    if limit <= 0:
        return
    method = client.search_all_tweets if full_archive else client.search_recent_tweets
    paginator = tweepy.Paginator(
        method,
        query,
        max_results=max(MIN_PAGE_SIZE, min(PAGE_SIZE[full_archive], limit)),
        start_time=start,
        end_time=end,
        since_id=since_id,
        next_token=next_token,
        tweet_fields=TWEET_FIELDS,
    )
    remaining = limit
    for response in typed_pages(paginator, f"searching for {query!r}"):
        tweets = [
            SearchedTweet(
                created_at=tweet.created_at or datetime.now(UTC),
                text=tweet.text,
                hashtags=tuple(tag["tag"] for tag in (tweet.entities or {}).get("hashtags", ()) if "tag" in tag),
                lang=tweet.lang,
            )
            for tweet in response.data or ()
        ][:remaining]
        remaining -= len(tweets)
        meta = response.meta or {}
        yield SearchPage(tweets, meta.get("next_token"), meta.get("newest_id"))
        if remaining <= 0:
            return


def query_terms(query: str) -> list[str]:
    """The positive words and hashtags of a query, lower-cased, without '#', operators or negated terms.

    >>> query_terms('#PfizerBioNTech (vaccine OR "second dose") lang:en -is:retweet -spam')
    ['pfizerbiontech', 'vaccine', 'second', 'dose']
    """
    terms = []
    for token in re.findall(r'-?"[^"]*"|[^\s()"]+', query):
        if token.startswith("-") or token == "OR" or OPERATOR.match(token):
            continue
        terms += [word.lower() for word in re.findall(r"\w+", token)]
    return terms
