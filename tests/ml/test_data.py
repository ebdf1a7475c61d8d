import json
from collections import Counter

import pytest

from ml.data import (
    DATA_DIR,
    GOEMOTIONS_NEUTRAL,
    GOEMOTIONS_PER_EMOTION,
    DataError,
    map_goemotions,
    read_jsonl,
    training_rows,
)
from ml.labels import EMOTIONS, LABELS


def test_goemotions_mapping_collapses_or_drops():
    assert map_goemotions("amusement,joy") == "joy"
    assert map_goemotions("caring") == "love"
    assert map_goemotions("disgust") == "anger"
    assert map_goemotions("neutral") == "neutral"
    assert map_goemotions("approval") == "joy"
    assert map_goemotions("realization,curiosity") == "surprise"
    assert map_goemotions("joy,sadness") is None  # mixed
    assert map_goemotions("joy,neutral") is None  # emotion + neutral is ambiguous


def test_training_set_is_seeded_and_balanced_as_documented():
    rows = training_rows(seed=42)
    assert rows == training_rows(seed=42)
    emotion = Counter(r["label"] for r in read_jsonl(DATA_DIR / "emotion_train.jsonl"))
    added = Counter(r["label"] for r in rows) - emotion
    assert sum(emotion.values()) == 16000
    assert added["neutral"] == GOEMOTIONS_NEUTRAL
    assert all(0 < added[label] <= GOEMOTIONS_PER_EMOTION for label in EMOTIONS)


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
