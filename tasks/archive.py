"""The archive task: import an uploaded X/Twitter export and analyse it (``server.pipelines.archive``)."""

from __future__ import annotations

from celery import shared_task

from server.jobs.kinds import ARCHIVE
from tasks.jobs import JOB_TASK_OPTIONS, run_delivery


@shared_task(name=ARCHIVE.task, **JOB_TASK_OPTIONS)
def import_archive(self, job_id: str) -> None:
    """Run archive job ``job_id``: store the upload's tweets, classify them, assess the mood."""
    run_delivery(self, job_id)
