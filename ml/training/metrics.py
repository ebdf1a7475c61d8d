"""Classification metrics: accuracy, per-class P/R/F1, confusion matrix, calibration."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ml.labels import NEUTRAL


def score(gold: Sequence[str], probs: Sequence[dict[str, float]], labels: Sequence[str], bins: int = 15) -> dict:
    """Score predicted probability dicts against gold labels.

    Parameters
    ----------
    gold : sequence of str
        One gold label per example, each in ``labels``.
    probs : sequence of dict
        label -> probability per example (as ``ClassificationModel.predict`` returns).
    labels : sequence of str
        The label set scored, in report order.
    bins : int
        Equal-width confidence bins for the expected calibration error.

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1``, ``per_class`` (precision/recall/f1/support),
        ``confusion_matrix`` (rows gold, columns predicted, in ``labels`` order), ``ece``, ``n``.

    Examples
    --------
    >>> r = score(["a", "b"], [{"a": 0.9, "b": 0.1}, {"a": 0.4, "b": 0.6}], ["a", "b"])
    >>> r["accuracy"], r["macro_f1"]
    (1.0, 1.0)
    """
    labels = list(labels)
    index = {label: i for i, label in enumerate(labels)}
    p = np.array([[row[label] for label in labels] for row in probs], dtype=float).reshape(-1, len(labels))
    y = np.array([index[g] for g in gold], dtype=int)
    pred = p.argmax(axis=1)
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    np.add.at(matrix, (y, pred), 1)
    per_class, f1s = {}, []
    for i, label in enumerate(labels):
        tp = matrix[i, i]
        precision = tp / matrix[:, i].sum() if matrix[:, i].sum() else 0.0
        recall = tp / matrix[i].sum() if matrix[i].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {
            "precision": round(float(precision), 4),
            "recall": round(float(recall), 4),
            "f1": round(float(f1), 4),
            "support": int(matrix[i].sum()),
        }
        f1s.append(f1)
    return {
        "n": int(len(y)),
        "accuracy": round(float((pred == y).mean()) if len(y) else 0.0, 4),
        "macro_f1": round(float(np.mean(f1s)), 4),
        "per_class": per_class,
        "confusion_matrix": {"labels": labels, "matrix": matrix.tolist()},
        "ece": round(expected_calibration_error(p, y, bins), 4),
    }


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Top-label ECE: mean |accuracy - confidence| over equal-width bins, weighted by bin size.

    >>> round(expected_calibration_error(np.array([[0.8, 0.2], [0.8, 0.2]]), np.array([0, 1])), 2)
    0.3
    """
    if len(y) == 0:
        return 0.0
    confidence, pred = p.max(axis=1), p.argmax(axis=1)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            ece += members.mean() * abs((pred[members] == y[members]).mean() - confidence[members].mean())
    return float(ece)


def neutral_vs_emotional(gold: Sequence[str], probs: Sequence[dict[str, float]]) -> dict:
    """Binary neutral-vs-emotional scores: a text is predicted neutral when ``neutral`` is its top label.

    Gold labels other than ``neutral`` count as emotional. ``f1`` is the neutral class's F1.

    >>> neutral_vs_emotional(["neutral", "joy"], [{"neutral": 0.7, "joy": 0.3}, {"neutral": 0.2, "joy": 0.8}])["f1"]
    1.0
    """
    is_gold = np.array([g == NEUTRAL for g in gold])
    is_pred = np.array([top_label(row) == NEUTRAL for row in probs])
    tp = int((is_gold & is_pred).sum())
    precision = tp / is_pred.sum() if is_pred.sum() else 0.0
    recall = tp / is_gold.sum() if is_gold.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    emo_tp = int((~is_gold & ~is_pred).sum())
    emo_p = emo_tp / (~is_pred).sum() if (~is_pred).sum() else 0.0
    emo_r = emo_tp / (~is_gold).sum() if (~is_gold).sum() else 0.0
    emo_f1 = 2 * emo_p * emo_r / (emo_p + emo_r) if emo_p + emo_r else 0.0
    return {
        "n": int(len(is_gold)),
        "support": int(is_gold.sum()),
        "accuracy": round(float((is_gold == is_pred).mean()) if len(is_gold) else 0.0, 4),
        "precision": round(float(precision), 4),
        "recall": round(float(recall), 4),
        "f1": round(float(f1), 4),
        "emotional_f1": round(float(emo_f1), 4),
        "macro_f1": round(float((f1 + emo_f1) / 2), 4),
    }


