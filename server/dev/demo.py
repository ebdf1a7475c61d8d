"""The demo: web + worker on the embedded defaults, with the local Twitter API serving the demo world.

``python -m server.dev.demo`` (what ``make run`` runs) migrates a SQLite database in ``instance/demo/``, serves the
demo world on a local Twitter API (dates moved to now, "Sign in with X" included), starts the processes of the
``Procfile`` (gunicorn, a Celery worker on kombu's SQL transport, beat), prints ``curl`` commands that work and
where to sign in, and runs until Ctrl-C. No credentials, no Redis,
no PostgreSQL. At startup it also stores the demo world's follow edges, usernames and hashtags as the follower
graph (``--no-graph`` skips that). ``--smoke`` instead runs one analysis through the HTTP API, prints it, then
(with the graph) analyses the other demo accounts, opts them in to matching and prints one recommendation for the
account; it exits 0 on success. ``--personas`` analyses every persona account of the demo world with at least
``MIN_OWN_TWEETS`` own tweets through the same HTTP API and worker, and prints how many came out with their
persona's mood (``persona_table``).
"""

# Long module: the demo's processes, smoke run and persona table are one developer tool, never imported by the product.

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import logging
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from config import INSTANCE_DIR, ROOT, Config, celery_settings, child_environment
from server.dev.archive import ARCHIVE_USERNAME, demo_archive
from server.dev.twitter_local.app import DEMO_BEARER_TOKEN, DEMO_CLIENT_ID

if TYPE_CHECKING:
    from server.dev.twitter_local.app import LocalApiServer

logger = logging.getLogger(__name__)

DEMO_WORLD = ROOT / "server" / "dev" / "twitter_local" / "demo_world"
DEMO_API_KEY = "demo-key"  # printed on purpose: the demo binds to 127.0.0.1 and holds only demo data
DEMO_SWEEP_SECONDS = 15  # beat's sweep for lost jobs: often, so a killed demo worker's job comes back quickly
DEMO_ACCOUNTS = ("sunny_sam", "calm_carla", "stressed_steve", "blue_bella")
START_TIMEOUT = 180  # seconds for the worker and the web server to come up (a busy CPU loads slowly)
# The mood each persona of the demo world is written to show (server.dev.twitter_local.build_demo.PERSONAS).
PERSONA_STATUS = {"cheerful": "Cheerful", "satisfied": "Satisfied", "stressed": "Stressed", "depressed": "Depressed"}
MIN_OWN_TWEETS = 20  # fewer own tweets say too little about a persona to hold the model to it
# The demo topic: the real Pfizer/BioNTech corpus the local Twitter serves at its own dates (full-archive search).
DEMO_TOPIC_QUERY = "#PfizerBioNTech -is:retweet"
DEMO_TOPIC_PERIOD = (datetime(2020, 12, 12, tzinfo=UTC), datetime(2021, 3, 16, tzinfo=UTC))


def free_port(preferred: int) -> int:
    """``preferred`` if nothing listens there on 127.0.0.1, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


def import_demo_graph() -> str:
    """Store the demo world's follow edges, usernames and hashtags as the follower graph (idempotent); a summary."""
    from server.extensions import db
    from server.graph import snap, store
    from server.models import GraphHashtag, insert_ignore

    stats = snap.import_snap(DEMO_WORLD / "follows.tsv.gz")
    with gzip.open(DEMO_WORLD / "users.jsonl.gz", "rt", encoding="utf-8") as lines:
        users = [json.loads(line) for line in lines]
    store.store_graph_accounts((int(user["id"]), user["username"]) for user in users)
    tags = {
        (int(user["id"]), tag)
        for user in users
        for tag in map(snap.normalize_hashtag, user.get("snap_hashtags", ()))
        if tag
    }
    insert_ignore(GraphHashtag, [{"twitter_id": twitter_id, "tag": tag} for twitter_id, tag in sorted(tags)])
    db.session.commit()
    return f"follower graph: {stats.edges_read} edges ({stats.edges_new} new), {len(users)} accounts"


def ensure_demo_topic() -> str:
    """The demo topic's id: the one this database holds, else a new one whose job is queued (the worker runs it)."""
    import sqlalchemy as sa

    from server.extensions import db
    from server.models import Topic
    from server.pipelines.topic import new_topic

    start, end = DEMO_TOPIC_PERIOD
    existing = db.session.scalar(sa.select(Topic.id).where(Topic.query == DEMO_TOPIC_QUERY, Topic.start == start))
    return existing or new_topic(DEMO_TOPIC_QUERY, start, end, watch=False, created_by="demo").username


