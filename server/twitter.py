"""The Twitter gateway: builds the tweepy client, fetches users and timelines as plain data, and types the errors.

Everything that talks to Twitter goes through here. Callers get :class:`TwitterUser` / :class:`TimelinePage`
values or one of the :class:`TwitterError` subclasses, never a tweepy or requests exception.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import requests
import tweepy
from requests.adapters import HTTPAdapter

from server.twitter_http import HostRewritingSession

logger = logging.getLogger(__name__)

PAGE_SIZE = 100  # the API's maximum for a user's timeline
MIN_PAGE_SIZE = 5  # ... and its minimum
TWEET_FIELDS = ["created_at", "public_metrics", "entities", "referenced_tweets", "in_reply_to_user_id", "lang"]
# The full text of retweeted and quoted tweets comes through this expansion (a retweet's own text is cut).
EXPANSIONS = ["referenced_tweets.id"]
USER_FIELDS = ["protected", "public_metrics"]
FOLLOW_PAGE_SIZE = 1000  # the API's maximum for following/followers (15 requests per 15 minutes)
FOLLOW_DIRECTIONS = ("following", "followers")
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)  # one rate-limit window, when a 429 has no reset header


class TwitterError(Exception):
    """A failure talking to Twitter; ``code`` is the job error code it ends in."""

    code = "twitter_error"
    transient = False

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


class AccountUnavailable(TwitterError):
    """The account cannot be analysed: ``user_not_found``, ``user_suspended`` or ``user_protected``."""


class TwitterRejected(TwitterError):
    """Twitter refused our credentials or request (401, 403, 400): retrying will not help."""


class TwitterUnavailable(TwitterError):
    """A 5xx answer, a timeout or a connection failure: worth retrying with backoff."""

    code = "twitter_unavailable"
    transient = True


class RateLimited(TwitterUnavailable):
    """429: retry at ``reset_at`` (from the ``x-rate-limit-reset`` header)."""

    code = "rate_limited"

    def __init__(self, message: str, reset_at: datetime):
        super().__init__(message)
        self.reset_at = reset_at


@dataclass(frozen=True)
class TwitterUser:
    """An account as looked up by username."""

    id: str
    username: str
    name: str
    protected: bool
    tweet_count: int


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


@dataclass(frozen=True)
class TimelinePage:
    """One page of a timeline, newest first, with the token of the next (older) page."""

    tweets: list[TimelineTweet]
    next_token: str | None


class FollowPage(NamedTuple):
    """One page of an account's following or followers: (Twitter id, username) pairs and the next page's token."""

    users: list[tuple[int, str]]
    next_token: str | None


class _TimeoutAdapter(HTTPAdapter):
    """tweepy passes no timeout to requests; this adapter gives every request one."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def _connect(client: tweepy.Client, config: Mapping) -> tweepy.Client:
    """Point ``client`` at ``TWITTER_API_BASE`` when set, with the ``TWITTER_TIMEOUT`` on every request."""
    if config.get("TWITTER_API_BASE"):
        client.session = HostRewritingSession(config["TWITTER_API_BASE"])
    adapter = _TimeoutAdapter(float(config.get("TWITTER_TIMEOUT") or 10.0))
    client.session.mount("https://", adapter)
    client.session.mount("http://", adapter)
    return client


def build_client(config: Mapping) -> tweepy.Client:
    """The tweepy API v2 client from settings: bearer token, timeout, and ``TWITTER_API_BASE`` when set.

    The client never sleeps on rate limits (``wait_on_rate_limit=False``): a 429 becomes :class:`RateLimited`
    and the task retries at the reset time instead.
    """
    client = tweepy.Client(bearer_token=config.get("TWITTER_BEARER_TOKEN"), wait_on_rate_limit=False)
    return _connect(client, config)