def classification_report(classifier, rows: Sequence[dict], labels: Sequence[str]) -> dict:
    """Predict ``rows`` restricted to ``labels`` and :func:`score` them."""
    probs = classifier.predict([r["text"] for r in rows], labels=list(labels))
    return score([r["label"] for r in rows], probs, labels)


def neutral_report(classifier, rows: Sequence[dict]) -> dict:
    """Predict ``rows`` over all labels and score :func:`neutral_vs_emotional`."""
    return neutral_vs_emotional([r["label"] for r in rows], classifier.predict([r["text"] for r in rows]))


def top_label(row: dict[str, float]) -> str:
    """The label with the highest probability."""
    return max(row, key=row.__getitem__)


def multi_label_report(gold: Sequence[Sequence[str]], probs: Sequence[dict[str, float]], labels: Sequence[str]) -> dict:
    """Score the top label against multi-label gold (several labels may be right).

    Rows with empty gold (no label of ours) are counted in ``left_out`` and not scored.
    ``top1_in_gold``: share of rows whose top label is one of their gold labels.
    ``emotional_predicted_neutral``: share of rows with an emotion in their gold whose top
    label is ``neutral``. ``per_class``: a label is predicted when it is the top label and
    true when it is among the gold, so recall is bounded when rows carry several labels.

    >>> probs = [{"joy": 0.6, "anger": 0.4}, {"joy": 0.1, "anger": 0.9}]
    >>> r = multi_label_report([["joy", "love"], ["anger"]], probs, ["joy", "anger"])
    >>> r["top1_in_gold"], r["per_class"]["anger"]["f1"]
    (1.0, 1.0)
    """
    scored = [(set(g), top_label(p)) for g, p in zip(gold, probs) if g]
    emotional = [top for g, top in scored if g != {NEUTRAL}]
    per_class = {}
    for label in labels:
        tp = sum(label in g and top == label for g, top in scored)
        predicted = sum(top == label for _, top in scored)
        support = sum(label in g for g, _ in scored)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    return {
        "n": len(scored),
        "left_out": len(gold) - len(scored),
        "top1_in_gold": round(sum(top in g for g, top in scored) / len(scored), 4) if scored else 0.0,
        "emotional_rows": len(emotional),
        "emotional_predicted_neutral": round(emotional.count(NEUTRAL) / len(emotional), 4) if emotional else 0.0,
        "per_class": per_class,
    }


def merge_labels(probs: Sequence[dict[str, float]], groups: Mapping[str, Sequence[str]]) -> list[dict[str, float]]:
    """Sum each group's probabilities into one label (``{"joy": ("joy", "love")}``), renormalised.

    >>> merge_labels([{"joy": 0.2, "love": 0.3, "anger": 0.5}], {"joy": ("joy", "love"), "anger": ("anger",)})
    [{'joy': 0.5, 'anger': 0.5}]
    """
    merged = []
    for row in probs:
        sums = {name: sum(row[label] for label in members) for name, members in groups.items()}
        total = sum(sums.values()) or 1.0
        merged.append({name: value / total for name, value in sums.items()})
    return merged


def sentiment_report(
    sentiments: Sequence[str], probs: Sequence[dict[str, float]], groups: Mapping[str, Sequence[str]]
) -> dict:
    """Per crowd-rated sentiment: how many tweets, and the share whose top label falls in each group.

    >>> groups = {"negative": ("anger",), "neutral": ("neutral",)}
    >>> sentiment_report(["negative"], [{"anger": 0.7, "neutral": 0.3}], groups)
    {'negative': {'n': 1, 'predicted': {'negative': 1.0, 'neutral': 0.0}}}
    """
    report = {}
    for sentiment in dict.fromkeys(sentiments):
        tops = [top_label(p) for s, p in zip(sentiments, probs) if s == sentiment]
        report[sentiment] = {
            "n": len(tops),
            "predicted": {
                name: round(sum(t in members for t in tops) / len(tops), 4) for name, members in groups.items()
            },
        }
    return report
