"""The recommendation task: run one recommendation job (recovery of orphaned jobs lives in ``tasks.analysis``)."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from server import jobs
from server.recommendations import run_job
from tasks.analysis import JOB_TASK_OPTIONS
from tasks.classifier import get_classifier
from tasks.graph import get_graph


@shared_task(name=jobs.RECOMMEND_TASK, **JOB_TASK_OPTIONS)
def recommend_account(self, job_id: str) -> None:
    """Run recommendation job ``job_id``; re-sent for later when Twitter rate-limits or fails."""
    retry_at = run_job(job_id, self.request.id, current_app.extensions["twitter"], get_classifier, get_graph)
    if retry_at is not None:
        raise self.retry(eta=retry_at)
