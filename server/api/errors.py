"""One JSON error shape for every error: ``{"error": {"code": "...", "message": "..."}}``."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

logger = logging.getLogger(__name__)

# Werkzeug's exceptions by status, as stable snake_case codes.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


PAGE_TITLES = {
    400: "That request did not make sense",
    401: "Please sign in first",
    403: "That is not allowed",
    404: "Nothing here",
    413: "That file is too large",
    429: "Too many requests: please wait a moment",
}


class ApiError(Exception):
    """An error answered as JSON: ``raise ApiError(400, "invalid_username", "...")``."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def wants_page() -> bool:
    """A browser asking for a page (not the API, not a program): errors are answered as a page too."""
    if request.path.startswith("/api/"):
        return False
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def error_response(status: int, code: str, message: str, headers: dict | None = None):
    """The error in the one JSON shape, or as a page for a browser's page request."""
    if wants_page():
        title = PAGE_TITLES.get(status, "Something went wrong")
        page = render_template("error.html", status=status, title=title, message=message, user=None)
        return page, status, headers or {}
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer API errors, HTTP errors (404, 405, 413...) and unexpected exceptions in the one shape."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return error_response(error.status, error.code, error.message, error.headers)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = HTTP_CODES.get(error.code or 500, "http_error")
        # Keep what the exception says in headers, such as Allow on a 405.
        headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
        return error_response(error.code or 500, code, error.description or code, headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        logger.exception("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on our side; please try again.")
