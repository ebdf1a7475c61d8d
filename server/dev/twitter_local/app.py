"""The local Twitter API v2: app factory, request guard (faults, auth, rate limits), and a threaded server."""

from __future__ import annotations

import functools
import logging
import mimetypes
import re
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote
from zlib import crc32

from flask import Flask, Response, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join
from werkzeug.serving import WSGIRequestHandler, make_server

from server.dev.twitter_local import api, control, oauth, problems
from server.dev.twitter_local.corpora import add_corpus
from server.dev.twitter_local.params import InvalidRequest
from server.dev.twitter_local.state import WINDOW_SECONDS, Auth, Fault, LocalApiState
from server.dev.twitter_local.world import World, load_world

logger = logging.getLogger(__name__)

DEMO_BEARER_TOKEN = "local-demo-token"
DEMO_CONSUMER_KEY = "local-demo-consumer-key"
DEMO_CLIENT_ID = oauth.DEMO_CLIENT_ID
USER_CONTEXT_ONLY = frozenset({"get_me", "create_tweet", "delete_tweet"})
FOLLOW_ENDPOINTS = frozenset({"get_users_following", "get_users_followers"})
MEDIA_DIR = Path(__file__).resolve().parent / "media"  # photos that may be redistributed, with their licences
OAUTH_PARAM_RE = re.compile(r'(\w+)="([^"]*)"')


class TwitterJSON(DefaultJSONProvider):
    """The real API's JSON: compact, in its own key order, with UTF-8 text unescaped."""

    sort_keys = False
    ensure_ascii = False
    compact = True


