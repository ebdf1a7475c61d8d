"""The app factory: extensions bound per app, Celery wired, no torch in the web process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import current_app

from config import TestConfig
from server import create_app
from server.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_import_server_does_not_import_torch(tmp_path):
    code = (
        "import sys, server, server.api.analyses, server.pipelines.analysis, server.jobs.lifecycle\n"
        "import tasks.worker, tasks.analysis\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'torch imported'\n"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/mood.db", "BROKER_URL": "memory://"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_each_app_gets_its_own_settings_and_extensions(tmp_path):
    one = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/one.db", "TWEET_LIMIT": 10})
    two = create_app(TestConfig)
    assert one.config["TWEET_LIMIT"] == 10 and two.config["TWEET_LIMIT"] == 3200
    with one.app_context():
        assert str(db.engine.url).endswith("one.db")
    assert one.extensions["celery"] is not two.extensions["celery"]
    assert one.extensions["twitter"] is not two.extensions["twitter"]


def test_celery_is_configured_for_resumable_jobs(app):
    celery = app.extensions["celery"]
    assert celery.conf.task_acks_late and celery.conf.task_reject_on_worker_lost
    assert celery.conf.worker_prefetch_multiplier == 1 and celery.conf.task_ignore_result
    assert celery.conf.broker_url == app.config["BROKER_URL"]


def test_tasks_are_registered_with_explicit_names_and_limits(app):
    from tasks.analysis import analyse_account
    from tasks.jobs import JobRequest, resume_job, sweep_jobs

    assert analyse_account.name == "mood.analyse_account" and sweep_jobs.name == "mood.sweep_jobs"
    assert resume_job.name == "mood.resume_job"
    # A killed pool process's message is acknowledged and the job resumed by a new message (JobRequest), not
    # re-queued behind the whole queue.
    assert analyse_account.acks_late and not analyse_account.reject_on_worker_lost
    assert analyse_account.Request is JobRequest
    assert analyse_account.soft_time_limit < analyse_account.time_limit


def test_tasks_run_inside_the_callers_app_context(app, monkeypatch):
    from tasks import analysis as task_module
    from tasks import jobs as job_tasks

    seen = []
    monkeypatch.setattr(
        job_tasks, "run_job", lambda job_id, *args: seen.append((job_id, current_app._get_current_object()))
    )
    with app.app_context():
        task_module.analyse_account.run("some-job")
    assert seen == [("some-job", app)]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
