"""The periodic re-analysis (run by beat): a run over consented accounts whose latest analysis is stale."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from server import reanalysis

logger = logging.getLogger(__name__)


@shared_task(name=reanalysis.REANALYSE_TASK, ignore_result=True, soft_time_limit=300, time_limit=360)
def reanalyse_stale() -> str | None:
    """Start a run over accounts not analysed for ``ADMIN_REANALYSE_DAYS`` days (0: off); return its id."""
    days = current_app.config["ADMIN_REANALYSE_DAYS"]
    if days <= 0:
        return None
    # Safe to deliver twice (acks_late): a second run joins the first one's active jobs instead of doubling them.
    run = reanalysis.start_run(days, requested_by="beat")
    return run.id
