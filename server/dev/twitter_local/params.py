"""Query-parameter validation with the API's 400 messages, and opaque pagination tokens."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection, Mapping
from datetime import datetime

from server.dev.twitter_local.twitter_text import USERNAME_RE, parse_time

ID_PATTERN = "^[0-9]{1,19}$"
ID_RE = re.compile(ID_PATTERN)

TWEET_FIELDS = [
    "article", "attachments", "author_id", "card_uri", "community_id", "context_annotations", "conversation_id",
    "created_at", "display_text_range", "edit_controls", "edit_history_tweet_ids", "entities", "geo", "id",
    "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics", "note_tweet", "organic_metrics",
    "possibly_sensitive", "promoted_metrics", "public_metrics", "referenced_tweets", "reply_settings", "scopes",
    "source", "text", "withheld",
]  # fmt: skip
USER_FIELDS = [
    "affiliation", "confirmed_email", "connection_status", "created_at", "description", "entities", "id",
    "is_identity_verified", "location", "most_recent_tweet_id", "name", "parody", "pinned_tweet_id",
    "profile_banner_url", "profile_image_url", "protected", "public_metrics", "receives_your_dm", "subscription",
    "subscription_type", "url", "username", "verified", "verified_followers_count", "verified_type", "withheld",
]  # fmt: skip
MEDIA_FIELDS = [
    "alt_text", "duration_ms", "height", "media_key", "non_public_metrics", "organic_metrics", "preview_image_url",
    "promoted_metrics", "public_metrics", "type", "url", "variants", "width",
]  # fmt: skip
PLACE_FIELDS = ["contained_within", "country", "country_code", "full_name", "geo", "id", "name", "place_type"]
POLL_FIELDS = ["duration_minutes", "end_datetime", "id", "options", "voting_status"]
TWEET_EXPANSIONS = [
    "article.cover_media", "article.media_entities", "attachments.media_keys", "attachments.media_source_tweet",
    "attachments.poll_ids", "author_id", "edit_history_tweet_ids", "entities.mentions.username", "geo.place_id",
    "in_reply_to_user_id", "entities.note.mentions.username", "referenced_tweets.id",
    "referenced_tweets.id.attachments.media_keys", "referenced_tweets.id.author_id",
]  # fmt: skip
USER_EXPANSIONS = ("affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id")
FIELD_PARAMS = {
    "tweet.fields": TWEET_FIELDS,
    "user.fields": USER_FIELDS,
    "media.fields": MEDIA_FIELDS,
    "place.fields": PLACE_FIELDS,
    "poll.fields": POLL_FIELDS,
}


class InvalidRequest(Exception):
    """Raised with the collected 400 errors once a request's parameters have been checked."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


class QueryParams:
    """Reads one request's query parameters, collecting every problem so the 400 lists them all."""

    def __init__(self, args: Mapping[str, str], allowed: Collection[str], expansions: Collection[str] = ()) -> None:
        self.args = args
        self.errors: list[dict] = []
        self.expansion_choices = expansions
        for name in args:
            if name not in allowed:
                self.error(name, args[name], f"The query parameter [{name}] is not one of [{','.join(allowed)}]")

    def error(self, name: str, value: str, message: str) -> None:
        """Record one invalid parameter."""
        self.errors.append({"parameters": {name: [value]}, "message": message})

    def check(self) -> None:
        """Raise :class:`InvalidRequest` if anything was wrong."""
        if self.errors:
            raise InvalidRequest(self.errors)

    def integer(self, name: str, low: int, high: int, default: int) -> int:
        """An integer in ``[low, high]`` (the API's ``max_results`` check)."""
        value = self.args.get(name)
        if value is None:
            return default
        if not value.isdigit() or not low <= int(value) <= high:
            self.error(name, value, f"The `{name}` query parameter value [{value}] is not between {low} and {high}")
            return default
        return int(value)

    def snowflake(self, name: str, value: str | None = None) -> int | None:
        """A numeric id (query parameter ``name``, or a path value checked under that name)."""
        value = self.args.get(name) if value is None else value
        if value is None:
            return None
        if not ID_RE.match(value):
            self.error(name, value, f"The `{name}` query parameter value [{value}] does not match {ID_PATTERN}")
            return None
        return int(value)

    def username(self, name: str, value: str) -> str | None:
        """A username from the path or a list."""
        if not USERNAME_RE.match(value):
            self.error(
                name, value, f"The `{name}` query parameter value [{value}] does not match ^[A-Za-z0-9_]{{1,15}}$"
            )
            return None
        return value

    def time(self, name: str) -> datetime | None:
        """An RFC 3339 timestamp."""
        value = self.args.get(name)
        if value is None:
            return None
        try:
            return parse_time(value)
        except ValueError:
            self.error(name, value, f"The `{name}` query parameter value [{value}] is not a valid RFC3339 date-time")
            return None

    def choices(self, name: str, valid: Collection[str]) -> list[str]:
        """A comma-separated list whose items must all be in ``valid`` (fields, expansions, exclude)."""
        value = self.args.get(name)
        if value is None:
            return []
        items = [item for item in value.split(",") if item]
        for item in items:
            if item not in valid:
                self.error(name, item, f"The `{name}` query parameter value [{item}] is not one of [{','.join(valid)}]")
        return [item for item in items if item in valid]

    def id_list(self, name: str, limit: int = 100) -> list[str]:
        """A comma-separated list of 1..limit items (``ids``, ``usernames``), returned raw."""
        value = self.args.get(name, "")
        items = [item for item in value.split(",") if item]
        if not 1 <= len(items) <= limit:
            message = (
                f"The number of values in the `{name}` query parameter list [{len(items)}] is not between 1 and {limit}"
            )
            self.error(name, value, message)
        return items

    def fields(self) -> dict[str, set[str]]:
        """All ``*.fields`` parameters, checked, as sets."""
        return {name: set(self.choices(name, valid)) for name, valid in FIELD_PARAMS.items()}

    def expansions(self) -> set[str]:
        """The ``expansions`` parameter, checked against this endpoint's choices."""
        return set(self.choices("expansions", self.expansion_choices))

    def token(self, kind: str, name: str = "pagination_token") -> tuple[str, int] | None:
        """Decode the token in ``name`` (search takes ``next_token``) made by :func:`encode_token` with ``kind``."""
        value = self.args.get(name)
        if value is None:
            return None
        decoded = decode_token(value)
        if decoded is None or decoded[0][0] != kind:
            self.error(name, value, f"The `{name}` query parameter value [{value}] is not valid")
            return None
        return decoded[0][1:], decoded[1]


def encode_token(kind: str, direction: str, position: int) -> str:
    """An opaque pagination token: lower-case like timeline tokens for tweets ("t"), upper-case for users ("u")."""
    raw = base64.b32encode(f"{kind}{direction}:{position}".encode()).decode().rstrip("=")
    return raw.lower() if kind == "t" else raw


def decode_token(token: str) -> tuple[str, int] | None:
    """Inverse of :func:`encode_token`: ``("tn", 123)`` or None for anything it did not make."""
    try:
        padded = token.upper() + "=" * (-len(token) % 8)
        prefix, _, position = base64.b32decode(padded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if len(prefix) != 2 or prefix[0] not in "tu" or prefix[1] not in "np" or not position.isdigit():
        return None
    return prefix, int(position)
