"""Following a job, liveness, and the OpenAPI document."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, g, url_for

from server.api import schemas
from server.api.access import AUTH, PUBLIC_OPERATIONS, bp, may_follow
from server.api.contract import document, errors
from server.api.errors import ApiError
from server.api.schemas import (
    Caller,
    Health,
    JobEnvelope,
    JobPath,
)
from server.auth.principals import authorised_accounts
from server.db import find
from server.extensions import db
from server.models import Job


@bp.get("/jobs/<job_id>", responses={200: JobEnvelope, **AUTH, **errors(e404="No such job (or not reachable)")})
def get_job(path: JobPath):
    """Follow a job: state, progress (fetched / classified of total), retry or error, and result link."""
    job = find(Job, path.job_id)
    if job is None or not may_follow(job):
        raise ApiError(404, "job_not_found", f"No job {path.job_id!r}.")
    return JobEnvelope(job=schemas.Job.of(job)).model_dump(mode="json")


@bp.get("/me", responses={200: Caller, **AUTH})
def get_caller():
    """Who is calling: an API client, a signed-in account, or an admin.

    For a client: its id, where to send people to authorise it, and the accounts it may reach.
    """
    principal = g.principal
    caller = Caller(kind=principal.kind)
    if principal.kind == "client":
        caller.client_id, caller.trusted = principal.client_id, principal.trusted
        base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
        caller.sign_in_url = base + url_for("auth.login", client=principal.client_id)
        caller.accounts = authorised_accounts(principal.client_id)
    elif principal.kind == "session":
        caller.username, caller.accounts = principal.username, [principal.username]
    return caller.model_dump(mode="json")


@bp.get("/health", responses={200: Health})
def health():
    """Liveness: the database answers."""
    db.session.execute(sa.text("SELECT 1"))
    return Health(status="ok").model_dump(mode="json")


@bp.get("/openapi.json", responses={200: {"description": "This document"}})
def openapi():
    """This document (OpenAPI 3.1)."""
    return document(current_app, PUBLIC_OPERATIONS)
