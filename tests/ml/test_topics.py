"""A topic's daily aggregates and its explained peaks, on synthetic classified tweets."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

import pytest

from ml.labels import LABELS
from ml.topics import HOUR, DayAggregate, aggregate, over_represented, topic_peaks

START = datetime(2021, 1, 1, 9, tzinfo=UTC)


def probs(top: str, weight: float = 0.7) -> dict[str, float]:
    rest = (1 - weight) / (len(LABELS) - 1)
    return {label: weight if label == top else rest for label in LABELS}


def test_days_count_tweets_top_emotions_means_and_hashtags():
    days = aggregate(
        [
            (START, probs("joy"), ["Vaccine", "hope"]),
            (START + timedelta(hours=3), probs("fear"), ["vaccine"]),
            (START + timedelta(days=1), probs("sadness", 0.9), []),
        ]
    )
    first = days[date(2021, 1, 1)]
    assert (first.tweets, first.top) == (2, Counter({"joy": 1, "fear": 1}))
    assert first.mean("joy") == pytest.approx((0.7 + 0.05) / 2)
    assert first.positivity == pytest.approx(first.mean("joy") + first.mean("love") + first.mean("surprise"))
    assert first.hashtags == Counter({"vaccine": 2, "hope": 1})  # case folded
    assert days[date(2021, 1, 2)].negativity == pytest.approx(0.9 + 2 * 0.1 / 6)


def test_an_aggregate_holds_no_text_id_or_author():
    assert {f.name for f in fields(DayAggregate)} == {"day", "tweets", "top", "sums", "hashtags"}


def test_over_represented_hashtags_by_lift_with_a_minimum_and_the_query_left_out():
    baseline = [DayAggregate(date(2021, 1, d)) for d in range(1, 11)]
    for other in baseline:
        for _ in range(20):
            other.add(probs("joy"), ["PfizerBioNTech", "vaccine"])
    day = DayAggregate(date(2021, 1, 11))
    for index in range(20):
        day.add(probs("fear"), ["PfizerBioNTech", "Norway"] + (["rare"] if index < 2 else []) + ["vaccine"])
    found = over_represented(day, baseline, exclude=["#PfizerBioNTech"])
    assert [tag for tag, _, _ in found] == ["norway"]  # "rare" is under min_count; "vaccine" is as usual (lift 1)
    norway = found[0]
    assert norway[2] == 20 and norway[1] == pytest.approx(1 / (1 / 201))


def test_a_frequent_tag_explains_a_day_better_than_a_rarer_one_with_a_higher_lift():
    baseline = [DayAggregate(date(2021, 1, d)) for d in range(1, 11)]
    for index, other in enumerate(baseline):
        for n in range(20):
            other.add(probs("joy"), ["norway"] if n == 0 and index < 3 else [])
    day = DayAggregate(date(2021, 1, 11))
    for index in range(20):
        day.add(probs("fear"), (["norway"] if index < 11 else []) + (["china"] if index < 3 else []))
    found = {tag: (lift, count) for tag, lift, count in over_represented(day, baseline)}
    assert found["china"][0] > found["norway"][0]  # china's lift is higher ...
    assert [tag for tag, _, _ in over_represented(day, baseline)] == ["norway", "china"]  # ... norway explains more


def test_a_sad_day_is_a_peak_explained_by_its_hashtag():
    rng = random.Random(3)
    tweets = []
    for offset in range(40):
        day = START + timedelta(days=offset)
        for index in range(30):
            sad = offset == 30 and index < 18  # news breaks on day 30
            top = "sadness" if sad else rng.choice(["joy", "joy", "love", "surprise", "fear", "neutral"])
            tags = ["topic"] + (["badnews"] if sad else [rng.choice(["a", "b", "c"])])
            tweets.append((day + timedelta(minutes=index), probs(top, rng.uniform(0.6, 0.8)), tags))
    peaks = topic_peaks(aggregate(tweets), exclude=["topic"])
    strongest = peaks[0]
    assert strongest.peak.day == date(2021, 1, 31) and strongest.series in ("sadness", "positivity")
    assert {(p.series, p.peak.direction) for p in peaks if p.peak.day == date(2021, 1, 31)} >= {
        ("sadness", "up"),
        ("positivity", "down"),
    }
    assert strongest.hashtags[0][0] == "badnews" and all(tag != "topic" for tag, _, _ in strongest.hashtags)


def test_thin_days_are_gaps_and_an_empty_topic_has_no_peaks():
    days = aggregate((START + timedelta(days=d), probs("joy"), []) for d in range(30))  # one tweet a day
    assert topic_peaks(days) == []
    assert topic_peaks({}) == []


def test_hours_bucket_by_the_hour_and_an_hourly_event_is_explained():
    rng = random.Random(5)
    tweets = []
    for hour in range(96):
        moment = START + timedelta(hours=hour)
        count = 4 if moment.hour < 6 else 40  # quiet nights: a quarter of a typical hour is a gap
        for index in range(count):
            storm = hour == 80 and index < 25  # the storm's cancellations in one afternoon hour
            top = "anger" if storm else rng.choice(["joy", "joy", "neutral", "neutral", "anger", "sadness"])
            tags = ["airline", "stormdelays" if storm else rng.choice(["x", "y", "z"])]
            tweets.append((moment + timedelta(minutes=index), probs(top), tags))
    hours = aggregate(tweets, HOUR)
    assert len(hours) == 96 and all(key.minute == 0 and key.tzinfo for key in hours)
    assert hours[START + timedelta(hours=80)].tweets == 40
    peaks = topic_peaks(hours, exclude=["airline"], step=HOUR)
    assert peaks and peaks[0].peak.day == START + timedelta(hours=80) and peaks[0].series in ("anger", "positivity")
    assert peaks[0].hashtags[0][0] == "stormdelays"
    assert all(peak.peak.day.hour >= 6 for peak in peaks)  # night hours are gaps
