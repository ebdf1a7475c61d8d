"""The recommendation task: run one recommendation job (recovery of orphaned jobs lives in ``tasks.analysis``)."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from server import jobs
from server.recommendations import run_job
from tasks.analysis import SOFT_TIME_LIMIT, TIME_LIMIT
from tasks.classifier import get_classifier
from tasks.graph import get_graph


@shared_task(
    name=jobs.RECOMMEND_TASK,
    bind=True,
    acks_late=True,  # safe: run_job is idempotent and resumes where a killed run stopped
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    max_retries=None,  # the job row bounds retries (TWITTER_MAX_RETRIES); rate limits wait for their reset
)
def recommend_account(self, job_id: str) -> None:
    """Run recommendation job ``job_id``; re-sent for later when Twitter rate-limits or fails."""
    retry_at = run_job(job_id, self.request.id, current_app.extensions["twitter"], get_classifier, get_graph)
    if retry_at is not None:
        raise self.retry(eta=retry_at)
