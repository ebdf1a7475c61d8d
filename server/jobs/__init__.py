"""Jobs: their lifecycle (``lifecycle``), the runner pipelines run inside (``runner``), the kinds (``kinds``).

``from server import jobs`` gives the lifecycle API: ``jobs.request_job``, ``jobs.enqueue``, ``jobs.claim``...
"""

from server.jobs.lifecycle import (
    LeaseLost,
    QueueUnavailable,
    active_job,
    claim,
    enqueue,
    finish_failed,
    finish_succeeded,
    holds,
    new_job,
    renew,
    request_job,
    resend,
    schedule_retry,
    start_for,
    stuck,
    sweep,
    take_over,
)

__all__ = [
    "LeaseLost",
    "QueueUnavailable",
    "active_job",
    "claim",
    "enqueue",
    "finish_failed",
    "finish_succeeded",
    "holds",
    "new_job",
    "renew",
    "request_job",
    "resend",
    "schedule_retry",
    "start_for",
    "stuck",
    "sweep",
    "take_over",
]
