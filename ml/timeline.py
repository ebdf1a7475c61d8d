"""Peaks in a daily series: the days that stand out from the days before them. Pure Python, deterministic.

Method: a robust z-score against a trailing window. For each day, the baseline is a Theil-Sen line through the
values of the ``window`` calendar days before it (the day itself left out: the median of the pairwise slopes, then
the median intercept), extended to the day; the scale is the median absolute deviation of the window's values from
that line (times 1.4826, so that it estimates the standard deviation of normal noise). A few days' spread can be
small by chance, so the scale is at least the series' own day-to-day noise (the robust spread of its one-day
differences over the whole series, divided by the square root of 2), and at least ``min_scale``. Until the window
holds ``TREND_MIN_POINTS`` values the line is flat (the median): a slope from a few days would swing wildly.
The day's score is ``(value - baseline) / scale``. A day whose score reaches ``threshold`` in absolute value is
unusual; of a run of consecutive unusual days in one direction, only the strongest is a peak.

- A slow drift is the line's slope, so it does not read as a peak (a trailing median would lag behind it).
- A one-day outlier in the baseline hardly moves a median slope, intercept or MAD, so it does not hide the next
  peak (a mean and standard deviation would be dragged by it).
- Scores are in units of the series' own typical day-to-day variation, so they compare across series (a shift of
  four scales is as unusual in a count series as in an emotion share).
- Gaps: ``days`` need not be consecutive; the window counts calendar days, and a day needs ``min_history`` values
  in its window to be scored. Missing values may also be given as None or NaN.
- Hours: with ``step=timedelta(hours=1)`` the points are datetimes, and ``window`` and ``min_history`` count hours.

Similar to the z-scores of CSIRO's We Feel (against a de-seasonalised baseline) and to the robust "Hampel"
identifier; a change-point method (CUSUM, BOCPD) would mark level shifts rather than single-day events.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Literal

MAD_TO_SIGMA = 1.4826  # the MAD of normal noise times this is its standard deviation
TREND_MIN_POINTS = 14  # values in the window before its line may slope
Direction = Literal["up", "down"]


@dataclass(frozen=True)
class Peak:
    """An unusual day: how unusual (``score``, in robust standard deviations), which way, its value and baseline."""

    day: date
    score: float
    direction: Direction
    value: float
    baseline: float


def find_peaks(
    days: Sequence[date],
    values: Sequence[float | None],
    direction: Literal["both", "up", "down"] = "both",
    *,
    window: int = 28,
    min_history: int = 7,
    threshold: float = 3.5,
    min_scale: float = 1e-3,
    step: timedelta = timedelta(days=1),
) -> list[Peak]:
    """The peaks of a daily series, strongest first (ties: earliest first).

    Parameters
    ----------
    days : sequence of datetime.date
        The days of the series, in any order, without repeats; gaps allowed.
    values : sequence of float or None
        One value per day; None or NaN for a day without one.
    direction : "both", "up" or "down"
        Keep peaks above the baseline ("up"), below it ("down") or both.
    window : int
        Calendar days (steps) before a day that form its baseline.
    min_history : int
        Values the window must hold for the day to be scored (the series' first days are not).
    threshold : float
        The absolute score from which a day is unusual.
    min_scale : float
        The smallest scale, in the series' units: a flat baseline would otherwise make any change infinitely
        unusual.
    step : datetime.timedelta
        The series' unit: a day, or an hour for a series of datetimes truncated to the hour.

    Returns
    -------
    list of Peak

    Examples
    --------
    >>> start = date(2021, 1, 1)
    >>> days = [start + timedelta(days=i) for i in range(30)]
    >>> values = [0.40 + 0.01 * (i % 3) for i in range(30)]
    >>> values[20] = 0.70
    >>> [(p.day.isoformat(), p.direction) for p in find_peaks(days, values)]
    [('2021-01-21', 'up')]
    """
    if len(days) != len(values):
        raise ValueError(f"days and values differ in length ({len(days)} and {len(values)})")
    if len(set(days)) != len(days):
        raise ValueError("days repeat")
    if direction not in ("both", "up", "down"):
        raise ValueError(f"direction must be 'both', 'up' or 'down', not {direction!r}")
    if window < 1 or min_history < 1 or min_history > window:
        raise ValueError("need 1 <= min_history <= window")
    series = sorted(
        (day, float(value)) for day, value in zip(days, values) if value is not None and not math.isnan(float(value))
    )
    noise = _day_to_day_noise(series, step)
    scored: list[Peak | None] = []
    for index, (day, value) in enumerate(series):
        earliest = day - step * window
        history = [(d, v) for d, v in series[:index] if d >= earliest]
        if len(history) < min_history:
            scored.append(None)
            continue
        centre, scale = _baseline(history, day, step)
        scale = max(scale, noise, min_scale)
        score = (value - centre) / scale
        if abs(score) < threshold:
            scored.append(None)
            continue
        scored.append(Peak(day, abs(score), "up" if score > 0 else "down", value, centre))
    peaks = _strongest_of_each_run(series, scored, step)
    if direction != "both":
        peaks = [peak for peak in peaks if peak.direction == direction]
    return sorted(peaks, key=lambda peak: (-peak.score, peak.day))


def _day_to_day_noise(series: list[tuple[date, float]], step: timedelta) -> float:
    """The robust standard deviation of the series' noise, from its one-step differences (drift cancels in them)."""
    steps = [v2 - v1 for (d1, v1), (d2, v2) in zip(series, series[1:]) if d2 - d1 == step]
    if len(steps) < 2:
        return 0.0
    centre = median(steps)
    return MAD_TO_SIGMA * median(abs(step - centre) for step in steps) / math.sqrt(2)


def _baseline(history: list[tuple[date, float]], day: date, step: timedelta) -> tuple[float, float]:
    """The Theil-Sen line through ``history`` at ``day``, and the robust spread of the history around the line."""
    points = [((d - day) / step, v) for d, v in history]  # x: steps before ``day`` (negative): the line ends at 0
    slopes = [(v2 - v1) / (x2 - x1) for i, (x1, v1) in enumerate(points) for x2, v2 in points[i + 1 :] if x2 != x1]
    slope = median(slopes) if slopes and len(points) >= TREND_MIN_POINTS else 0.0
    intercept = median(v - slope * x for x, v in points)
    spread = MAD_TO_SIGMA * median(abs(v - (intercept + slope * x)) for x, v in points)
    return intercept, spread


def _strongest_of_each_run(series: list[tuple[date, float]], scored: list[Peak | None], step: timedelta) -> list[Peak]:
    """Of consecutive unusual days (adjacent in the series) in one direction, the strongest (ties: the earliest)."""
    peaks: list[Peak] = []
    run: list[Peak] = []
    for (day, _), peak in zip(series, scored):
        if run and (peak is None or peak.direction != run[-1].direction or day - run[-1].day > step):
            peaks.append(max(run, key=lambda p: p.score))  # max keeps the first of equal scores: the earliest
            run = []
        if peak is not None:
            run.append(peak)
    if run:
        peaks.append(max(run, key=lambda p: p.score))
    return peaks
