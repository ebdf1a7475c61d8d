import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.labels import EMOTIONS, LABELS
from ml.mood.status import EXTREME_FLOOR, STATUSES, MoodResult, assess, mood_confidence, mood_status
from ml.mood.weights import KINDS, ScoredTweet, ScoringConfig

FAST = settings(max_examples=100, deadline=None)
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def reference_status(counts):
    # The seed's rules on exact integers: no rounding, so ties are real ties.
    positivity = counts["joy"] + counts["love"] + counts["surprise"]
    negativity = counts["anger"] + counts["fear"] + counts["sadness"]
    if negativity > positivity:
        return "Stressed" if 2 * counts["anger"] > counts["fear"] + counts["sadness"] else "Depressed"
    return "Cheerful" if 2 * positivity >= 3 * negativity else "Satisfied"


counts_st = st.fixed_dictionaries({label: st.integers(0, 60) for label in EMOTIONS}).filter(lambda c: sum(c.values()))


def as_breakdown(counts):
    total = sum(counts.values())
    return {label: n / total for label, n in counts.items()}


@st.composite
def probs_st(draw):
    raw = draw(st.lists(st.floats(0, 1), min_size=len(LABELS), max_size=len(LABELS)).filter(lambda xs: sum(xs) > 0))
    return {label: value / sum(raw) for label, value in zip(LABELS, raw)}


tweet_st = st.builds(
    ScoredTweet,
    id=st.integers(0, 10**6).map(str),
    created_at=st.integers(0, 90 * 86400).map(lambda s: NOW - timedelta(seconds=s)),
    kind=st.sampled_from(KINDS),
    probs=probs_st(),
    likes=st.integers(0, 10**5),
    text=st.text(max_size=20),
    lang=st.sampled_from([None, "en", "en", "es"]),
)


def tweet(id, probs, kind="own", age_days=0.0, lang=None):
    return ScoredTweet(id, NOW - timedelta(days=age_days), kind, probs, text=f"tweet {id}", lang=lang)


# --- status -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "breakdown, expected",
    [
        ({"joy": 0.6, "sadness": 0.4}, "Cheerful"),  # positivity exactly 1.5 × negativity
        ({"joy": 0.3, "love": 0.2, "surprise": 0.1, "fear": 0.4}, "Cheerful"),
        ({"joy": 0.59, "sadness": 0.41}, "Satisfied"),
        ({"joy": 0.5, "anger": 0.5}, "Satisfied"),  # a tie is not a negative win
        ({"anger": 0.25, "fear": 0.25, "sadness": 0.25, "joy": 0.25}, "Depressed"),  # anger × 2 == fear + sadness
        ({"anger": 0.26, "fear": 0.25, "sadness": 0.25, "joy": 0.24}, "Stressed"),
        ({"anger": 1.0}, "Stressed"),
        ({"sadness": 0.7, "surprise": 0.3}, "Depressed"),
        ({}, "Cheerful"),  # nothing on either side: positivity >= 1.5 × 0
    ],
)
def test_status_hand_checked(breakdown, expected):
    assert mood_status(breakdown) == expected


@FAST
@given(counts_st)
def test_status_follows_seed_rules(counts):
    status = mood_status(as_breakdown(counts))
    assert status in STATUSES
    assert status == reference_status(counts)


# --- confidence ---------------------------------------------------------------------------------


breakdown_st = counts_st.map(as_breakdown)


@FAST
@given(breakdown_st, st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 100))
def test_confidence_bounded_and_grows_with_evidence(breakdown, n1, n2, threshold):
    config = ScoringConfig(min_emotional_weight=threshold)
    low, high = sorted((n1, n2))
    c_low, c_high = mood_confidence(breakdown, low, config), mood_confidence(breakdown, high, config)
    assert 0.0 <= c_low <= c_high <= 1.0


def test_confidence_hand_checked():
    config = ScoringConfig(min_emotional_weight=3.0)
    assert mood_confidence({"joy": 1.0}, 0.0, config) == 0.0
    assert mood_confidence({"joy": 1.0}, 3.0, config) == 0.5
    assert mood_confidence({"joy": 1.0}, 9.0, config) == 0.875
    assert mood_confidence({"joy": 1.0}, 0.5, ScoringConfig(min_emotional_weight=0)) == 1.0
    # Satisfied at 0.55 / 0.45: margins 0.1 (pos vs neg) and 0.125 / 1.225 (pos vs 1.5 × neg); the smaller decides.
    assert mood_confidence({"joy": 0.55, "fear": 0.45}, 9.0, config) == pytest.approx(0.875 * (1 + 0.1) / 2)
    # Stressed at anger 0.5, fear 0.3, joy 0.2: margins 0.6 / 1.0 and 0.7 / 1.3 (2 × anger vs fear); the second decides.
    assert mood_confidence({"anger": 0.5, "fear": 0.3, "joy": 0.2}, 3.0, config) == pytest.approx(
        0.5 * (1 + 0.7 / 1.3) / 2
    )


