"""Soft voting of a tweet's text emotions with its faces' expressions, over our seven labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ml.labels import FER_TO_LABEL, LABELS, POLARITY_OF_LABEL

# Weights chosen on MVSA-Single train (python -m ml.vision.evaluate --choose-weights; model/vision/README.md).
DEFAULT_WEIGHTS = (0.6, 0.4)  # (text, faces): the best of 0 to 1 by 0.05 on the train pairs with a face


def face_labels(face_probs: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The mean of several faces' FER probabilities, mapped onto our labels (love gets no mass)."""
    mapped = dict.fromkeys(LABELS, 0.0)
    for probs in face_probs:
        for fer_label, p in probs.items():
            mapped[FER_TO_LABEL[fer_label]] += p / len(face_probs)
    return mapped


def soft_vote(
    text_probs: Mapping[str, float] | None,
    face_probs: Mapping[str, float] | None,
    weights: tuple[float, float] = DEFAULT_WEIGHTS,
) -> dict[str, float]:
    """The weighted mean of the text's and the faces' probabilities over our labels (either may be None).

    ``face_probs`` is over our labels (``face_labels`` maps FER's). With one side missing the other is returned.

    >>> text = {"sadness": 0.6, "joy": 0.1, "love": 0.0, "anger": 0.1, "fear": 0.1, "surprise": 0.0, "neutral": 0.1}
    >>> face = {"sadness": 0.0, "joy": 0.9, "love": 0.0, "anger": 0.0, "fear": 0.0, "surprise": 0.0, "neutral": 0.1}
    >>> round(soft_vote(text, face, (0.5, 0.5))["joy"], 2)
    0.5
    """
    if text_probs is None and face_probs is None:
        raise ValueError("soft_vote needs the text's or the faces' probabilities")
    if face_probs is None or weights[1] == 0:
        return {label: float(text_probs[label]) for label in LABELS}  # type: ignore[index]
    if text_probs is None:
        return {label: float(face_probs[label]) for label in LABELS}
    total = weights[0] + weights[1]
    return {label: (weights[0] * text_probs[label] + weights[1] * face_probs[label]) / total for label in LABELS}


def polarity(probs: Mapping[str, float]) -> str:
    """positive, neutral or negative: the side with the most probability (ties: neutral)."""
    sides = {"positive": 0.0, "neutral": 0.0, "negative": 0.0}
    for label, p in probs.items():
        sides[POLARITY_OF_LABEL[label]] += p
    best = max(sides.values())
    return "neutral" if sides["neutral"] == best else max(sides, key=lambda side: sides[side])
