"""The tweepy clients (app and user context) and user lookup.

Everything that talks to Twitter goes through ``server.twitter``: callers get plain values (:class:`TwitterUser`,
:class:`~server.twitter.timeline.TimelinePage`...) or a :class:`~server.twitter.errors.TwitterError`, never a tweepy
or requests exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import tweepy
from requests.adapters import HTTPAdapter

from server.twitter.errors import AccountUnavailable, typed_errors
from server.twitter.http import HostRewritingSession

USER_FIELDS = ["protected", "public_metrics"]
# -- the bot: user context (OAuth 1.0a) -------------------------------------------------------------------------
USER_CONTEXT_SETTINGS = (
    "TWITTER_CONSUMER_KEY",
    "TWITTER_CONSUMER_SECRET",
    "TWITTER_ACCESS_TOKEN",
    "TWITTER_ACCESS_TOKEN_SECRET",
)


@dataclass(frozen=True)
class TwitterUser:
    """An account as looked up by username."""

    id: str
    username: str
    name: str
    protected: bool
    tweet_count: int


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


def build_token_client(config: Mapping, access_token: str) -> tweepy.Client:
    """A tweepy client acting as the user who gave us ``access_token`` ("Sign in with X", OAuth 2.0)."""
    client = tweepy.Client(bearer_token=access_token, wait_on_rate_limit=False)
    return _connect(client, config)


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


def account_error(errors: list[dict], username: str) -> AccountUnavailable:
    """The partial error (HTTP 200, ``errors`` instead of ``data``) for a missing, suspended or protected user."""
    for error in errors:
        kind = error.get("type", "")
        detail = error.get("detail", "")
        if kind.endswith("/not-authorized-for-resource"):
            return AccountUnavailable(f"@{username} is protected: its tweets are not public", "user_protected")
        if error.get("title") == "Forbidden" or "suspended" in detail.lower():
            return AccountUnavailable(f"@{username} is suspended", "user_suspended")
    return AccountUnavailable(f"@{username} does not exist", "user_not_found")


def lookup_user(client: tweepy.Client, username: str, owner_id: str | None = None) -> TwitterUser:
    """Look up an account by username; :class:`AccountUnavailable` for unknown, suspended or protected ones.

    ``owner_id``: ``client`` acts as that account (its own token), which may read itself even when protected.
    """
    with typed_errors(f"looking up @{username}"):
        response = client.get_user(username=username, user_fields=USER_FIELDS)
    if response.data is None:
        raise account_error(response.errors or [], username)
    user = response.data
    if user.protected and str(user.id) != owner_id:
        raise AccountUnavailable(f"@{user.username} is protected: its tweets are not public", "user_protected")
    metrics = user.public_metrics or {}
    return TwitterUser(str(user.id), user.username, user.name, bool(user.protected), int(metrics.get("tweet_count", 0)))
