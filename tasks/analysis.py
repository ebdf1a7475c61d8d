"""The analysis tasks: run one job; re-send jobs orphaned by a dead worker."""

from __future__ import annotations

import logging

from celery import current_app as current_celery_app
from celery import shared_task
from celery.signals import worker_process_init, worker_ready
from flask import current_app

from server import jobs
from server.analysis import run_job
from server.extensions import db
from server.models import utcnow
from tasks.classifier import get_classifier

logger = logging.getLogger(__name__)

# Generous bounds for one run (3,200 tweets take seconds): a stuck run ends readable, not never.
SOFT_TIME_LIMIT, TIME_LIMIT = 600, 660
RECOVERY_CHECK_MAX = 300  # seconds between orphan checks while jobs are active


# Options of the tasks that run a job (analysis, recommendations).
JOB_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,  # safe: run_job is idempotent and resumes where a killed run stopped
    "reject_on_worker_lost": True,
    "soft_time_limit": SOFT_TIME_LIMIT,
    "time_limit": TIME_LIMIT,
    "max_retries": None,  # the job row bounds retries (TWITTER_MAX_RETRIES); rate limits wait for their reset
}


@shared_task(name=jobs.ANALYSE_TASK, **JOB_TASK_OPTIONS)
def analyse_account(self, job_id: str) -> None:
    """Run analysis job ``job_id``; re-sent for later when Twitter rate-limits or fails."""
    retry_at = run_job(job_id, self.request.id, current_app.extensions["twitter"], get_classifier)
    if retry_at is not None:
        raise self.retry(eta=retry_at)


@shared_task(name=jobs.RECOVER_TASK, ignore_result=True)
def recover_jobs() -> None:
    """Re-send active jobs whose lease ran out (their worker died); check again while jobs are active."""
    for job in jobs.orphaned():
        jobs.reassign(job)
    next_expiry = jobs.next_lease_expiry()
    if next_expiry is not None:
        wait = (next_expiry - utcnow()).total_seconds() + 1
        recover_jobs.apply_async(countdown=min(max(wait, 1), RECOVERY_CHECK_MAX))


@worker_ready.connect
def _recover_on_start(sender, **kwargs) -> None:
    # A worker that starts may be replacing one that was killed: look for the jobs it left behind.
    # Only a message is sent here; the database is touched in a pool process, never in the parent.
    sender.app.send_task(jobs.RECOVER_TASK, countdown=1)


@worker_process_init.connect
def _fresh_connections(**kwargs) -> None:
    # Database connections inherited through the fork belong to the parent: the child opens its own.
    flask_app = getattr(current_celery_app, "flask_app", None)
    if flask_app is not None:
        with flask_app.app_context():
            db.engine.dispose(close=False)
