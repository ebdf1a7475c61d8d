"""The analysis task: run one analysis job (``server.pipelines.analysis``)."""

from __future__ import annotations

from celery import shared_task

from server.jobs.kinds import ANALYSIS
from tasks.jobs import JOB_TASK_OPTIONS, run_delivery


@shared_task(name=ANALYSIS.task, **JOB_TASK_OPTIONS)
def analyse_account(self, job_id: str) -> None:
    """Run analysis job ``job_id``; re-sent for later when Twitter rate-limits or fails."""
    run_delivery(self, job_id)
