"""Tweet text normalisation, shared by training and serving so both see the same input."""

from __future__ import annotations

import html
import re
from functools import lru_cache

import emoji

# Longer texts are cut before tokenising: the model reads at most MAX_LENGTH tokens
# anyway, and a 10,000-character body should cost no more than a tweet.
MAX_CHARS = 1000

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@\w{1,15}")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
# Split "HappyNewYear2024" / "happy_new_year" into words.
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_REPEAT = re.compile(r"(.)\1{3,}")
_SPACE = re.compile(r"\s+")


def split_hashtag(tag: str) -> str:
    """Return the words of a hashtag body, e.g. ``"HappyNewYear"`` -> ``"happy new year"``."""
    words = _CAMEL.findall(tag)
    return " ".join(words).lower() if words else tag.lower()


@lru_cache(maxsize=1 << 16)  # the same few thousand tags come back on every call
def normalise_tag(tag: str) -> str:
    """A hashtag as suggested: no ``#``, lower-case, no trailing punctuation (SNAP keeps ``#ted.``).

    Examples
    --------
    >>> normalise_tag("#TED."), normalise_tag("#"), normalise_tag("MakeItWork")
    ('ted', '', 'makeitwork')
    """
    tag = tag.strip().lstrip("#").lower()
    end = len(tag)
    while end and not (tag[end - 1].isalnum() or tag[end - 1] == "_"):
        end -= 1
    return tag[:end]


def _emoji_name(match: str, data: dict) -> str:
    return " " + match.strip(":").replace("_", " ").replace("-", " ") + " "


def normalize(text: str | None) -> str:
    """Normalise one tweet for the classifier.

    HTML entities are unescaped, URLs become ``http``, @mentions become ``@user``,
    hashtags keep their words, emoji become their English names, runs of one
    character are capped at three, and whitespace is collapsed. Never raises on
    a string; ``None`` becomes ``""``.
    """
    if not text:
        return ""
    text = str(text)[: MAX_CHARS * 2]
    # The cheap membership tests skip regex passes most tweets don't need (serving is hot).
    if "&" in text:
        text = html.unescape(text)
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" http ", text)
    if "@" in text:
        text = _MENTION.sub(" @user ", text)
    if "#" in text:
        text = _HASHTAG.sub(lambda m: " " + split_hashtag(m.group(1)) + " ", text)
    if not text.isascii():
        text = emoji.replace_emoji(text, replace=lambda chars, data: _emoji_name(emoji.demojize(chars), data))
    text = _REPEAT.sub(r"\1\1\1", text)
    return _SPACE.sub(" ", text).strip()[:MAX_CHARS]
