"""Per-tweet weights and the weighted emotion breakdown of an account: pure Python, no framework.

A tweet's weight is ``recency × activity × ownership``:

- recency: ``0.5 ** (age_days / half_life_days)``, so a tweet ``half_life_days`` old counts half;
- activity: ``1 + min(max_boost, gain × max(0, log2((1 + e) / (1 + typical))))`` where ``e`` is the
  tweet's likes + retweets + replies + quotes and ``typical`` the account's median engagement; a tweet
  at or below its account's typical engagement (including none at all) keeps factor 1, and each
  doubling above it adds ``gain`` up to the bound;
- ownership: a fixed factor per kind of tweet (own, reply, quote, retweet).

The breakdown then weighs each tweet's emotion probabilities by ``weight × (1 - p(neutral))``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from ml.labels import EMOTIONS, NEUTRAL

KINDS = ("own", "reply", "quote", "retweet")
_SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class ScoringConfig:
    """Coefficients of the tweet weights and the mood's evidence threshold.

    Attributes
    ----------
    half_life_days : float
        Age in days at which a tweet counts half (> 0). Two weeks: recent enough to track a
        change of mood, long enough that a quiet week still leaves evidence.
    activity_gain : float
        Weight added per doubling of engagement above the account's typical engagement (>= 0).
    max_activity_boost : float
        Bound on the added weight, so the activity factor lies in ``[1, 1 + max_activity_boost]``
        (>= 0). With the defaults a tweet at 4× its account's typical engagement counts double and
        no viral tweet counts more, so one outlier cannot outvote the rest of the timeline.
    weight_own, weight_reply, weight_quote, weight_retweet : float
        Ownership factors (>= 0). Own tweets speak for the author fully; replies are the author's
        words but shaped by someone else's conversation; quotes mix the author's comment with
        quoted text the classifier also sees; retweets are someone else's words, endorsed only.
    min_emotional_weight : float
        Effective number of emotional tweets (see ``effective_emotional_count``) below which the
        mood is left undetermined (>= 0).

    Examples
    --------
    >>> ScoringConfig().ownership_weight("retweet")
    0.5
    """

    half_life_days: float = 14.0
    activity_gain: float = 0.5
    max_activity_boost: float = 1.0
    weight_own: float = 1.0
    weight_reply: float = 0.8
    weight_quote: float = 0.7
    weight_retweet: float = 0.5
    min_emotional_weight: float = 3.0

    def __post_init__(self):
        for field in fields(self):
            name = field.name
            value = float(getattr(self, name))
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
            object.__setattr__(self, name, value)
        if self.half_life_days <= 0:
            raise ValueError(f"half_life_days must be > 0, got {self.half_life_days!r}")

    @property
    def ownership_weights(self) -> dict[str, float]:
        """Ownership factor per tweet kind (a copy)."""
        return {kind: getattr(self, f"weight_{kind}") for kind in KINDS}

    def ownership_weight(self, kind: str) -> float:
        """Ownership factor of one tweet kind; ``ValueError`` for an unknown kind."""
        if kind not in KINDS:
            raise ValueError(f"unknown tweet kind {kind!r}; expected one of {KINDS}")
        return getattr(self, f"weight_{kind}")


DEFAULT_CONFIG = ScoringConfig()


@dataclass(frozen=True)
class ScoredTweet:
    """One classified tweet.

    Attributes
    ----------
    id : str
    created_at : datetime
        Timezone-aware; a naive datetime is taken as UTC.
    kind : str
        One of ``KINDS``.
    probs : Mapping[str, float]
        Classifier probability per label of ``ml.labels.LABELS``.
    likes, retweets, replies, quotes : int
        Public engagement counts.
    text : str
    lang : str or None
        Language code (``ml.text.language.tweet_language``); None when unknown.
    """

    id: str
    created_at: datetime
    kind: str
    probs: Mapping[str, float]
    likes: int = 0
    retweets: int = 0
    replies: int = 0
    quotes: int = 0
    text: str = ""
    lang: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown tweet kind {self.kind!r}; expected one of {KINDS}")

    @property
    def engagement(self) -> int:
        """Likes + retweets + replies + quotes (negative counts read as 0)."""
        return sum(max(0, int(n)) for n in (self.likes, self.retweets, self.replies, self.quotes))


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def recency_weight(age_days: float, half_life_days: float) -> float:
    """Exponential decay with age: ``0.5 ** (age_days / half_life_days)``.

    Parameters
    ----------
    age_days : float
        Age of the tweet; negative ages (clock skew, future dates) count as 0.
    half_life_days : float
        Age at which the weight is 0.5 (> 0).

    Returns
    -------
    float
        In ``[0, 1]``.

    Examples
    --------
    >>> recency_weight(14, 14), recency_weight(28, 14), recency_weight(-3, 14)
    (0.5, 0.25, 1.0)
    """
    if half_life_days <= 0:
        raise ValueError(f"half_life_days must be > 0, got {half_life_days!r}")
    return 0.5 ** (max(0.0, age_days) / half_life_days)


def activity_weight(engagement: float, typical: float, gain: float, max_boost: float) -> float:
    """Bounded boost for engagement above the account's typical engagement.

    ``1 + min(max_boost, gain × max(0, log2((1 + engagement) / (1 + typical))))``. The ``+ 1``
    makes a typical of 0 well defined (the first doubling is then one interaction) and the log
    compares accounts of any size on the same relative scale. Never below 1: a tweet nobody
    reacted to still counts fully.

    Parameters
    ----------
    engagement : float
        Likes + retweets + replies + quotes of the tweet (negative reads as 0).
    typical : float
        The account's typical engagement, e.g. ``typical_engagement`` (negative reads as 0).
    gain : float
        Factor added per doubling above typical (>= 0).
    max_boost : float
        Bound on the added factor (>= 0).

    Returns
    -------
    float
        In ``[1, 1 + max_boost]``, non-decreasing in ``engagement``.

    Examples
    --------
    >>> activity_weight(0, 0, 0.5, 1.0), activity_weight(3, 0, 0.5, 1.0), activity_weight(10**6, 9, 0.5, 1.0)
    (1.0, 2.0, 2.0)
    >>> activity_weight(19, 9, 0.5, 1.0)
    1.5
    """
    doublings = math.log2((1.0 + max(0.0, engagement)) / (1.0 + max(0.0, typical)))
    return 1.0 + min(max_boost, gain * max(0.0, doublings))


def typical_engagement(tweets: Sequence[ScoredTweet]) -> float:
    """Median of likes + retweets + replies + quotes; the median so one viral tweet does not set it.

    Parameters
    ----------
    tweets : sequence of ScoredTweet

    Returns
    -------
    float
        0.0 for no tweets.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> t = lambda n: ScoredTweet("1", datetime(2024, 1, 1, tzinfo=UTC), "own", {}, likes=n)
    >>> typical_engagement([t(1), t(3), t(1000)]), typical_engagement([])
    (3.0, 0.0)
    """
    if not tweets:
        return 0.0
    return float(statistics.median(t.engagement for t in tweets))


def tweet_weights(tweets: Sequence[ScoredTweet], now: datetime, config: ScoringConfig = DEFAULT_CONFIG) -> list[float]:
    """Weight of each tweet: ``recency × activity × ownership`` (see the module docstring).

    Parameters
    ----------
    tweets : sequence of ScoredTweet
        One account's tweets; their median engagement is the "typical" of the activity factor.
    now : datetime
        Reference time for ages (naive reads as UTC).
    config : ScoringConfig

    Returns
    -------
    list of float
        Finite and >= 0, in ``tweets`` order.

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> now = datetime(2024, 1, 15, tzinfo=UTC)
    >>> own = ScoredTweet("1", now - timedelta(days=14), "own", {})
    >>> rt = ScoredTweet("2", now, "retweet", {})
    >>> tweet_weights([own, rt], now)
    [0.5, 0.5]
    """
    now = _as_utc(now)
    typical = typical_engagement(tweets)
    weights = []
    for tweet in tweets:
        age_days = (now - _as_utc(tweet.created_at)).total_seconds() / _SECONDS_PER_DAY
        weight = (
            recency_weight(age_days, config.half_life_days)
            * activity_weight(tweet.engagement, typical, config.activity_gain, config.max_activity_boost)
            * config.ownership_weight(tweet.kind)
        )
        weights.append(weight)
    return weights


def emotional_weight(probs: Mapping[str, float]) -> float:
    """How much a tweet speaks to emotion: ``1 - p(neutral)``, clipped to ``[0, 1]``.

    Examples
    --------
    >>> emotional_weight({"joy": 0.75, "neutral": 0.25}), emotional_weight({"neutral": 1.0})
    (0.75, 0.0)
    """
    return min(1.0, max(0.0, 1.0 - float(probs.get(NEUTRAL, 0.0))))


def _emotion_shares(probs: Mapping[str, float]) -> dict[str, float] | None:
    # Renormalise over the six emotions so that neutral mass, already accounted for by
    # emotional_weight, does not dilute the breakdown; None when there is no emotion mass.
    values = {label: max(0.0, float(probs.get(label, 0.0))) for label in EMOTIONS}
    total = math.fsum(values.values())
    if not total > 0:
        return None
    return {label: value / total for label, value in values.items()}


def _contributions(tweets: Sequence[ScoredTweet], weights: Sequence[float]):
    if len(tweets) != len(weights):
        raise ValueError(f"{len(tweets)} tweets but {len(weights)} weights")
    for tweet, weight in zip(tweets, weights):
        shares = _emotion_shares(tweet.probs)
        mass = weight * emotional_weight(tweet.probs)
        if shares is not None and mass > 0:
            yield mass, shares


def effective_emotional_count(tweets: Sequence[ScoredTweet], weights: Sequence[float]) -> float:
    """Effective number of emotional tweets: ``Σ weight × (1 - p(neutral))``.

    A fresh, typical, own tweet with no neutral mass counts 1; tweets with no emotion
    probability at all count 0. This is the evidence that ``min_emotional_weight`` thresholds.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> t = lambda p: ScoredTweet("1", datetime(2024, 1, 1, tzinfo=UTC), "own", p)
    >>> effective_emotional_count([t({"joy": 0.5, "neutral": 0.5}), t({"neutral": 1.0})], [1.0, 1.0])
    0.5
    """
    return math.fsum(mass for mass, _ in _contributions(tweets, weights))


def emotion_breakdown(tweets: Sequence[ScoredTweet], weights: Sequence[float]) -> dict[str, float]:
    """Weighted mean of the tweets' emotion distributions over the six ``EMOTIONS``.

    Each tweet's probabilities are renormalised over the six emotions and weighted by
    ``weight × (1 - p(neutral))``, so a purely neutral tweet contributes nothing.

    Parameters
    ----------
    tweets : sequence of ScoredTweet
    weights : sequence of float
        One per tweet, e.g. from ``tweet_weights``.

    Returns
    -------
    dict
        emotion -> share, in ``EMOTIONS`` order; sums to 1, or all zeros when no tweet carries
        emotional weight. Sums use ``math.fsum`` so the result does not depend on tweet order.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> t = lambda p: ScoredTweet("1", datetime(2024, 1, 1, tzinfo=UTC), "own", p)
    >>> b = emotion_breakdown([t({"joy": 0.25, "neutral": 0.75}), t({"anger": 0.5, "fear": 0.5})], [1.0, 1.0])
    >>> b["joy"], b["anger"], b["fear"], sum(b.values())
    (0.2, 0.4, 0.4, 1.0)
    """
    contributions = list(_contributions(tweets, weights))
    # The mean is scale-invariant; dividing by the largest mass keeps tiny weights from underflowing to 0.
    scale = max((mass for mass, _ in contributions), default=1.0)
    sums = {label: math.fsum(mass / scale * shares[label] for mass, shares in contributions) for label in EMOTIONS}
    total = math.fsum(sums.values())
    if not total > 0:
        return dict.fromkeys(EMOTIONS, 0.0)
    return {label: value / total for label, value in sums.items()}
