"""An account's following or followers, page by page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import tweepy

from server.twitter.client import account_error
from server.twitter.errors import typed_pages

FOLLOW_PAGE_SIZE = 1000  # the API's maximum for following/followers (15 requests per 15 minutes)
FOLLOW_DIRECTIONS = ("following", "followers")


class FollowPage(NamedTuple):
    """One page of an account's following or followers: (Twitter id, username) pairs and the next page's token."""

    users: list[tuple[int, str]]
    next_token: str | None


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
    for response in typed_pages(paginator, f"fetching the {direction} of user {user_id}"):
        if response.data is None and response.errors:
            raise account_error(response.errors, str(user_id))
        next_token = (response.meta or {}).get("next_token")
        yield FollowPage([(int(user.id), user.username) for user in response.data or ()], next_token)
