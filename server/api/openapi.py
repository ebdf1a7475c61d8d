"""The OpenAPI 3.1 document of ``/api/v1``, written by hand next to the code it describes."""

# Long module: the API document, one dict per operation.

from __future__ import annotations

import copy

from ml.labels import EMOTIONS
from ml.mood.status import STATUSES
from server.jobs.kinds import KIND_NAMES

JOB_STATES = ["pending", "running", "retrying", "succeeded", "failed"]
JOB_ERRORS = [
    "user_not_found",
    "user_suspended",
    "user_protected",
    "twitter_unauthorized",
    "twitter_forbidden",
    "twitter_bad_request",
    "twitter_unavailable",
    "queue_unavailable",
    "job_timeout",
    "consent_required",
    "internal_error",
]
_ref = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref}}}


def _json(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _json_body(schema: dict, required: bool = True) -> dict:
    body = {"content": {"application/json": {"schema": schema}}}
    return {"required": True, **body} if required else body


USERNAME = {"type": "string", "pattern": "^[A-Za-z0-9_]{1,15}$", "example": "sunny_sam"}
USERNAME_PARAM = {"name": "username", "in": "path", "required": True, "schema": USERNAME}
JOB_ACCEPTED = _json(
    "The job (new, or the one already active for this account)",
    {"type": "object", "properties": {"job": {"$ref": "#/components/schemas/Job"}}},
    {"Location": {"description": "URL of the job", "schema": {"type": "string"}}},
)
AUTH_ERRORS = {"401": _error("Missing or invalid API key")}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    },
    "Job": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string", "enum": list(KIND_NAMES)},
            "username": USERNAME,
            "state": {"type": "string", "enum": JOB_STATES},
            "progress": {
                "type": "object",
                "properties": {
                    "fetched": {"type": "integer"},
                    "classified": {"type": "integer"},
                    "total": {
                        "type": ["integer", "null"],
                        "description": "tweets to classify (estimate while fetching); a recommendation job "
                        "fetches and classifies only when the account has no analysis yet",
                    },
                },
            },
            "error": {
                "type": ["object", "null"],
                "description": "set when state is failed",
                "properties": {"code": {"type": "string", "enum": JOB_ERRORS}, "message": {"type": "string"}},
            },
            "retry": {
                "type": ["object", "null"],
                "description": "set when state is retrying (rate limit or Twitter outage)",
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "reason": {"type": "string", "enum": ["rate_limited", "twitter_unavailable"]},
                    "message": {"type": "string"},
                },
            },
            "created_at": {"type": "string", "format": "date-time"},
            "started_at": {"type": ["string", "null"], "format": "date-time"},
            "finished_at": {"type": ["string", "null"], "format": "date-time"},
            "timings": {
                "type": "object",
                "description": "seconds per phase: fetch, classify, score, persist (database), model_load, "
                "recommend (ranking on the follower graph)",
                "additionalProperties": {"type": "number"},
            },
            "links": {
                "type": "object",
                "properties": {
                    "self": {"type": "string"},
                    "result": {
                        "type": ["string", "null"],
                        "description": "the analysis (or, for a recommendations job, the recommendation) once "
                        "succeeded",
                    },
                    "latest": {"type": "string", "description": "the account's latest result of the job's kind"},
                },
            },
        },
    },
    "Extreme": {
        "type": ["object", "null"],
        "description": "null when no own tweet has at least half its probability on the emotion",
        "properties": {"id": {"type": "string"}, "text": {"type": "string"}, "score": {"type": "number"}},
    },
    "Analysis": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "username": USERNAME,
            "job_id": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "status": {"type": ["string", "null"], "enum": [*STATUSES, None]},
            "reason": {
                "type": ["string", "null"],
                "enum": ["no_tweets", "too_few_emotional_tweets", "unsupported_language", None],
                "description": "why status is null",
            },
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "low_confidence": {"type": "boolean"},
            "breakdown": {
                "type": "object",
                "properties": {label: {"type": "number"} for label in EMOTIONS},
            },
            "positivity": {"type": "number"},
            "negativity": {"type": "number"},
            "emotional_weight": {"type": "number"},
            "tweet_count": {"type": "integer"},
            "tweet_counts": {
                "type": "object",
                "properties": {
                    **{kind: {"type": "integer"} for kind in ("own", "reply", "quote", "retweet")},
                    "skipped_language": {
                        "type": "integer",
                        "description": "tweets left out: a language the model does not read (English only)",
                    },
                },
            },
            "language": {
                "type": ["string", "null"],
                "description": "the account's main tweet language (ISO 639-1), which picks the support resources",
            },
            "happiest": {"$ref": "#/components/schemas/Extreme"},
            "saddest": {"$ref": "#/components/schemas/Extreme"},
            "window": {
                "type": "object",
                "properties": {
                    "start": {"type": ["string", "null"], "format": "date-time"},
                    "end": {"type": ["string", "null"], "format": "date-time"},
                },
            },
            "model_version": {"type": "string"},
        },
    },
}