def test_confidence_grows_with_margin():
    config = ScoringConfig()
    clear, close = {"sadness": 0.9, "joy": 0.1}, {"sadness": 0.55, "joy": 0.45}
    assert mood_status(clear) == mood_status(close) == "Depressed"
    assert mood_confidence(clear, 10, config) > mood_confidence(close, 10, config)


# --- assess -------------------------------------------------------------------------------------


def test_assess_no_tweets():
    result = assess([], NOW)
    assert (result.status, result.low_confidence, result.reason) == (None, True, "no_tweets")
    assert result.confidence == 0.0
    assert result.tweet_count == 0
    assert (result.happiest, result.saddest, result.window) == (None, None, None)
    assert result.breakdown == dict.fromkeys(EMOTIONS, 0.0)


def test_assess_too_few_emotional_tweets_is_not_a_guess():
    tweets = [tweet("1", {"anger": 0.9, "neutral": 0.1}), tweet("2", {"anger": 0.9, "neutral": 0.1})]
    result = assess(tweets, NOW)
    assert (result.status, result.low_confidence, result.reason) == (None, True, "too_few_emotional_tweets")
    assert result.emotional_weight == pytest.approx(1.8)
    assert result.confidence < 0.5
    assert result.breakdown["anger"] == 1.0  # still reported, just not turned into a status


def test_assess_many_neutral_tweets_is_undetermined_even_with_zero_threshold():
    tweets = [tweet(str(i), {"neutral": 1.0}) for i in range(50)]
    for config in (ScoringConfig(), ScoringConfig(min_emotional_weight=0)):
        result = assess(tweets, NOW, config)
        assert (result.status, result.reason) == (None, "too_few_emotional_tweets")
        assert result.emotional_weight == 0.0


def test_assess_hand_checked():
    tweets = [
        tweet("a", {"joy": 0.8, "neutral": 0.2}, age_days=1),
        tweet("b", {"sadness": 0.6, "joy": 0.2, "neutral": 0.2}, age_days=3),
        tweet("c", {"joy": 0.7, "love": 0.3}, age_days=2),
        tweet("d", {"joy": 0.95, "neutral": 0.05}, kind="retweet"),
        tweet("e", {"sadness": 0.99, "neutral": 0.01}, kind="reply", age_days=10),
        tweet("f", {"love": 0.9, "neutral": 0.1}, age_days=5),
    ]
    result = assess(tweets, NOW)
    assert result.status == "Cheerful"
    assert result.reason is None
    assert result.tweet_count == 6
    assert result.positivity + result.negativity == pytest.approx(1.0)
    assert result.happiest == {"id": "a", "text": "tweet a", "score": 0.8}  # the retweet "d" is not the author's
    assert result.saddest == {"id": "b", "text": "tweet b", "score": 0.6}  # nor is the reply "e"
    assert result.window == {"start": "2024-05-22T12:00:00+00:00", "end": "2024-06-01T12:00:00+00:00"}
    assert result.confidence == mood_confidence(result.breakdown, result.emotional_weight, ScoringConfig())
    # Σ 0.5 ** (age / 14) × ownership × (1 - neutral) ≈ 0.761 + 0.690 + 0.906 + 0.475 + 0.483 + 0.703: just
    # above the threshold of 3, so a status, but not a sure one.
    assert result.emotional_weight == pytest.approx(4.017, abs=1e-3)
    assert result.low_confidence is True


def test_assess_plenty_of_clear_tweets_is_confident():
    tweets = [tweet(str(i), {"sadness": 0.8, "anger": 0.1, "neutral": 0.1}, age_days=i / 2) for i in range(30)]
    result = assess(tweets, NOW)
    assert (result.status, result.reason, result.low_confidence) == ("Depressed", None, False)
    assert result.confidence > 0.75


def test_assess_without_own_tweets_has_no_extremes():
    tweets = [tweet(str(i), {"joy": 1.0}, kind="retweet") for i in range(10)]
    result = assess(tweets, NOW)
    assert result.status == "Cheerful"
    assert result.happiest is None and result.saddest is None


