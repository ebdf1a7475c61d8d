"""Tweet text rules the local API needs: entity extraction, weighted length, dates and snowflake ids.

Simplified from twitter-text (github.com/twitter/twitter-text): good enough for the texts in our worlds and for
the validation the API does on ``POST /2/tweets``; it is not a full port.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

# Offsets are in code points (Python str indices) with ``end`` exclusive, as the API v2 entities give them.
HASHTAG_RE = re.compile(r"(?<![\w&#＃])[#＃](\w*[^\W\d_]\w*)")
MENTION_RE = re.compile(r"(?<![\w@＠!#$%&*])[@＠]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])")
URL_RE = re.compile(r"https?://[^\s<>\"]+")
URL_TRAILING = ".,;:!?)]}'\""
USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,15}$")

MAX_WEIGHTED_LENGTH = 280
TRANSFORMED_URL_LENGTH = 23
# twitter-text v3: code points in these ranges weigh 1, every other code point 2 (CJK, emoji, ...).
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))

TWEPOCH_MS = 1288834974657  # Twitter's snowflake epoch, 2010-11-04T01:42:54.657Z
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def extract_entities(text: str, resolve_user_id: Callable[[str], str | None] | None = None) -> dict:
    """Return the API v2 ``entities`` object for ``text`` (hashtags, mentions, urls; empty keys left out).

    ``resolve_user_id(username)`` adds the ``id`` of mentioned accounts that exist, as the real API does.
    """
    entities: dict[str, list] = {}
    urls: list[dict[str, Any]] = []
    for match in URL_RE.finditer(text):
        url = match.group(0).rstrip(URL_TRAILING)
        start = match.start()
        display = re.sub(r"^https?://(www\.)?", "", url)
        urls.append(
            {
                "start": start,
                "end": start + len(url),
                "url": url,
                "expanded_url": url,
                "display_url": display if len(display) <= 27 else display[:26] + "…",
            }
        )
    inside_url = [(u["start"], u["end"]) for u in urls]

    def outside_urls(pos: int) -> bool:
        return not any(start <= pos < end for start, end in inside_url)

    hashtags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)}
        for m in HASHTAG_RE.finditer(text)
        if outside_urls(m.start())
    ]
    mentions = []
    for m in MENTION_RE.finditer(text):
        if not outside_urls(m.start()):
            continue
        mention = {"start": m.start(), "end": m.end(), "username": m.group(1)}
        user_id = resolve_user_id(m.group(1)) if resolve_user_id else None
        if user_id is not None:
            mention["id"] = user_id
        mentions.append(mention)
    for key, values in (("hashtags", hashtags), ("mentions", mentions), ("urls", urls)):
        if values:
            entities[key] = values
    return entities


def weighted_length(text: str) -> int:
    """Twitter's weighted length of ``text``: URLs count 23, light code points 1, the rest 2 (max 280)."""
    text = unicodedata.normalize("NFC", text)
    length = 0
    last = 0
    for match in URL_RE.finditer(text):
        length += _weigh(text[last : match.start()]) + TRANSFORMED_URL_LENGTH
        last = match.end()
    return length + _weigh(text[last:])


def _weigh(chunk: str) -> int:
    if chunk.isascii():  # the common case, and every ASCII code point weighs 1
        return len(chunk)
    return len(chunk) + sum(1 for ch in chunk if not any(lo <= ord(ch) <= hi for lo, hi in LIGHT_RANGES))


def format_time(moment: datetime) -> str:
    """Format like the API: ``2026-11-20T12:34:56.000Z`` (UTC, milliseconds)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(value: str) -> datetime:
    """Parse an RFC 3339 timestamp (``2026-11-20T12:34:56Z``, optional fraction or offset) to aware UTC."""
    if not TIME_RE.match(value):
        raise ValueError(f"not an RFC 3339 date-time: {value!r}")
    head, _, rest = value.partition(".")
    if rest:  # fromisoformat wants 3 or 6 fractional digits; the API accepts 1 to 9
        fraction = re.match(r"\d+", rest)
        digits = fraction.group(0) if fraction else ""
        value = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits) :]}"
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def snowflake(moment: datetime, low_bits: int = 0) -> int:
    """A snowflake id for ``moment``: milliseconds since Twitter's epoch, then 22 worker/sequence bits."""
    millis = int(moment.timestamp() * 1000) - TWEPOCH_MS
    return (millis << 22) | (low_bits & 0x3FFFFF)


def snowflake_time(tweet_id: int) -> datetime:
    """The creation time encoded in a snowflake id."""
    return datetime.fromtimestamp(((tweet_id >> 22) + TWEPOCH_MS) / 1000, UTC)