SCHEMAS["AccountSuggestion"] = {
    "type": "object",
    "description": "an account to follow; never its mood",
    "properties": {
        "id": {"type": "string", "description": "Twitter user id"},
        "username": {"type": ["string", "null"], "description": "null when the graph does not know it"},
        "score": {"type": "number", "description": "higher is better"},
        "reason": {"type": "string", "example": "followed by 3 accounts you follow"},
    },
}
SCHEMAS["HashtagSuggestion"] = {
    "type": "object",
    "properties": {
        "tag": {"type": "string", "description": "without #, lower-case"},
        "score": {"type": "number", "description": "relative to the best (1.0)"},
        "reason": {"type": "string", "example": "used by 4 accounts near you"},
    },
}
SCHEMAS["Recommendation"] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "username": USERNAME,
        "job_id": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "degraded": {
            "type": "boolean",
            "description": "true when Twitter refused the follow lists (403): ranked on the graph stored before",
        },
        "degraded_reason": {"type": ["string", "null"]},
        "graph_version": {"type": "integer", "description": "version of the follower graph it was ranked on"},
        "friends": {
            "type": "array",
            "description": "accounts of the opposite mood (Depressed <-> Cheerful, Stressed <-> Satisfied) that "
            "opted in to matching",
            "items": {"$ref": "#/components/schemas/AccountSuggestion"},
        },
        "big_accounts": {
            "type": "array",
            "description": "influential accounts near the user",
            "items": {"$ref": "#/components/schemas/AccountSuggestion"},
        },
        "hashtags": {"type": "array", "items": {"$ref": "#/components/schemas/HashtagSuggestion"}},
        "links": {
            "type": "object",
            "properties": {
                "self": {"type": "string"},
                "analysis": {"type": ["string", "null"], "description": "the user's analysis it was based on"},
            },
        },
    },
}
SCHEMAS["Matching"] = {
    "type": "object",
    "properties": {
        "username": USERNAME,
        "opt_in": {"type": "boolean", "description": "whether the account may be suggested to others as a friend"},
        "opt_in_at": {"type": ["string", "null"], "format": "date-time", "description": "when it was last set"},
    },
}
SCHEMAS["Consent"] = {
    "type": "object",
    "properties": {
        "username": USERNAME,
        "given": {"type": "boolean", "description": "whether the account agreed to be analysed"},
        "source": {"type": ["string", "null"], "enum": ["mention", "sign_in", "demo", None]},
        "granted_at": {"type": ["string", "null"], "format": "date-time"},
    },
}
CONSENT = _json(
    "The account's consent", {"type": "object", "properties": {"consent": {"$ref": "#/components/schemas/Consent"}}}
)
NOT_MANAGED = _error("Account not requested by this client, nor its sign-in declared by it")
RECOMMENDATION = _json(
    "The recommendation",
    {"type": "object", "properties": {"recommendation": {"$ref": "#/components/schemas/Recommendation"}}},
)
MATCHING = _json(
    "The matching opt-in", {"type": "object", "properties": {"matching": {"$ref": "#/components/schemas/Matching"}}}
)
USERNAME_BODY = _json_body({"type": "object", "required": ["username"], "properties": {"username": USERNAME}})
START_ERRORS = {
    "400": _error("Invalid username or malformed body"),
    **AUTH_ERRORS,
    "403": _error("consent_required: the account has not agreed to be analysed (see PUT /accounts/{username}/consent)"),
    "413": _error("Body too large"),
    "415": _error("Body is not JSON"),
    "503": _error("Job queue unavailable"),
}

