"""``/r/<token>``: a bot job's progress and the account's latest result, for whoever holds the signed link."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from server.api import schemas
from server.api.errors import ApiError, wants_page
from server.extensions import db
from server.links import SUPPORT_STATUSES, crisis_resources, read_token
from server.models import Analysis, Job, Recommendation, account_named, latest_result
from server.web import dashboard

bp = Blueprint("links", __name__)


@bp.get("/r/<token>")
def show_result(token: str):
    """The job's progress, then the account's latest result; support resources with a worrying status."""
    claims = read_token(token)
    job = db.session.get(Job, claims.get("job"))
    account = account_named(str(claims.get("user", "")))
    if job is None and account is None:  # forgotten since, or never existed
        raise ApiError(404, "nothing_here", "There is nothing stored for this link (the data may have been deleted).")
    if wants_page():  # a phone's browser: the dashboard, read-only; JSON with Accept: application/json
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        username = account.username if account is not None else str(claims.get("user", ""))
        shown = dashboard.view(account, username, page)
        return render_template("dashboard.html", view=shown, user=None, read_only=True, job_url=request.path)
    body: dict[str, Any] = {"job": None, "analysis": None}
    if job is not None:
        body["job"] = {
            "kind": job.kind,
            "state": job.state,
            "progress": {"fetched": job.fetched, "classified": job.classified, "total": job.total},
            "error": job.error_message if job.state == "failed" else None,
        }
    analysis = latest_result(Analysis, account.id) if account else None
    if analysis is not None:
        body["analysis"] = schemas.Analysis.of(analysis).model_dump(mode="json")
        if analysis.status in SUPPORT_STATUSES:
            body["support"] = crisis_resources(analysis.language)
    if job is not None and job.kind == "recommendations":
        recommendation = latest_result(Recommendation, account.id) if account else None
        body["recommendations"] = None
        if recommendation is not None:
            body["recommendations"] = schemas.Recommendation.of(recommendation).model_dump(mode="json")
    return body
