"""A topic's timeline as an image (matplotlib, drawn off-screen): what each day's tweets felt, and its peaks.

Top: stacked daily counts of tweets by their top emotion. Bottom: the mean positivity per day, its peaks marked
and labelled with the hashtag that most explains them. SVG for the page and for sharing; PNG on request.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

from ml.labels import LABELS
from ml.topics import DayAggregate, TopicPeak

COLOURS = {
    "joy": "#b45309", "love": "#be185d", "surprise": "#0e7490", "sadness": "#4338ca",
    "anger": "#b91c1c", "fear": "#6d28d9", "neutral": "#9ca3af",
}  # fmt: skip


def timeline(days: Mapping[date, DayAggregate], peaks: Sequence[TopicPeak], title: str, fmt: str = "svg") -> bytes:
    """The topic's timeline as SVG (or PNG) bytes."""
    import matplotlib  # imported here: only this route draws, and the web process should not pay for it at start

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    ordered = sorted(days)
    figure = Figure(figsize=(10, 6), layout="constrained")
    counts, mood = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    bottom = [0] * len(ordered)
    for label in LABELS:
        heights = [days[day].top.get(label, 0) for day in ordered]
        counts.bar(ordered, heights, bottom=bottom, color=COLOURS[label], label=label, width=0.9)
        bottom = [b + h for b, h in zip(bottom, heights)]
    counts.set_ylabel("tweets by top emotion")
    counts.legend(ncols=4, fontsize="small", loc="upper left")
    counts.set_title(title, loc="left", fontsize="medium")
    mood.plot(ordered, [days[day].positivity for day in ordered], color="#047857", marker=".", label="positivity")
    mood.set_ylabel("positivity (mean)")
    mood.set_ylim(0, 1)
    for found in peaks:
        if found.series != "positivity":
            continue
        peak = found.peak
        mood.scatter([peak.day], [peak.value], s=80, marker="D", color="#f59e0b", edgecolors="#1b1d21", zorder=3)
        label = f"#{found.hashtags[0][0]}" if found.hashtags else peak.day.isoformat()
        offset = 12 if peak.direction == "up" else -16
        mood.annotate(label, (peak.day, peak.value), textcoords="offset points", xytext=(0, offset), ha="center")
    figure.autofmt_xdate()
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()
