"""The process model: the Procfile's web (gunicorn), worker and beat, run by honcho from a .env file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from config import TestConfig
from server import create_app
from server.auth.principals import authorise, client_id
from server.dev.twitter_local import DEMO_BEARER_TOKEN
from server.extensions import db
from server.privacy import grant_consent
from tests.server.fixtures_app import app_settings, migrate

ROOT = Path(__file__).resolve().parents[2]
KEY = "a-production-sized-api-key-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_procfile_runs_web_worker_and_beat_from_a_dotenv_file(tmp_path, local_twitter):
    database, broker, port = (
        f"sqlite:///{tmp_path / 'mood.db'}",
        f"sqla+sqlite:///{tmp_path / 'broker.db'}",
        free_port(),
    )
    app = create_app(TestConfig, app_settings(database, broker, local_twitter.url))
    migrate(app)
    with app.app_context():
        grant_consent("sunny_sam", "mention")
        authorise(client_id(KEY), "sunny_sam", "oauth")
        db.session.commit()
        db.engine.dispose()
    settings = {
        "DATABASE_URL": database,
        "BROKER_URL": broker,
        "API_KEYS": KEY,
        "SECRET_KEY": "a-production-sized-secret-key-0123456789",
        "TWITTER_API_BASE": local_twitter.url,
        "TWITTER_BEARER_TOKEN": DEMO_BEARER_TOKEN,
        "WEB_CONCURRENCY": "1",
        "JOB_SWEEP_SECONDS": "1",
    }
    dotenv = tmp_path / ".env"
    dotenv.write_text("".join(f"{name}={value}\n" for name, value in settings.items()))
    env = {
        key: value for key, value in os.environ.items() if key not in settings and key not in ("REDIS_URL", "ENV_FILE")
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["ENV_FILE"] = str(dotenv)  # what every process reads at start (./.env by default)
    env["SECRET_KEY"] = settings["SECRET_KEY"]  # the tests' own default must not win over the file
    command = [str(Path(sys.executable).parent / "honcho"), "start", "-f", str(ROOT / "Procfile"), "-d", str(ROOT)]
    command += ["-e", os.devnull, "-p", str(port)]  # honcho gives web its PORT; the processes read ENV_FILE
    log = tmp_path / "honcho.log"
    with open(log, "wb") as out:
        honcho = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert honcho.poll() is None, log.read_text()[-4000:]
            assert time.monotonic() < deadline, log.read_text()[-4000:]
            try:
                if requests.get(f"{url}/api/v1/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        started = requests.post(f"{url}/api/v1/analyses", json={"username": "sunny_sam"}, headers={"X-API-Key": KEY})
        assert started.status_code == 202, started.text
        location = url + started.headers["Location"]
        while (job := requests.get(location, headers={"X-API-Key": KEY}, timeout=5).json()["job"])["state"] not in (
            "succeeded",
            "failed",
        ):
            assert time.monotonic() < deadline + 120, log.read_text()[-4000:]
            time.sleep(0.3)
        assert job["state"] == "succeeded"
        while "mood.sweep_jobs" not in log.read_text():  # beat sends the sweep every JOB_SWEEP_SECONDS
            assert time.monotonic() < deadline + 180, log.read_text()[-4000:]
            time.sleep(0.3)
        text = log.read_text()
        assert "web.1" in text and "worker.1" in text and "beat.1" in text
        assert "Booting worker" in text  # gunicorn, not the development server
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        try:
            honcho.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()
