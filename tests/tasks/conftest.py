"""Integration fixtures: real ``celery worker`` processes on real brokers and databases, the local Twitter API.

A *stack* is a database + broker pair with an app (in this process, for the API) and a worker subprocess
(for the jobs) sharing it:

- ``embedded``: SQLite + kombu's SQL transport on SQLite, the defaults of a fresh checkout;
- ``redis``: SQLite + Redis at 127.0.0.1:6379 (skipped when it does not answer);
- ``postgres``: PostgreSQL at 127.0.0.1:5432 (a fresh database, dropped afterwards) + Redis when it answers,
  else the SQL transport (skipped when PostgreSQL does not answer).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from config import TestConfig
from server import create_app
from server.dev.twitter_local import DEMO_BEARER_TOKEN
from server.extensions import db
from tests.server import fixtures_app
from tests.server.fixtures_app import AUTH, app_settings, migrate

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own; queues are named per stack, too
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
WORKER_READY_TIMEOUT = 120  # seconds; the CPU may be shared with a training run
local_twitter, migrated_sqlite, twitter_api = (
    fixtures_app.local_twitter,
    fixtures_app.migrated_sqlite,
    fixtures_app.twitter_api,
)


def answers(port: int) -> bool:
    """Whether something listens on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Worker:
    """A ``celery -A tasks.worker worker`` subprocess (prefork, one pool process) in its own process group."""

    ready_line = " ready."  # what the process logs once it consumes

    def __init__(self, env: dict[str, str], log_path: Path, name: str):
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tasks.worker",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            f"--hostname={name}-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self._spawn(command, env, log_path)

    def _spawn(self, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log(self) -> str:
        """Everything the worker wrote so far."""
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = WORKER_READY_TIMEOUT):
        """Block until the process logs ``ready_line``, failing with its log if it dies or hangs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready_line in self.log():
                return self
            if self.process.poll() is not None:
                pytest.fail(f"{self.log_path.stem} exited with {self.process.returncode}:\n{self.log()[-4000:]}")
            time.sleep(0.2)
        pytest.fail(f"{self.log_path.stem} not ready after {timeout} s:\n{self.log()[-4000:]}")

    def pool_processes(self) -> list[psutil.Process]:
        """The worker's pool (child) processes, which run the tasks."""
        return psutil.Process(self.process.pid).children()

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as an OOM killer or a lost machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Cold shutdown (SIGQUIT: unfinished messages go back to the broker), then SIGKILL what is left."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=3)  # the test's broker and database are thrown away next
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


class Beat(Worker):
    """A ``celery -A tasks.worker beat`` subprocess (the periodic tasks: the job sweep among them)."""

    ready_line = "beat: Starting..."

    def __init__(self, env: dict[str, str], log_path: Path, schedule: Path):
        command = [sys.executable, "-m", "celery", "-A", "tasks.worker", "beat", "--loglevel=INFO"]
        self._spawn([*command, "--schedule", str(schedule)], env, log_path)


class RedisServer:
    """A redis-server of the test's own on a spare port, without persistence (a restart loses every message)."""

    def __init__(self, directory: Path):
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        """Start it and wait until it answers."""
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not answers(self.port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        """SIGKILL it: every queued and unacknowledged message is gone."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Stack:
    """A database and a broker shared by an in-process app (the API) and worker subprocesses (the jobs)."""

    name: str
    database_uri: str
    broker_url: str
    twitter_url: str
    directory: Path
    queue: str = field(default_factory=lambda: f"mood-test-{uuid.uuid4().hex[:8]}")
    workers: list[Worker] = field(default_factory=list)
    beats: list[Beat] = field(default_factory=list)

    def __post_init__(self):
        settings = app_settings(self.database_uri, self.broker_url, self.twitter_url)
        settings["CELERY"]["task_default_queue"] = settings["CELERY_QUEUE"] = self.queue
        self.app = create_app(TestConfig, settings)
        self.app.test_client_class = fixtures_app.ConsentingClient
        self.client = self.app.test_client()

    def env(self, **overrides) -> dict[str, str]:
        """The worker's environment: the same settings, through the variables ``config.py`` reads."""
        env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "BROKER_URL")}
        env.update(
            DATABASE_URL=self.database_uri,
            BROKER_URL=self.broker_url,
            CELERY_QUEUE=self.queue,
            TWITTER_API_BASE=self.twitter_url,
            TWITTER_BEARER_TOKEN=DEMO_BEARER_TOKEN,
            TWITTER_TIMEOUT="2",
            TWITTER_MAX_RETRIES="2",
            TWITTER_BACKOFF_BASE="0.2",
            TWITTER_BACKOFF_MAX="1",
            HF_HUB_OFFLINE="1",
            PYTHONUNBUFFERED="1",
        )
        env.update({key: str(value) for key, value in overrides.items()})
        return env

    def start_worker(self, **env) -> Worker:
        """Start one more worker on this stack and wait until it consumes."""
        worker = Worker(self.env(**env), self.directory / f"worker-{len(self.workers)}.log", self.name)
        self.workers.append(worker)
        return worker.wait_ready()

    def start_beat(self, **env) -> Beat:
        """Start beat on this stack (once: exactly one beat per deployment) and wait until it runs."""
        beat = Beat(self.env(**env), self.directory / "beat.log", self.directory / "beat-schedule")
        self.beats.append(beat)
        return beat.wait_ready()

    def post(self, username: str, headers: dict = AUTH):
        """``POST /api/v1/analyses``."""
        return self.client.post("/api/v1/analyses", json={"username": username}, headers=headers)

    def job(self, job_id: str) -> dict:
        """``GET /api/v1/jobs/<id>``'s job."""
        response = self.client.get(f"/api/v1/jobs/{job_id}", headers=AUTH)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["job"]

    def wait(self, job_id: str, states=("succeeded", "failed"), timeout: float = 120) -> dict:
        """Poll the job until it reaches one of ``states``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if job["state"] in states:
                return job
            time.sleep(0.1)
        logs = "\n".join(w.log()[-3000:] for w in self.workers)
        pytest.fail(f"job {job_id} still {job['state']} after {timeout} s: {job}\n{logs}")

    def close(self) -> None:
        """Stop beat and the workers and release the database."""
        for process in [*self.beats, *self.workers]:
            process.stop()
        with self.app.app_context():
            db.engine.dispose()


def _sqlite_stack(name: str, directory: Path, broker_url: str | None, twitter_url: str) -> Stack:
    broker_url = broker_url or f"sqla+sqlite:///{directory / 'broker.db'}"
    stack = Stack(name, f"sqlite:///{directory / 'mood.db'}", broker_url, twitter_url, directory)
    migrate(stack.app)
    return stack


def _drop_redis_queue(queue: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = [key for key in client.scan_iter(match=f"*{queue}*")]
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="session")
def embedded_stack(tmp_path_factory, twitter_api):
    """SQLite + kombu's SQL transport on SQLite, with one worker: what a fresh checkout runs."""
    stack = _sqlite_stack("embedded", tmp_path_factory.mktemp("embedded"), None, twitter_api.url)
    stack.start_worker()
    yield stack
    stack.close()


