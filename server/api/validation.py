"""Request validation: usernames and JSON bodies, failing with :class:`server.api.errors.ApiError`."""

from __future__ import annotations

import re

from flask import request

from server.api.errors import ApiError

USERNAME_RE = re.compile(r"[A-Za-z0-9_]{1,15}")


def validate_username(value: object) -> str:
    """A Twitter username: 1 to 15 letters, digits or underscores (no ``@``); 400 otherwise."""
    if not isinstance(value, str) or not USERNAME_RE.fullmatch(value):
        shown = value if isinstance(value, str) and len(value) <= 40 else None
        detail = f" (got {shown!r})" if shown is not None else ""
        raise ApiError(
            400,
            "invalid_username",
            f"username must be 1 to 15 letters, digits or underscores, without '@'{detail}.",
        )
    return value


def json_object() -> dict:
    """The request body as a JSON object: 415 when not JSON, 400 when malformed or not an object."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send a JSON body with 'Content-Type: application/json'.")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.")
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", 'The request body must be a JSON object, e.g. {"username": "jack"}.')
    return body
