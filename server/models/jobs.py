"""Jobs (one per request of a kind for an account) and admin re-analysis runs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import TWEET_ID_LENGTH, USERNAME_LENGTH, UTCDateTime, new_id, utcnow
from server.extensions import Model
from server.models.results import EmotionReading
from server.models.topics import Topic

if TYPE_CHECKING:
    from server.models.accounts import Account
    from server.models.results import Analysis, Recommendation

SubjectT = TypeVar("SubjectT", Topic, EmotionReading)  # a job's subject row, named by its id
ACTIVE_STATES = ("pending", "running", "retrying")
FINAL_STATES = ("succeeded", "failed")


class Job(Model):
    """One requested analysis or recommendation run: state, progress, error, and the lease of its worker.

    States: pending -> running -> succeeded | failed, with retrying (until ``retry_at``) in between.
    At most one active job per username and kind (a partial unique index), so a repeated request joins it.
    """

    __tablename__ = "jobs"
    __allow_unmapped__ = True  # for claimed_by, an attribute of the loaded object only
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

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(sa.String(USERNAME_LENGTH))
    username_key: Mapped[str] = mapped_column(sa.String(USERNAME_LENGTH), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="analysis")  # one of server.jobs.kinds.KINDS
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(sa.String(16), default="pending")
    error_code: Mapped[str | None] = mapped_column(sa.String(32))
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    # The Celery task id allowed to run the job; a different delivery may take over only once the lease ran out.
    task_id: Mapped[str] = mapped_column(sa.String(64), default=new_id)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)  # retries after transient Twitter failures
    # Times the job's message was sent again because it was lost (queue restarted, worker killed); spaces re-sends.
    resends: Mapped[int] = mapped_column(default=0, server_default="0")
    worker: Mapped[str | None] = mapped_column(sa.String(255))  # the Celery worker that claimed it last
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

    # Not a column: the delivery that claimed this row in this process (``lifecycle.claim``). It survives commits,
    # unlike task_id, which reloads from the database.
    claimed_by: str | None = None

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

    @property
    def finished_topic(self) -> Topic | None:
        """A succeeded topic job's topic (its subject is the topic's id); None otherwise."""
        return self._finished_subject("topic", Topic)

    @property
    def finished_reading(self) -> EmotionReading | None:
        """A succeeded reading job's reading (its subject is the reading's id); None otherwise."""
        return self._finished_subject("emotions", EmotionReading)

    def _finished_subject(self, kind: str, model: type[SubjectT]) -> SubjectT | None:
        if self.kind != kind or self.state != "succeeded":
            return None
        from server.extensions import db  # the session, for this one lookup

        return db.session.get(model, self.username)


class AdminRun(Model):
    """An admin re-analysis over many accounts; its progress is the states of its jobs (``Job.run_id``)."""

    __tablename__ = "admin_runs"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    older_than_days: Mapped[float | None]  # None: every consented account
    total: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(sa.String(64), default="cli")


class ArchiveUpload(Model):
    """An uploaded X/Twitter export waiting for its import job; deleted in the commit that stores its tweets.

    The bytes live in the database, not on a web server's disk, so any worker can import them; a failed import
    deletes its upload too (``server.archives.imports``), and so does forgetting the account (the job's cascade).
    """

    __tablename__ = "archive_uploads"

    job_id: Mapped[str] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    # The Twitter id the export must belong to (the signed-in account's); None when only the username is known.
    owner_id: Mapped[str | None] = mapped_column(sa.String(TWEET_ID_LENGTH))
    filename: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
