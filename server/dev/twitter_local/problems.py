"""Error bodies exactly as the Twitter API v2 sends them.

Two kinds: *partial errors* (HTTP 200, an ``errors`` array beside or instead of ``data``: unknown, suspended or
protected resources) and *problems* (non-2xx, an RFC 7807-like object: 400, 401, 403, 429, 5xx).
"""

from __future__ import annotations

from http import HTTPStatus

PROBLEMS = "https://api.twitter.com/2/problems/"
NOT_FOUND = PROBLEMS + "resource-not-found"
NOT_AUTHORIZED = PROBLEMS + "not-authorized-for-resource"
INVALID_REQUEST = PROBLEMS + "invalid-request"

DUPLICATE_CONTENT = "You are not allowed to create a Tweet with duplicate content."
TEXT_TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines text length see "
    "https://github.com/twitter/twitter-text."
)
REPLY_NOT_VISIBLE = "You attempted to reply to a Tweet that is deleted or not visible to you."
QUOTE_NOT_VISIBLE = "You attempted to quote a Tweet that is deleted or not visible to you."
TIER_FORBIDDEN = (
    "You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints (e.g. media post, "
    "oauth) only. If you need access to this endpoint, you may need a different access level. You can learn "
    "more here: https://developer.x.com/en/portal/product"
)


def _partial(value: str, parameter: str, resource_type: str, title: str, detail: str, type_: str) -> dict:
    return {
        "value": value,
        "detail": detail,
        "title": title,
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": type_,
    }


def not_found(value: str, parameter: str, resource_type: str = "user") -> dict:
    """Partial error for an id or username that does not exist."""
    noun = "user" if resource_type == "user" else "tweet"
    detail = f"Could not find {noun} with {parameter}: [{value}]."
    return _partial(value, parameter, resource_type, "Not Found Error", detail, NOT_FOUND)


def suspended(value: str, parameter: str) -> dict:
    """Partial error for a suspended account (the API titles it Forbidden but types it resource-not-found)."""
    return _partial(value, parameter, "user", "Forbidden", f"User has been suspended: [{value}].", NOT_FOUND)


def not_authorized(value: str, parameter: str, resource_type: str = "user") -> dict:
    """Partial error for a protected account (or its tweets) the caller may not see."""
    noun = "user" if resource_type == "user" else "Tweet"
    detail = f"Sorry, you are not authorized to see the {noun} with {parameter}: [{value}]."
    return _partial(value, parameter, resource_type, "Authorization Error", detail, NOT_AUTHORIZED)


def problem(status: int, detail: str | None = None, title: str | None = None, type_: str = "about:blank") -> dict:
    """A problem body: ``{"title", "detail", "type", "status"}`` (title and detail default to the reason)."""
    reason = HTTPStatus(status).phrase
    return {"title": title or reason, "detail": detail or reason, "type": type_, "status": status}


def invalid_request(errors: list[dict]) -> dict:
    """The 400 body; each error is ``{"parameters": {name: [value]}, "message": ...}``."""
    return {
        "errors": errors,
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
    }


def unsupported_authentication() -> dict:
    """403 for app-only auth on an endpoint that needs a user context."""
    return {
        "title": "Unsupported Authentication",
        "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
        "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
        "type": PROBLEMS + "unsupported-authentication",
        "status": 403,
    }


def client_forbidden(client_id: str) -> dict:
    """403 for an endpoint the app's access tier does not include (Free tier on follows endpoints)."""
    return {
        "client_id": client_id,
        "detail": TIER_FORBIDDEN,
        "registration_url": "https://developer.x.com/en/portal/product",
        "title": "Client Forbidden",
        "required_enrollment": "Appropriate Level of API Access",
        "reason": "client-not-enrolled",
        "type": PROBLEMS + "client-forbidden",
    }
