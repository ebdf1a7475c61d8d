"""Private result links: a signed, expiring token in ``/r/<token>`` (``server.web``) showing a bot job and its result.

The bot replies in public; the result never is. The token (itsdangerous, signed with ``SECRET_KEY``) names a
job and its account, expires after ``RESULT_LINK_MAX_AGE`` seconds, and needs no API key.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.api.errors import ApiError

SALT = "result-link"
CRISIS_RESOURCES = Path(__file__).resolve().parent / "data" / "crisis_resources.json"
SUPPORT_IDEAS = Path(__file__).resolve().parent / "data" / "support_ideas.json"
SUPPORT_STATUSES = ("Stressed", "Depressed")  # the states whose resources include helplines


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(job_id: str, username: str) -> str:
    """A signed token for ``job_id`` of ``username`` (its age is checked when read)."""
    return _serializer().dumps({"job": job_id, "user": username.lower()})


def read_token(token: str) -> dict:
    """The token's ``{"job", "user"}``; ApiError 403 when expired, 404 when tampered with or malformed."""
    if not current_app.config.get("SECRET_KEY"):  # no key, no link was ever made: nothing to verify against
        raise ApiError(404, "invalid_link", "This link is not valid.")
    try:
        return _serializer().loads(token, max_age=current_app.config["RESULT_LINK_MAX_AGE"])
    except SignatureExpired as error:
        raise ApiError(403, "link_expired", "This link has expired; mention the bot again for a new one.") from error
    except BadSignature as error:
        raise ApiError(404, "invalid_link", "This link is not valid.") from error


def result_url(job_id: str, username: str) -> str:
    """The absolute private link to a job's result (``PUBLIC_BASE_URL`` + ``/r/<token>``)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/r/{make_token(job_id, username)}"


@cache
def _crisis_data() -> dict:
    return json.loads(CRISIS_RESOURCES.read_text(encoding="utf-8"))


def crisis_resources(language: str | None = None) -> dict:
    """The curated supportive line and helplines (``server/data/crisis_resources.json``) for a language.

    With a language some resource answers in, the line is in that language (English where none is
    written) and the resources are those answering in it, the ones whose first language it is first,
    then Find A Helpline (every country); otherwise every resource, in the file's order.
    """
    data = _crisis_data()
    resources = data["resources"]
    fallback = [r for r in resources if not r["languages"]]
    matched = [r for r in resources if language in r["languages"]]
    if matched:
        resources = sorted(matched, key=lambda r: r["languages"].index(language)) + fallback
    lines = data["supportive_lines"]
    chosen = language if matched and language in lines else "en"
    return {"message": lines[chosen], "language": chosen, "resources": resources}


@cache
def _ideas() -> dict:
    return json.loads(SUPPORT_IDEAS.read_text(encoding="utf-8"))["statuses"]


def support_for(status: str, language: str | None = None) -> dict:
    """Resources for a mood: a kind line and sourced ideas (``server/data/support_ideas.json``).

    Stressed and Depressed also get the helplines answering in ``language`` (:func:`crisis_resources`).
    """
    ideas = _ideas()[status]  # KeyError for an unknown status: callers validate it
    helplines = crisis_resources(language) if status in SUPPORT_STATUSES else None
    return {
        "status": status,
        "message": ideas["line"],
        "ideas": ideas["ideas"],
        "helplines": helplines["resources"] if helplines else [],
        "helpline_message": helplines["message"] if helplines else None,
        "language": helplines["language"] if helplines else "en",
    }
