"""Recommendations: start one (and the legacy ``/recommend_friends/<user_name>``), read one, the latest."""

from __future__ import annotations

from server.api import schemas
from server.api.access import ACCOUNT_ERRORS, AUTH, START, account_of, bp, legacy, may_see, nothing_yet, start_job
from server.api.contract import API_KEY, errors
from server.api.errors import ApiError
from server.api.schemas import (
    LegacyUsernamePath,
    RecommendationEnvelope,
    RecommendationPath,
    UsernameBody,
    UsernamePath,
)
from server.extensions import db
from server.models import Recommendation, latest_result


@bp.post("/recommendations", responses=START)
def start_recommendations(body: UsernameBody):
    """Start recommending friends, big accounts and hashtags for an account.

    Fetches the account's follow lists into the follower graph and analyses it first when it has no analysis yet;
    a request while its job is still active returns that job.
    """
    return start_job(body.username, "recommendations")


@legacy.get("/recommend_friends/<user_name>", responses=START, security=API_KEY)
def recommend_friends_legacy(path: LegacyUsernamePath):
    """Start recommending for an account (the hackathon frontend's route, as ``POST /api/v1/recommendations``)."""
    return start_job(path.user_name, "recommendations")


@bp.get(
    "/recommendations/<int:recommendation_id>",
    responses={200: RecommendationEnvelope, **AUTH, **errors(e404="No such recommendation (or not reachable)")},
)
def get_recommendation(path: RecommendationPath):
    """One recommendation."""
    recommendation = db.session.get(Recommendation, path.recommendation_id)
    account = recommendation.account if recommendation is not None else None
    if recommendation is None or account is None or not may_see(account.username_key or "", account.twitter_id):
        raise ApiError(404, "recommendation_not_found", f"No recommendation {path.recommendation_id}.")
    return RecommendationEnvelope(recommendation=schemas.Recommendation.of(recommendation)).model_dump(mode="json")


@bp.get(
    "/accounts/<username>/recommendations",
    responses={
        200: RecommendationEnvelope,
        **ACCOUNT_ERRORS,
        **errors(e404="No recommendation yet (or not reachable)"),
    },
)
def get_latest_recommendation(path: UsernamePath):
    """The latest recommendation for an account."""
    recommendation = latest_result(Recommendation, account_of(path.username, "recommendations").id)
    if recommendation is None:
        raise nothing_yet(path.username, "recommendations")
    return RecommendationEnvelope(recommendation=schemas.Recommendation.of(recommendation)).model_dump(mode="json")
