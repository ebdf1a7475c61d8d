"""The recommendation task: run one recommendation job (``server.pipelines.recommendations``)."""

from __future__ import annotations

from celery import shared_task

from server.jobs.kinds import RECOMMENDATIONS
from tasks.jobs import JOB_TASK_OPTIONS, run_delivery


@shared_task(name=RECOMMENDATIONS.task, **JOB_TASK_OPTIONS)
def recommend_account(self, job_id: str) -> None:
    """Run recommendation job ``job_id``; re-sent for later when Twitter rate-limits or fails."""
    run_delivery(self, job_id)
