import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.labels import EMOTIONS, LABELS
from ml.mood.weights import (
    KINDS,
    ScoredTweet,
    ScoringConfig,
    activity_weight,
    effective_emotional_count,
    emotion_breakdown,
    emotional_weight,
    recency_weight,
    tweet_weights,
    typical_engagement,
)

FAST = settings(max_examples=100, deadline=None)
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


@st.composite
def probs_st(draw):
    raw = draw(st.lists(st.floats(0, 1), min_size=len(LABELS), max_size=len(LABELS)).filter(lambda xs: sum(xs) > 0))
    total = sum(raw)
    return {label: value / total for label, value in zip(LABELS, raw)}


@st.composite
def tweet_st(draw, kind=None):
    return ScoredTweet(
        id=str(draw(st.integers(0, 10**9))),
        created_at=NOW - timedelta(seconds=draw(st.integers(-86400, 365 * 86400))),
        kind=kind or draw(st.sampled_from(KINDS)),
        probs=draw(probs_st()),
        likes=draw(st.integers(0, 10**6)),
        retweets=draw(st.integers(0, 10**4)),
        replies=draw(st.integers(0, 10**4)),
        quotes=draw(st.integers(0, 10**3)),
    )


def tweet(age_days=0.0, kind="own", probs=None, likes=0, **kw):
    return ScoredTweet(
        id=kw.pop("id", "1"),
        created_at=NOW - timedelta(days=age_days),
        kind=kind,
        probs=probs if probs is not None else {"joy": 1.0},
        likes=likes,
        **kw,
    )


# --- config -------------------------------------------------------------------------------------


def test_config_defaults_and_ownership_order():
    config = ScoringConfig()
    assert config.half_life_days == 14.0
    assert config.min_emotional_weight == 3.0
    weights = config.ownership_weights
    assert weights == {"own": 1.0, "reply": 0.8, "quote": 0.7, "retweet": 0.5}
    assert weights["own"] >= weights["reply"] >= weights["quote"] >= weights["retweet"]


@pytest.mark.parametrize(
    "kwargs", [{"half_life_days": 0}, {"activity_gain": -1}, {"weight_own": float("nan")}, {"max_activity_boost": -0.1}]
)
def test_config_rejects_invalid_values(kwargs):
    with pytest.raises(ValueError):
        ScoringConfig(**kwargs)


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError):
        tweet(kind="like")
    with pytest.raises(ValueError):
        ScoringConfig().ownership_weight("like")


# --- recency and activity -----------------------------------------------------------------------


def test_recency_hand_checked():
    assert recency_weight(0, 14) == 1.0
    assert recency_weight(14, 14) == 0.5
    assert recency_weight(42, 14) == 0.125
    assert recency_weight(-5, 14) == 1.0  # future dates count as now


@FAST
@given(st.floats(-10, 1e4), st.floats(0, 1e4), st.floats(0.1, 100))
def test_recency_bounded_and_non_increasing(a, b, half_life):
    younger, older = sorted((a, b))
    assert 0.0 <= recency_weight(older, half_life) <= recency_weight(younger, half_life) <= 1.0


def test_activity_hand_checked():
    assert activity_weight(0, 0, 0.5, 1.0) == 1.0  # no engagement still counts fully
    assert activity_weight(1, 0, 0.5, 1.0) == 1.5  # typical 0: first doubling is one interaction
    assert activity_weight(5, 10, 0.5, 1.0) == 1.0  # below typical is not penalised
    assert activity_weight(21, 10, 0.5, 1.0) == 1.5
    assert activity_weight(43, 10, 0.5, 1.0) == 2.0
    assert activity_weight(10**9, 10, 0.5, 1.0) == 2.0


@FAST
@given(st.integers(0, 10**9), st.integers(0, 10**9), st.floats(0, 10**6), st.floats(0, 5), st.floats(0, 5))
def test_activity_bounded_and_monotone(e1, e2, typical, gain, max_boost):
    low, high = sorted((e1, e2))
    w_low = activity_weight(low, typical, gain, max_boost)
    w_high = activity_weight(high, typical, gain, max_boost)
    assert 1.0 <= w_low <= w_high <= 1.0 + max_boost


def test_typical_engagement_is_median_of_all_counts():
    tweets = [tweet(likes=1, retweets=1), tweet(likes=3, replies=2, quotes=1), tweet(likes=10**6)]
    assert typical_engagement(tweets) == 6.0
    assert typical_engagement(tweets[:2]) == 4.0
    assert typical_engagement([]) == 0.0


# --- tweet weights ------------------------------------------------------------------------------


def test_tweet_weights_hand_checked():
    # Typical engagement is the median 3: the 15-like tweet is two doublings above it (16 / 4).
    tweets = [
        tweet(0, "own", likes=3),
        tweet(14, "own", likes=15),
        tweet(28, "retweet", likes=0),
        tweet(0, "reply", likes=3),
    ]
    weights = tweet_weights(tweets, NOW)
    assert weights == pytest.approx([1.0, 0.5 * 2.0, 0.25 * 1.0 * 0.5, 0.8])