def _translate(error: Exception, what: str) -> TwitterError | None:
    """The :class:`TwitterError` for a tweepy or requests exception, or None for anything else."""
    if isinstance(error, tweepy.TooManyRequests):
        reset = error.reset_time
        reset_at = datetime.fromtimestamp(reset, UTC) if reset else datetime.now(UTC) + DEFAULT_RATE_LIMIT_WAIT
        return RateLimited(f"Twitter rate limit reached while {what}; it resets at {reset_at:%H:%M:%S} UTC", reset_at)
    if isinstance(error, tweepy.Unauthorized):
        return TwitterRejected(f"Twitter refused the credentials while {what} (401): {error}", "twitter_unauthorized")
    if isinstance(error, tweepy.Forbidden):
        return TwitterRejected(f"Twitter refused access while {what} (403): {error}", "twitter_forbidden")
    if isinstance(error, tweepy.NotFound):
        return AccountUnavailable(f"Twitter found nothing while {what} (404): {error}", "user_not_found")
    if isinstance(error, tweepy.TwitterServerError):
        return TwitterUnavailable(f"Twitter failed while {what} ({error.response.status_code})")
    if isinstance(error, tweepy.HTTPException):
        return TwitterRejected(f"Twitter rejected the request while {what}: {error}", "twitter_bad_request")
    if isinstance(error, requests.Timeout):
        return TwitterUnavailable(f"Twitter did not answer in time while {what}")
    if isinstance(error, requests.RequestException | ValueError):  # connection refused/reset, a body not JSON
        return TwitterUnavailable(f"Twitter could not be reached while {what}: {type(error).__name__}")
    return None


@contextmanager
def _typed_errors(what: str):
    """Raise tweepy and requests exceptions as :class:`TwitterError` subclasses."""
    try:
        yield
    except Exception as error:
        translated = _translate(error, what)
        if translated is None:
            raise
        raise translated from error


def _account_error(errors: list[dict], username: str) -> AccountUnavailable:
    """The partial error (HTTP 200, ``errors`` instead of ``data``) for a missing, suspended or protected user."""
    for error in errors:
        kind = error.get("type", "")
        detail = error.get("detail", "")
        if kind.endswith("/not-authorized-for-resource"):
            return AccountUnavailable(f"@{username} is protected: its tweets are not public", "user_protected")
        if error.get("title") == "Forbidden" or "suspended" in detail.lower():
            return AccountUnavailable(f"@{username} is suspended", "user_suspended")
    return AccountUnavailable(f"@{username} does not exist", "user_not_found")


def lookup_user(client: tweepy.Client, username: str) -> TwitterUser:
    """Look up an account by username; :class:`AccountUnavailable` for unknown, suspended or protected ones."""
    with _typed_errors(f"looking up @{username}"):
        response = client.get_user(username=username, user_fields=USER_FIELDS)
    if response.data is None:
        raise _account_error(response.errors or [], username)
    user = response.data
    if user.protected:
        raise AccountUnavailable(f"@{user.username} is protected: its tweets are not public", "user_protected")
    metrics = user.public_metrics or {}
    return TwitterUser(str(user.id), user.username, user.name, bool(user.protected), int(metrics.get("tweet_count", 0)))


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


def _flatten(tweet: tweepy.Tweet, author_id: str, included: Mapping[str, str]) -> TimelineTweet:
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
    )
    pages = iter(paginator)
    remaining = limit
    while remaining > 0:
        with _typed_errors(f"fetching @{user.username}'s timeline"):
            response = next(pages, None)
        if response is None:
            return
        if response.data is None and response.errors:
            raise _account_error(response.errors, user.username)
        included = {str(t.id): t.text for t in (response.includes or {}).get("tweets", ())}
        tweets = [_flatten(t, user.id, included) for t in response.data or ()][:remaining]
        remaining -= len(tweets)
        next_token = (response.meta or {}).get("next_token")
        yield TimelinePage(tweets, next_token)
        if not next_token:
            return


def iter_follows(
    client: tweepy.Client, user_id: int | str, direction: str, pagination_token: str | None = None
) -> Iterator[FollowPage]:
    """Yield the accounts ``user_id`` follows (``direction="following"``) or its followers, page by page.

    Goes through ``tweepy.Paginator``, 1,000 accounts a page; ``pagination_token`` resumes an interrupted walk.
    A 403 (API tiers without these endpoints) raises :class:`TwitterRejected` with code ``twitter_forbidden``.
    """
    if direction not in FOLLOW_DIRECTIONS:
        raise ValueError(f"direction must be one of {FOLLOW_DIRECTIONS}, not {direction!r}")
    method = client.get_users_following if direction == "following" else client.get_users_followers
    paginator = tweepy.Paginator(
        method, user_id, max_results=FOLLOW_PAGE_SIZE, pagination_token=pagination_token, user_fields=["username"]
    )
    pages = iter(paginator)
    while True:
        with _typed_errors(f"fetching the {direction} of user {user_id}"):
            response = next(pages, None)
        if response is None:
            return
        if response.data is None and response.errors:
            raise _account_error(response.errors, str(user_id))
        next_token = (response.meta or {}).get("next_token")
        yield FollowPage([(int(user.id), user.username) for user in response.data or ()], next_token)
        if not next_token:
            return