def test_a_quiet_account_keeps_the_mood_of_its_last_tweets():
    # Three months without a tweet: recency counts from the newest tweet, not from the wall clock.
    tweets = [tweet(str(i), {"sadness": 0.85, "neutral": 0.15}, age_days=90 + i) for i in range(20)]
    result = assess(tweets, NOW)
    assert (result.status, result.reason) == ("Depressed", None)
    assert result.emotional_weight == pytest.approx(
        assess([tweet(t.id, t.probs, age_days=i) for i, t in enumerate(tweets)], NOW).emotional_weight
    )
    assert result.window["end"] == (NOW - timedelta(days=90)).isoformat()


def test_a_tweet_dated_after_now_does_not_move_the_reference():
    future = [tweet("f", {"joy": 0.9, "neutral": 0.1}, age_days=-30)]
    old = [tweet(str(i), {"sadness": 0.9, "neutral": 0.1}, age_days=14) for i in range(8)]
    result = assess(future + old, NOW)
    # Measured from NOW the sad tweets count half each; from the future tweet, a quarter.
    assert result.emotional_weight == pytest.approx(0.9 + 8 * 0.9 * 0.5)


def test_non_english_tweets_are_left_out_and_counted():
    english = [tweet(str(i), {"joy": 0.9, "neutral": 0.1}, lang="en") for i in range(6)]
    spanish = [tweet(f"es{i}", {"anger": 0.9, "neutral": 0.1}, lang="es") for i in range(10)]
    result = assess(english + spanish, NOW)
    assert (result.status, result.tweet_count, result.skipped_language) == ("Cheerful", 6, 10)
    assert result.breakdown["anger"] == 0.0
    assert result.language == "es"  # the account's main language, for the resources shown


def test_an_account_with_only_unread_languages_is_undetermined_with_its_reason():
    result = assess([tweet(str(i), {"sadness": 0.9}, lang="pt") for i in range(30)], NOW)
    assert (result.status, result.reason, result.skipped_language, result.tweet_count) == (
        None,
        "unsupported_language",
        30,
        0,
    )
    assert result.language == "pt" and result.window is None


def test_extremes_below_the_floor_are_null():
    tweets = [tweet(str(i), {"joy": 0.3, "sadness": 0.3, "neutral": 0.4}) for i in range(10)]
    tweets.append(tweet("sad", {"sadness": EXTREME_FLOOR, "neutral": 1 - EXTREME_FLOOR}))
    result = assess(tweets, NOW)
    assert result.happiest is None
    assert result.saddest == {"id": "sad", "text": "tweet sad", "score": EXTREME_FLOOR}


@FAST
@given(st.lists(tweet_st, max_size=25), st.floats(0, 10))
def test_assess_properties(tweets, threshold):
    config = ScoringConfig(min_emotional_weight=threshold)
    result = assess(tweets, NOW, config)
    assert isinstance(result, MoodResult)
    assert 0.0 <= result.confidence <= 1.0
    scored = [t for t in tweets if t.lang != "es"]
    assert (result.tweet_count, result.skipped_language) == (len(scored), len(tweets) - len(scored))
    determined = result.emotional_weight > 0 and result.emotional_weight >= threshold
    if determined:
        assert result.status == mood_status(result.breakdown)
        assert result.reason is None
    else:
        assert result.status is None and result.low_confidence
        if scored:
            assert result.reason == "too_few_emotional_tweets"
        else:
            assert result.reason == ("unsupported_language" if tweets else "no_tweets")
    for extreme, label in ((result.happiest, "joy"), (result.saddest, "sadness")):
        own = [t for t in scored if t.kind == "own" and t.probs[label] >= EXTREME_FLOOR]
        if not own:
            assert extreme is None
            continue
        assert extreme["id"] in {t.id for t in own}
        assert extreme["score"] == max(t.probs[label] for t in own)
    json.loads(json.dumps(result.to_dict()))


@FAST
@given(st.lists(tweet_st, min_size=1, max_size=15), st.randoms(use_true_random=False))
def test_assess_invariant_to_order(tweets, rng):
    shuffled = tweets[:]
    rng.shuffle(shuffled)
    a, b = assess(tweets, NOW), assess(shuffled, NOW)
    assert (a.status, a.breakdown, a.window) == (b.status, b.breakdown, b.window)
    assert math.isclose(a.confidence, b.confidence, abs_tol=1e-12)
