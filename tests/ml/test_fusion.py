"""Soft voting a text's emotions with its faces', and the polarity both are judged by on MVSA."""

from __future__ import annotations

import pytest

from ml.fusion import face_labels, polarity, soft_vote
from ml.labels import FER_TO_LABEL, LABELS, POLARITY_OF_LABEL
from ml.vision.evaluate import bootstrap_difference, choose_weights
from ml.vision.fer import FER_LABELS


def probs(top: str, weight: float = 0.7, labels=LABELS) -> dict[str, float]:
    rest = (1 - weight) / (len(labels) - 1)
    return {label: weight if label == top else rest for label in labels}


def test_every_fer_label_maps_onto_ours_and_love_gets_no_face_mass():
    assert set(FER_TO_LABEL) == set(FER_LABELS) and set(FER_TO_LABEL.values()) <= set(LABELS)
    mapped = face_labels([probs("disgust", 0.5, FER_LABELS), probs("happy", 0.9, FER_LABELS)])
    assert mapped["love"] == 0 and sum(mapped.values()) == pytest.approx(1)
    assert mapped["anger"] == pytest.approx((0.5 + 1 / 12 + 0.1 / 6 * 2) / 2)  # angry and disgust together
    assert set(POLARITY_OF_LABEL) == set(LABELS)


def test_the_vote_is_the_weighted_mean_and_either_side_may_be_missing():
    text, face = probs("sadness"), probs("joy", 0.9)
    fused = soft_vote(text, face, (0.75, 0.25))
    assert fused["joy"] == pytest.approx(0.75 * 0.05 + 0.25 * 0.9) and sum(fused.values()) == pytest.approx(1)
    assert soft_vote(text, None) == text and soft_vote(None, face) == face
    assert soft_vote(text, face, (1.0, 0.0)) == text
    with pytest.raises(ValueError, match="needs"):
        soft_vote(None, None)


def test_polarity_sums_each_side_and_ties_go_to_neutral():
    assert polarity(probs("joy", 0.5)) == "positive"
    assert polarity({**dict.fromkeys(LABELS, 0.0), "anger": 0.3, "fear": 0.3, "neutral": 0.4}) == "negative"
    assert polarity({**dict.fromkeys(LABELS, 0.0), "joy": 0.5, "neutral": 0.5}) == "neutral"


def rows(pairs):
    """MVSA-like rows: (label, text top, face top or None)."""
    return [
        {"label": label, "text_probs": probs(text), "face_probs": probs(face, 0.9) if face else None}
        for label, text, face in pairs
    ]


def test_weights_are_chosen_on_pairs_with_faces_and_the_difference_has_an_interval(capsys):
    # Faces right where the text is wrong, on half of the pairs: some face weight helps, all of it does not.
    data = rows(
        [("positive", "sadness", "joy")] * 10 + [("negative", "anger", "joy")] * 4 + [("neutral", "neutral", None)]
    )
    text_weight, face_weight = choose_weights(data)
    assert 0 < face_weight < 1 and text_weight == pytest.approx(1 - face_weight)
    assert "face weight 0.00" in capsys.readouterr().out
    gain, low, high = bootstrap_difference(data, lambda row: "positive", lambda row: polarity(row["text_probs"]))
    assert gain == pytest.approx((10 - 4 - 1) / 15) and low <= gain <= high
