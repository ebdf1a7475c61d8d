import numpy as np
import pytest

from ml.training.metrics import expected_calibration_error, neutral_vs_emotional, score


def onehot(label, labels, p=0.9):
    rest = (1 - p) / (len(labels) - 1)
    return {name: (p if name == label else rest) for name in labels}


def test_score_hand_checked():
    labels = ["a", "b", "c"]
    gold = ["a", "a", "b", "c"]
    pred = ["a", "b", "b", "b"]
    r = score(gold, [onehot(p, labels) for p in pred], labels)
    assert r["accuracy"] == 0.5
    assert r["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert r["per_class"]["b"] == {"precision": 0.3333, "recall": 1.0, "f1": 0.5, "support": 1}
    assert r["per_class"]["c"]["f1"] == 0.0
    assert r["macro_f1"] == pytest.approx((2 / 3 + 0.5 + 0) / 3, abs=1e-4)
    assert r["confusion_matrix"]["matrix"] == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]


def test_ece_zero_when_confidence_matches_accuracy():
    p = np.array([[0.75, 0.25]] * 4)
    assert expected_calibration_error(p, np.array([0, 0, 0, 1])) == pytest.approx(0.0)
    assert expected_calibration_error(np.zeros((0, 2)), np.array([], dtype=int)) == 0.0


def test_neutral_vs_emotional_counts_any_emotion_as_emotional():
    gold = ["neutral", "neutral", "joy", "emotional"]
    probs = [
        {"neutral": 0.6, "joy": 0.4},
        {"neutral": 0.1, "joy": 0.9},
        {"neutral": 0.2, "joy": 0.8},
        {"neutral": 0.7, "joy": 0.3},
    ]
    r = neutral_vs_emotional(gold, probs)
    assert (r["precision"], r["recall"], r["f1"]) == (0.5, 0.5, 0.5)
    assert r["accuracy"] == 0.5
