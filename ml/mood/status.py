"""An account's mood status from its weighted emotion breakdown: pure Python, no framework.

The seed's rules, with ``positivity = joy + love + surprise`` and
``negativity = anger + fear + sadness``:

- negativity > positivity: ``Stressed`` if ``2 × anger > fear + sadness``, else ``Depressed``;
- otherwise: ``Cheerful`` if ``positivity >= 1.5 × negativity``, else ``Satisfied``.

Comparisons treat values within ``TIE_TOLERANCE`` as equal, so a boundary that is exact on
paper (e.g. positivity exactly 1.5 × negativity) is not flipped by floating-point rounding.

The mood describes the account as of its newest tweet: recency is measured from that tweet
(or from now, if it is dated later), so an account quiet for months keeps the mood its last
tweets showed instead of fading to undetermined; ``window.end`` says when that was. Tweets in
a language the classifier does not read (``ml.text.language``) are left out and counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from ml.labels import EMOTIONS
from ml.mood.weights import (
    DEFAULT_CONFIG,
    ScoredTweet,
    ScoringConfig,
    effective_emotional_count,
    emotion_breakdown,
    tweet_weights,
)
from ml.text.language import is_scored, main_language

STATUSES = ("Cheerful", "Satisfied", "Stressed", "Depressed")
POSITIVE = ("joy", "love", "surprise")
NEGATIVE = ("anger", "fear", "sadness")
TIE_TOLERANCE = 1e-9
# A determined status whose confidence is below this is still flagged low_confidence.
LOW_CONFIDENCE = 0.5
REASON_NO_TWEETS = "no_tweets"
REASON_TOO_FEW = "too_few_emotional_tweets"
REASON_LANGUAGE = "unsupported_language"
# Happiest / saddest name a tweet only when the model gives its emotion at least this
# probability: below it the "happiest" tweet of a sad account is merely its least sad one.
EXTREME_FLOOR = 0.5


def _polarity(breakdown: Mapping[str, float]) -> tuple[float, float]:
    positivity = math.fsum(float(breakdown.get(label, 0.0)) for label in POSITIVE)
    negativity = math.fsum(float(breakdown.get(label, 0.0)) for label in NEGATIVE)
    return positivity, negativity


def mood_status(breakdown: Mapping[str, float]) -> str:
    """The seed's status for an emotion breakdown (rules in the module docstring).

    Parameters
    ----------
    breakdown : Mapping[str, float]
        emotion -> share; missing emotions read as 0.

    Returns
    -------
    str
        One of ``STATUSES``. Negativity must be strictly greater to win a tie.

    Examples
    --------
    >>> mood_status({"joy": 0.6, "sadness": 0.4}), mood_status({"joy": 0.5, "sadness": 0.5})
    ('Cheerful', 'Satisfied')
    >>> mood_status({"anger": 0.5, "fear": 0.5}), mood_status({"anger": 0.25, "sadness": 0.5})
    ('Stressed', 'Depressed')
    """
    positivity, negativity = _polarity(breakdown)
    if negativity > positivity + TIE_TOLERANCE:
        anger = float(breakdown.get("anger", 0.0))
        fear_sadness = float(breakdown.get("fear", 0.0)) + float(breakdown.get("sadness", 0.0))
        return "Stressed" if 2 * anger > fear_sadness + TIE_TOLERANCE else "Depressed"
    return "Cheerful" if positivity >= 1.5 * negativity - TIE_TOLERANCE else "Satisfied"


def _relative_margin(a: float, b: float) -> float:
    # |a - b| / (a + b): 0 at a tie, 1 when one side is absent; in [0, 1] for a, b >= 0.
    total = a + b
    return min(1.0, abs(a - b) / total) if total > 0 else 0.0


def mood_confidence(
    breakdown: Mapping[str, float], effective_count: float, config: ScoringConfig = DEFAULT_CONFIG
) -> float:
    """Confidence in ``mood_status(breakdown)``, in ``[0, 1]``.

    ``confidence = evidence × (1 + margin) / 2`` where

    - ``evidence = 1 - 0.5 ** (n / config.min_emotional_weight)`` with ``n = effective_count``
      (0 when ``n <= 0``, 1 when the threshold is 0): 0.5 exactly at the threshold, 0.75 at twice
      it, 0.875 at three times, so the threshold acts as a half-evidence count;
    - ``margin`` is the smaller relative margin ``|a - b| / (a + b)`` of the two comparisons that
      decided the status (positivity vs negativity, then ``2 × anger`` vs ``fear + sadness`` or
      ``positivity`` vs ``1.5 × negativity``): either one flipping would change the status. A tie
      halves the confidence rather than zeroing it: the status is then one of two, not a guess
      among four.

    Examples
    --------
    >>> mood_confidence({"joy": 1.0}, 3.0, ScoringConfig(min_emotional_weight=3.0))
    0.5
    >>> mood_confidence({"joy": 0.5, "sadness": 0.5}, 3.0, ScoringConfig(min_emotional_weight=3.0))
    0.25
    >>> mood_confidence({}, 0.0)
    0.0
    """
    n = float(effective_count)
    if not n > 0:
        return 0.0
    threshold = config.min_emotional_weight
    evidence = 1.0 - 0.5 ** (n / threshold) if threshold > 0 else 1.0
    positivity, negativity = _polarity(breakdown)
    first = _relative_margin(positivity, negativity)
    if mood_status(breakdown) in ("Stressed", "Depressed"):
        anger = float(breakdown.get("anger", 0.0))
        second = _relative_margin(2 * anger, float(breakdown.get("fear", 0.0)) + float(breakdown.get("sadness", 0.0)))
    else:
        second = _relative_margin(positivity, 1.5 * negativity)
    margin = min(first, second)
    return min(1.0, max(0.0, evidence * (1.0 + margin) / 2.0))


@dataclass
class MoodResult:
    """Outcome of ``assess``.

    Attributes
    ----------
    status : str or None
        One of ``STATUSES``; None when undetermined (see ``reason``).
    confidence : float
        ``mood_confidence`` of the breakdown, in ``[0, 1]`` (also reported when undetermined).
    low_confidence : bool
        True when undetermined or ``confidence < LOW_CONFIDENCE``.
    reason : str or None
        Why ``status`` is None: ``"no_tweets"`` or ``"too_few_emotional_tweets"``; None otherwise.
    breakdown : dict
        emotion -> share from ``emotion_breakdown``.
    positivity, negativity : float
        joy + love + surprise and anger + fear + sadness of the breakdown.
    tweet_count : int
    emotional_weight : float
        ``effective_emotional_count`` of the tweets.
    happiest, saddest : dict or None
        ``{"id", "text", "score"}`` of the own tweet with the highest joy / sadness probability;
        None when no own tweet reaches ``EXTREME_FLOOR``.
    window : dict or None
        ``{"start", "end"}``: ISO-8601 times of the oldest and newest scored tweet.
    skipped_language : int
        Tweets left out because of their language (not in ``tweet_count``).
    language : str or None
        The account's main language (``ml.text.language.main_language``) over all its tweets.
    """

    status: str | None
    confidence: float
    low_confidence: bool
    reason: str | None
    breakdown: dict[str, float]
    positivity: float
    negativity: float
    tweet_count: int
    emotional_weight: float
    happiest: dict | None = None
    saddest: dict | None = None
    window: dict | None = None
    skipped_language: int = 0
    language: str | None = None

    def to_dict(self) -> dict:
        """JSON-serialisable copy.

        Examples
        --------
        >>> import json
        >>> json.dumps(assess([], datetime(2024, 1, 1)).to_dict()["reason"])
        '"no_tweets"'
        """
        return asdict(self)


def _utc(moment: datetime) -> datetime:
    # Naive reads as UTC, as in ml.mood.weights; aware times are reported in UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _extreme(tweets: Sequence[ScoredTweet], label: str) -> dict | None:
    # Only the account's own words speak for its extremes; ties keep the first tweet.
    own = [t for t in tweets if t.kind == "own" and float(t.probs.get(label, 0.0)) >= EXTREME_FLOOR]
    if not own:
        return None
    best = max(own, key=lambda t: float(t.probs.get(label, 0.0)))
    return {"id": str(best.id), "text": best.text, "score": float(best.probs.get(label, 0.0))}


def assess(tweets: Sequence[ScoredTweet], now: datetime, config: ScoringConfig = DEFAULT_CONFIG) -> MoodResult:
    """Weigh an account's tweets into a mood status with a confidence.

    When the effective number of emotional tweets is 0 or below ``config.min_emotional_weight``
    the status is None with a ``reason`` and ``low_confidence`` set, rather than a guess; the
    breakdown and extremes are still reported. Tweets whose ``lang`` the classifier does not read
    are left out first (``skipped_language``); recency counts from the newest tweet kept.

    Parameters
    ----------
    tweets : sequence of ScoredTweet
        One account's classified tweets.
    now : datetime
        The time of the assessment; recency counts from the newest tweet, or from ``now`` if
        that tweet is dated later.
    config : ScoringConfig

    Returns
    -------
    MoodResult

    Examples
    --------
    >>> from datetime import UTC
    >>> now = datetime(2024, 1, 1, tzinfo=UTC)
    >>> tweets = [ScoredTweet(str(i), now, "own", {"joy": 0.9, "neutral": 0.1}, text="yay") for i in range(5)]
    >>> r = assess(tweets, now)
    >>> r.status, r.low_confidence, r.happiest["score"]
    ('Cheerful', False, 0.9)
    >>> r = assess(tweets[:2], now)
    >>> r.status, r.low_confidence, r.reason
    (None, True, 'too_few_emotional_tweets')
    """
    language = main_language(t.lang for t in tweets)
    skipped = sum(not is_scored(t.lang) for t in tweets)
    tweets = [t for t in tweets if is_scored(t.lang)]
    newest = max((_utc(t.created_at) for t in tweets), default=_utc(now))
    reference = min(_utc(now), newest)
    weights = tweet_weights(tweets, reference, config)
    breakdown = emotion_breakdown(tweets, weights)
    effective = effective_emotional_count(tweets, weights)
    positivity, negativity = _polarity(breakdown)
    confidence = mood_confidence(breakdown, effective, config)
    if not tweets:
        status, reason = None, REASON_LANGUAGE if skipped else REASON_NO_TWEETS
    elif not effective > 0 or effective < config.min_emotional_weight:
        # Zero evidence is undetermined even with a threshold of 0: an all-zero breakdown
        # would otherwise read as Cheerful.
        status, reason = None, REASON_TOO_FEW
    else:
        status, reason = mood_status(breakdown), None
    window = None
    if tweets:
        times = sorted(_utc(t.created_at) for t in tweets)
        window = {"start": times[0].isoformat(), "end": times[-1].isoformat()}
    return MoodResult(
        status=status,
        confidence=confidence,
        low_confidence=status is None or confidence < LOW_CONFIDENCE,
        reason=reason,
        breakdown={label: float(breakdown[label]) for label in EMOTIONS},
        positivity=positivity,
        negativity=negativity,
        tweet_count=len(tweets),
        emotional_weight=effective,
        happiest=_extreme(tweets, "joy"),
        saddest=_extreme(tweets, "sadness"),
        window=window,
        skipped_language=skipped,
        language=language,
    )
