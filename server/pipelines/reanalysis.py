"""Admin re-analysis runs: one analysis job per consented account (all, or those whose analysis is stale).

The jobs are enqueued in chunks spread over Twitter's rate-limit windows.

A run stores no progress of its own: it is counted over the states of its jobs (``Job.run_id``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from server import jobs
from server.extensions import db
from server.models import ACTIVE_STATES, FINAL_STATES, Account, AdminRun, Analysis, Consent, Job, utcnow

logger = logging.getLogger(__name__)

# Access grants of admin runs go to this client id; API clients' ids are 32 hex digits, so it never collides.


def consented_usernames(older_than_days: float | None = None) -> list[str]:
    """Usernames of consented accounts; with ``older_than_days``, only those not analysed since (or never)."""
    latest = (
        sa.select(Analysis.account_id, sa.func.max(Analysis.created_at).label("at"))
        .group_by(Analysis.account_id)
        .subquery()
    )
    # A consent names its account by Twitter id once known (a renamed account keeps it), else by username.
    same_account = sa.or_(
        Account.twitter_id == Consent.twitter_id,
        sa.and_(Consent.twitter_id.is_(None), Account.username_key == Consent.username_key),
    )
    query = (
        sa.select(Consent.username_key, Account.username)
        .outerjoin(Account, same_account)
        .outerjoin(latest, latest.c.account_id == Account.id)
        .order_by(Consent.granted_at, Consent.username_key)
    )
    if older_than_days is not None:
        cutoff = utcnow() - timedelta(days=older_than_days)
        query = query.where(sa.or_(latest.c.at.is_(None), latest.c.at < cutoff))
    usernames: dict[str, str] = {}  # by lower-cased name: two consents may lead to one account
    for key, username in db.session.execute(query):
        usernames.setdefault((username or key).lower(), username or key)
    return list(usernames.values())


def start_run(older_than_days: float | None, requested_by: str) -> AdminRun:
    """Start a run: an analysis job per selected account (joining active ones), enqueued chunk by chunk."""
    usernames = consented_usernames(older_than_days)
    run = AdminRun(older_than_days=older_than_days, requested_by=requested_by)
    db.session.add(run)
    db.session.commit()
    new_jobs = []
    for username in usernames:
        job, created = jobs.request_job(username, "analysis")
        if job.run_id is None:  # a job that already belongs to another run is counted there
            job.run_id = run.id
        if created:
            new_jobs.append(job)
    run.total = db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.run_id == run.id)) or 0
    db.session.commit()
    _enqueue_in_chunks(new_jobs)
    logger.info("admin run %s: %d accounts, %d new jobs", run.id, run.total, len(new_jobs))
    return run


def _enqueue_in_chunks(new_jobs: list[Job]) -> None:
    # ADMIN_CHUNK_SIZE jobs per ADMIN_CHUNK_SECONDS: a big run must not spend every rate-limit window at once
    # and starve the jobs clients ask for meanwhile.
    size = max(1, current_app.config["ADMIN_CHUNK_SIZE"])
    seconds = current_app.config["ADMIN_CHUNK_SECONDS"]
    for index, job in enumerate(new_jobs):
        try:
            jobs.enqueue(job, countdown=(index // size) * seconds)
        except jobs.QueueUnavailable:
            # The broker is down: end the rest now rather than leave them pending until recovery sends them
            # all at once, outside their chunks.
            for rest in new_jobs[index + 1 :]:
                jobs.finish_failed(rest, "queue_unavailable", "The job queue is unavailable; please try again later.")
            raise


def run_progress(run: AdminRun) -> dict:
    """A run's progress: jobs per state, the fraction done, failed usernames with error codes (never moods)."""
    counts = dict.fromkeys((*ACTIVE_STATES, *FINAL_STATES), 0)
    counts.update(
        db.session.execute(sa.select(Job.state, sa.func.count()).where(Job.run_id == run.id).group_by(Job.state)).all()
    )
    failed = db.session.execute(
        sa.select(Job.username, Job.error_code)
        .where(Job.run_id == run.id, Job.state == "failed")
        .order_by(Job.finished_at, Job.username)
    )
    linked = sum(counts.values())  # fewer than total once an account was forgotten (its jobs deleted)
    finished = counts["succeeded"] + counts["failed"]
    return {
        "id": run.id,
        "requested_by": run.requested_by,
        "older_than_days": run.older_than_days,
        "created_at": run.created_at.isoformat(),
        "total": run.total,
        "counts": counts,
        "done": round(finished / linked, 4) if linked else 1.0,
        "failed": [{"username": username, "error_code": code} for username, code in failed],
    }
