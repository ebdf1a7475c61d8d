import json
from collections import Counter

import pytest

from ml.data import (
    DATA_DIR,
    TWEET_REPEATS,
    DataError,
    calibration_rows,
    is_calibration_row,
    map_goemotions,
    read_jsonl,
    training_rows,
)
from ml.labels import LABELS


def test_goemotions_mapping_collapses_or_drops():
    assert map_goemotions("amusement,joy") == "joy"
    assert map_goemotions("caring") == "love"
    assert map_goemotions("disgust") == "anger"
    assert map_goemotions("neutral") == "neutral"
    assert map_goemotions("approval") == "joy"
    assert map_goemotions("realization,curiosity") == "surprise"
    assert map_goemotions("joy,sadness") is None  # mixed
    assert map_goemotions("joy,neutral") == "joy"  # raters who saw an emotion win, as in the dev gold
    assert map_goemotions("anger,annoyance,neutral") == "anger"
    assert map_goemotions("joy,sadness,neutral") is None


def test_training_set_is_as_documented_and_never_holds_calibration_rows():
    rows = training_rows()
    tweets = read_jsonl(DATA_DIR / "emotion_train.jsonl")
    assert len(tweets) == 16000
    assert rows[: len(tweets) * TWEET_REPEATS] == tweets * TWEET_REPEATS
    reddit = rows[len(tweets) * TWEET_REPEATS :]
    goemotions = read_jsonl(DATA_DIR / "goemotions_train.jsonl.gz")
    held_out = {r["text"] for r in goemotions if is_calibration_row(r)}
    kept = {r["text"] for r in goemotions if not is_calibration_row(r)}
    assert not {r["text"] for r in reddit} & (held_out - kept)
    labels = Counter(r["label"] for r in reddit)
    assert set(labels) == set(LABELS) and labels["neutral"] > 10000
    assert rows == training_rows()  # no randomness in what is trained on


def test_calibration_rows_are_a_stable_tenth_of_goemotions_train():
    rows = calibration_rows()
    total = len(read_jsonl(DATA_DIR / "goemotions_train.jsonl.gz"))
    assert 0.08 < len(rows) / total < 0.12
    assert {r["label"] for r in rows} == {"neutral", "emotional"}
    assert rows == calibration_rows()
    assert is_calibration_row({"id": "eebbqej"}) == is_calibration_row({"id": "eebbqej"})


def test_read_jsonl_names_the_bad_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok", "label": "joy"}\n\n{"text": "x", "label": \n')
    with pytest.raises(DataError, match=r"bad.jsonl:3: not valid JSON"):
        read_jsonl(path)
    path.write_text(json.dumps({"text": "ok", "label": "bliss"}) + "\n")
    with pytest.raises(DataError, match=r":1: unknown label 'bliss'"):
        read_jsonl(path, LABELS)
    path.write_text(json.dumps({"text": 3, "label": "joy"}) + "\n")
    with pytest.raises(DataError, match=r":1: expected an object"):
        read_jsonl(path)


def test_shipped_evaluation_files_are_well_formed():
    assert len(read_jsonl(DATA_DIR / "emotion_validation.jsonl", LABELS)) == 2000
    neutral = read_jsonl(DATA_DIR / "goemotions_dev_neutral.jsonl", ("neutral", "emotional"))
    assert Counter(r["label"] for r in neutral) == {"emotional": 3834, "neutral": 1592}
