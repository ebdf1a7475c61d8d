"""Admin routes under ``/api/v1/admin`` (re-analysis runs) and the ``flask --app server admin ...`` commands.

The routes take no API key: they need ``Authorization: Bearer <ADMIN_TOKEN>`` and answer 503 ``admin_disabled``
while ``ADMIN_TOKEN`` is unset. Admins see usernames and error codes of a run, never moods.
"""

from __future__ import annotations

import hmac
import math

import click
from flask import Blueprint, Flask, current_app, request, url_for
from flask.cli import AppGroup

from server import jobs
from server.api.errors import ApiError
from server.api.validation import json_object
from server.db import find
from server.models import AdminRun
from server.pipelines.reanalysis import run_progress, start_run

bp = Blueprint("admin", __name__, url_prefix="/api/v1/admin")
MAX_DAYS = 36500  # a century: further back than any tweet, and within what dates can express
admin_cli = AppGroup("admin", help="Re-analysis runs over consented accounts: start one, show its progress.")


def register(app: Flask) -> None:
    """Add the admin routes and the ``admin`` commands to the app."""
    app.register_blueprint(bp)
    app.cli.add_command(admin_cli)


@bp.before_request
def authenticate_admin():
    """503 while ``ADMIN_TOKEN`` is unset, 401 without a bearer token, 403 with a wrong one."""
    if request.method == "OPTIONS":
        return  # CORS preflights carry no credentials
    token = current_app.config.get("ADMIN_TOKEN")
    if not token:
        raise ApiError(503, "admin_disabled", "The admin routes are disabled: set ADMIN_TOKEN to enable them.")
    scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
    supplied = supplied.strip()
    if scheme.lower() != "bearer" or not supplied:
        message = "An admin token is required (header 'Authorization: Bearer <token>')."
        raise ApiError(401, "unauthorized", message, {"WWW-Authenticate": 'Bearer realm="mood-analytics admin"'})
    if not hmac.compare_digest(supplied.encode(), token.encode()):
        raise ApiError(403, "forbidden", "The admin token is invalid.")


def _older_than_days() -> float | None:
    body = json_object() if request.get_data() else {}
    days = body.get("older_than_days")
    valid = days is None or (
        isinstance(days, int | float) and not isinstance(days, bool) and math.isfinite(days) and 0 <= days <= MAX_DAYS
    )
    if not valid:
        example = '{"older_than_days": 7}'
        message = f"older_than_days must be a number of days from 0 to {MAX_DAYS} or null, e.g. {example}."
        raise ApiError(400, "invalid_older_than_days", message)
    return days


@bp.post("/reanalyses")
def start_reanalysis():
    """Re-analyse every consented account, or (``older_than_days``) those not analysed for that long: 202 + run."""
    older_than_days = _older_than_days()
    try:
        run = start_run(older_than_days, requested_by="api")
    except jobs.QueueUnavailable as error:
        raise ApiError(503, "queue_unavailable", "The job queue is unavailable; please try again later.") from error
    return {"run": run_progress(run)}, 202, {"Location": url_for("admin.get_run", run_id=run.id)}


@bp.get("/runs/<run_id>")
def get_run(run_id: str):
    """A run's progress: total, jobs per state, fraction done, failed usernames with error codes."""
    run = find(AdminRun, run_id)
    if run is None:
        raise ApiError(404, "run_not_found", f"No run {run_id!r}.")
    return {"run": run_progress(run)}


@admin_cli.command("reanalyse")
@click.option(
    "--older-than",
    "older_than",
    type=click.FloatRange(min=0, max=MAX_DAYS),
    metavar="DAYS",
    help="only accounts whose latest analysis is older than DAYS (or that have none); default: every one",
)
def reanalyse_command(older_than: float | None) -> None:
    """Start a re-analysis run over consented accounts; print its id and total."""
    try:
        run = start_run(older_than, requested_by="cli")
    except jobs.QueueUnavailable:
        click.echo("error: the job queue is unavailable; please try again later", err=True)
        raise SystemExit(1) from None
    click.echo(f"run: {run.id}\ntotal: {run.total}")


@admin_cli.command("run")
@click.argument("run_id")
def run_command(run_id: str) -> None:
    """Print a run's progress: jobs per state, fraction done, failed accounts."""
    run = find(AdminRun, run_id)
    if run is None:
        click.echo(f"error: no run {run_id!r}", err=True)
        raise SystemExit(1)
    progress = run_progress(run)
    click.echo(f"run: {progress['id']}\ntotal: {progress['total']}\ndone: {progress['done']:.0%}")
    for state, count in progress["counts"].items():
        click.echo(f"{state}: {count}")
    for failure in progress["failed"]:
        click.echo(f"failed: @{failure['username']} ({failure['error_code']})")
