"""What every job task shares: its options, the call into the runner, and the recovery of orphaned jobs."""

from __future__ import annotations

from celery import Task, shared_task

from server import jobs
from server.db import utcnow
from server.jobs.runner import run_job
from tasks.names import RECOVER_JOBS
from tasks.resources import worker_resources

# Generous bounds for one run (3,200 tweets take seconds): a stuck run ends readable, not never.
SOFT_TIME_LIMIT, TIME_LIMIT = 600, 660
RECOVERY_CHECK_MAX = 300  # seconds between orphan checks while jobs are active

# Options of the tasks that run a job (one per kind).
JOB_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,  # safe: a job run is idempotent and resumes where a killed run stopped
    "reject_on_worker_lost": True,
    "soft_time_limit": SOFT_TIME_LIMIT,
    "time_limit": TIME_LIMIT,
    "max_retries": None,  # the job row bounds retries (TWITTER_MAX_RETRIES); rate limits wait for their reset
}


def run_delivery(task: Task, job_id: str) -> None:
    """Run job ``job_id`` as this delivery of ``task``; re-sent for later when Twitter rate-limits or fails."""
    retry_at = run_job(job_id, task.request.id, worker_resources())
    if retry_at is not None:
        raise task.retry(eta=retry_at)


@shared_task(name=RECOVER_JOBS, ignore_result=True)
def recover_jobs() -> None:
    """Re-send active jobs whose lease ran out (their worker died); check again while jobs are active."""
    for job in jobs.orphaned():
        jobs.reassign(job)
    next_expiry = jobs.next_lease_expiry()
    if next_expiry is not None:
        wait = (next_expiry - utcnow()).total_seconds() + 1
        recover_jobs.apply_async(countdown=min(max(wait, 1), RECOVERY_CHECK_MAX))
