"""How the contract (``server.api.schemas``) meets Flask: the app class, validation failures, the served document.

flask-openapi3 validates each route's path, query and body models and generates the OpenAPI 3.1 document from
them. This module answers a validation failure in our error shape, with the field's code (``invalid_<field>``),
and serves the document under ``/api/v1`` with its paths relative to that server, the legacy routes beside.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app, request
from flask_openapi3 import APIBlueprint, Info, OpenAPI
from flask_openapi3.types import ResponseDict, SecuritySchemesDict
from pydantic import ValidationError
from werkzeug.datastructures import FileStorage

from server.api.errors import ApiError
from server.api.schemas import HISTORY_MAX, MAX_DAYS, Error

API_PREFIX = "/api/v1"
INFO = Info(
    title="mood-analytics",
    version="1.0.0",
    description="Analyse a Twitter account's mood, or recommend friends, big accounts and hashtags for it: start a "
    "job, follow it, read the result. The legacy GET /start_analysis/{user_name} and GET "
    "/recommend_friends/{user_name} (outside /api/v1) start the same jobs.",
)
SECURITY_SCHEMES: SecuritySchemesDict = {
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "bearer": {"type": "http", "scheme": "bearer"},
    "adminToken": {"type": "http", "scheme": "bearer", "description": "ADMIN_TOKEN (admin routes)"},
}
Security = list[dict[str, list[str]]]
API_KEY: Security = [{"apiKey": []}, {"bearer": []}]
ADMIN: Security = [{"adminToken": []}]
ERROR_REF = {"$ref": "#/components/schemas/Error"}
LOCATION = {"description": "URL of the job (or admin run)", "required": True, "schema": {"type": "string"}}
# What a field's validation failure says, beyond its code; other fields get pydantic's message.
USERNAME_RULE = "username must be 1 to 15 letters, digits or underscores, without '@'"
FIELD_MESSAGES = {
    "username": USERNAME_RULE,
    "user_name": USERNAME_RULE,
    "limit": f"limit must be an integer from 1 to {HISTORY_MAX}",
    "opt_in": "The body needs a boolean 'opt_in', e.g. {\"opt_in\": true}",
    "signed_in": 'Consent needs the account\'s own sign-in: {"signed_in": true}',
    "older_than_days": f"older_than_days must be a number of days from 0 to {MAX_DAYS} or null, e.g. "
    '{"older_than_days": 7}',
}
FIELD_CODES = {"user_name": "invalid_username"}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def validation_failed(error: ValidationError):
    """Answer a request that broke its route's models: 400 with ``invalid_<field>`` and a message for people."""
    problem = error.errors(include_url=False)[0]
    field = str(problem["loc"][0]) if problem["loc"] else "body"
    message = FIELD_MESSAGES.get(field) or f"{field}: {problem['msg']}"
    value = problem.get("input")
    if field in ("username", "user_name") and isinstance(value, str) and len(value) <= 40:
        message += f" (got {value!r})"
    raise ApiError(400, FIELD_CODES.get(field, f"invalid_{field}"), message + ".")


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


def check_json_body() -> None:
    """Before a route's body model: the body is a JSON object (or, where it is optional, empty), or a form upload."""
    if request.method not in BODY_METHODS:
        return
    if request.endpoint in UPLOADS:
        allow_upload(UPLOADS[request.endpoint])
        if request.mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
            raise ApiError(415, "unsupported_media_type", "Send the file as multipart/form-data, field 'file'.")
        return
    if request.get_data() or request.endpoint not in OPTIONAL_BODIES:
        json_object()


OPTIONAL_BODIES = {"admin.start_reanalysis"}  # an empty body means the defaults
# Routes taking a multipart upload, with the setting of their file's size limit (their body's, before it is read).
UPLOADS: dict[str, str] = {}
UPLOAD_SLACK = 64 * 1024  # the multipart envelope around the file


def upload_bytes(setting: str) -> int:
    """The largest file a setting in MB (``ARCHIVE_MAX_MB``, ``IMAGE_MAX_MB``) allows, in bytes."""
    return int(float(current_app.config[setting]) * 2**20)


def read_upload(file: FileStorage) -> bytes:
    """An uploaded file's bytes; the file is closed, so deleted when it was spooled to a temporary file."""
    try:
        return file.read()
    finally:
        file.close()


def allow_upload(setting: str) -> None:
    """Before an upload's form is read: raise this request's body limit to the file's limit and its envelope."""
    request.max_content_length = upload_bytes(setting) + UPLOAD_SLACK


def errors(**described: str) -> ResponseDict:
    """Error responses for a route, ``errors(e404="No such job")``: each in the one error shape."""
    return {
        int(status.removeprefix("e")): {"description": text, "content": {"application/json": {"schema": ERROR_REF}}}
        for status, text in described.items()
    }


def operation_id(name: str, path: str, method: str) -> str:
    """An operation's id: its view function's name (``start_analysis``), unique across the API."""
    return name


def create_app(import_name: str, **kwargs: Any) -> OpenAPI:
    """The Flask app, as flask-openapi3's subclass: it validates the routes' models and writes the document."""
    return OpenAPI(
        import_name,
        info=INFO,
        security_schemes=SECURITY_SCHEMES,
        validation_error_status=400,
        validation_error_model=Error,
        validation_error_callback=validation_failed,
        doc_ui=False,
        operation_id_callback=operation_id,
        **kwargs,
    )


def blueprint(name: str, url_prefix: str | None = None, security: Security | None = None) -> APIBlueprint:
    """A blueprint whose routes declare their models, with the security they need."""
    bp = APIBlueprint(name, __name__, url_prefix=url_prefix, abp_security=security, operation_id_callback=operation_id)
    bp.before_request(check_json_body)
    return bp


def document(app: OpenAPI, public: frozenset[str] = frozenset()) -> dict:
    """The served OpenAPI document: paths relative to ``/api/v1``, the legacy routes with their own server.

    ``public`` names the operations that need no credentials.
    """
    generated = copy.deepcopy(app.api_doc)
    paths = {}
    for path, item in generated["paths"].items():
        if path.startswith(API_PREFIX):
            paths[path.removeprefix(API_PREFIX)] = item
        else:
            paths[path] = {**item, "servers": [{"url": "/"}]}
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["security"] = [] if operation["operationId"] in public else operation.get("security", API_KEY)
                unprocessable = operation["responses"].get("422", {})
                if unprocessable.get("content", {}).get("application/json", {}).get("schema") != ERROR_REF:
                    operation["responses"].pop("422", None)  # flask-openapi3's own: validation answers 400 here
                if not operation.get("parameters") and "requestBody" not in operation:
                    operation["responses"].pop("400", None)  # nothing to validate
                if "202" in operation["responses"]:  # a started job: where to follow it
                    operation["responses"]["202"]["headers"] = {"Location": LOCATION}
    components = generated.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    components["responses"] = {
        "MethodNotAllowed": {
            "description": "The path does not take this method; Allow lists those it takes",
            "headers": {"Allow": {"schema": {"type": "string"}, "example": "GET, HEAD, OPTIONS"}},
            "content": {"application/json": {"schema": ERROR_REF}},
        }
    }
    return {
        "openapi": generated["openapi"],
        "info": generated["info"],
        "servers": [{"url": API_PREFIX}],
        "security": API_KEY,
        "paths": dict(sorted(paths.items())),
        "components": components,
    }
