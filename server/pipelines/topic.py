"""The topic pipeline: search page by page -> classify in memory -> add to the topic's days -> checkpoint.

Each page's tweets are classified and folded into the topic's daily aggregates (and hourly ones for the last
seven days of its period) in the commit that stores the walk's position (``next_token``), so an interrupted job
resumes after the last page it counted and counts no page twice. Tweets themselves are never stored: not their
text, id or author (``ml.topics``).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app

from ml.labels import LABELS
from ml.topics import DAY, HOUR, DayAggregate, TopicPeak, aggregate, bucket_of, topic_peaks
from server.db import new_id
from server.extensions import db
from server.jobs.runner import JobFailed, JobRun, Resources
from server.models import Job, Topic, TopicDay, TopicHour, utcnow
from server.models.topics import TOPIC_ID_LENGTH
from server.twitter.search import SearchedTweet, iter_search, query_terms

RECENT_SEARCH = timedelta(days=7) - timedelta(minutes=1)  # recent search refuses a start_time older than 7 days
HASHTAGS_PER_DAY = 500  # the most hashtags kept per day (the rarest go first)
HASHTAGS_PER_HOUR = 100
HOURS_KEPT = timedelta(days=7)  # hours are kept for the last seven days of a topic's period (recent search's reach)


def execute(run: JobRun, resources: Resources) -> Topic:
    """Every step of a topic job; returns the topic, whose days the runner commits with the job's success."""
    job = run.job
    topic = db.session.get(Topic, job.username)
    if topic is None:
        raise JobFailed("topic_not_found", "The topic was deleted.")
    config = current_app.config
    now = utcnow()
    full_archive = bool(config["TWITTER_FULL_ARCHIVE"]) and topic.start < now - RECENT_SEARCH
    start = None if topic.newest_id else topic.start  # a refresh asks only for what is newer (since_id)
    if start is not None and not full_archive:
        start = max(start, now - RECENT_SEARCH)
    if topic.end is not None and start is not None and start >= topic.end:
        raise JobFailed("topic_too_old", "The topic's period is older than 7 days, beyond recent search.")
    with run.phase("model_load"):
        classifier = resources.load_classifier()
    if job.fetched == 0 and job.next_token is None:
        run.checkpoint(since_id=topic.newest_id)
    horizon = hour_horizon(topic, now)
    pages = iter_search(
        resources.twitter,
        topic.query,
        limit=config["TOPIC_MAX_TWEETS"] - job.fetched,
        start=start,
        end=topic.end,
        since_id=job.since_id,
        next_token=job.next_token,
        full_archive=full_archive,
    )
    while True:
        with run.phase("fetch"):
            page = next(pages, None)
        if page is None:
            break
        with run.phase("classify"):
            probabilities = classifier.predict([tweet.text for tweet in page.tweets]) if page.tweets else []
        with run.phase("persist"):
            add_to_days(topic, page.tweets, probabilities, horizon)
            newest = page.newest_id if int(page.newest_id or 0) > int(job.newest_id or 0) else job.newest_id
            counted = job.fetched + len(page.tweets)
            run.checkpoint(fetched=counted, classified=counted, next_token=page.next_token, newest_id=newest)
    with run.phase("persist"):
        db.session.execute(sa.delete(TopicHour).where(TopicHour.topic_id == topic.id, TopicHour.hour < horizon))
        if job.newest_id and int(job.newest_id) > int(topic.newest_id or 0):
            topic.newest_id = job.newest_id
        topic.model_version, topic.refreshed_at = classifier.version, utcnow()
        run.checkpoint(fetch_done=True, next_token=None, total=job.fetched)
    return topic


def new_topic(query: str, start: datetime, end: datetime | None, watch: bool, created_by: str) -> Job:
    """Store a topic and its first job, committed, then send the job (``jobs.QueueUnavailable`` when it cannot)."""
    from server import jobs  # imported here: the pipeline itself never starts jobs

    topic = Topic(id=new_id()[:TOPIC_ID_LENGTH], query=query, start=start, end=end, watch=watch, created_by=created_by)
    return jobs.start_for(topic, "topic")