def grant_demo_consent(usernames: Iterable[str]) -> None:
    """Record ``source="demo"`` consent for the demo accounts and authorise the demo key for them (idempotent).

    Other accounts are reached by signing in with X on the local Twitter API.
    """
    from server.auth.principals import authorise, client_id
    from server.extensions import db
    from server.privacy import grant_consent

    for username in usernames:
        grant_consent(username, "demo")
        authorise(client_id(DEMO_API_KEY), username, "demo")
    db.session.commit()


class DemoStack:
    """The local Twitter API (in this process), a migrated database, a worker and a web server (children)."""

    def __init__(
        self,
        directory: Path,
        web_port: int = 5000,
        twitter_port: int = 8123,
        env: dict | None = None,
        graph: bool = True,
        accounts: Iterable[str] = DEMO_ACCOUNTS,
        topic: bool = False,
    ):
        self.directory = directory
        self.graph = graph
        self.accounts = tuple(accounts)  # the demo accounts it analyses: they get consent at startup
        self.graph_summary = "not stored (--no-graph)"
        self.topic = topic  # watch the demo topic at startup (make run)
        self.topic_id: str | None = None
        self.web_port = free_port(web_port)
        self.twitter_port = free_port(twitter_port)
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.extra_env = env or {}
        self.children: dict[str, subprocess.Popen] = {}
        self.twitter: LocalApiServer | None = None
        self.secret_key = secrets.token_urlsafe(32)  # a new one per run: sessions and links end with the demo
        self.archive = directory / f"twitter-archive-{ARCHIVE_USERNAME}.zip"  # "Analyse my archive" for Quinn

    def settings(self) -> dict[str, str]:
        """The variables ``config.py`` reads, as the children get them."""
        return {
            "DATABASE_URL": f"sqlite:///{self.directory / 'mood.db'}",
            "BROKER_URL": f"sqla+sqlite:///{self.directory / 'broker.db'}",
            "REDIS_URL": "",
            "API_KEYS": DEMO_API_KEY,
            "DEMO": "1",
            "SECRET_KEY": self.secret_key,
            "PUBLIC_BASE_URL": self.url,
            "SESSION_COOKIE_SECURE": "0",  # plain http on 127.0.0.1
            "JOB_SWEEP_SECONDS": str(DEMO_SWEEP_SECONDS),
            "TWITTER_API_BASE": self.twitter.url if self.twitter else "",
            "TWITTER_BEARER_TOKEN": self.twitter_token,
            "TWITTER_CLIENT_ID": DEMO_CLIENT_ID,
            "TWITTER_FULL_ARCHIVE": "1",  # the demo topic's corpus is from 2020-2021
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def start(self) -> DemoStack:
        """Start everything and wait until the API answers and the worker consumes."""
        from server.dev.twitter_local import start_local_api
        from server.dev.twitter_local.corpora import PFIZER

        self.directory.mkdir(parents=True, exist_ok=True)
        self.twitter_token = DEMO_BEARER_TOKEN
        self.twitter = start_local_api(DEMO_WORLD, port=self.twitter_port, shift_dates=True, corpora=[PFIZER])
        self.archive.write_bytes(demo_archive())  # dated to now, like the demo world
        self._migrate()
        env = child_environment(**self.settings())
        # The Procfile's three processes, with demo-sized settings.
        worker = [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--concurrency=1"]
        worker += ["--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        beat = [sys.executable, "-m", "celery", "-A", "tasks.worker", "beat", "--loglevel=INFO"]
        beat += ["--schedule", str(self.directory / "celerybeat-schedule")]
        web = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "--workers", "1"]
        web += ["--bind", f"127.0.0.1:{self.web_port}", "server:create_app()"]
        self._spawn("worker", worker, env)
        self._spawn("beat", beat, env)
        self._spawn("web", web, env)
        self._wait_until_up()
        return self

    def _migrate(self) -> None:
        from flask_migrate import upgrade

        from server import create_app
        from server.extensions import db

        settings = self.settings()
        app = create_app(
            Config,
            {
                "SQLALCHEMY_DATABASE_URI": settings["DATABASE_URL"],
                "CELERY": celery_settings(settings["BROKER_URL"], Config.CELERY_QUEUE),
                "API_KEYS": [DEMO_API_KEY],
                "DEMO": True,
            },
        )
        with app.app_context():
            upgrade()
            grant_demo_consent(self.accounts)
            if self.graph:
                self.graph_summary = import_demo_graph()
            if self.topic:
                self.topic_id = ensure_demo_topic()
            db.engine.dispose()

    def _spawn(self, name: str, command: list[str], env: dict) -> None:
        log = open(self.directory / f"{name}.log", "ab")  # noqa: SIM115 - the child writes to it until stop()
        self.children[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def log(self, name: str) -> str:
        """A child's log so far."""
        return (self.directory / f"{name}.log").read_text(errors="replace")

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        web_up = worker_up = False
        while time.monotonic() < deadline and not (web_up and worker_up):
            for name, child in self.children.items():
                if child.poll() is not None:
                    raise RuntimeError(f"the {name} exited ({child.returncode}):\n{self.log(name)[-3000:]}")
            worker_up = worker_up or " ready." in self.log("worker")
            with contextlib.suppress(requests.RequestException):
                web_up = web_up or requests.get(f"{self.url}/api/v1/health", timeout=1).ok
            time.sleep(0.2)
        if not (web_up and worker_up):
            raise RuntimeError(f"not up after {START_TIMEOUT} s (web {web_up}, worker {worker_up})")

    def stop(self) -> None:
        """Stop the children (SIGTERM, then SIGKILL) and the local Twitter API."""
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self.twitter is not None:
            self.twitter.shutdown()

    # -- talking to the running API ---------------------------------------------------------------------------
    def start_job(self, route: str, username: str) -> str:
        """POST ``{"username"}`` to ``/api/v1/<route>``; returns the job's URL."""
        response = requests.post(
            f"{self.url}/api/v1/{route}", json={"username": username}, headers={"X-API-Key": DEMO_API_KEY}, timeout=10
        )
        response.raise_for_status()
        return self.url + response.headers["Location"]

    def wait(self, location: str, timeout: float = 300, poll: float = 0.25) -> dict:
        """Follow a job until it ends; returns the final job."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = requests.get(location, headers={"X-API-Key": DEMO_API_KEY}, timeout=10).json()["job"]
            if job["state"] in ("succeeded", "failed"):
                return job
            time.sleep(poll)  # gently: the worker shares the CPU with this client
        raise TimeoutError(f"job {location} not done after {timeout} s")

    def analyse(self, username: str, timeout: float = 300) -> tuple[dict, float]:
        """POST an analysis, follow the job until it ends; returns the final job and the seconds it took."""
        started = time.perf_counter()
        job = self.wait(self.start_job("analyses", username), timeout)
        return job, time.perf_counter() - started

    def recommend(self, username: str, timeout: float = 300) -> tuple[dict, float]:
        """POST a recommendation, follow the job until it ends; returns the final job and the seconds it took."""
        started = time.perf_counter()
        job = self.wait(self.start_job("recommendations", username), timeout)
        return job, time.perf_counter() - started

    def opt_in(self, username: str) -> None:
        """Let the account be suggested to others as a friend."""
        url = f"{self.url}/api/v1/accounts/{username}/matching"
        requests.put(url, json={"opt_in": True}, headers={"X-API-Key": DEMO_API_KEY}, timeout=10).raise_for_status()

    def result(self, job: dict) -> dict:
        """The analysis or recommendation a succeeded job links to."""
        response = requests.get(self.url + job["links"]["result"], headers={"X-API-Key": DEMO_API_KEY}, timeout=10)
        (body,) = response.json().values()
        return body


def instructions(stack: DemoStack) -> str:
    """What to type to use the running demo."""
    from server.auth.principals import client_id

    key, url = DEMO_API_KEY, stack.url
    return f"""
mood-analytics demo is running (Ctrl-C stops it)
  Dashboard  {url}/   Sign in with X, pick an account on the local Twitter page (try sunny_sam), see /me.
             quiet_quinn has no tweets on Twitter: on /me, "Analyse my archive" with {stack.archive}
  API        {url}/api/v1   (OpenAPI document: {url}/api/v1/openapi.json)
  Twitter    local stand-in at {stack.twitter.url if stack.twitter else "-"}, demo world; try {", ".join(DEMO_ACCOUNTS)}
  Graph      {stack.graph_summary}
  Topic      {f"{url}/topics/{stack.topic_id}" if stack.topic_id else "-"}   public emotion on {DEMO_TOPIC_QUERY},
             Dec 2020 - Mar 2021, from a real corpus (sign in first; its first reading takes about a minute)
  Logs       {stack.directory}/web.log, worker.log, beat.log

Sign in with X in a browser: open {url}/ and pick any account on the local Twitter page (consent, your own
session, and your account's data readable by you alone: {url}/api/v1/accounts/<you>/consent).
The demo key may reach the demo accounts only; every other account answers 404 until its owner authorises the key
by signing in through it:  {url}/auth/login?client={client_id(key)}
Analyse a demo account (answers 202 with the job and its Location):
  curl -s -X POST {url}/api/v1/analyses -H 'X-API-Key: {key}' -H 'Content-Type: application/json' \\
       -d '{{"username": "sunny_sam"}}'
Follow the job (state, progress, result link):
  curl -s {url}/api/v1/jobs/<job id> -H 'X-API-Key: {key}'
Read the mood, and its history:
  curl -s {url}/api/v1/accounts/sunny_sam/analysis -H 'X-API-Key: {key}'
  curl -s {url}/api/v1/accounts/sunny_sam/analyses -H 'X-API-Key: {key}'
Let an analysed account be suggested to others as a friend (friends have the opposite mood, so it takes an opt-in):
  curl -s -X PUT {url}/api/v1/accounts/sunny_sam/matching -H 'X-API-Key: {key}' -H 'Content-Type: application/json' \\
       -d '{{"opt_in": true}}'
Recommend friends, big accounts and hashtags (a job like the analysis; then read the latest result):
  curl -s -X POST {url}/api/v1/recommendations -H 'X-API-Key: {key}' -H 'Content-Type: application/json' \\
       -d '{{"username": "blue_bella"}}'
  curl -s {url}/api/v1/accounts/blue_bella/recommendations -H 'X-API-Key: {key}'
"""


def smoke_sign_in(stack: DemoStack, username: str) -> int:
    """Sign in with X as ``username`` over real HTTP (a browser's requests), then read its own consent; 0 when done."""
    from urllib.parse import parse_qsl, urlsplit

    browser = requests.Session()
    authorize = browser.get(f"{stack.url}/auth/login", allow_redirects=False, timeout=10).headers["Location"]
    form = dict(parse_qsl(urlsplit(authorize).query), username=username, decision="allow")
    action = urlsplit(authorize)._replace(query="").geturl()
    callback = browser.post(action, data=form, allow_redirects=False, timeout=10).headers["Location"]
    home = browser.get(callback, timeout=10)  # the callback, then the home page it redirects to
    me = browser.get(f"{stack.url}/auth/me", timeout=10).json()
    consent = browser.get(f"{stack.url}/api/v1/accounts/{username}/consent", timeout=10).json()
    signed_in = home.ok and me["signed_in"] and consent.get("consent", {}).get("source") == "oauth"
    print(f"Sign in with X: {'signed in as @' + me['user']['username'] if signed_in else 'FAILED'}", flush=True)
    return 0 if signed_in else 1


def smoke(stack: DemoStack, username: str) -> int:
    """Sign in with X, one analysis end to end through the HTTP API, then (with the graph) one recommendation.

    0 when they all succeeded.
    """
    if smoke_sign_in(stack, "quiet_quinn"):
        return 1
    job, seconds = stack.analyse(username)
    print(f"job {job['id']} for @{username}: {job['state']} in {seconds:.1f} s, progress {job['progress']}")
    if job["state"] != "succeeded":
        print(json.dumps(job["error"], indent=2))
        return 1
    analysis = stack.result(job)
    print(json.dumps(analysis, indent=2, ensure_ascii=False))
    return smoke_recommendation(stack, username) if stack.graph else 0


def smoke_recommendation(stack: DemoStack, username: str) -> int:
    """Analyse the other demo accounts and opt them in (so friends can appear), then recommend for ``username``."""
    started = time.perf_counter()
    others = [name for name in DEMO_ACCOUNTS if name != username.lower()]
    locations = [stack.start_job("analyses", name) for name in others]
    for name, location in zip(others, locations):
        if stack.wait(location)["state"] == "succeeded":
            stack.opt_in(name)
    job, seconds = stack.recommend(username)
    print(f"recommendation job {job['id']} for @{username}: {job['state']} in {seconds:.1f} s")
    print(f"(with the analyses of {', '.join(others)} first: {time.perf_counter() - started:.1f} s)")
    if job["state"] != "succeeded":
        print(json.dumps(job["error"], indent=2))
        return 1
    print(json.dumps(stack.result(job), indent=2, ensure_ascii=False))
    return 0


def persona_accounts(world: Path = DEMO_WORLD, min_own: int = MIN_OWN_TWEETS) -> dict[str, str]:
    """Username -> persona of the world's persona accounts with at least ``min_own`` own tweets.

    Own tweets: not replies, retweets or quotes.
    """
    personas = json.loads((world / "world.json").read_text())["personas"]
    with gzip.open(world / "users.jsonl.gz", "rt", encoding="utf-8") as lines:
        usernames = {user["id"]: user["username"] for user in map(json.loads, lines)}
    own: dict[str, int] = {}
    with gzip.open(world / "tweets.jsonl.gz", "rt", encoding="utf-8") as lines:
        for tweet in map(json.loads, lines):
            if not tweet.get("referenced_tweets") and not tweet.get("in_reply_to_user_id"):
                username = usernames[tweet["author_id"]]
                own[username] = own.get(username, 0) + 1
    return {
        username: persona
        for username, persona in sorted(personas.items())
        if persona in PERSONA_STATUS and own.get(username, 0) >= min_own
    }


def persona_table(statuses: dict[str, str | None], personas: dict[str, str]) -> tuple[str, float]:
    """A table of persona -> statuses the accounts came out with, and the share of determined ones that match."""
    header = f"{'persona':<10} {'accounts':>8} " + " ".join(f"{s:>10}" for s in PERSONA_STATUS.values())
    lines = [header + f" {'undetermined':>12} {'match':>7}"]
    matched = determined = 0
    for persona, expected in PERSONA_STATUS.items():
        got = [statuses.get(u) for u, p in personas.items() if p == persona]
        counts = [got.count(status) for status in PERSONA_STATUS.values()]
        decided = len(got) - got.count(None)
        hit = got.count(expected)
        matched, determined = matched + hit, determined + decided
        share = f"{hit / decided:.0%}" if decided else "-"
        lines.append(
            f"{persona:<10} {len(got):>8} "
            + " ".join(f"{n:>10}" for n in counts)
            + f" {got.count(None):>12} {share:>7}"
        )
    total = matched / determined if determined else 0.0
    lines.append(f"match: {matched} of {determined} determined accounts ({total:.1%})")
    return "\n".join(lines), total


def personas(stack: DemoStack, accounts: dict[str, str]) -> int:
    """Analyse every persona account through the HTTP API and print the table; 0 when every job succeeded."""
    started = time.perf_counter()
    locations = {username: stack.start_job("analyses", username) for username in accounts}
    statuses, failed = {}, []
    for username, location in locations.items():
        job = stack.wait(location, timeout=900)
        if job["state"] != "succeeded":
            failed.append(username)
            continue
        statuses[username] = stack.result(job)["status"]
    print(
        f"{len(accounts)} persona accounts with >= {MIN_OWN_TWEETS} own tweets, {time.perf_counter() - started:.0f} s"
    )
    table, _ = persona_table(statuses, accounts)
    print(table)
    if failed:
        print(f"jobs that failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Run the demo until Ctrl-C, or one ``--smoke`` analysis."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=5000, help="web server port (default 5000, else a free one)")
    parser.add_argument("--twitter-port", type=int, default=8123, help="local Twitter API port (default 8123)")
    parser.add_argument("--smoke", nargs="?", const="sunny_sam", metavar="USERNAME", help="analyse one account, exit")
    parser.add_argument(
        "--directory",
        type=Path,
        help="database, queue and logs (default instance/demo; a new temporary one with --personas)",
    )
    parser.add_argument("--no-graph", action="store_true", help="store no follower graph, recommend nothing")
    parser.add_argument("--personas", action="store_true", help="analyse the persona accounts, print the table, exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    accounts = DEMO_ACCOUNTS + ((args.smoke,) if args.smoke and args.smoke.lower() not in DEMO_ACCOUNTS else ())
    cast = persona_accounts() if args.personas else {}
    if args.directory is None:
        # The table measures the model on fresh analyses, so --personas never reuses the demo's database.
        args.directory = Path(tempfile.mkdtemp(prefix="mood-personas-")) if args.personas else INSTANCE_DIR / "demo"
    accounts += tuple(cast)
    graph = not (args.no_graph or args.personas)
    topic = not (args.smoke or args.personas)
    stack = DemoStack(args.directory, args.port, args.twitter_port, graph=graph, accounts=accounts, topic=topic)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the children on SIGTERM too
    try:
        print("starting the local Twitter API, a worker and the web server...", flush=True)
        stack.start()
        if args.smoke:
            return smoke(stack, args.smoke)
        if args.personas:
            return personas(stack, cast)
        print(instructions(stack), flush=True)
        while all(child.poll() is None for child in stack.children.values()):
            time.sleep(0.5)
        print("a child process exited; see the logs", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        print("stopping...", flush=True)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
