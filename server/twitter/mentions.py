"""The bot's side of Twitter (user context): its mentions, who wrote them, its replies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import tweepy

from server.twitter.errors import typed_errors, typed_pages
from server.twitter.timeline import PAGE_SIZE

MENTION_FIELDS = ["author_id", "created_at", "referenced_tweets", "conversation_id"]


@dataclass(frozen=True)
class Mention:
    """A tweet mentioning the bot, with its author's username."""

    id: str
    author_id: str
    username: str
    text: str


def bot_user_id(client: tweepy.Client) -> str:
    """The id of the account the user-context client acts as."""
    with typed_errors("looking up the bot account"):
        return str(client.get_me(user_auth=True).data.id)


def username_of(client: tweepy.Client, user_id: str) -> str | None:
    """An account's current username by id (None when it is gone)."""
    with typed_errors(f"looking up user {user_id}"):
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
    for response in typed_pages(paginator, "fetching the bot's mentions"):
        users = {str(u.id): u.username for u in (response.includes or {}).get("users", ())}
        mentions = [
            Mention(str(t.id), str(t.author_id), users.get(str(t.author_id), ""), t.text)
            for t in response.data or ()
            if str(t.author_id) != str(bot_id)  # never answer itself
        ]
        yield mentions


def post_reply(client: tweepy.Client, mention_id: str, text: str) -> str:
    """Post ``text`` as a reply in the mention's thread; the reply's id."""
    with typed_errors(f"replying to tweet {mention_id}"):
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
    for response in islice(typed_pages(paginator, "looking for the bot's earlier reply"), pages):
        for tweet in response.data or ():
            refs = tweet.referenced_tweets or ()
            if any(ref.type == "replied_to" and str(ref.id) == str(mention_id) for ref in refs):
                return str(tweet.id)
    return None
