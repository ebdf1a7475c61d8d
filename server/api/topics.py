"""Topics: public emotion on a search query, day by day, its peaks and the hashtags that explain them.

Any caller with a credential may watch a topic and read any topic: a topic holds aggregates of public tweets
only, never a tweet, text, id or author (``server.pipelines.topic``).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, timedelta

from flask import current_app, g
from limits import parse

from ml.labels import LABELS
from ml.topics import DAY, HOUR
from server.api.access import START, accepted, bp, enforce, queue_available
from server.api.contract import errors
from server.api.errors import ApiError
from server.api.schemas import (
    HashtagLift,
    ImageQuery,
    TopicBody,
    TopicDayOut,
    TopicEnvelope,
    TopicOut,
    TopicPath,
    TopicPeakOut,
    TopicQuery,
)
from server.extensions import db
from server.models import Topic
from server.pipelines.topic import explained_peaks, new_topic, topic_days, topic_hours

TOPIC_ERRORS = errors(e401="Missing or invalid API key", e404="No such topic")


@bp.post("/topics", responses={**START, **errors(e400="Malformed body: query, start, end")})
def start_topic(body: TopicBody):
    """Watch a topic: search its tweets over the period, classify them, keep daily aggregates; a job.

    The query is Twitter's search syntax (``#PfizerBioNTech lang:en -is:retweet``). Recent search reaches 7 days
    back; full-archive search (``TWITTER_FULL_ARCHIVE``) reaches the start. With ``watch``, beat refreshes it.
    """
    enforce(parse(current_app.config["JOB_START_LIMIT"]), "job-starts", g.principal.rate_key)
    with queue_available():
        job = new_topic(body.query, body.start, body.end, body.watch, g.principal.rate_key)
    return accepted(job)


@bp.get(
    "/topics/<topic_id>",
    responses={200: TopicEnvelope, **TOPIC_ERRORS, **errors(e400="Malformed topic id")},
)
def get_topic(path: TopicPath, query: TopicQuery):
    """The topic's series by day and by hour, their peaks (with hashtags) and its hashtags; ``?format=csv``: a series.

    ``?format=csv&bucket=hour`` exports the hours (the last seven days of the period) instead of the days.
    """
    if query.format == "csv":
        topic = _topic(path.topic_id)
        series = _series(topic_hours(topic)) if query.bucket == "hour" else _series(topic_days(topic))
        return _csv(topic, series, query.bucket)
    return {"topic": topic_view(path.topic_id)}


def _key(moment: date) -> str:
    """A day as YYYY-MM-DD, an hour (a datetime) as YYYY-MM-DDTHH:00Z."""
    return moment.strftime("%Y-%m-%dT%H:00Z") if isinstance(moment, datetime) else moment.isoformat()


def _series(days: dict) -> list[TopicDayOut]:
    return [
        TopicDayOut(
            day=_key(day),
            tweets=agg.tweets,
            top=dict(agg.top),
            means={label: round(agg.mean(label), 4) for label in LABELS},
            positivity=round(agg.positivity, 4),
            negativity=round(agg.negativity, 4),
        )  # fmt: skip
        for day, agg in sorted(days.items())
    ]


def topic_view(topic_id: str) -> dict:
    """A topic as the API shows it (404 ``topic_not_found``): series, peaks with hashtags, top hashtags."""
    topic = _topic(topic_id)
    days, hours = topic_days(topic), topic_hours(topic)
    totals: Counter = Counter()
    for agg in days.values():
        totals.update(agg.hashtags)
    result = TopicOut(
        id=topic.id, query=topic.query, start=topic.start, end=topic.end, watch=topic.watch, tweets=topic.tweets,
        model_version=topic.model_version, refreshed_at=topic.refreshed_at, series=_series(days),
        peaks=_peaks(topic, days, DAY), hours=_series(hours), hour_peaks=_peaks(topic, hours, HOUR),
        hashtags=[HashtagLift(tag=tag, lift=1.0, count=count) for tag, count in totals.most_common(20)],
    )  # fmt: skip
    return TopicEnvelope(topic=result).model_dump(mode="json")["topic"]


@bp.get(
    "/topics/<topic_id>/timeline.svg",
    responses={200: {"description": "The timeline (image/svg+xml, or image/png with ?format=png)"}, **TOPIC_ERRORS},
)
def get_topic_timeline(path: TopicPath, query: ImageQuery):
    """The topic's timeline as an image: daily tweets by top emotion, and positivity with its peaks labelled."""
    from server.web.topic_chart import timeline  # imported here: only this route loads the plotting library

    topic = _topic(path.topic_id)
    days = topic_days(topic)
    peaks = explained_peaks(topic, days)
    image = timeline(days, peaks, f"{topic.query} ({topic.tweets} tweets)", query.format)
    kind = "image/svg+xml" if query.format == "svg" else "image/png"
    return (
        image,
        200,
        {"Content-Type": kind, "Content-Disposition": f"inline; filename=topic-{topic.id}.{query.format}"},
    )


def _peaks(topic: Topic, buckets: dict, step: timedelta) -> list[TopicPeakOut]:
    return [
        TopicPeakOut(
            series=found.series,
            day=_key(found.peak.day),
            direction=found.peak.direction,
            score=round(found.peak.score, 2),
            value=round(found.peak.value, 4),
            baseline=round(found.peak.baseline, 4),
            hashtags=[HashtagLift(tag=tag, lift=lift, count=count) for tag, lift, count in found.hashtags],
        )  # fmt: skip
        for found in explained_peaks(topic, buckets, step)
    ]


def _topic(topic_id: str) -> Topic:
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        raise ApiError(404, "topic_not_found", f"No topic {topic_id}.")
    return topic


def _csv(topic: Topic, series: list[TopicDayOut], bucket: str):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    means, tops = [f"mean_{label}" for label in LABELS], [f"top_{label}" for label in LABELS]
    writer.writerow([bucket, "tweets", "positivity", "negativity", *means, *tops])
    for day in series:
        row = [day.day, day.tweets, day.positivity, day.negativity]
        writer.writerow(row + [day.means[label] for label in LABELS] + [day.top.get(label, 0) for label in LABELS])
    headers = {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f"attachment; filename=topic-{topic.id}-{bucket}s.csv",
    }
    return buffer.getvalue(), 200, headers
