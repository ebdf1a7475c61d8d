"""The served OpenAPI document holds for real responses: schemathesis calls every operation with generated input.

Each operation gets a bounded number of examples (valid and invalid input); every answer must be documented for
its operation (status, headers, content type, body schema) and none may be a 500.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.server.fixtures_app import app, local_twitter, migrated_sqlite, twitter_api  # noqa: F401

ADMIN_TOKEN = "contract-admin-token"
MAX_EXAMPLES = 25  # per operation: bounded, so `make test` stays quick
# As an admin (reaches every account, and the admin routes), then as a client no account authorised (404s).
CALLERS = ({"Authorization": f"Bearer {ADMIN_TOKEN}"}, {"X-API-Key": "test-key"})
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


def test_every_operation_answers_as_its_document_says(app):  # noqa: F811
    # Consent off, an admin token and no abuse limits: the generated requests reach past the gates into every
    # route's work.
    app.config.update(
        ADMIN_TOKEN=ADMIN_TOKEN,
        REQUIRE_CONSENT=False,
        AUTH_FAILURE_LIMIT="10000/second",
        JOB_START_LIMIT="10000/second",
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # The legacy routes live outside /api/v1 (their path item names its own server, which the WSGI transport of
    # schemathesis does not read): they are called from the root.
    own_server = {path for path, item in schema.raw_schema["paths"].items() if item.get("servers") == [{"url": "/"}]}
    assert len(operations) == 31  # every route of the document, legacy ones included

    for operation in operations:
        for headers in CALLERS:

            @given(case=operation.as_strategy())
            @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def answers_as_documented(case):
                root = {"base_url": "http://localhost"} if case.operation.path in own_server else {}
                case.call_and_validate(headers=headers, checks=CHECKS, **root)  # noqa: B023 (run at once)

            answers_as_documented()
