"""Job lifecycle: request (joining an active job), enqueue after commit, claim, progress, retry, finish, recovery.

Two kinds of job share it: ``analysis`` (an account's mood) and ``recommendations`` (friends, big accounts and
hashtags for an account); each kind has its own Celery task, and at most one active job per account and kind.

A job is run by the Celery task whose id is ``job.task_id``. Another delivery may take it over only when the
job's lease ran out, i.e. the worker running it died: that is how a job survives a killed worker without ever
running twice at once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from server.db import write
from server.extensions import db
from server.jobs.kinds import kind_of
from server.models import ACTIVE_STATES, AccessGrant, Job, insert_ignore, utcnow

logger = logging.getLogger(__name__)


class QueueUnavailable(Exception):
    """The broker refused the job's message; the job was marked failed."""


class LeaseLost(Exception):
    """Another delivery took the job over (this one was presumed dead): stop without touching the job."""


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])


def active_job(username_key: str, kind: str = "analysis") -> Job | None:
    """The pending, running or retrying job of this kind for this username, if any."""
    return db.session.scalar(
        sa.select(Job).where(Job.username_key == username_key, Job.kind == kind, Job.state.in_(ACTIVE_STATES))
    )


def grant_access(client_id: str, username_key: str) -> None:
    """Let ``client_id`` read this account's analyses and recommendations (idempotent)."""
    insert_ignore(AccessGrant, [{"client_id": client_id, "username_key": username_key, "created_at": utcnow()}])


def has_access(client_id: str, username_key: str) -> bool:
    """Whether ``client_id`` asked for this account's analysis or recommendations at some point."""
    return db.session.get(AccessGrant, (client_id, username_key)) is not None


def request_job(username: str, client_id: str, kind: str = "analysis") -> tuple[Job, bool]:
    """The active job of this kind for ``username``, or a new pending one (committed); True when new."""
    kind_of(kind)  # ValueError for an unknown kind
    key = username.lower()
    grant_access(client_id, key)
    job = active_job(key, kind)
    if job is not None:
        db.session.commit()
        return job, False
    job = Job(username=username, username_key=key, kind=kind, lease_until=utcnow() + _lease())
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent request created the active job first (the partial unique index): join it.
        db.session.rollback()
        grant_access(client_id, key)
        db.session.commit()
        job = active_job(key, kind)
        if job is None:
            raise
        return job, False
    return job, True


def enqueue(job: Job, countdown: float | None = None) -> None:
    """Send the job's task message (due in ``countdown`` s) after the commit; fails the job if the broker is down."""
    celery = current_app.extensions["celery"]
    options = {}
    if countdown:
        # A delayed job is not orphaned while it waits: its lease starts when its message becomes due.
        job.lease_until = utcnow() + timedelta(seconds=countdown) + _lease()
        db.session.commit()
        options["countdown"] = countdown
    try:
        celery.send_task(kind_of(job.kind).task, args=[job.id], task_id=job.task_id, **options)
    except Exception as error:  # kombu raises OperationalError, redis ConnectionError, sqlite errors...
        logger.exception("could not enqueue job %s", job.id)
        finish_failed(job, "queue_unavailable", "The job queue is unavailable; please try again later.")
        raise QueueUnavailable(str(error)) from error


def claim(job_id: str, task_id: str) -> Job | None:
    """Mark the job running for this task and return it; None when it is finished or another task holds it."""
    now = utcnow()
    changed = write(
        sa.update(Job)
        .where(
            Job.id == job_id,
            Job.state.in_(ACTIVE_STATES),
            sa.or_(Job.task_id == task_id, Job.lease_until < now),
        )
        .values(state="running", task_id=task_id, lease_until=now + _lease(), retry_at=None)
    )
    db.session.commit()
    if changed != 1:
        return None
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None:  # deleted ("forget me") between the update and this read
        return None
    job.claimed_by = task_id
    if job.started_at is None:
        job.started_at = now
        db.session.commit()
    return job


def renew(job: Job) -> None:
    """Extend the job's lease in the caller's transaction; :class:`LeaseLost` if another delivery holds it now."""
    changed = write(
        sa.update(Job).where(Job.id == job.id, Job.task_id == job.claimed_by).values(lease_until=utcnow() + _lease())
    )
    if changed != 1:
        raise LeaseLost(job.id)


def holds(job: Job) -> bool:
    """Whether this delivery still holds the job (renewing its lease); check before writing an outcome."""
    try:
        renew(job)
    except LeaseLost:
        return False
    return True


def schedule_retry(job: Job, at: datetime, code: str, message: str) -> datetime:
    """Park the job until ``at`` (the task is re-sent for then) and return ``at``."""
    job.state = "retrying"
    job.retry_at = at
    job.lease_until = at + _lease()
    job.error_code, job.error_message = code, message
    db.session.commit()
    logger.info("job %s retries at %s: %s", job.id, at.isoformat(), message)
    return at


def finish_succeeded(job: Job, timings: dict) -> None:
    """End the job in the succeeded state, committing whatever result rows the caller added with it.

    Raises :class:`LeaseLost` (nothing committed) when another delivery took the job over meanwhile.
    """
    job.state, job.finished_at = "succeeded", utcnow()
    job.error_code = job.error_message = job.retry_at = None
    job.timings = timings
    renew(job)  # still ours: a delivery that took over must not be overwritten
    db.session.commit()


def finish_failed(job: Job, code: str, message: str) -> None:
    """End the job in the failed state with a readable code and message."""
    job.state = "failed"
    job.error_code, job.error_message = code, message
    job.finished_at = utcnow()
    job.retry_at = None
    db.session.commit()
    logger.info("job %s failed: %s (%s)", job.id, code, message)


def orphaned(now: datetime | None = None) -> list[Job]:
    """Active jobs whose lease ran out: their worker died (or their message was lost)."""
    now = now or utcnow()
    return list(db.session.scalars(sa.select(Job).where(Job.state.in_(ACTIVE_STATES), Job.lease_until < now)))


def next_lease_expiry() -> datetime | None:
    """When the earliest lease of an active job runs out (None: no active job)."""
    return db.session.scalar(sa.select(sa.func.min(Job.lease_until)).where(Job.state.in_(ACTIVE_STATES)))


def reassign(job: Job) -> bool:
    """Give an orphaned job a new task id and re-send it; False if it is no longer orphaned."""
    now = utcnow()
    new_task_id = uuid.uuid4().hex
    changed = write(
        sa.update(Job)
        .where(Job.id == job.id, Job.state.in_(ACTIVE_STATES), Job.lease_until < now)
        .values(task_id=new_task_id, lease_until=now + _lease())
    )
    db.session.commit()
    if changed != 1:
        return False
    current_app.extensions["celery"].send_task(kind_of(job.kind).task, args=[job.id], task_id=new_task_id)
    logger.warning("job %s was orphaned (state %s); re-sent as task %s", job.id, job.state, new_task_id)
    return True
