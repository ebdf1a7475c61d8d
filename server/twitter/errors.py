"""Typed Twitter errors: every tweepy or requests exception reaches callers as one of these."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import requests
import tweepy

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
def typed_errors(what: str):
    """Raise tweepy and requests exceptions as :class:`TwitterError` subclasses."""
    try:
        yield
    except Exception as error:
        translated = _translate(error, what)
        if translated is None:
            raise
        raise translated from error


def typed_pages(paginator: tweepy.Paginator, what: str) -> Iterator[tweepy.Response]:
    """The paginator's responses, each fetched under :func:`typed_errors`; none after a page without a next_token."""
    pages = iter(paginator)
    while True:
        with typed_errors(what):
            response = next(pages, None)
        if response is None:
            return
        yield response
        if not (response.meta or {}).get("next_token"):
            return
