"""Run-time state of one local API: the world, rate-limit counters, injected faults, request log, settings.

The Flask views, the ``/_control/`` routes and the Python handle all go through one :class:`LocalApiState`, so
a test can steer the server in-process or over HTTP with the same effect.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from server.dev.twitter_local.oauth import OAuthState
from server.dev.twitter_local.twitter_text import format_time
from server.dev.twitter_local.world import World

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 15 * 60
# Requests per 15-minute window: (app-only bearer, user context), the published v2 limits of the
# Essential/Elevated era. None: that kind of auth is not accepted by the endpoint. Keys are the route
# names, which are tweepy's method names.
DEFAULT_RATE_LIMITS: dict[str, tuple[int | None, int | None]] = {
    "get_user_by_username": (300, 900),
    "get_users_by_usernames": (300, 900),
    "get_user": (300, 900),
    "get_users": (300, 900),
    "get_me": (None, 75),
    "get_users_tweets": (1500, 900),
    "get_users_mentions": (450, 180),
    "get_users_following": (15, 15),
    "get_users_followers": (15, 15),
    "get_tweet": (300, 900),
    "get_tweets": (300, 900),
    "search_recent_tweets": (450, 180),
    "search_all_tweets": (300, None),
    "create_tweet": (None, 200),
    "delete_tweet": (None, 50),
}
FAULT_STATUSES = frozenset({401, 403, 404, 429, 500, 502, 503, 504})
LOG_SIZE = 10_000


@dataclass
class Fault:
    """One injected failure: requests whose path matches ``path`` (a regex, searched) get ``status``."""

    id: int
    path: str
    status: int | None = None
    method: str | None = None
    times: int | None = 1  # None: every matching request until cleared
    reset_in: int | None = None  # 429 only: x-rate-limit-reset = now + reset_in
    delay: float | None = None  # seconds to wait before answering (with status, or normally without)
    body: dict | None = None  # replaces the standard body for ``status``

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to the request and still has uses left."""
        if self.times is not None and self.times <= 0:
            return False
        return (self.method is None or self.method.upper() == method) and re.search(self.path, path) is not None


@dataclass(frozen=True)
class Auth:
    """Who is calling: an app-only bearer token, or a user context (OAuth 1.0a) acting as ``user_id``."""

    kind: str  # "app" or "user"
    key: str  # bearer token or consumer key
    user_id: str | None = None

    @property
    def rate_key(self) -> str:
        """App limits are per app, user limits per user, as on the real API."""
        return f"app:{self.key}" if self.kind == "app" else f"user:{self.user_id}"


