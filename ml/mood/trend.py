"""The mood over time: classified tweets in day or week buckets of their own dates, each with its breakdown.

Each bucket weighs its tweets alike (recency is what the buckets already show) by how emotional they are, as
``emotion_breakdown`` does, and names a status only when it holds at least ``min_weight`` effective emotional
tweets. Empty buckets between the first and the last are kept, so a chart's time axis has no gaps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ml.mood.status import NEGATIVE, POSITIVE, mood_status
from ml.mood.weights import ScoredTweet, effective_emotional_count, emotion_breakdown

BUCKETS = ("day", "week")
MIN_BUCKET_WEIGHT = 1.0  # effective emotional tweets a bucket needs before it names a status


@dataclass(frozen=True)
class TrendPoint:
    """One bucket: when it starts (a day, or the Monday of an ISO week), its tweets and their mood."""

    start: date
    tweets: int
    emotional_weight: float
    breakdown: dict[str, float] | None
    status: str | None
    positivity: float | None
    negativity: float | None


def bucket_start(moment: datetime, bucket: str) -> date:
    """The first day of ``moment``'s bucket (UTC): the day itself, or the Monday of its week.

    Examples
    --------
    >>> bucket_start(datetime(2026, 12, 3, 23, 0, tzinfo=UTC), "week")
    datetime.date(2026, 11, 30)
    """
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {BUCKETS}, got {bucket!r}")
    day = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


def _point(start: date, tweets: Sequence[ScoredTweet], min_weight: float) -> TrendPoint:
    weights = [1.0] * len(tweets)
    weight = effective_emotional_count(tweets, weights)
    if not tweets or weight <= 0:
        return TrendPoint(start, len(tweets), round(weight, 4), None, None, None, None)
    breakdown = emotion_breakdown(tweets, weights)
    positivity = math.fsum(breakdown[label] for label in POSITIVE)
    negativity = math.fsum(breakdown[label] for label in NEGATIVE)
    status = mood_status(breakdown) if weight >= min_weight else None
    rounded = {label: round(share, 4) for label, share in breakdown.items()}
    return TrendPoint(start, len(tweets), round(weight, 4), rounded, status, round(positivity, 4), round(negativity, 4))


def trend(
    tweets: Sequence[ScoredTweet], bucket: str = "week", min_weight: float = MIN_BUCKET_WEIGHT
) -> list[TrendPoint]:
    """The tweets' mood per bucket, oldest first, from the first bucket with a tweet to the last."""
    groups: dict[date, list[ScoredTweet]] = {}
    for tweet in tweets:
        groups.setdefault(bucket_start(tweet.created_at, bucket), []).append(tweet)
    if not groups:
        return []
    step = timedelta(days=7 if bucket == "week" else 1)
    points, start, last = [], min(groups), max(groups)
    while start <= last:
        points.append(_point(start, groups.get(start, []), min_weight))
        start += step
    return points
