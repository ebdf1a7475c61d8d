"""Analyses: start one (also the legacy ``/start_analysis/<user_name>``), read one, the latest, the history."""

from __future__ import annotations

import sqlalchemy as sa

from server.api import schemas
from server.api.access import ACCOUNT_ERRORS, AUTH, START, account_of, bp, legacy, may_see, nothing_yet, start_job
from server.api.contract import API_KEY, errors
from server.api.errors import ApiError
from server.api.schemas import (
    AnalysisEnvelope,
    AnalysisPath,
    History,
    HistoryQuery,
    LegacyUsernamePath,
    UsernameBody,
    UsernamePath,
)
from server.extensions import db
from server.models import Analysis, latest_result


@bp.post("/analyses", responses=START)
def start_analysis(body: UsernameBody):
    """Start analysing an account; a request while its job is still active returns that job."""
    return start_job(body.username)


@legacy.get("/start_analysis/<user_name>", responses=START, security=API_KEY)
def start_analysis_legacy(path: LegacyUsernamePath):
    """Start analysing an account (the hackathon frontend's route, as ``POST /api/v1/analyses``)."""
    return start_job(path.user_name)


@bp.get(
    "/analyses/<int:analysis_id>",
    responses={200: AnalysisEnvelope, **AUTH, **errors(e404="No such analysis (or not reachable)")},
)
def get_analysis(path: AnalysisPath):
    """One analysis."""
    analysis = db.session.get(Analysis, path.analysis_id)
    if analysis is None or not may_see(analysis.account.username_key or "", analysis.account.twitter_id):
        raise ApiError(404, "analysis_not_found", f"No analysis {path.analysis_id}.")
    return AnalysisEnvelope(analysis=schemas.Analysis.of(analysis)).model_dump(mode="json")


@bp.get(
    "/accounts/<username>/analysis",
    responses={200: AnalysisEnvelope, **ACCOUNT_ERRORS, **errors(e404="Not analysed yet (or not reachable)")},
)
def get_latest_analysis(path: UsernamePath):
    """The latest analysis of an account."""
    analysis = latest_result(Analysis, account_of(path.username).id)
    if analysis is None:
        raise nothing_yet(path.username)
    return AnalysisEnvelope(analysis=schemas.Analysis.of(analysis)).model_dump(mode="json")


@bp.get(
    "/accounts/<username>/analyses",
    responses={200: History, **ACCOUNT_ERRORS, **errors(e404="Not analysed yet (or not reachable)")},
)
def list_analyses(path: UsernamePath, query: HistoryQuery):
    """The analyses of an account, newest first (the mood trend)."""
    account = account_of(path.username)
    analyses = db.session.scalars(
        sa.select(Analysis).where(Analysis.account_id == account.id).order_by(Analysis.id.desc()).limit(query.limit)
    )
    history = History(username=account.username, analyses=[schemas.Analysis.of(a) for a in analyses])
    return history.model_dump(mode="json")
