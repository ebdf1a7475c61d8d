"""Job lifecycle: request (joining an active job), enqueue after commit, claim, progress, retry, finish, recovery.

Two kinds of job share it: ``analysis`` (an account's mood) and ``recommendations`` (friends, big accounts and
hashtags for an account); each kind has its own Celery task, and at most one active job per account and kind.

A job is run by the Celery task whose id is ``job.task_id``. Another delivery may take it over only when the
job's lease ran out, i.e. the worker running it died: that is how a job survives a killed worker without ever
running twice at once. Any delivery may start a job still pending (none runs it yet), so a re-sent message and
the one it replaced never wait on each other. Messages can be lost (a broker restarted without persistence, a
killed worker's prefetched messages): :func:`stuck` finds active jobs whose lease ran out, and :func:`resend`
sends them again, each time waiting twice as long before the next re-send.
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
from server.models import ACTIVE_STATES, ArchiveUpload, EmotionReading, Job, Topic, utcnow

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


def new_job(username: str, kind: str) -> Job:
    """A pending job (not added): its lease is the grace its first message has before the sweep re-sends it."""
    return Job(username=username, username_key=username.lower(), kind=kind, lease_until=utcnow() + _lease())


def start_for(subject: Topic | EmotionReading, kind: str) -> Job:
    """Store ``subject`` with a new job of ``kind`` naming its id, committed, then send the job.

    :class:`QueueUnavailable` when the queue refuses it (the job is then failed).
    """
    job = new_job(subject.id, kind)
    db.session.add_all([subject, job])
    db.session.commit()
    enqueue(job)
    return job


def request_job(username: str, kind: str = "analysis") -> tuple[Job, bool]:
    """The active job of this kind for ``username``, or a new pending one (committed); True when new.

    An active job whose message was lost (its lease ran out) is sent again before it is returned.
    """
    kind_of(kind)  # ValueError for an unknown kind
    key = username.lower()
    job = active_job(key, kind)
    if job is not None:
        if job.lease_until is not None and job.lease_until < utcnow():
            resend(job)
        return job, False
    job = new_job(username, kind)
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent request created the active job first (the partial unique index): join it.
        db.session.rollback()
        job = active_job(key, kind)
        if job is None:
            raise
        return job, False
    return job, True


def send(job: Job, task_id: str, **options) -> None:
    """Send the message of the job's task under ``task_id``, at the queue's default priority.

    ``send_task`` does not apply ``task_default_priority`` itself; on Redis it keeps new work behind resumed jobs.
    """
    celery = current_app.extensions["celery"]
    priority = celery.conf.task_default_priority
    if priority is not None:
        options.setdefault("priority", priority)
    try:
        celery.send_task(kind_of(job.kind).task, args=[job.id], task_id=task_id, **options)
    except IntegrityError:
        # kombu's SQL transport creates its queue row unguarded: a first send racing the worker's first declaration
        # of the queue fails on the row the worker just made. The row exists now, so the send goes through.
        celery.send_task(kind_of(job.kind).task, args=[job.id], task_id=task_id, **options)


def enqueue(job: Job, countdown: float | None = None) -> None:
    """Send the job's task message (due in ``countdown`` s) after the commit; fails the job if the broker is down."""
    options = {}
    if countdown:
        # A delayed job is not orphaned while it waits: its lease starts when its message becomes due.
        job.lease_until = utcnow() + timedelta(seconds=countdown) + _lease()
        db.session.commit()
        options["countdown"] = countdown
    try:
        send(job, job.task_id, **options)
    except Exception as error:  # kombu raises OperationalError, redis ConnectionError, sqlite errors...
        logger.exception("could not enqueue job %s", job.id)
        finish_failed(job, "queue_unavailable", "The job queue is unavailable; please try again later.")
        raise QueueUnavailable(str(error)) from error


def claim(job_id: str, task_id: str, worker: str | None = None) -> Job | None:
    """Mark the job running for this task (on ``worker``) and return it.

    None when it is finished or another task holds it.
    """
    now = utcnow()
    changed = write(
        sa.update(Job)
        .where(
            Job.id == job_id,
            Job.state.in_(ACTIVE_STATES),
            sa.or_(Job.task_id == task_id, Job.lease_until < now, Job.state == "pending"),
        )
        .values(state="running", task_id=task_id, lease_until=now + _lease(), retry_at=None, worker=worker)
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
    # Nothing of a failed import is kept: its upload goes with it (its tweets were never committed); nor the text
    # of a failed reading.
    db.session.execute(sa.delete(ArchiveUpload).where(ArchiveUpload.job_id == job.id))
    if job.kind == "emotions":
        db.session.execute(sa.update(EmotionReading).where(EmotionReading.id == job.username).values(text=None))
    db.session.commit()
    logger.info("job %s failed: %s (%s)", job.id, code, message)


def stuck(now: datetime | None = None) -> list[Job]:
    """Active jobs whose lease ran out: pending past their grace, or running on a worker that died."""
    now = now or utcnow()
    return list(db.session.scalars(sa.select(Job).where(Job.state.in_(ACTIVE_STATES), Job.lease_until < now)))


RESEND_BACKOFF_MAX = 4  # a job re-sent n times waits lease * 2**min(n, this) before the next re-send


def resend(job: Job) -> bool:
    """Give a stuck job a new task id and send it again; False if it is no longer stuck.

    :class:`QueueUnavailable` when the broker refuses the message (the job stays as it was, for the next sweep).
    """
    now = utcnow()
    new_task_id = uuid.uuid4().hex
    wait = _lease() * 2 ** min(job.resends, RESEND_BACKOFF_MAX)  # a long queue is not refilled every sweep
    changed = write(
        sa.update(Job)
        .where(Job.id == job.id, Job.state.in_(ACTIVE_STATES), Job.lease_until < now)
        .values(task_id=new_task_id, lease_until=now + wait, resends=Job.resends + 1)
    )
    db.session.commit()
    if changed != 1:
        return False
    db.session.refresh(job)
    try:
        send(job, new_task_id)
    except Exception as error:  # kombu, redis and sqlite errors alike: the broker is not there
        logger.warning("could not re-send job %s: %s", job.id, error)
        write(sa.update(Job).where(Job.id == job.id, Job.task_id == new_task_id).values(lease_until=now))
        db.session.commit()
        raise QueueUnavailable(str(error)) from error
    logger.warning("job %s was stuck (state %s); re-sent as task %s", job.id, job.state, new_task_id)
    return True


def sweep() -> int:
    """Re-send every stuck job; the number re-sent (stops at the first broker error, raising it)."""
    return sum(resend(job) for job in stuck())


def take_over(job_id: str, lost_task_id: str, task_id: str) -> bool:
    """Hand a job whose delivery ``lost_task_id`` died with its process to delivery ``task_id`` at once."""
    changed = write(
        sa.update(Job)
        .where(Job.id == job_id, Job.state.in_(ACTIVE_STATES), Job.task_id == lost_task_id)
        .values(task_id=task_id)
    )
    db.session.commit()
    return changed == 1
