"""Accounts and their tweets, hashtags and per-tweet emotions (one row per model version)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ml.labels import LABELS
from server.db import TWEET_ID_LENGTH, USERNAME_LENGTH, UTCDateTime, utcnow
from server.extensions import Model, db


class Account(Model):
    """A Twitter account we analysed; ``since_id`` is the newest tweet of its last complete fetch."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    twitter_id: Mapped[str] = mapped_column(sa.String(TWEET_ID_LENGTH), unique=True)
    username: Mapped[str] = mapped_column(sa.String(USERNAME_LENGTH))
    # Lower-cased username (Twitter usernames are case-insensitive); None once another account took it.
    username_key: Mapped[str | None] = mapped_column(sa.String(USERNAME_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    since_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH))
    # Being suggested to others as a friend is its own opt-in, off until the account turns it on.
    match_opt_in: Mapped[bool] = mapped_column(default=False)
    match_opt_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Tweet(Model):
    """One tweet of an account; ``referenced_text`` is the full text of the tweet it retweets or quotes."""

    __tablename__ = "tweets"
    __table_args__ = (sa.Index("ix_tweets_account_created", "account_id", "created_at"),)

    id: Mapped[str] = mapped_column(sa.String(TWEET_ID_LENGTH), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(8))  # own / reply / quote / retweet
    lang: Mapped[str | None] = mapped_column(sa.String(8))
    referenced_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH))
    referenced_text: Mapped[str | None] = mapped_column(sa.Text)
    like_count: Mapped[int] = mapped_column(default=0)
    retweet_count: Mapped[int] = mapped_column(default=0)
    reply_count: Mapped[int] = mapped_column(default=0)
    quote_count: Mapped[int] = mapped_column(default=0)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Its photos' faces, read when it was fetched (the photos themselves are never kept): how many faces (None: no
    # photo was read) and their mean expression on our labels, soft-voted with the text when the mood is weighed.
    faces: Mapped[int | None]
    face_emotions: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))  # NULL, so an upsert can keep it

    @property
    def classifier_text(self) -> str:
        """What the classifier reads: a retweet's full original, a quote's comment with the quoted text."""
        if self.kind == "retweet" and self.referenced_text:
            return self.referenced_text
        if self.kind == "quote" and self.referenced_text:
            return f"{self.text}\n\n{self.referenced_text}"
        return self.text


class TweetHashtag(Model):
    """A hashtag of a tweet (as written, without ``#``)."""

    __tablename__ = "tweet_hashtags"

    tweet_id: Mapped[str] = mapped_column(sa.ForeignKey("tweets.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(sa.String(140), primary_key=True, index=True)


class TweetEmotion(Model):
    """The classifier's probabilities for one tweet, one column per label, per model version."""

    __tablename__ = "tweet_emotions"

    tweet_id: Mapped[str] = mapped_column(sa.ForeignKey("tweets.id", ondelete="CASCADE"), primary_key=True)
    model_version: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    sadness: Mapped[float]
    joy: Mapped[float]
    love: Mapped[float]
    anger: Mapped[float]
    fear: Mapped[float]
    surprise: Mapped[float]
    neutral: Mapped[float]
    classified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def probs(self) -> dict[str, float]:
        """Label -> probability."""
        return {label: getattr(self, label) for label in LABELS}


def account_named(username: str) -> Account | None:
    """The account that holds ``username`` now (case-insensitive), if we stored it."""
    return db.session.scalar(sa.select(Account).where(Account.username_key == username.lower()))
