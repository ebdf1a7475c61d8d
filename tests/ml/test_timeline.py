"""Peaks in a daily series: synthetic series with known peaks, then the real Pfizer corpus and its known events."""

from __future__ import annotations

import gzip
import json
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ml.timeline import find_peaks

START = date(2021, 1, 1)
PFIZER = Path(__file__).resolve().parents[3] / "shared" / "data" / "topics" / "pfizer_vaccine_tweets.jsonl.gz"


def noisy(n: int, level: float = 0.4, noise: float = 0.02, seed: int = 7) -> tuple[list[date], list[float]]:
    rng = random.Random(seed)
    return [START + timedelta(days=i) for i in range(n)], [level + rng.gauss(0, noise) for _ in range(n)]


def found(peaks) -> list[tuple[str, str]]:
    return [(peak.day.isoformat(), peak.direction) for peak in peaks]


def test_known_peaks_are_found_strongest_first_and_nothing_else():
    days, values = noisy(120)
    values[40] += 0.20  # a strong rise
    values[80] -= 0.12  # a dip
    peaks = find_peaks(days, values)
    assert found(peaks) == [("2021-02-10", "up"), ("2021-03-22", "down")]
    assert peaks[0].score > peaks[1].score >= 3.5
    assert abs(peaks[0].baseline - 0.4) < 0.02 and peaks[0].value == values[40]


def test_direction_keeps_one_kind():
    days, values = noisy(120)
    values[40] += 0.20
    values[80] -= 0.12
    assert found(find_peaks(days, values, "up")) == [("2021-02-10", "up")]
    assert found(find_peaks(days, values, "down")) == [("2021-03-22", "down")]


def test_a_slow_drift_is_not_a_peak():
    days, values = noisy(150)
    drifting = [value + 0.004 * i for i, value in enumerate(values)]  # 0.4 -> 1.0 over five months
    assert find_peaks(days, drifting) == []


def test_a_one_day_outlier_in_the_baseline_does_not_hide_the_next_peak():
    days, values = noisy(90)
    values[50] += 2.0  # a freak day (a bot storm, a broken collector)
    values[55] += 0.15  # a real event five days later, inside the freak day's window
    assert ("2021-02-25", "up") in found(find_peaks(days, values))
    # A mean and standard deviation over the same window would have been dragged by the freak day.
    history = values[41:55]
    mean = sum(history) / len(history)
    sd = (sum((v - mean) ** 2 for v in history) / len(history)) ** 0.5
    assert (values[55] - mean) / sd < 1


def test_a_multi_day_event_is_one_peak_on_its_strongest_day():
    days, values = noisy(60)
    for offset, lift in ((30, 0.12), (31, 0.25), (32, 0.15)):
        values[offset] += lift
    assert found(find_peaks(days, values)) == [("2021-02-01", "up")]


def test_gaps_and_missing_values():
    days, values = noisy(100)
    values[70] += 0.3
    kept = [(d, v) for i, (d, v) in enumerate(zip(days, values)) if i % 4 != 1]  # every fourth day missing
    with_none = [v if i % 9 else None for i, (_, v) in enumerate(kept)]
    with_none[3] = float("nan")
    peaks = find_peaks([d for d, _ in kept], with_none)
    assert found(peaks) == [("2021-03-12", "up")]
    # The first days have too little history to be scored, however extreme.
    early = list(values)
    early[2] = 5.0
    assert all(peak.day != days[2] for peak in find_peaks(days, early))


def test_scores_compare_across_series_in_different_units():
    days, shares = noisy(90)
    shares[60] += 0.1
    counts = [share * 1000 for share in shares]  # the same series as tweets a day
    assert [p.score for p in find_peaks(days, shares)] == pytest.approx([p.score for p in find_peaks(days, counts)])


def test_order_of_input_does_not_matter_and_results_repeat():
    days, values = noisy(80)
    values[50] += 0.2
    values[65] -= 0.2
    pairs = list(zip(days, values))
    random.Random(1).shuffle(pairs)
    shuffled = find_peaks([d for d, _ in pairs], [v for _, v in pairs])
    assert shuffled == find_peaks(days, values) == find_peaks(days, values)


@pytest.mark.parametrize(
    ("days", "values", "kwargs", "says"),
    [
        ([START], [1.0, 2.0], {}, "differ in length"),
        ([START, START], [1.0, 2.0], {}, "repeat"),
        ([START], [1.0], {"direction": "sideways"}, "direction"),
        ([START], [1.0], {"window": 5, "min_history": 6}, "min_history"),
    ],
)
def test_bad_input_is_a_clear_error(days, values, kwargs, says):
    with pytest.raises(ValueError, match=says):
        find_peaks(days, values, **kwargs)


@pytest.mark.skipif(not PFIZER.exists(), reason="the shared corpus is not here (../shared/data/topics)")
@pytest.mark.parametrize(
    ("term", "day", "event"),
    [
        ("astrazeneca", "2020-12-30", "the UK authorised the Oxford/AstraZeneca vaccine on 30 December 2020"),
        ("norway", "2021-01-17", "Norway reported deaths of frail elderly people after vaccination, 14-17 January"),
        (
            "israel",
            "2021-02-14",
            "Clalit's first large real-world study from Israel: 94% fewer infections, 14 February",
        ),
    ],
)
def test_on_the_pfizer_corpus_the_strongest_peak_of_a_term_is_its_news_day(term, day, event):
    with gzip.open(PFIZER, "rt", encoding="utf-8") as lines:
        tweets = [json.loads(line) for line in lines]
    per_day = Counter(tweet["created_at"][:10] for tweet in tweets)
    mentions = Counter(tweet["created_at"][:10] for tweet in tweets if term in tweet["text"].lower())
    days = sorted(per_day)
    shares = [mentions[d] / per_day[d] for d in days]
    # The floor: one tweet in a typical day's sample, the share's own granularity.
    floor = 1 / sorted(per_day.values())[len(per_day) // 2]
    peaks = find_peaks([date.fromisoformat(d) for d in days], shares, "up", min_scale=floor)
    assert peaks and peaks[0].day.isoformat() == day, (event, found(peaks[:3]))


def test_hourly_series_count_their_window_in_hours():
    rng = random.Random(11)
    start = datetime(2015, 2, 17, 0, tzinfo=UTC)
    hours = [start + timedelta(hours=i) for i in range(120)]
    values = [0.3 + rng.gauss(0, 0.01) for _ in hours]
    values[100] = values[101] = 0.6  # a two-hour event: one peak, on its first (equal) hour
    hourly = find_peaks(hours, values, step=timedelta(hours=1), window=72, min_history=24)
    assert [(peak.day, peak.direction) for peak in hourly] == [(hours[100], "up")]
    # The first day has too little history to be scored, whatever happens in it.
    values[10] = 0.9
    again = find_peaks(hours, values, step=timedelta(hours=1), window=72, min_history=24)
    assert hours[10] not in {peak.day for peak in again}
