"""The Twitter API v2 gateway (tweepy): typed errors, users, timelines, follows, mentions and replies.

Everything that talks to Twitter goes through this package; ``from server import twitter`` gives all of it.
"""

from server.twitter.client import (
    USER_FIELDS,
    TwitterUser,
    build_client,
    build_token_client,
    build_user_client,
    lookup_user,
)
from server.twitter.errors import (
    AccountUnavailable,
    RateLimited,
    TwitterError,
    TwitterRejected,
    TwitterUnavailable,
)
from server.twitter.follows import FOLLOW_DIRECTIONS, FOLLOW_PAGE_SIZE, FollowPage, iter_follows
from server.twitter.mentions import Mention, bot_user_id, find_reply, iter_mentions, post_reply, username_of
from server.twitter.timeline import PAGE_SIZE, TimelinePage, TimelineTweet, iter_timeline

__all__ = [
    "FOLLOW_DIRECTIONS",
    "FOLLOW_PAGE_SIZE",
    "PAGE_SIZE",
    "USER_FIELDS",
    "AccountUnavailable",
    "FollowPage",
    "Mention",
    "RateLimited",
    "TimelinePage",
    "TimelineTweet",
    "TwitterError",
    "TwitterRejected",
    "TwitterUnavailable",
    "TwitterUser",
    "bot_user_id",
    "build_client",
    "build_token_client",
    "build_user_client",
    "find_reply",
    "iter_follows",
    "iter_mentions",
    "iter_timeline",
    "lookup_user",
    "post_reply",
    "username_of",
]