# -- the bot: user context (OAuth 1.0a) -------------------------------------------------------------------------
USER_CONTEXT_SETTINGS = (
    "TWITTER_CONSUMER_KEY",
    "TWITTER_CONSUMER_SECRET",
    "TWITTER_ACCESS_TOKEN",
    "TWITTER_ACCESS_TOKEN_SECRET",
)
MENTION_FIELDS = ["author_id", "created_at", "referenced_tweets", "conversation_id"]


@dataclass(frozen=True)
class Mention:
    """A tweet mentioning the bot, with its author's username."""

    id: str
    author_id: str
    username: str
    text: str


def build_user_client(config: Mapping) -> tweepy.Client | None:
    """The bot's user-context tweepy client (to post replies), or None when a credential is missing."""
    if not config.get("BOT_USERNAME") or not all(config.get(name) for name in USER_CONTEXT_SETTINGS):
        return None
    client = tweepy.Client(
        consumer_key=config["TWITTER_CONSUMER_KEY"],
        consumer_secret=config["TWITTER_CONSUMER_SECRET"],
        access_token=config["TWITTER_ACCESS_TOKEN"],
        access_token_secret=config["TWITTER_ACCESS_TOKEN_SECRET"],
        wait_on_rate_limit=False,
    )
    return _connect(client, config)


def bot_user_id(client: tweepy.Client) -> str:
    """The id of the account the user-context client acts as."""
    with _typed_errors("looking up the bot account"):
        return str(client.get_me(user_auth=True).data.id)


def username_of(client: tweepy.Client, user_id: str) -> str | None:
    """An account's current username by id (None when it is gone)."""
    with _typed_errors(f"looking up user {user_id}"):
        response = client.get_user(id=user_id, user_auth=True)
    return response.data.username if response.data is not None else None


def iter_mentions(client: tweepy.Client, bot_id: str, since_id: str | None) -> Iterator[list[Mention]]:
    """Yield the bot's mentions newer than ``since_id`` page by page, newest first."""
    paginator = tweepy.Paginator(
        client.get_users_mentions,
        bot_id,
        since_id=since_id,
        max_results=PAGE_SIZE,
        tweet_fields=MENTION_FIELDS,
        expansions=["author_id"],
        user_auth=True,
    )
    pages = iter(paginator)
    while True:
        with _typed_errors("fetching the bot's mentions"):
            response = next(pages, None)
        if response is None:
            return
        users = {str(u.id): u.username for u in (response.includes or {}).get("users", ())}
        mentions = [
            Mention(str(t.id), str(t.author_id), users.get(str(t.author_id), ""), t.text)
            for t in response.data or ()
            if str(t.author_id) != str(bot_id)  # never answer itself
        ]
        yield mentions
        if not (response.meta or {}).get("next_token"):
            return


def post_reply(client: tweepy.Client, mention_id: str, text: str) -> str:
    """Post ``text`` as a reply in the mention's thread; the reply's id."""
    with _typed_errors(f"replying to tweet {mention_id}"):
        response = client.create_tweet(text=text, in_reply_to_tweet_id=mention_id, user_auth=True)
    return str(response.data["id"])


def find_reply(client: tweepy.Client, bot_id: str, mention_id: str, pages: int = 5) -> str | None:
    """The id of a reply the bot already posted to ``mention_id`` (its tweets since the mention), if any."""
    paginator = tweepy.Paginator(
        client.get_users_tweets,
        bot_id,
        since_id=mention_id,  # a reply is newer than the tweet it answers
        max_results=PAGE_SIZE,
        tweet_fields=["referenced_tweets", "in_reply_to_user_id"],
        user_auth=True,
    )
    walked = iter(paginator)
    for _ in range(pages):
        with _typed_errors("looking for the bot's earlier reply"):
            response = next(walked, None)
        if response is None:
            return None
        for tweet in response.data or ():
            refs = tweet.referenced_tweets or ()
            if any(ref.type == "replied_to" and str(ref.id) == str(mention_id) for ref in refs):
                return str(tweet.id)
        if not (response.meta or {}).get("next_token"):
            return None
    return None
