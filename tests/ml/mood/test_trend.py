"""The mood trend: buckets of the tweets' own dates."""

from datetime import UTC, date, datetime

import pytest

from ml.mood.trend import bucket_start, trend
from ml.mood.weights import ScoredTweet

JOY = {"joy": 0.9, "neutral": 0.1}
SAD = {"sadness": 0.8, "fear": 0.1, "neutral": 0.1}
FLAT = {"neutral": 1.0}


def tweet(day: int, probs: dict, month: int = 11) -> ScoredTweet:
    return ScoredTweet(str(day), datetime(2026, month, day, 12, tzinfo=UTC), "own", probs)


def test_weeks_start_on_monday_and_gaps_are_kept():
    points = trend([tweet(2, JOY), tweet(3, JOY), tweet(20, SAD), tweet(21, SAD)], "week")
    assert [p.start for p in points] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert [p.tweets for p in points] == [2, 0, 2]
    assert [p.status for p in points] == ["Cheerful", None, "Depressed"]
    assert points[1].breakdown is None and points[0].positivity > 0.9 and points[2].negativity > 0.9


def test_days_and_a_bucket_with_too_little_emotion_has_no_status():
    points = trend([tweet(2, JOY), tweet(2, JOY), tweet(3, FLAT), tweet(4, {"joy": 0.3, "neutral": 0.7})], "day")
    assert [(p.start.day, p.tweets) for p in points] == [(2, 2), (3, 1), (4, 1)]
    assert points[0].status == "Cheerful" and points[1].status is None and points[2].status is None
    assert points[2].emotional_weight == pytest.approx(0.3)


def test_bucket_start_is_utc_and_rejects_unknown_buckets():
    assert bucket_start(datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "week") == date(2026, 11, 30)
    assert bucket_start(datetime(2026, 12, 6, 23, 30), "day") == date(2026, 12, 6)  # noqa: DTZ001 (naive is UTC)
    with pytest.raises(ValueError, match="bucket"):
        bucket_start(datetime(2026, 12, 6, tzinfo=UTC), "month")
    assert trend([]) == []
