"""The reading task: a text's emotions, soft-voted with its photo's faces (``server.pipelines.emotions``)."""

from __future__ import annotations

from celery import shared_task

from server.jobs.kinds import EMOTIONS
from tasks.jobs import JOB_TASK_OPTIONS, run_delivery


@shared_task(name=EMOTIONS.task, **JOB_TASK_OPTIONS)
def read_emotions(self, job_id: str) -> None:
    """Run reading job ``job_id``."""
    run_delivery(self, job_id)