PATHS = {
    "/analyses": {
        "post": {
            "summary": "Start analysing an account",
            "requestBody": USERNAME_BODY,
            "responses": {"202": JOB_ACCEPTED, **START_ERRORS},
        }
    },
    "/recommendations": {
        "post": {
            "summary": "Start recommending friends, big accounts and hashtags for an account",
            "description": "Fetches the account's follow lists into the follower graph and analyses it first when "
            "it has no analysis yet.",
            "requestBody": USERNAME_BODY,
            "responses": {"202": JOB_ACCEPTED, **START_ERRORS},
        }
    },
    "/recommendations/{recommendation_id}": {
        "get": {
            "summary": "One recommendation",
            "parameters": [
                {"name": "recommendation_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "responses": {
                "200": RECOMMENDATION,
                **AUTH_ERRORS,
                "404": _error("No such recommendation (or account not requested by this client)"),
            },
        }
    },
    "/accounts/{username}/recommendations": {
        "get": {
            "summary": "The latest recommendation for an account",
            "parameters": [USERNAME_PARAM],
            "responses": {
                "200": RECOMMENDATION,
                "400": _error("Invalid username"),
                **AUTH_ERRORS,
                "404": _error("No recommendation yet (or account not requested by this client)"),
            },
        }
    },
    "/accounts/{username}/matching": {
        "get": {
            "summary": "Whether the account may be suggested to others as a friend",
            "parameters": [USERNAME_PARAM],
            "responses": {
                "200": MATCHING,
                "400": _error("Invalid username"),
                **AUTH_ERRORS,
                "404": _error("Account not stored yet (or not requested by this client)"),
            },
        },
        "put": {
            "summary": "Opt the account in to, or out of, being suggested to others as a friend",
            "description": "A friend suggestion tells its reader that the suggested account's mood is the opposite "
            "of theirs, so only accounts that opted in are suggested.",
            "parameters": [USERNAME_PARAM],
            "requestBody": _json_body(
                {"type": "object", "required": ["opt_in"], "properties": {"opt_in": {"type": "boolean"}}}
            ),
            "responses": {
                "200": MATCHING,
                "400": _error("Invalid username, or opt_in not a boolean"),
                **AUTH_ERRORS,
                "403": _error("consent_required: opting in needs the account's consent to be analysed"),
                "404": _error("Account not stored yet (or not requested by this client)"),
                "415": _error("Body is not JSON"),
            },
        },
    },
    "/accounts/{username}/consent": {
        "put": {
            "summary": "Record the account's consent to be analysed, on its sign-in at this client",
            "description": "The client declares that the person signed in as this account on its side. Also lets "
            "the client read the account's results. Idempotent.",
            "parameters": [USERNAME_PARAM],
            "requestBody": _json_body(
                {"type": "object", "required": ["signed_in"], "properties": {"signed_in": {"const": True}}}
            ),
            "responses": {
                "200": CONSENT,
                "400": _error("Invalid username, or signed_in not true"),
                **AUTH_ERRORS,
                "415": _error("Body is not JSON"),
            },
        },
        "get": {
            "summary": "Whether the account agreed to be analysed, how and when",
            "parameters": [USERNAME_PARAM],
            "responses": {"200": CONSENT, "400": _error("Invalid username"), **AUTH_ERRORS, "404": NOT_MANAGED},
        },
        "delete": {
            "summary": "Withdraw the consent (and the matching opt-in); stored data stays until deleted",
            "parameters": [USERNAME_PARAM],
            "responses": {"200": CONSENT, "400": _error("Invalid username"), **AUTH_ERRORS, "404": NOT_MANAGED},
        },
    },
    "/accounts/{username}": {
        "delete": {
            "summary": "Delete every row about the account (forget me)",
            "description": "Its tweets, emotions, analyses, recommendations, jobs, grants, consent, handled "
            "mentions, follow edges and graph rows, and its place in other accounts' recommendation lists.",
            "parameters": [USERNAME_PARAM],
            "responses": {
                "200": _json(
                    "Rows removed per table",
                    {
                        "type": "object",
                        "properties": {
                            "username": USERNAME,
                            "deleted": {"type": "object", "additionalProperties": {"type": "integer"}},
                        },
                    },
                ),
                "400": _error("Invalid username"),
                **AUTH_ERRORS,
                "404": NOT_MANAGED,
            },
        }
    },
    "/jobs/{job_id}": {
        "get": {
            "summary": "Follow a job",
            "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": _json(
                    "The job", {"type": "object", "properties": {"job": {"$ref": "#/components/schemas/Job"}}}
                ),
                **AUTH_ERRORS,
                "404": _error("No such job (or not requested by this client)"),
            },
        }
    },
    "/analyses/{analysis_id}": {
        "get": {
            "summary": "One analysis",
            "parameters": [{"name": "analysis_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": _json(
                    "The analysis",
                    {"type": "object", "properties": {"analysis": {"$ref": "#/components/schemas/Analysis"}}},
                ),
                **AUTH_ERRORS,
                "404": _error("No such analysis (or account not requested by this client)"),
            },
        }
    },
    "/accounts/{username}/analysis": {
        "get": {
            "summary": "The latest analysis of an account",
            "parameters": [USERNAME_PARAM],
            "responses": {
                "200": _json(
                    "The latest analysis",
                    {"type": "object", "properties": {"analysis": {"$ref": "#/components/schemas/Analysis"}}},
                ),
                "400": _error("Invalid username"),
                **AUTH_ERRORS,
                "404": _error("Not analysed yet (or not requested by this client)"),
            },
        }
    },
    "/accounts/{username}/analyses": {
        "get": {
            "summary": "The analyses of an account, newest first (the mood trend)",
            "parameters": [
                USERNAME_PARAM,
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
            ],
            "responses": {
                "200": _json(
                    "The history",
                    {
                        "type": "object",
                        "properties": {
                            "username": USERNAME,
                            "analyses": {"type": "array", "items": {"$ref": "#/components/schemas/Analysis"}},
                        },
                    },
                ),
                "400": _error("Invalid username or limit"),
                **AUTH_ERRORS,
                "404": _error("Not analysed yet (or not requested by this client)"),
            },
        }
    },
    "/admin/reanalyses": {
        "post": {
            "summary": "Re-analyse every consented account, or those not analysed for older_than_days (admin)",
            "description": "Starts one analysis job per account, enqueued in chunks of ADMIN_CHUNK_SIZE every "
            "ADMIN_CHUNK_SECONDS (under the rate limits); 202 with the run and its Location.",
            "security": [{"adminToken": []}],
            "requestBody": _json_body(
                {"type": "object", "properties": {"older_than_days": {"type": ["number", "null"]}}}, required=False
            ),
            "responses": {
                "202": {"description": "The run: id, total, counts per job state, done, failed usernames"},
                "400": _error("older_than_days is not a non-negative number"),
                "401": _error("No admin token"),
                "403": _error("Wrong admin token"),
                "503": _error("Admin disabled (no ADMIN_TOKEN) or the queue is unavailable"),
            },
        }
    },
    "/admin/runs/{run_id}": {
        "get": {
            "summary": "Progress of an admin re-analysis run (admin)",
            "security": [{"adminToken": []}],
            "parameters": [{"name": "run_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "total, counts per job state, done fraction, failed usernames and codes"},
                "401": _error("No admin token"),
                "403": _error("Wrong admin token"),
                "404": _error("No such run"),
            },
        }
    },
    "/health": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "OK"}}}},
    "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OK"}}}},
}


def openapi_document() -> dict:
    """The OpenAPI document (a fresh dict)."""
    return copy.deepcopy(
        {
            "openapi": "3.1.0",
            "info": {
                "title": "mood-analytics",
                "version": "1.0.0",
                "description": "Analyse a Twitter account's mood, or recommend friends, big accounts and hashtags "
                "for it: start a job, follow it, read the result. The legacy GET /start_analysis/{user_name} and "
                "GET /recommend_friends/{user_name} (outside /api/v1) start the same jobs.",
            },
            "servers": [{"url": "/api/v1"}],
            "security": [{"apiKey": []}, {"bearer": []}],
            "components": {
                "securitySchemes": {
                    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "adminToken": {"type": "http", "scheme": "bearer", "description": "ADMIN_TOKEN (admin routes)"},
                },
                "schemas": SCHEMAS,
            },
            "paths": PATHS,
        }
    )
