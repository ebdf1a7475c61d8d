"""Turn world records into API v2 objects: requested fields only, expansions into ``includes``, visibility."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from server.dev.twitter_local import problems
from server.dev.twitter_local.twitter_text import extract_entities, format_time, parse_time
from server.dev.twitter_local.world import World

DEFAULT_PROFILE_IMAGE = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"


class Renderer:
    """Renders for one request: who is looking (``viewer_id``, None for app-only auth), fields, expansions."""

    def __init__(
        self,
        world: World,
        shift: timedelta,
        viewer_id: str | None,
        fields: dict[str, set[str]],
        expansions: set[str],
        media_base: str = "/media/",
    ) -> None:
        self.world = world
        self.shift = shift
        self.viewer_id = viewer_id
        self.tweet_fields = fields.get("tweet.fields", set())
        self.user_fields = fields.get("user.fields", set())
        self.media_fields = fields.get("media.fields", set())
        self.expansions = expansions
        self.media_base = media_base

    # -- visibility ----------------------------------------------------------------------------------------
    def user_problem(self, user: dict | None, value: str, parameter: str, *, content: bool = False) -> dict | None:
        """The partial error hiding ``user`` (missing, suspended; protected too when ``content`` is asked for)."""
        if user is None:
            return problems.not_found(value, parameter)
        if user.get("suspended"):
            return problems.suspended(value, parameter)
        if content and not self.can_see_content(user):
            return problems.not_authorized(value, parameter)
        return None

    def can_see_content(self, user: dict) -> bool:
        """Protected accounts show their tweets and follows only to themselves and their followers."""
        if user.get("suspended"):
            return False
        if not user.get("protected"):
            return True
        viewer = self.viewer_id
        return viewer is not None and (viewer == user["id"] or self.world.is_following(viewer, user["id"]))

    def tweet_problem(self, tweet_id: str, parameter: str) -> dict | None:
        """The partial error hiding a tweet (deleted, author suspended, author protected), or None."""
        tweet = self.world.tweet(tweet_id)
        author = self.world.user(tweet["author_id"]) if tweet else None
        if tweet is None or author is None or author.get("suspended"):
            return problems.not_found(tweet_id, parameter, "tweet")
        if not self.can_see_content(author):
            return problems.not_authorized(tweet_id, parameter, "tweet")
        return None

    # -- objects -------------------------------------------------------------------------------------------
    def time(self, value: str) -> str:
        """A stored timestamp as the API shows it (shifted for a demo world)."""
        return format_time(parse_time(value) + self.shift) if self.shift else value

    def tweet(self, tweet: dict) -> dict:
        """A tweet with the default fields (id, text, edit_history_tweet_ids) plus the requested ones."""
        wanted = self.tweet_fields
        out: dict = {}
        referenced = tweet.get("referenced_tweets") or []
        is_retweet = any(r["type"] == "retweeted" for r in referenced)
        if "attachments" in wanted and tweet.get("media"):
            out["attachments"] = {"media_keys": [media["media_key"] for media in tweet["media"]]}
        if "author_id" in wanted:
            out["author_id"] = tweet["author_id"]
        if "conversation_id" in wanted:
            out["conversation_id"] = tweet.get("conversation_id", tweet["id"])
        if "created_at" in wanted:
            out["created_at"] = self.time(tweet["created_at"])
        if "display_text_range" in wanted:
            out["display_text_range"] = [_reply_prefix_length(tweet), len(tweet["text"])]
        if "edit_controls" in wanted:
            until = parse_time(tweet["created_at"]) + self.shift + timedelta(hours=1)
            out["edit_controls"] = {
                "edits_remaining": 5,
                "is_edit_eligible": not is_retweet,
                "editable_until": format_time(until),
            }
        out["edit_history_tweet_ids"] = [tweet["id"]]
        if "entities" in wanted and tweet.get("entities"):
            out["entities"] = tweet["entities"]
        out["id"] = tweet["id"]
        if "in_reply_to_user_id" in wanted and tweet.get("in_reply_to_user_id"):
            out["in_reply_to_user_id"] = tweet["in_reply_to_user_id"]
        if "lang" in wanted:
            out["lang"] = tweet.get("lang", "en")
        if "possibly_sensitive" in wanted:
            out["possibly_sensitive"] = bool(tweet.get("possibly_sensitive", False))
        if "public_metrics" in wanted:
            out["public_metrics"] = tweet["public_metrics"]
        if "referenced_tweets" in wanted and referenced:
            out["referenced_tweets"] = referenced
        if "reply_settings" in wanted:
            out["reply_settings"] = tweet.get("reply_settings", "everyone")
        out["text"] = tweet["text"]
        return out

    def media(self, media: dict) -> dict:
        """A tweet's photo: ``media_key`` and ``type`` (the defaults) and ``url``, served by this API's ``/media/``.

        A world's tweet lists its photos under ``media`` (``media_key``, ``type``, ``file``: a name in
        ``twitter_local/media``), as the real API's ``pbs.twimg.com`` holds them.
        """
        out = {"media_key": media["media_key"], "type": media.get("type", "photo")}
        if "url" in self.media_fields and out["type"] == "photo":
            out["url"] = self.media_base + media["file"]
        return out

    def user(self, user: dict) -> dict:
        """A user with the default fields (id, name, username) plus the requested ones."""
        wanted = self.user_fields
        out: dict = {}
        if "created_at" in wanted:
            out["created_at"] = self.time(user["created_at"])
        if "description" in wanted:
            out["description"] = user.get("description", "")
        if "entities" in wanted and user.get("description"):
            entities = extract_entities(user["description"], self.world.resolve_user_id)
            if entities:
                out["entities"] = {"description": entities}
        out["id"] = user["id"]
        if "location" in wanted and user.get("location"):
            out["location"] = user["location"]
        if "most_recent_tweet_id" in wanted and (newest := self._most_recent(user)):
            out["most_recent_tweet_id"] = newest
        out["name"] = user["name"]
        if "pinned_tweet_id" in wanted and user.get("pinned_tweet_id"):
            out["pinned_tweet_id"] = user["pinned_tweet_id"]
        if "profile_image_url" in wanted:
            out["profile_image_url"] = user.get("profile_image_url", DEFAULT_PROFILE_IMAGE)
        if "protected" in wanted:
            out["protected"] = bool(user.get("protected"))
        if "public_metrics" in wanted:
            out["public_metrics"] = user["public_metrics"]
        if "url" in wanted:
            out["url"] = user.get("url", "")
        out["username"] = user["username"]
        if "verified" in wanted:
            out["verified"] = bool(user.get("verified"))
        if "verified_type" in wanted:
            out["verified_type"] = user.get("verified_type", "blue" if user.get("verified") else "none")
        return out

    def _most_recent(self, user: dict) -> str | None:
        ids = self.world.timeline_ids(user["id"])
        return str(ids[-1]) if ids else None

    # -- expansions ----------------------------------------------------------------------------------------
    def tweets_response(self, tweets: list[dict], single: bool = False, meta: dict | None = None) -> dict:
        """``{"data", "includes", "errors", "meta"}`` for tweets, with expansions applied."""
        includes_tweets: dict[str, dict] = {}
        user_ids: list[str] = []
        errors: list[dict] = []
        media: dict[str, dict] = {}
        exp = self.expansions
        for tweet in tweets:
            if "attachments.media_keys" in exp:
                media.update((item["media_key"], self.media(item)) for item in tweet.get("media") or ())
            if "author_id" in exp:
                user_ids.append(tweet["author_id"])
            if "in_reply_to_user_id" in exp and tweet.get("in_reply_to_user_id"):
                user_ids.append(tweet["in_reply_to_user_id"])
            if "entities.mentions.username" in exp:
                user_ids += [m["id"] for m in tweet.get("entities", {}).get("mentions", ()) if "id" in m]
            if "referenced_tweets.id" in exp or "referenced_tweets.id.author_id" in exp:
                for ref in tweet.get("referenced_tweets") or ():
                    problem = self.tweet_problem(ref["id"], "referenced_tweets.id")
                    if problem:
                        errors.append(problem)
                    elif "referenced_tweets.id" in exp:
                        includes_tweets.setdefault(ref["id"], self.world.known_tweet(ref["id"]))
                    if not problem and "referenced_tweets.id.author_id" in exp:
                        user_ids.append(self.world.known_tweet(ref["id"])["author_id"])
        includes = self._includes(includes_tweets.values(), user_ids)
        if media:
            includes["media"] = list(media.values())
        data = self.tweet(tweets[0]) if single else [self.tweet(t) for t in tweets]
        return assemble(data, includes, errors, meta)

    def users_response(self, users: list[dict], single: bool = False, meta: dict | None = None) -> dict:
        """``{"data", "includes", "errors", "meta"}`` for users, with the pinned/most recent tweet expansions."""
        tweets: dict[str, dict] = {}
        errors: list[dict] = []
        for user in users:
            wanted = []
            if "pinned_tweet_id" in self.expansions and user.get("pinned_tweet_id"):
                wanted.append(("pinned_tweet_id", user["pinned_tweet_id"]))
            if "most_recent_tweet_id" in self.expansions and (newest := self._most_recent(user)):
                wanted.append(("most_recent_tweet_id", newest))
            for parameter, tweet_id in wanted:
                problem = self.tweet_problem(tweet_id, parameter)
                if problem:
                    errors.append(problem)
                else:
                    tweets.setdefault(tweet_id, self.world.known_tweet(tweet_id))
        includes = self._includes(tweets.values(), [])
        data = self.user(users[0]) if single else [self.user(u) for u in users]
        return assemble(data, includes, errors, meta)

    def _includes(self, tweets: Iterable[dict], user_ids: list[str]) -> dict:
        includes: dict[str, list] = {}
        seen: dict[str, dict] = {}
        for user_id in user_ids:
            user = self.world.user(user_id)
            if user is not None and not user.get("suspended") and user_id not in seen:
                seen[user_id] = self.user(user)
        if seen:
            includes["users"] = list(seen.values())
        rendered = [self.tweet(t) for t in tweets]
        if rendered:
            includes["tweets"] = rendered
        return includes


def assemble(data, includes: dict | None = None, errors: list | None = None, meta: dict | None = None) -> dict:
    """A response body in the API's key order, leaving out empty parts."""
    body: dict = {}
    if data is not None:
        body["data"] = data
    if includes:
        body["includes"] = includes
    if errors:
        body["errors"] = errors
    if meta is not None:
        body["meta"] = meta
    return body


def _reply_prefix_length(tweet: dict) -> int:
    """Replies start with the @names they answer; the API's display_text_range skips them."""
    if not tweet.get("in_reply_to_user_id"):
        return 0
    text = tweet["text"]
    position = 0
    for mention in tweet.get("entities", {}).get("mentions", ()):
        if mention["start"] != position:
            break
        position = mention["end"]
        while position < len(text) and text[position] == " ":
            position += 1
    return position
