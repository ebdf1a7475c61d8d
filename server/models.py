"""The database: accounts, their tweets and hashtags, per-tweet emotions, analyses (history), jobs, the follower
graph (edges, known accounts, their hashtags, a version) and recommendations.

Schema changes go through Alembic (``server/migrations``): edit here, then ``flask --app server db migrate``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ml.labels import LABELS
from server.extensions import db

USERNAME_LENGTH = 15
TWEET_ID_LENGTH = 20
ACTIVE_STATES = ("pending", "running", "retrying")
JOB_KINDS = ("analysis", "recommendations")
FINAL_STATES = ("succeeded", "failed")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored as naive UTC and read back timezone-aware, the same on SQLite and PostgreSQL."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


class Account(db.Model):
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


class Tweet(db.Model):
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

    @property
    def classifier_text(self) -> str:
        """What the classifier reads: a retweet's full original, a quote's comment with the quoted text."""
        if self.kind == "retweet" and self.referenced_text:
            return self.referenced_text
        if self.kind == "quote" and self.referenced_text:
            return f"{self.text}\n\n{self.referenced_text}"
        return self.text


class TweetHashtag(db.Model):
    """A hashtag of a tweet (as written, without ``#``)."""

    __tablename__ = "tweet_hashtags"

    tweet_id: Mapped[str] = mapped_column(sa.ForeignKey("tweets.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(sa.String(140), primary_key=True, index=True)


class TweetEmotion(db.Model):
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
        """label -> probability."""
        return {label: getattr(self, label) for label in LABELS}


class Analysis(db.Model):
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
    happiest: Mapped[dict | None] = mapped_column(sa.JSON)
    saddest: Mapped[dict | None] = mapped_column(sa.JSON)

    account: Mapped[Account] = relationship()


class Job(db.Model):
    """One requested analysis or recommendation run: state, progress, error, and the lease of its worker.

    States: pending -> running -> succeeded | failed, with retrying (until ``retry_at``) in between.
    At most one active job per username and kind (a partial unique index), so a repeated request joins it.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        sa.Index(
            "uq_jobs_active_username",
            "username_key",
            "kind",
            unique=True,
            sqlite_where=sa.text("state IN ('pending', 'running', 'retrying')"),
            postgresql_where=sa.text("state IN ('pending', 'running', 'retrying')"),
        ),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    username: Mapped[str] = mapped_column(sa.String(USERNAME_LENGTH))
    username_key: Mapped[str] = mapped_column(sa.String(USERNAME_LENGTH), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="analysis")  # one of JOB_KINDS
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(sa.String(16), default="pending")
    error_code: Mapped[str | None] = mapped_column(sa.String(32))
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    # The Celery task id allowed to run the job; a different delivery may take over only once the lease ran out.
    task_id: Mapped[str] = mapped_column(sa.String(64), default=lambda: uuid.uuid4().hex)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)  # retries after transient Twitter failures
    fetched: Mapped[int] = mapped_column(default=0)
    classified: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    # Where an interrupted fetch resumes: the since_id it started from and the next page's token.
    since_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH))
    next_token: Mapped[str | None] = mapped_column(sa.String(256))
    fetch_done: Mapped[bool] = mapped_column(default=False)
    newest_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH))
    # Recommendation jobs: which follow list is being fetched ("following", "followers"), and where; "done" once
    # both are stored, "refused" when Twitter answered 403 (the result is then marked degraded).
    follow_phase: Mapped[str | None] = mapped_column(sa.String(16))
    follow_token: Mapped[str | None] = mapped_column(sa.String(256))
    # Admin re-analyses: the run this job belongs to (progress of the whole run is counted over its jobs).
    run_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("admin_runs.id", ondelete="SET NULL", name="fk_jobs_run_id"), index=True
    )
    timings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    account: Mapped[Account | None] = relationship()
    analysis: Mapped[Analysis | None] = relationship(
        primaryjoin="Job.id == Analysis.job_id", foreign_keys="Analysis.job_id", viewonly=True, uselist=False
    )
    recommendation: Mapped[Recommendation | None] = relationship(
        primaryjoin="Job.id == Recommendation.job_id",
        foreign_keys="Recommendation.job_id",
        viewonly=True,
        uselist=False,
    )


class Follow(db.Model):
    """A follow edge of the graph, ``follower_id`` follows ``followee_id`` (Twitter user ids).

    Ids are Twitter's, not ``accounts.id``: most graph nodes are accounts we never analysed.
    ``source`` says where the edge came from: ``snap`` (bulk import) or ``twitter`` (fetched).
    """

    __tablename__ = "follows"

    follower_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    followee_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, index=True)
    source: Mapped[str] = mapped_column(sa.String(8), default="twitter")


class FollowWalk(db.Model):
    """An account a recommendation job saw in one follow list of its account, kept until that walk completes.

    A walk resumed after a rate limit or a killed worker still knows every id it saw, so on completion the stored
    edges it did not see (unfollows) can be dropped.
    """

    __tablename__ = "follow_walks"

    job_id: Mapped[str] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    direction: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # "following" or "followers"
    twitter_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)


class GraphAccount(db.Model):
    """A graph node we know the username of (from Twitter's follow lists or an import)."""

    __tablename__ = "graph_accounts"

    twitter_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(sa.String(USERNAME_LENGTH))


class GraphHashtag(db.Model):
    """A hashtag an account of the graph used (SNAP's per-account features; ``#`` stripped)."""

    __tablename__ = "graph_hashtags"

    twitter_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    tag: Mapped[str] = mapped_column(sa.String(140), primary_key=True)


class GraphState(db.Model):
    """One row: the graph's version, bumped in the transaction of every edge change (workers reload on it)."""

    __tablename__ = "graph_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GraphChange(db.Model):
    """The edges one version of the graph added or removed, so a worker's copy can catch up without a full reload.

    A row without edge ids marks a change too big or too vague to replay (an import, a deletion): workers reload.
    """

    __tablename__ = "graph_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(index=True)
    follower_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    followee_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    added: Mapped[bool] = mapped_column(default=True)


class Recommendation(db.Model):
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


class Consent(db.Model):
    """An account's opt-in to being analysed: by mentioning the bot with a command, or a client's declared sign-in.

    Keyed by the lower-cased username (consent can come before we ever looked the account up); ``twitter_id``
    ties it to the account once known, so a renamed account keeps its consent and a reused name does not.
    Opting out (or "forget me") deletes the row.
    """

    __tablename__ = "consents"

    username_key: Mapped[str] = mapped_column(sa.String(USERNAME_LENGTH), primary_key=True)
    twitter_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH), index=True)
    source: Mapped[str] = mapped_column(sa.String(16))  # "mention", "sign_in" or "demo"
    client_id: Mapped[str | None] = mapped_column(sa.String(64))  # the API client that declared the sign-in
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BotState(db.Model):
    """One row: where the mention poll resumes (the newest mention id already seen)."""

    __tablename__ = "bot_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    mentions_since_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH))
    polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HandledMention(db.Model):
    """A mention the bot took on; the primary key makes a second reply to the same mention impossible.

    The row is written before the reply is posted; ``reply_id`` is filled once Twitter accepted the reply. A row
    without ``reply_id`` whose lease ran out was interrupted: the bot first looks for its own reply in the
    mention's thread before posting again.
    """

    __tablename__ = "handled_mentions"

    mention_id: Mapped[str] = mapped_column(sa.String(TWEET_ID_LENGTH), primary_key=True)
    author_id: Mapped[str] = mapped_column(sa.String(TWEET_ID_LENGTH), index=True)
    command: Mapped[str] = mapped_column(sa.String(16))  # analyse / recommend / forget / stop / help / unknown
    job_id: Mapped[str | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AdminRun(db.Model):
    """An admin re-analysis over many accounts; its progress is the states of its jobs (``Job.run_id``)."""

    __tablename__ = "admin_runs"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    older_than_days: Mapped[float | None]  # None: every consented account
    total: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(sa.String(64), default="cli")


class AccessGrant(db.Model):
    """An API client may read an account's moods and recommendations only after it asked for one of them."""

    __tablename__ = "access_grants"

    client_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    username_key: Mapped[str] = mapped_column(sa.String(USERNAME_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - SQLite and PostgreSQL are the supported databases
        raise NotImplementedError(f"no upsert for {dialect}")
    return insert(model)


def insert_ignore(model, rows: list[dict]) -> None:
    """Insert rows, skipping those whose primary key already exists (idempotent writes)."""
    if rows:
        db.session.execute(_insert(model).on_conflict_do_nothing(), rows)


def upsert(model, rows: list[dict], update: list[str]) -> None:
    """Insert rows, or update the ``update`` columns of those whose primary key already exists."""
    if not rows:
        return
    statement = _insert(model)
    keys = [column.name for column in model.__table__.primary_key]
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in update}
    )
    db.session.execute(statement, rows)
