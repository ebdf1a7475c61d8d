"""What every job task shares: its options and the call into the runner; the sweep for lost jobs; resumption.

A job whose pool process died is resumed at once, ahead of queued work (on Redis).
"""

from __future__ import annotations

import logging

from billiard.einfo import ExceptionWithTraceback
from billiard.exceptions import WorkerLostError
from celery import Task, shared_task
from celery.worker.request import Request

from server import jobs
from server.jobs.runner import run_job
from tasks.names import RESUME_JOB, SWEEP_JOBS
from tasks.resources import worker_resources

logger = logging.getLogger(__name__)

# Generous bounds for one run (3,200 tweets take seconds): a stuck run ends readable, not never.
SOFT_TIME_LIMIT, TIME_LIMIT = 600, 660
RESUME_PRIORITY = 0  # consumed first on Redis, ahead of new work (config.DEFAULT_PRIORITY)


class JobRequest(Request):
    """A job task's delivery as the worker's main process sees it.

    When its pool process dies (SIGKILL, OOM), the job is resumed by a new message at the front of the queue
    instead of waiting behind everything queued.
    """

    def on_failure(self, exc_info, send_failed_event=True, return_ok=False):
        """Send ``mood.resume_job`` for a delivery lost with its process, then fail this one as usual (acked)."""
        error = exc_info.exception
        error = error.exc if isinstance(error, ExceptionWithTraceback) else error
        if isinstance(error, WorkerLostError | SystemExit | KeyboardInterrupt) and self.args:
            try:  # a message only: the database is touched in a pool process, never in this one
                self.task.app.send_task(RESUME_JOB, args=[self.args[0], self.id], priority=RESUME_PRIORITY)
                logger.warning("job %s lost its process; resuming it first", self.args[0])
            except Exception:  # the broker is gone too: the sweep re-sends the job once its lease runs out
                logger.exception("could not send the resumption of job %s", self.args[0])
        return super().on_failure(exc_info, send_failed_event=send_failed_event, return_ok=return_ok)


# Options of the tasks that run a job (one per kind).
JOB_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,  # a worker killed as a whole leaves its message unacknowledged; the sweep re-sends it
    # A dead pool process's message is acknowledged, not re-queued at the back: JobRequest resumes the job first.
    "reject_on_worker_lost": False,
    "Request": JobRequest,
    "soft_time_limit": SOFT_TIME_LIMIT,
    "time_limit": TIME_LIMIT,
    "max_retries": None,  # the job row bounds retries (TWITTER_MAX_RETRIES); rate limits wait for their reset
}


def run_delivery(task: Task, job_id: str) -> None:
    """Run job ``job_id`` as this delivery of ``task``; re-sent for later when Twitter rate-limits or fails."""
    retry_at = run_job(job_id, task.request.id, worker_resources(), task.request.hostname)
    if retry_at is not None:
        raise task.retry(eta=retry_at)


@shared_task(name=RESUME_JOB, **JOB_TASK_OPTIONS)
def resume_job(self, job_id: str, lost_task_id: str) -> None:
    """Take over job ``job_id`` from delivery ``lost_task_id``, whose process died, and run it now."""
    if jobs.take_over(job_id, lost_task_id, self.request.id):
        run_delivery(self, job_id)


@shared_task(name=SWEEP_JOBS, ignore_result=True, soft_time_limit=120, time_limit=150)
def sweep_jobs() -> int:
    """Re-send active jobs whose lease ran out: their message was lost, or their worker died (beat, and at start)."""
    return jobs.sweep()
