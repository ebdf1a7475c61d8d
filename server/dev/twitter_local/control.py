"""``/_control/`` routes: steer a running local API from another process (tests, the demo, curl).

Unauthenticated on purpose, like any test double; the server binds to loopback by default.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from server.dev.twitter_local.state import LocalApiState

bp = Blueprint("twitter_control", __name__, url_prefix="/_control")


def _state() -> LocalApiState:
    return current_app.extensions["twitter_local"]


def _body() -> dict | list:
    body = request.get_json(silent=True)
    if not isinstance(body, dict | list):
        raise ValueError("expected a JSON object or list")
    return body


@bp.errorhandler(ValueError)
@bp.errorhandler(KeyError)
@bp.errorhandler(TypeError)
def bad_request(error: Exception):
    """Control mistakes (bad JSON, missing keys, bad values) answer 400 with the reason."""
    return {"error": f"{type(error).__name__}: {error}"}, 400


@bp.get("/health")
def health():
    """Liveness and world counts."""
    return {"status": "ok", "world": _state().world.stats(), "settings": _state().settings()}


@bp.get("/faults")
def list_faults():
    """The armed faults."""
    return {"faults": _state().faults()}


@bp.post("/faults")
def add_fault():
    """Arm a fault: ``{"path": regex, "status", "method", "times", "reset_in", "delay", "body"}``."""
    body = _body()
    if not isinstance(body, dict) or "path" not in body:
        raise ValueError("a fault needs a path regex")
    allowed = {"path", "status", "method", "times", "reset_in", "delay", "body"}
    if unknown := set(body) - allowed:
        raise ValueError(f"unknown fault keys {sorted(unknown)}")
    fault = _state().add_fault(**body)
    return {"id": fault.id}, 201


@bp.delete("/faults")
def clear_faults():
    """Disarm all faults."""
    _state().clear_faults()
    return {"faults": []}


@bp.get("/requests")
def request_log():
    """The API requests received so far, oldest first."""
    return {"requests": _state().request_log()}


@bp.delete("/requests")
def clear_request_log():
    """Empty the request log."""
    _state().clear_request_log()
    return {"requests": []}


@bp.get("/posted")
def posted_tweets():
    """Tweets created through ``POST /2/tweets``."""
    return {"data": _state().posted_tweets()}


@bp.post("/users")
def add_users():
    """Add or update users (one object or a list)."""
    body = _body()
    users = [_state().add_user(u) for u in (body if isinstance(body, list) else [body])]
    return {"data": users}, 201


@bp.post("/tweets")
def add_tweets():
    """Add tweets (one object or a list); missing id/created_at mean "now"."""
    body = _body()
    tweets = [_state().add_tweet(t) for t in (body if isinstance(body, list) else [body])]
    return {"data": tweets}, 201


@bp.post("/follows")
def add_follow():
    """``{"follower_id", "followee_id"}``: add a follow edge."""
    body = _body()
    return {"created": _state().add_follow(body["follower_id"], body["followee_id"])}, 201


@bp.delete("/follows")
def remove_follow():
    """``{"follower_id", "followee_id"}``: remove a follow edge."""
    body = _body()
    return {"removed": _state().remove_follow(body["follower_id"], body["followee_id"])}


@bp.get("/settings")
def get_settings():
    """The switchable settings."""
    return _state().settings()


@bp.put("/settings")
def put_settings():
    """``{"follows_forbidden": bool}``: the follows endpoints answer the lower tiers' 403."""
    body = _body()
    if "follows_forbidden" in body:
        _state().set_follows_forbidden(bool(body["follows_forbidden"]))
    return _state().settings()


@bp.post("/reset")
def reset():
    """Clear faults, request log, rate-limit windows and settings."""
    _state().reset()
    return _state().settings()