def explained_peaks(topic: Topic, days: dict[date, DayAggregate], step: timedelta = DAY) -> list[TopicPeak]:
    """The topic's peaks with their hashtags, the query's own terms left out (they say only what it is about).

    ``step=HOUR`` reads ``days`` as the topic's hours (``topic_hours``).
    """
    return topic_peaks(days, exclude=query_terms(topic.query), step=step)


def hour_horizon(topic: Topic, now: datetime) -> datetime:
    """The first hour kept: seven days before the end of the topic's period (now, for an open one)."""
    end = min(topic.end, now) if topic.end is not None else now
    return bucket_of(end - HOURS_KEPT, HOUR)  # type: ignore[return-value]  # an hour's bucket is a datetime


def topic_days(topic: Topic) -> dict[date, DayAggregate]:
    """The topic's stored days as ``ml.topics`` aggregates (to find and explain its peaks)."""
    return {row.day: _aggregate_of(row, row.day) for row in topic.days}


def topic_hours(topic: Topic) -> dict[date, DayAggregate]:
    """The topic's stored hours (keyed by the hour's start, a UTC datetime) as ``ml.topics`` aggregates."""
    return {row.hour: _aggregate_of(row, row.hour) for row in topic.hours}


def _aggregate_of(row: TopicDay | TopicHour, key: date) -> DayAggregate:
    agg = DayAggregate(key, tweets=row.tweets, top=Counter(row.top), hashtags=Counter(row.hashtags))
    agg.sums = {label: float(row.sums.get(label, 0.0)) for label in LABELS}
    return agg


def refresh_watched() -> list[str]:
    """Start a job for each watched topic still in its period that has none active; the new jobs' ids (beat)."""
    from server import jobs  # imported here: the pipeline itself never starts jobs

    now = utcnow()
    started = []
    watched = db.session.scalars(
        sa.select(Topic).where(Topic.watch.is_(True), sa.or_(Topic.end.is_(None), Topic.end > now))
    ).all()
    for topic in watched:
        job, created = jobs.request_job(topic.id, "topic")
        if created:
            jobs.enqueue(job)
            started.append(job.id)
    return started


def add_to_days(
    topic: Topic, tweets: list[SearchedTweet], probabilities: list[dict], horizon: datetime | None = None
) -> None:
    """Fold classified tweets into the topic's day rows, and its hour rows from ``horizon`` on (the caller commits)."""
    rows = [(tweet.created_at, probs, tweet.hashtags) for tweet, probs in zip(tweets, probabilities)]
    for day, counts in aggregate(rows).items():
        row = db.session.get(TopicDay, (topic.id, day)) or _added(TopicDay(topic_id=topic.id, day=day))
        _add(row, counts, HASHTAGS_PER_DAY)
    recent = [item for item in rows if horizon is not None and item[0] >= horizon]
    for hour, counts in aggregate(recent, HOUR).items():
        hour_row = db.session.get(TopicHour, (topic.id, hour)) or _added(TopicHour(topic_id=topic.id, hour=hour))
        _add(hour_row, counts, HASHTAGS_PER_HOUR)
    topic.tweets += len(tweets)


RowT = TypeVar("RowT", TopicDay, TopicHour)


def _added(row: RowT) -> RowT:
    row.tweets, row.top, row.sums, row.hashtags = 0, {}, {}, {}
    db.session.add(row)
    return row


def _add(row: TopicDay | TopicHour, counts: DayAggregate, max_tags: int) -> None:
    row.tweets += counts.tweets
    # New dicts, not edits in place: a JSON column is saved when it is assigned.
    row.top = {label: row.top.get(label, 0) + counts.top.get(label, 0) for label in LABELS}
    row.sums = {label: row.sums.get(label, 0.0) + counts.sums[label] for label in LABELS}
    tags = dict(row.hashtags)
    for tag, count in counts.hashtags.items():
        tags[tag] = tags.get(tag, 0) + count
    row.hashtags = dict(sorted(tags.items(), key=lambda item: (-item[1], item[0]))[:max_tags])
