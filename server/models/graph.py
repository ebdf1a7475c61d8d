"""The follower graph: edges, the ids a follow walk saw, known accounts, their hashtags, a version, a change log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import USERNAME_LENGTH, UTCDateTime, utcnow
from server.extensions import Model


class Follow(Model):
    """A follow edge of the graph, ``follower_id`` follows ``followee_id`` (Twitter user ids).

    Ids are Twitter's, not ``accounts.id``: most graph nodes are accounts we never analysed.
    ``source`` says where the edge came from: ``snap`` (bulk import) or ``twitter`` (fetched).
    """

    __tablename__ = "follows"

    follower_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    followee_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, index=True)
    source: Mapped[str] = mapped_column(sa.String(8), default="twitter")


class FollowWalk(Model):
    """An account a recommendation job saw in one follow list of its account, kept until that walk completes.

    A walk resumed after a rate limit or a killed worker still knows every id it saw, so on completion the stored
    edges it did not see (unfollows) can be dropped.
    """

    __tablename__ = "follow_walks"

    job_id: Mapped[str] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    direction: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # "following" or "followers"
    twitter_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)


class GraphAccount(Model):
    """A graph node we know the username of (from Twitter's follow lists or an import)."""

    __tablename__ = "graph_accounts"

    twitter_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(sa.String(USERNAME_LENGTH))


class GraphHashtag(Model):
    """A hashtag an account of the graph used (SNAP's per-account features; ``#`` stripped)."""

    __tablename__ = "graph_hashtags"

    twitter_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    tag: Mapped[str] = mapped_column(sa.String(140), primary_key=True)


class GraphState(Model):
    """One row: the graph's version, bumped in the transaction of every edge change (workers reload on it)."""

    __tablename__ = "graph_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GraphChange(Model):
    """The edges one version of the graph added or removed, so a worker's copy can catch up without a full reload.

    A row without edge ids marks a change too big or too vague to replay (an import, a deletion): workers reload.
    """

    __tablename__ = "graph_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(index=True)
    follower_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    followee_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    added: Mapped[bool] = mapped_column(default=True)
