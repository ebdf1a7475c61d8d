"""Admin routes under ``/api/v1/admin`` (re-analysis runs) and the ``flask --app server admin ...`` commands.

The routes take no API key: they need ``Authorization: Bearer <ADMIN_TOKEN>`` and answer 503 ``admin_disabled``
while ``ADMIN_TOKEN`` is unset. Admins see usernames and error codes of a run, never moods.
"""

from __future__ import annotations

import hmac

import click
from flask import current_app, request, url_for
from flask.cli import AppGroup
from flask_openapi3 import OpenAPI
from flask_openapi3.types import ResponseDict

from server import jobs
from server.api import schemas
from server.api.access import queue_available
from server.api.contract import ADMIN, blueprint, errors
from server.api.errors import ApiError
from server.api.schemas import MAX_DAYS, ReanalysisBody, RunEnvelope, RunPath
from server.db import find
from server.models import AdminRun
from server.pipelines.reanalysis import run_progress, start_run

bp = blueprint("admin", url_prefix="/api/v1/admin", security=ADMIN)
ADMIN_ERRORS: ResponseDict = errors(e401="No admin token", e403="Wrong admin token")
admin_cli = AppGroup("admin", help="Re-analysis runs over consented accounts: start one, show its progress.")


def register(app: OpenAPI) -> None:
    """Add the admin routes and the ``admin`` commands to the app."""
    app.register_api(bp)
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


@bp.post(
    "/reanalyses",
    responses={
        202: RunEnvelope,
        **ADMIN_ERRORS,
        **errors(
            e400="older_than_days is not a number of days from 0 to 36500",
            e503="Admin disabled (no ADMIN_TOKEN) or the queue is unavailable",
        ),
    },
)
def start_reanalysis(body: ReanalysisBody):
    """Re-analyse every consented account, or those not analysed for older_than_days (admin).

    Starts one analysis job per account, enqueued in chunks of ADMIN_CHUNK_SIZE every ADMIN_CHUNK_SECONDS (under
    the rate limits); 202 with the run and its Location. An empty body means every consented account.
    """
    with queue_available():
        run = start_run(body.older_than_days, requested_by="api")
    location = url_for("admin.get_run", run_id=run.id)
    return RunEnvelope(run=schemas.Run.of(run)).model_dump(mode="json"), 202, {"Location": location}


@bp.get("/runs/<run_id>", responses={200: RunEnvelope, **ADMIN_ERRORS, **errors(e404="No such run")})
def get_run(path: RunPath):
    """Progress of an admin re-analysis run: jobs per state, fraction done, failed usernames and codes (admin)."""
    run = find(AdminRun, path.run_id)
    if run is None:
        raise ApiError(404, "run_not_found", f"No run {path.run_id!r}.")
    return RunEnvelope(run=schemas.Run.of(run)).model_dump(mode="json")


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
