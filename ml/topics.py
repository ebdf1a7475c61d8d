"""Public emotion on a topic: classified tweets folded into daily aggregates, and the peaks explained by hashtags.

Only aggregates leave this module: a day's tweet count, how many tweets had each emotion on top, the mean
probability of each label, positivity (joy + love + surprise) and negativity (anger + fear + sadness) of the mean,
and hashtag counts. No text, tweet id or author: the people tweeting about a topic did not ask to be analysed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ml.labels import LABELS
from ml.timeline import Peak, find_peaks

POSITIVE = ("joy", "love", "surprise")
NEGATIVE = ("anger", "fear", "sadness")
SERIES = ("positivity", *LABELS[:6])  # the series peaks are looked for in
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
# Trailing baselines: four weeks of days; three days of hours (long enough to span the daily rhythm).
WINDOWS = {DAY: (28, 7), HOUR: (72, 24)}  # step -> (window, min_history), in steps


@dataclass
class DayAggregate:
    """One day (or hour) of a topic: counts and sums, so they merge exactly when a refresh adds tweets."""

    day: date  # a datetime truncated to the hour for an hourly bucket
    tweets: int = 0
    top: Counter = field(default_factory=Counter)  # label -> tweets with that label on top
    sums: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LABELS, 0.0))
    hashtags: Counter = field(default_factory=Counter)

    def add(self, probs: Mapping[str, float], hashtags: Iterable[str] = ()) -> None:
        """Count one classified tweet."""
        self.tweets += 1
        self.top[max(LABELS, key=lambda label: probs[label])] += 1
        for label in LABELS:
            self.sums[label] += float(probs[label])
        self.hashtags.update({tag.lower() for tag in hashtags})

    def mean(self, label: str) -> float:
        """The day's mean probability of ``label``."""
        return self.sums[label] / self.tweets if self.tweets else 0.0

    @property
    def positivity(self) -> float:
        """Mean joy + love + surprise."""
        return sum(self.mean(label) for label in POSITIVE)

    @property
    def negativity(self) -> float:
        """Mean anger + fear + sadness."""
        return sum(self.mean(label) for label in NEGATIVE)

    def value(self, series: str) -> float:
        """The day's value of one of ``SERIES``."""
        return self.positivity if series == "positivity" else self.mean(series)


def bucket_of(created: datetime, step: timedelta = DAY) -> date:
    """The day (a date) or, with ``step=HOUR``, the hour (a datetime truncated to it) a moment falls in."""
    return created.replace(minute=0, second=0, microsecond=0) if step == HOUR else created.date()


def aggregate(
    tweets: Iterable[tuple[datetime, Mapping[str, float], Iterable[str]]], step: timedelta = DAY
) -> dict[date, DayAggregate]:
    """Fold ``(created_at, probabilities, hashtags)`` into days, or hours with ``step=HOUR`` (pass UTC times)."""
    days: dict[date, DayAggregate] = {}
    for created, probs, hashtags in tweets:
        day = bucket_of(created, step)
        days.setdefault(day, DayAggregate(day)).add(probs, hashtags)
    return days


@dataclass(frozen=True)
class TopicPeak:
    """A peak of one series (``positivity`` or an emotion's mean probability) and the hashtags of its day."""

    series: str
    peak: Peak
    hashtags: list[tuple[str, float, int]]  # (tag, lift, count on the day)


def over_represented(
    day: DayAggregate,
    baseline: Sequence[DayAggregate],
    exclude: Iterable[str] = (),
    min_count: int = 3,
    top: int = 5,
) -> list[tuple[str, float, int]]:
    """The day's hashtags most over-represented against ``baseline`` days: ``(tag, lift, count)``.

    Lift is the tag's share of the day's tweets over its share of the baseline's, with add-one smoothing on the
    baseline (a tag new that day has a large but finite lift). Tags are ranked by ``count * log(lift)``, their
    part in how the day differs (the term of a KL divergence, as in word shifts): a tag used 11 times at 17x
    explains a day better than one used 3 times at 26x. Tags not over-represented (lift <= 1), used fewer than
    ``min_count`` times that day, or in ``exclude`` (the query's own terms, any case, with or without '#') are
    left out.
    """
    skip = {term.lower().lstrip("#") for term in exclude}
    base_tweets = sum(b.tweets for b in baseline)
    base_tags: Counter = Counter()
    for other in baseline:
        base_tags.update(other.hashtags)
    found = []
    for tag, count in day.hashtags.items():
        if count < min_count or tag in skip:
            continue
        lift = (count / day.tweets) / ((base_tags[tag] + 1) / (base_tweets + 1))
        if lift > 1:
            found.append((tag, lift, count))
    found.sort(key=lambda item: (-item[2] * math.log(item[1]), item[0]))
    return [(tag, round(lift, 3), count) for tag, lift, count in found[:top]]


def topic_peaks(
    days: Mapping[date, DayAggregate],
    exclude: Iterable[str] = (),
    per_series: int = 3,
    min_tweets: int = 5,
    step: timedelta = DAY,
) -> list[TopicPeak]:
    """Peaks of positivity and of each emotion, strongest first, each with the hashtags of its day (or hour).

    Days with fewer than ``min_tweets`` tweets, or than a quarter of the median day's, are gaps (their means are
    noise). The scale floor of each series
    is the sampling noise of a mean over a typical day's tweets (a share moves by 1/n with one tweet).
    ``step=HOUR`` reads hourly buckets against a three-day baseline (``WINDOWS``).
    """
    window, min_history = WINDOWS[step]
    counted = sorted(agg.tweets for agg in days.values() if agg.tweets >= min_tweets)
    if not counted:
        return []
    # A bucket with a quarter of the typical tweets has twice its sampling noise: a gap, not a candidate peak
    # (the night hours of a corpus, a topic's first quiet days).
    floor = max(min_tweets, counted[len(counted) // 2] // 4)
    usable = sorted(day for day, agg in days.items() if agg.tweets >= floor)
    typical = sorted(days[day].tweets for day in usable)[len(usable) // 2]
    excluded = list(exclude)
    found: list[TopicPeak] = []
    for series in SERIES:
        values = [days[day].value(series) for day in usable]
        found_peaks = find_peaks(
            usable, values, min_scale=1 / typical, step=step, window=window, min_history=min_history
        )
        for peak in found_peaks[:per_series]:
            baseline = [days[d] for d in usable if d != peak.day]
            found.append(TopicPeak(series, peak, over_represented(days[peak.day], baseline, excluded)))
    return sorted(found, key=lambda item: (-item.peak.score, item.peak.day, item.series))
