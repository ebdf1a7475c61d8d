"""The topic task: search a topic, classify the tweets, add them to its days (``server.pipelines.topic``)."""

from __future__ import annotations

from celery import shared_task

from server.jobs.kinds import TOPIC
from tasks.jobs import JOB_TASK_OPTIONS, run_delivery


@shared_task(name=TOPIC.task, **JOB_TASK_OPTIONS)
def monitor_topic(self, job_id: str) -> None:
    """Run topic job ``job_id``; re-sent for later when Twitter rate-limits or fails."""
    run_delivery(self, job_id)