@pytest.fixture(scope="session")
def redis_stack(tmp_path_factory, twitter_api):
    """SQLite + Redis at 127.0.0.1:6379, with one worker (a queue of its own, deleted afterwards)."""
    if not answers(6379):
        pytest.skip("no Redis at 127.0.0.1:6379")
    stack = _sqlite_stack("redis", tmp_path_factory.mktemp("redis"), REDIS_URL, twitter_api.url)
    stack.start_worker()
    yield stack
    stack.close()
    _drop_redis_queue(stack.queue)


@pytest.fixture(scope="session")
def postgres_stack(tmp_path_factory, twitter_api):
    """A fresh PostgreSQL database (dropped afterwards) + Redis if it answers, with one worker."""
    if not answers(5432):
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    import psycopg

    name = f"mood_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    directory = tmp_path_factory.mktemp("postgres")
    broker_url = REDIS_URL if answers(6379) else f"sqla+sqlite:///{directory / 'broker.db'}"
    stack = Stack("postgres", f"postgresql://postgres@127.0.0.1:5432/{name}", broker_url, twitter_api.url, directory)
    try:
        migrate(stack.app)
        stack.start_worker()
        yield stack
    finally:
        stack.close()
        if broker_url == REDIS_URL:
            _drop_redis_queue(stack.queue)
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["embedded", "redis", "postgres"])
def stack(request) -> Stack:
    """Each stack in turn (those whose servers are missing are skipped)."""
    return request.getfixturevalue(f"{request.param}_stack")


@pytest.fixture
def fresh_stack(tmp_path, local_twitter):
    """A stack of its own with no worker yet (for tests that kill workers), on SQLite + the SQL transport."""
    stack = _sqlite_stack("fresh", tmp_path, None, local_twitter.url)
    yield stack
    stack.close()


def _fresh_postgres_database() -> str:
    import psycopg

    name = f"mood_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return name


def _drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own (skipped when redis-server is not installed)."""
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server to start")
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def production_stack(tmp_path, local_twitter):
    """What a deployment runs: PostgreSQL + Redis (a fresh database and a queue of its own), no worker yet."""
    if not (answers(5432) and answers(6379)):
        pytest.skip("needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379")
    name = _fresh_postgres_database()
    uri = f"postgresql://postgres@127.0.0.1:5432/{name}"
    stack = Stack("production", uri, REDIS_URL, local_twitter.url, tmp_path)
    try:
        migrate(stack.app)
        yield stack
    finally:
        stack.close()
        _drop_redis_queue(stack.queue)
        _drop_postgres_database(name)


@pytest.fixture
def fresh_redis_stack(tmp_path, local_twitter):
    """A stack of its own with no worker yet, on SQLite + Redis (skipped without Redis)."""
    if not answers(6379):
        pytest.skip("no Redis at 127.0.0.1:6379")
    stack = _sqlite_stack("fresh-redis", tmp_path, REDIS_URL, local_twitter.url)
    yield stack
    stack.close()
    _drop_redis_queue(stack.queue)
