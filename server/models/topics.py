"""Topics: public emotion on a search query, kept as daily and hourly aggregates only (no tweet, text or author)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import TWEET_ID_LENGTH, UTCDateTime, utcnow
from server.extensions import Model

TOPIC_ID_LENGTH = 12  # short enough to stand as a topic job's subject (``Job.username``)
QUERY_LENGTH = 512  # Twitter's longest search query


class Topic(Model):
    """A search query watched over a period: where its walk is, and how many tweets it counted."""

    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(sa.String(TOPIC_ID_LENGTH), primary_key=True)
    query: Mapped[str] = mapped_column(sa.String(QUERY_LENGTH))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: up to now, refreshed while watched
    watch: Mapped[bool] = mapped_column(default=False)
    # The newest tweet id counted: a refresh asks only for newer ones (the id itself is not about anyone).
    newest_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH))
    tweets: Mapped[int] = mapped_column(default=0)
    model_version: Mapped[str | None] = mapped_column(sa.String(64))
    created_by: Mapped[str] = mapped_column(sa.String(64))  # the caller's rate key
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    days: Mapped[list[TopicDay]] = relationship(
        back_populates="topic", cascade="all, delete-orphan", order_by="TopicDay.day"
    )
    hours: Mapped[list[TopicHour]] = relationship(
        back_populates="topic", cascade="all, delete-orphan", order_by="TopicHour.hour"
    )


class TopicDay(Model):
    """One day of a topic: counts and sums (so a refresh adds to them exactly), and its hashtag counts."""

    __tablename__ = "topic_days"

    topic_id: Mapped[str] = mapped_column(sa.ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    tweets: Mapped[int] = mapped_column(default=0)
    top: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # label -> tweets with it on top
    sums: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # label -> summed probability
    hashtags: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # lower-cased tag -> tweets using it

    topic: Mapped[Topic] = relationship(back_populates="days")


class TopicHour(Model):
    """One hour of a topic's last seven days, in the same counts and sums as a day (hours show a day's events)."""

    __tablename__ = "topic_hours"

    topic_id: Mapped[str] = mapped_column(sa.ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)  # the hour's start, UTC
    tweets: Mapped[int] = mapped_column(default=0)
    top: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    sums: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    hashtags: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    topic: Mapped[Topic] = relationship(back_populates="hours")