def create_local_api(
    world: World | str | Path,
    bearer_tokens: tuple[str, ...] = (DEMO_BEARER_TOKEN,),
    consumer_keys: tuple[str, ...] = (DEMO_CONSUMER_KEY,),
    shift_dates: bool = False,
    rate_limit: int | Mapping[str, int | tuple] | None = None,
    clock=time.time,
    oauth2_client_ids: tuple[str, ...] = (oauth.DEMO_CLIENT_ID,),
    corpora: Sequence[Path] = (),
) -> Flask:
    """Build the Flask app serving ``world`` (a :class:`World` or a world directory).

    ``bearer_tokens`` are accepted as app-only auth; OAuth 1.0a requests are accepted when their
    ``oauth_consumer_key`` is in ``consumer_keys`` and act as the user whose id prefixes the access token
    (``"<user id>-..."``, as real access tokens do) or else as the world's bot. ``shift_dates`` moves every date
    by (now - world reference time) so a fixed world looks recent; ids do not change. ``rate_limit``: None for
    the real per-endpoint limits, an int for one limit everywhere, or ``{endpoint: limit | (app, user)}``.
    ``oauth2_client_ids`` may use "Sign in with X" (``oauth.py``); the access tokens it issues act as their user.
    ``corpora`` are dated tweet files added to the world at their real dates, whatever the shift (``corpora.py``).
    """
    if not isinstance(world, World):
        world = load_world(world)
    shift = timedelta(0)
    if shift_dates:
        shift = timedelta(seconds=int(clock() - world.reference_time.timestamp()))
    for corpus in corpora:
        add_corpus(world, Path(corpus), shift)
    app = Flask(__name__)
    app.json = TwitterJSON(app)
    state = LocalApiState(world, bearer_tokens, consumer_keys, shift, rate_limit, clock, oauth2_client_ids)
    app.extensions["twitter_local"] = state
    app.register_blueprint(api.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(control.bp)
    app.add_url_rule("/media/<name>", "media", _media)
    app.before_request(_guard)
    app.after_request(_finish)
    app.register_error_handler(InvalidRequest, lambda error: (problems.invalid_request(error.errors), 400))
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    logger.info("local Twitter API for world %s (date shift %s)", world.stats(), shift)
    return app


def _media(name: str):
    """A tweet's photo, as ``pbs.twimg.com`` serves it: no credentials (``media/README.md`` lists their licences)."""
    path = safe_join(str(MEDIA_DIR), name)
    if path is None or not Path(path).is_file():
        return problems.problem(404), 404
    # Read whole (the photos are small): a client that hangs up early leaves no open file behind.
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(Path(path).read_bytes(), mimetype=kind, headers={"Cache-Control": "max-age=86400"})


def _state() -> LocalApiState:
    return current_app.extensions["twitter_local"]


def _authenticate(state: LocalApiState) -> Auth | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials in state.bearer_tokens:
        return Auth("app", credentials)
    if scheme.lower() == "bearer" and credentials:
        user_id = state.oauth.user_of(credentials)  # an OAuth 2.0 user access token
        if user_id is not None:
            return Auth("user", credentials, user_id)
    if scheme == "OAuth":
        # Signatures are not checked: the consumer key says which app, the access token which user.
        oauth = {key: unquote(value) for key, value in OAUTH_PARAM_RE.findall(credentials)}
        key = oauth.get("oauth_consumer_key", "")
        if key in state.consumer_keys:
            prefix = oauth.get("oauth_token", "").partition("-")[0]
            user = state.world.user(prefix) if prefix.isdigit() else None
            user = user or state.world.bot
            if user is not None:
                return Auth("user", key, user["id"])
    return None


def _guard():
    """Before every ``/2/`` request: injected faults, then 401, auth kind, API tier, then the rate limit."""
    if not request.path.startswith("/2/") or request.path.startswith("/2/oauth2/"):
        return None  # the token endpoints authenticate the client themselves
    state = _state()
    g.auth = _authenticate(state)
    g.endpoint = request.endpoint.rpartition(".")[2] if request.endpoint else None
    g.rate_headers, g.fault = {}, None
    fault = state.take_fault(request.method, request.path)
    if fault is not None:
        g.fault = fault.id
        if fault.delay:
            time.sleep(fault.delay)
        if fault.status is not None:
            return _fault_response(state, fault)
    if g.auth is None:
        return problems.problem(401), 401
    if g.endpoint in USER_CONTEXT_ONLY and g.auth.kind == "app":
        return problems.unsupported_authentication(), 403
    if g.endpoint in FOLLOW_ENDPOINTS and state.follows_forbidden:
        return problems.client_forbidden(str(crc32(g.auth.key.encode()) % 10**8)), 403
    if g.endpoint is not None:
        allowed, g.rate_headers = state.consume(g.endpoint, g.auth)
        if not allowed:
            return problems.problem(429), 429
    return None


def _fault_response(state: LocalApiState, fault: Fault):
    headers = state.peek(g.endpoint, g.auth) if g.endpoint else {}
    if fault.status == 429:
        reset_in = WINDOW_SECONDS if fault.reset_in is None else fault.reset_in
        headers = {
            "x-rate-limit-limit": headers.get("x-rate-limit-limit", "0"),
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(int(state.clock() + reset_in)),
        }
    g.rate_headers = headers
    return (fault.body if fault.body is not None else problems.problem(fault.status or 500)), fault.status


def _finish(response):
    """After every ``/2/`` request: rate-limit headers, the API's content type, and the request log entry."""
    if not request.path.startswith("/2/"):
        return response
    response.headers.update(g.get("rate_headers") or {})
    # Werkzeug's reason phrases are upper case ("403 FORBIDDEN"); tweepy puts the reason into its messages.
    response.status = f"{response.status_code} {HTTPStatus(response.status_code).phrase}"
    if response.mimetype == "application/json":
        response.headers["Content-Type"] = "application/json; charset=utf-8"
    auth = g.get("auth")
    entry = {
        "time": datetime.now(UTC).isoformat(),
        "method": request.method,
        "path": request.path,
        "query": request.args.to_dict(),
        "endpoint": g.get("endpoint"),
        "status": response.status_code,
        "auth": auth.kind if auth else None,
        "user_id": auth.user_id if auth else None,
        "fault": g.get("fault"),
    }
    if request.method in ("POST", "PUT"):
        entry["json"] = request.get_json(silent=True)
    _state().log_request(entry)
    return response


def _http_error(error: HTTPException):
    if request.path.startswith("/2/"):
        return problems.problem(error.code or 500), error.code
    return {"error": error.description}, error.code


def _unexpected_error(error: Exception):
    logger.exception("local Twitter API failed on %s %s", request.method, request.path)
    return problems.problem(500), 500


class LoggingRequestHandler(WSGIRequestHandler):
    """Request lines go to this module's logger instead of werkzeug's stderr handler."""

    def log(self, type: str, message: str, *args) -> None:
        """Log one request line."""
        logger.info("%s %s", self.address_string(), message % args)


class LocalApiServer:
    """A local API served on a daemon thread: ``.url``, ``.shutdown()``, control methods; a context manager."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.state: LocalApiState = app.extensions["twitter_local"]
        self._server = make_server(host, port, app, threaded=True, request_handler=LoggingRequestHandler)
        self.host, self.port = host, self._server.server_port
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{self.port}"
        # A short poll interval keeps shutdown() quick (it waits for the serving loop's next poll).
        serve = functools.partial(self._server.serve_forever, poll_interval=0.05)
        self._thread = threading.Thread(target=serve, name=f"twitter-local:{self.port}")
        self._thread.daemon = True  # a forgotten shutdown() must not keep the process alive
        self._thread.start()
        self._closed = False

    @property
    def world(self) -> World:
        """The served world (changes to it are live)."""
        return self.state.world

    def shutdown(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if not self._closed:
            self._closed = True
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalApiServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.shutdown()

    # The same controls as the /_control/ routes, for in-process tests.
    def add_fault(self, path: str, status: int | None = None, **options) -> Fault:
        """Arm a fault (see :meth:`LocalApiState.add_fault`)."""
        return self.state.add_fault(path, status, **options)

    def clear_faults(self) -> None:
        """Disarm all faults."""
        self.state.clear_faults()

    def request_log(self) -> list[dict]:
        """The API requests received so far."""
        return self.state.request_log()

    def clear_request_log(self) -> None:
        """Empty the request log."""
        self.state.clear_request_log()

    def posted_tweets(self) -> list[dict]:
        """Tweets created through ``POST /2/tweets``."""
        return self.state.posted_tweets()

    def add_user(self, record: dict) -> dict:
        """Add or update a user."""
        return self.state.add_user(record)

    def add_tweet(self, record: dict) -> dict:
        """Add a tweet (now, newest id, unless given)."""
        return self.state.add_tweet(record)

    def add_follow(self, follower_id: str, followee_id: str) -> bool:
        """Add a follow edge."""
        return self.state.add_follow(follower_id, followee_id)

    def remove_follow(self, follower_id: str, followee_id: str) -> bool:
        """Remove a follow edge."""
        return self.state.remove_follow(follower_id, followee_id)

    def set_follows_forbidden(self, forbidden: bool = True) -> None:
        """Switch the follows endpoints to the lower tiers' 403 (or back)."""
        self.state.set_follows_forbidden(forbidden)

    def reset_rate_limits(self) -> None:
        """Give every endpoint its full limit again."""
        self.state.reset_rate_limits()

    def reset(self) -> None:
        """Clear faults, request log, rate-limit windows and settings."""
        self.state.reset()


def start_local_api(world_dir: World | str | Path, host: str = "127.0.0.1", port: int = 0, **kwargs) -> LocalApiServer:
    """Serve a world on ``host:port`` (0: any free port) in a daemon thread; ``kwargs`` go to create_local_api."""
    server = LocalApiServer(create_local_api(world_dir, **kwargs), host, port)
    logger.info("local Twitter API on %s", server.url)
    return server