class LocalApiState:
    """Everything a running local API knows beyond the static world; all methods are thread-safe."""

    def __init__(
        self,
        world: World,
        bearer_tokens: tuple[str, ...],
        consumer_keys: tuple[str, ...],
        shift: timedelta,
        rate_limit: int | Mapping[str, int | tuple[int | None, int | None]] | None = None,
        clock: Callable[[], float] = time.time,
        oauth2_client_ids: tuple[str, ...] = (),
    ) -> None:
        self.world = world
        # A lone string would otherwise become a set of its characters.
        self.bearer_tokens = frozenset([bearer_tokens] if isinstance(bearer_tokens, str) else bearer_tokens)
        self.consumer_keys = frozenset([consumer_keys] if isinstance(consumer_keys, str) else consumer_keys)
        self.shift = shift
        self.clock = clock
        self.limits = _limits(rate_limit)
        self.follows_forbidden = False
        self._lock = threading.RLock()
        self._windows: dict[tuple[str, str], list] = {}  # (endpoint, rate_key) -> [window_start, used]
        self._faults: list[Fault] = []
        self._fault_ids = itertools.count(1)
        self._log: deque[dict] = deque(maxlen=LOG_SIZE)
        self._posted: list[dict] = []
        self.oauth = OAuthState(clock, frozenset(oauth2_client_ids))  # "Sign in with X" (oauth.py)

    # -- time ----------------------------------------------------------------------------------------------
    def world_now(self) -> datetime:
        """The current moment in world time (real now minus the date shift), in whole seconds like the API's."""
        return (datetime.fromtimestamp(self.clock(), UTC) - self.shift).replace(microsecond=0)

    # -- rate limits ---------------------------------------------------------------------------------------
    def limit_for(self, endpoint: str, auth: Auth) -> int | None:
        """This endpoint's limit for this kind of auth (None: no limit configured)."""
        app, user = self.limits.get(endpoint, (None, None))
        return app if auth.kind == "app" else user

    def consume(self, endpoint: str, auth: Auth) -> tuple[bool, dict[str, str]]:
        """Count one request; returns (allowed, x-rate-limit-* headers). A refused request does not count."""
        limit = self.limit_for(endpoint, auth)
        if limit is None:
            return True, {}
        now = self.clock()
        with self._lock:
            window = self._windows.get((endpoint, auth.rate_key))
            if window is None or now >= window[0] + WINDOW_SECONDS:
                window = self._windows[(endpoint, auth.rate_key)] = [now, 0]
            allowed = window[1] < limit
            if allowed:
                window[1] += 1
            headers = _limit_headers(limit, limit - window[1], int(window[0] + WINDOW_SECONDS))
        return allowed, headers

    def peek(self, endpoint: str, auth: Auth | None) -> dict[str, str]:
        """The headers :meth:`consume` would report, without counting (for injected faults)."""
        limit = self.limit_for(endpoint, auth) if auth else None
        if limit is None or auth is None:
            return {}
        now = self.clock()
        with self._lock:
            window = self._windows.get((endpoint, auth.rate_key))
            if window is None or now >= window[0] + WINDOW_SECONDS:
                return _limit_headers(limit, limit, int(now + WINDOW_SECONDS))
            return _limit_headers(limit, limit - window[1], int(window[0] + WINDOW_SECONDS))

    def reset_rate_limits(self) -> None:
        """Forget every window: all endpoints start again with their full limit."""
        with self._lock:
            self._windows.clear()

    # -- faults --------------------------------------------------------------------------------------------
    def add_fault(
        self,
        path: str,
        status: int | None = None,
        *,
        method: str | None = None,
        times: int | None = 1,
        reset_in: int | None = None,
        delay: float | None = None,
        body: dict | None = None,
    ) -> Fault:
        """Make the next ``times`` requests matching ``path`` (and ``method``) fail with ``status`` / be delayed."""
        if status is None and not delay:
            raise ValueError("a fault needs a status, a delay, or both")
        if status is not None and status not in FAULT_STATUSES:
            raise ValueError(f"status must be one of {sorted(FAULT_STATUSES)}")
        re.compile(path)  # fail here, not on the next request
        with self._lock:
            fault = Fault(next(self._fault_ids), path, status, method, times, reset_in, delay, body)
            self._faults.append(fault)
        logger.info("fault added: %s", fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, with one use taken off."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def faults(self) -> list[dict]:
        """The faults still armed."""
        with self._lock:
            return [asdict(f) for f in self._faults if f.times is None or f.times > 0]

    def clear_faults(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    # -- request log and posted tweets --------------------------------------------------------------------
    def log_request(self, entry: dict) -> None:
        """Append one API request (method, path, query, status, auth, ...) to the log."""
        with self._lock:
            self._log.append(entry)

    def request_log(self) -> list[dict]:
        """The logged API requests, oldest first (control routes are not logged)."""
        with self._lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        """Empty the request log."""
        with self._lock:
            self._log.clear()

    def record_post(self, tweet: dict) -> None:
        """Remember a tweet created through ``POST /2/tweets``."""
        with self._lock:
            self._posted.append(tweet)

    def posted_tweets(self) -> list[dict]:
        """Tweets created through ``POST /2/tweets`` since start, oldest first (deleted ones included)."""
        with self._lock:
            return list(self._posted)

    # -- world changes and settings ------------------------------------------------------------------------
    def add_user(self, record: dict) -> dict:
        """Add a user or update an existing one's fields."""
        return self.world.add_user(record)

    def add_tweet(self, record: dict) -> dict:
        """Add a tweet; without ``id`` and ``created_at`` it is created now (world time) with the newest id."""
        record = dict(record)
        if "id" not in record:
            record.setdefault("created_at", format_time(self.world_now()))
        return self.world.add_tweet(record)

    def add_follow(self, follower_id: str, followee_id: str) -> bool:
        """Make ``follower_id`` follow ``followee_id``."""
        return self.world.add_follow(follower_id, followee_id)

    def remove_follow(self, follower_id: str, followee_id: str) -> bool:
        """Make ``follower_id`` unfollow ``followee_id``."""
        return self.world.remove_follow(follower_id, followee_id)

    def set_follows_forbidden(self, forbidden: bool = True) -> None:
        """Answer the following/followers endpoints with the 403 "client-not-enrolled" of lower API tiers."""
        self.follows_forbidden = bool(forbidden)

    def settings(self) -> dict:
        """The switchable settings."""
        return {"follows_forbidden": self.follows_forbidden}

    def reset(self) -> None:
        """Clear faults, log, rate-limit windows and settings (world changes and posted tweets stay)."""
        self.clear_faults()
        self.clear_request_log()
        self.reset_rate_limits()
        self.follows_forbidden = False


def _limit_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(reset),
    }


def _limits(rate_limit) -> dict[str, tuple[int | None, int | None]]:
    """Defaults, one number for every endpoint (keeping 'not accepted' as is), or per-endpoint overrides."""
    limits = dict(DEFAULT_RATE_LIMITS)
    if rate_limit is None:
        return limits
    if isinstance(rate_limit, int):
        return {
            name: (None if a is None else rate_limit, None if u is None else rate_limit)
            for name, (a, u) in limits.items()
        }
    for name, value in rate_limit.items():
        if name not in limits:
            raise ValueError(f"unknown endpoint {name!r}; one of {sorted(limits)}")
        limits[name] = value if isinstance(value, tuple) else (value, value)
    return limits
