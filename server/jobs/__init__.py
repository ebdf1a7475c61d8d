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
    grant_access,
    has_access,
    holds,
    next_lease_expiry,
    orphaned,
    reassign,
    renew,
    request_job,
    schedule_retry,
)

__all__ = [
    "LeaseLost",
    "QueueUnavailable",
    "active_job",
    "claim",
    "enqueue",
    "finish_failed",
    "finish_succeeded",
    "grant_access",
    "has_access",
    "holds",
    "next_lease_expiry",
    "orphaned",
    "reassign",
    "renew",
    "request_job",
    "schedule_retry",
]
