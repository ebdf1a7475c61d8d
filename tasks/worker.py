"""Worker entry point: ``celery -A tasks.worker worker --loglevel=INFO`` (and ``celery -A tasks.worker beat``)."""

from celery import current_app as current_celery_app
from celery.signals import worker_process_init, worker_ready

from server import create_app
from server.extensions import db
from tasks.names import SWEEP_JOBS

flask_app = create_app()
celery_app = flask_app.extensions["celery"]


@worker_ready.connect
def _recover_on_start(sender, **kwargs) -> None:
    # A worker that starts may be replacing one that was killed: look for the jobs it left behind (beat sweeps
    # every JOB_SWEEP_SECONDS too). Once now, and once the lease of a job killed just before has run out (a quick
    # restart comes before it). Only messages are sent here; the database is touched in a pool process.
    sender.app.send_task(SWEEP_JOBS, countdown=1)
    sender.app.send_task(SWEEP_JOBS, countdown=flask_app.config["JOB_LEASE_SECONDS"] + 1)


@worker_process_init.connect
def _fresh_connections(**kwargs) -> None:
    # Database connections inherited through the fork belong to the parent: the child opens its own.
    flask_app = getattr(current_celery_app, "flask_app", None)
    if flask_app is not None:
        with flask_app.app_context():
            db.engine.dispose(close=False)
