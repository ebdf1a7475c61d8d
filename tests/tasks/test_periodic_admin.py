"""The periodic re-analysis through a real worker: task message -> run -> chunked jobs -> analyses."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.models import AdminRun, Consent, Job
from server.pipelines.reanalysis import run_progress
from tasks.names import REANALYSE_STALE as REANALYSE_TASK
from tests.server.fixtures_app import new_account


def _wait_for_run(app, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    progress = None
    while time.monotonic() < deadline:
        with app.app_context():
            run = db.session.scalar(sa.select(AdminRun))
            progress = run_progress(run) if run is not None else None
        if progress is not None and progress["total"] and progress["done"] == 1.0:
            return progress
        time.sleep(0.2)
    pytest.fail(f"run not done after {timeout} s: {progress}")


def test_the_periodic_task_analyses_stale_accounts_in_chunks(fresh_stack, local_twitter):
    users = [new_account(local_twitter, f"stale{n}", ["what a lovely day", "so tired of this"]) for n in range(2)]
    with fresh_stack.app.app_context():
        for user in users:
            db.session.add(Consent(username_key=user["username"].lower(), twitter_id=user["id"], source="mention"))
        db.session.commit()
    fresh_stack.start_worker(ADMIN_REANALYSE_DAYS=7, ADMIN_CHUNK_SIZE=1, ADMIN_CHUNK_SECONDS=2)
    fresh_stack.app.extensions["celery"].send_task(REANALYSE_TASK)  # what beat sends

    progress = _wait_for_run(fresh_stack.app)
    assert progress["requested_by"] == "beat" and progress["total"] == 2
    assert progress["counts"]["succeeded"] == 2, progress
    with fresh_stack.app.app_context():
        run_jobs = db.session.scalars(sa.select(Job)).all()
        assert {job.username for job in run_jobs} == {user["username"] for user in users}
        assert all(job.analysis is not None for job in run_jobs)
        # The second chunk waited for its countdown, one chunk interval after the first was created.
        first_created = min(job.created_at for job in run_jobs)
        assert (max(job.started_at for job in run_jobs) - first_created).total_seconds() >= 2