def test_tweet_weights_accept_naive_utc():
    naive = ScoredTweet("1", datetime(2024, 5, 18, 12), "own", {"joy": 1.0})  # noqa: DTZ001 (naive on purpose)
    assert tweet_weights([naive], NOW) == [0.5]
    assert tweet_weights([naive], NOW.replace(tzinfo=None)) == [0.5]


@FAST
@given(st.lists(tweet_st(), max_size=20))
def test_weights_non_negative_and_finite(tweets):
    weights = tweet_weights(tweets, NOW)
    assert len(weights) == len(tweets)
    assert all(math.isfinite(w) and w >= 0 for w in weights)


@FAST
@given(st.lists(tweet_st(), max_size=10), tweet_st(), st.floats(0, 400))
def test_older_tweet_never_weighs_more(others, base, extra_days):
    older = replace(base, created_at=base.created_at - timedelta(days=extra_days))
    weights = tweet_weights([base, older, *others], NOW)
    assert weights[1] <= weights[0]


@FAST
@given(st.lists(tweet_st(), max_size=10), tweet_st(), st.integers(0, 10**6))
def test_more_engagement_never_weighs_less(others, base, extra_likes):
    busier = replace(base, likes=base.likes + extra_likes)
    weights = tweet_weights([base, busier, *others], NOW)
    assert weights[1] >= weights[0]


@FAST
@given(st.lists(tweet_st(), max_size=10), tweet_st(kind="own"), st.sampled_from(["reply", "quote", "retweet"]))
def test_shared_tweet_never_weighs_more_than_own(others, own, kind):
    shared = replace(own, kind=kind)
    weights = tweet_weights([own, shared, *others], NOW)
    assert weights[1] <= weights[0]
    assert tweet_weights([shared, *others], NOW)[0] <= tweet_weights([own, *others], NOW)[0]


# --- breakdown ----------------------------------------------------------------------------------


def test_emotional_weight():
    assert emotional_weight({"neutral": 0.25, "joy": 0.75}) == 0.75
    assert emotional_weight({"neutral": 1.0}) == 0.0
    assert emotional_weight({"joy": 1.0}) == 1.0


def test_breakdown_hand_checked():
    # Masses: 1 × 0.5 (joy half of the emotions, sadness half) and 2 × 1.0 (anger).
    tweets = [
        tweet(probs={"joy": 0.25, "sadness": 0.25, "neutral": 0.5}),
        tweet(probs={"anger": 1.0}),
        tweet(probs={"neutral": 1.0}),
    ]
    weights = [1.0, 2.0, 5.0]
    breakdown = emotion_breakdown(tweets, weights)
    assert list(breakdown) == list(EMOTIONS)
    assert breakdown == pytest.approx({"sadness": 0.1, "joy": 0.1, "love": 0, "anger": 0.8, "fear": 0, "surprise": 0})
    assert effective_emotional_count(tweets, weights) == 2.5


def test_breakdown_all_zero_without_emotional_weight():
    neutral = [tweet(probs={"neutral": 1.0}), tweet(probs={"joy": 1.0})]
    assert emotion_breakdown(neutral, [1.0, 0.0]) == dict.fromkeys(EMOTIONS, 0.0)
    assert emotion_breakdown([], []) == dict.fromkeys(EMOTIONS, 0.0)
    assert effective_emotional_count(neutral, [1.0, 0.0]) == 0.0


def test_breakdown_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        emotion_breakdown([tweet()], [])


weighted_tweets = st.lists(st.tuples(tweet_st(), st.floats(0, 10)), max_size=15)


@FAST
@given(weighted_tweets)
def test_breakdown_sums_to_one_or_is_all_zero(pairs):
    tweets, weights = [t for t, _ in pairs], [w for _, w in pairs]
    breakdown = emotion_breakdown(tweets, weights)
    assert set(breakdown) == set(EMOTIONS)
    assert all(0.0 <= v <= 1.0 for v in breakdown.values())
    if effective_emotional_count(tweets, weights) > 0:
        assert math.fsum(breakdown.values()) == pytest.approx(1.0)
    else:
        assert all(v == 0.0 for v in breakdown.values())


@FAST
@given(weighted_tweets, st.randoms(use_true_random=False))
def test_breakdown_invariant_to_order(pairs, rng):
    shuffled = pairs[:]
    rng.shuffle(shuffled)
    unpack = lambda ps: ([t for t, _ in ps], [w for _, w in ps])  # noqa: E731
    assert emotion_breakdown(*unpack(shuffled)) == emotion_breakdown(*unpack(pairs))
    assert effective_emotional_count(*unpack(shuffled)) == effective_emotional_count(*unpack(pairs))


@FAST
@given(weighted_tweets, st.floats(0, 10))
def test_purely_neutral_tweet_contributes_nothing(pairs, weight):
    tweets, weights = [t for t, _ in pairs], [w for _, w in pairs]
    neutral = tweet(probs={label: float(label == "neutral") for label in LABELS})
    assert emotion_breakdown([*tweets, neutral], [*weights, weight]) == emotion_breakdown(tweets, weights)
    assert effective_emotional_count([*tweets, neutral], [*weights, weight]) == effective_emotional_count(
        tweets, weights
    )
