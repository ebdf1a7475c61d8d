"""What jobs produce: analyses (an account's mood history), recommendations, and emotion readings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import UTCDateTime, utcnow
from server.extensions import Model, db

if TYPE_CHECKING:
    from server.models.accounts import Account


class Analysis(Model):
    """One mood assessment of an account; kept as history (the mood trend)."""

    __tablename__ = "analyses"
    __table_args__ = (sa.Index("ix_analyses_account_created", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    job_id: Mapped[str | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    model_version: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str | None] = mapped_column(sa.String(16))  # Cheerful / Satisfied / Stressed / Depressed
    reason: Mapped[str | None] = mapped_column(sa.String(32))  # why status is None
    confidence: Mapped[float]
    low_confidence: Mapped[bool]
    positivity: Mapped[float]
    negativity: Mapped[float]
    emotional_weight: Mapped[float]
    tweet_count: Mapped[int]
    own_count: Mapped[int] = mapped_column(default=0)
    reply_count: Mapped[int] = mapped_column(default=0)
    quote_count: Mapped[int] = mapped_column(default=0)
    retweet_count: Mapped[int] = mapped_column(default=0)
    skipped_language_count: Mapped[int] = mapped_column(default=0)  # left out: a language the model does not read
    language: Mapped[str | None] = mapped_column(sa.String(8))  # the account's main language, for resources
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breakdown: Mapped[dict] = mapped_column(sa.JSON)
    # Tweets whose photos showed faces (their faces soft-voted into the breakdown), and the breakdown without them.
    face_tweet_count: Mapped[int] = mapped_column(default=0, server_default="0")
    text_breakdown: Mapped[dict | None] = mapped_column(sa.JSON)
    happiest: Mapped[dict | None] = mapped_column(sa.JSON)
    saddest: Mapped[dict | None] = mapped_column(sa.JSON)

    account: Mapped[Account] = relationship()


class Recommendation(Model):
    """One recommendation result for an account: friends, big accounts and hashtags, each scored with reasons.

    The lists hold other accounts' ids, usernames, scores and reasons, never their moods.
    """

    __tablename__ = "recommendations"
    __table_args__ = (sa.Index("ix_recommendations_account_created", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    job_id: Mapped[str | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"), unique=True)
    analysis_id: Mapped[int | None] = mapped_column(sa.ForeignKey("analyses.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    graph_version: Mapped[int] = mapped_column(default=0)
    # Degraded: Twitter refused the follow lists (403 on this API tier); ranked on the stored graph only.
    degraded: Mapped[bool] = mapped_column(default=False)
    degraded_reason: Mapped[str | None] = mapped_column(sa.Text)
    friends: Mapped[list] = mapped_column(sa.JSON)
    big_accounts: Mapped[list] = mapped_column(sa.JSON)
    hashtags: Mapped[list] = mapped_column(sa.JSON)

    account: Mapped[Account] = relationship()


READING_ID_LENGTH = 12  # short enough to stand as a reading job's subject (``Job.username``)


class EmotionReading(Model):
    """The emotions of a text and/or a photo's faces, soft-voted (``POST /api/v1/emotions``); only its caller reads it.

    Of the photo only the faces' mean probabilities are kept; the text only until its job has read it (cleared on
    success and on failure). The reading is about no account: it belongs to the caller who asked.
    """

    __tablename__ = "emotion_readings"

    id: Mapped[str] = mapped_column(sa.String(READING_ID_LENGTH), primary_key=True)
    created_by: Mapped[str] = mapped_column(sa.String(64), index=True)  # the caller's rate key
    text: Mapped[str | None] = mapped_column(sa.Text)
    language: Mapped[str | None] = mapped_column(sa.String(8))  # asked for, else detected: helplines answer in it
    faces: Mapped[int] = mapped_column(default=0)
    face_emotions: Mapped[dict | None] = mapped_column(sa.JSON)  # the faces' mean, on our labels
    text_emotions: Mapped[dict | None] = mapped_column(sa.JSON)
    emotions: Mapped[dict | None] = mapped_column(sa.JSON)  # the soft vote; None until read
    text_skipped: Mapped[str | None] = mapped_column(sa.String(32))  # why the text was not read, if it was not
    model_version: Mapped[str | None] = mapped_column(sa.String(64))  # the text model's
    face_model_version: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


ResultT = TypeVar("ResultT", Analysis, Recommendation)


def latest_result(model: type[ResultT], account_id: int) -> ResultT | None:
    """The account's newest analysis or recommendation (``model``), if any."""
    newest = sa.select(model).where(model.account_id == account_id).order_by(model.id.desc()).limit(1)
    return db.session.scalar(newest)
