"""Admin re-analysis runs: token auth, which accounts a run picks, chunked enqueueing, progress, CLI, beat."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

import config
from server.extensions import db
from server.models import Account, AdminRun, Analysis, Consent, Job, utcnow
from tests.server.fixtures_app import AUTH

TOKEN = "admin-test-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
ROUTES = [("post", "/api/v1/admin/reanalyses"), ("get", "/api/v1/admin/runs/abc")]


@pytest.fixture
def admin_app(app):
    """The app with an admin token set."""
    app.config["ADMIN_TOKEN"] = TOKEN
    return app


@pytest.fixture
def sent(app, monkeypatch) -> list[tuple[str, dict]]:
    """The task messages the app sends, instead of sending them."""
    messages = []
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda name, **kw: messages.append((name, kw)))
    return messages


def consent(username: str, analysed_days_ago: tuple[float, ...] | None = None) -> None:
    """A consented account; with ``analysed_days_ago``, an account row with analyses of those ages."""
    db.session.add(Consent(username_key=username.lower(), source="mention", granted_at=utcnow()))
    if analysed_days_ago is None:
        db.session.commit()
        return
    account = Account(twitter_id=str(abs(hash(username)) % 10**12), username=username, username_key=username.lower())
    db.session.add(account)
    db.session.flush()
    for days in analysed_days_ago:
        db.session.add(
            Analysis(
                account_id=account.id,
                created_at=utcnow() - timedelta(days=days),
                model_version="test",
                status="Cheerful",
                confidence=0.9,
                low_confidence=False,
                positivity=0.8,
                negativity=0.1,
                emotional_weight=5.0,
                tweet_count=10,
                breakdown={},
            )
        )
    db.session.commit()


def run_jobs(app, run_id: str) -> dict[str, Job]:
    with app.app_context():
        return {job.username: job for job in db.session.scalars(sa.select(Job).where(Job.run_id == run_id))}


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == code


# -- auth ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_admin_routes_are_disabled_without_an_admin_token(app, client, method, path):
    app.config["ADMIN_TOKEN"] = None  # as when ADMIN_TOKEN is unset, whatever the environment running the tests
    assert_error(getattr(client, method)(path, headers=ADMIN), 503, "admin_disabled")


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("headers", [{}, AUTH, {"Authorization": "Basic YWRtaW4="}, {"Authorization": "Bearer "}])
def test_admin_routes_need_a_token(admin_app, client, method, path, headers):
    response = getattr(client, method)(path, headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("token", ["wrong", "test-key", TOKEN + "x"])
def test_a_wrong_admin_token_gets_403(admin_app, client, method, path, token):
    response = getattr(client, method)(path, headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 403, "forbidden")


def test_older_than_days_is_validated(admin_app, client, sent):
    for days in (-1, "7", True, [7], 1_000_000, 1e308):  # past a century, the cutoff date cannot be written
        response = client.post("/api/v1/admin/reanalyses", json={"older_than_days": days}, headers=ADMIN)
        assert_error(response, 400, "invalid_older_than_days")
    assert sent == []


# -- which accounts ------------------------------------------------------------------------------------------
def test_a_run_picks_exactly_the_stale_consented_accounts(admin_app, client, sent):
    with admin_app.app_context():
        consent("old_one", (10,))
        consent("fresh_one", (1,))
        consent("was_old", (20, 2))  # its latest analysis counts: fresh
        consent("never_seen")  # consent before we ever looked the account up
        consent("no_analysis", ())
        db.session.add(Account(twitter_id="999", username="no_consent", username_key="no_consent"))
        db.session.commit()

    response = client.post("/api/v1/admin/reanalyses", json={"older_than_days": 7}, headers=ADMIN)
    assert response.status_code == 202, response.get_data(as_text=True)
    run = response.get_json()["run"]
    assert response.headers["Location"] == f"/api/v1/admin/runs/{run['id']}"
    assert run["total"] == 3 and run["older_than_days"] == 7 and run["requested_by"] == "api"
    assert run["counts"]["pending"] == 3 and run["done"] == 0.0 and run["failed"] == []
    assert set(run_jobs(admin_app, run["id"])) == {"old_one", "never_seen", "no_analysis"}
    assert len(sent) == 3 and {name for name, _ in sent} == {"mood.analyse_account"}

    everyone = client.post("/api/v1/admin/reanalyses", json={"older_than_days": None}, headers=ADMIN)
    second = everyone.get_json()["run"]
    # The three stale accounts' jobs are still active and belong to the first run: joined, not doubled.
    assert set(run_jobs(admin_app, second["id"])) == {"fresh_one", "was_old"} and second["total"] == 2
    assert len(sent) == 5
    with admin_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 5


def test_a_run_joins_an_active_job_and_links_it_when_it_has_no_run(admin_app, client, sent):
    job = client.post("/api/v1/analyses", json={"username": "asked_first"}, headers=AUTH).get_json()["job"]
    with admin_app.app_context():
        db.session.merge(Consent(username_key="asked_first", source="mention"))
        db.session.commit()
    sent.clear()
    run = client.post("/api/v1/admin/reanalyses", json={}, headers=ADMIN).get_json()["run"]
    jobs_of_run = run_jobs(admin_app, run["id"])
    assert jobs_of_run["asked_first"].id == job["id"]
    assert sent == []  # its message was sent when the client asked


# -- chunks --------------------------------------------------------------------------------------------------
def test_chunks_are_enqueued_with_increasing_countdowns(admin_app, client, sent):
    admin_app.config.update(ADMIN_CHUNK_SIZE=2, ADMIN_CHUNK_SECONDS=900)
    with admin_app.app_context():
        for index in range(5):
            consent(f"user_{index}")
    run = client.post("/api/v1/admin/reanalyses", headers=ADMIN).get_json()["run"]
    assert run["total"] == 5
    assert [kw.get("countdown") for _, kw in sent] == [None, None, 900, 900, 1800]
    jobs_of_run = run_jobs(admin_app, run["id"])
    by_task = {job.task_id: job for job in jobs_of_run.values()}
    # A job waiting for its chunk is not taken for orphaned: its lease runs from when its message is due.
    for _, kw in sent:
        job = by_task[kw["task_id"]]
        due = utcnow() + timedelta(seconds=kw.get("countdown") or 0)
        assert job.lease_until > due
        assert kw["args"] == [job.id]


def test_a_broker_outage_fails_the_run_readably(admin_app, client, monkeypatch):
    def refuse(name, **kw):
        raise ConnectionError("broker down")

    monkeypatch.setattr(admin_app.extensions["celery"], "send_task", refuse)
    with admin_app.app_context():
        consent("first_one")
        consent("second_one")
    assert_error(client.post("/api/v1/admin/reanalyses", headers=ADMIN), 503, "queue_unavailable")
    with admin_app.app_context():
        states = db.session.execute(sa.select(Job.state, Job.error_code)).tuples().all()
    assert states == [("failed", "queue_unavailable")] * 2


# -- progress ------------------------------------------------------------------------------------------------
def test_progress_counts_follow_the_jobs(admin_app, client, sent):
    with admin_app.app_context():
        for name in ("alpha", "bravo", "charlie", "delta"):
            consent(name, (30,))
    run_id = client.post("/api/v1/admin/reanalyses", json={"older_than_days": 7}, headers=ADMIN).get_json()["run"]["id"]

    def progress() -> dict:
        response = client.get(f"/api/v1/admin/runs/{run_id}", headers=ADMIN)
        assert response.status_code == 200
        return response.get_json()["run"]

    assert progress()["counts"] == {"pending": 4, "running": 0, "retrying": 0, "succeeded": 0, "failed": 0}
    with admin_app.app_context():
        jobs_of_run = {job.username: job for job in db.session.scalars(sa.select(Job).where(Job.run_id == run_id))}
        jobs_of_run["alpha"].state = "succeeded"
        jobs_of_run["bravo"].state = "running"
        jobs_of_run["charlie"].state, jobs_of_run["charlie"].error_code = "failed", "user_suspended"
        db.session.commit()
    now = progress()
    assert now["counts"] == {"pending": 1, "running": 1, "retrying": 0, "succeeded": 1, "failed": 1}
    assert now["done"] == 0.5 and now["total"] == 4
    assert now["failed"] == [{"username": "charlie", "error_code": "user_suspended"}]
    assert not {"status", "mood", "analysis", "confidence"} & set(now)  # admins see usernames, never moods

    assert_error(client.get("/api/v1/admin/runs/nope", headers=ADMIN), 404, "run_not_found")
    assert_error(
        client.get("/api/v1/admin/runs/ab%00cd", headers=ADMIN), 404, "run_not_found"
    )  # NUL: PostgreSQL refuses it


# -- CLI -----------------------------------------------------------------------------------------------------
def test_the_cli_starts_a_run_and_prints_its_progress(app, sent):
    with app.app_context():
        consent("cli_old", (9,))
        consent("cli_fresh", (1,))
    runner = app.test_cli_runner()
    started = runner.invoke(args=["admin", "reanalyse", "--older-than", "7"])
    assert started.exit_code == 0, started.output
    with app.app_context():
        run = db.session.scalar(sa.select(AdminRun))
        assert run.requested_by == "cli" and run.total == 1 and run.older_than_days == 7
    assert f"run: {run.id}" in started.output and "total: 1" in started.output

    shown = runner.invoke(args=["admin", "run", run.id])
    assert shown.exit_code == 0, shown.output
    assert "total: 1" in shown.output and "pending: 1" in shown.output and "done: 0%" in shown.output
    missing = runner.invoke(args=["admin", "run", "nope"])
    assert missing.exit_code == 1 and "no run" in missing.output


# -- beat ----------------------------------------------------------------------------------------------------
def test_the_beat_schedule_runs_the_periodic_tasks_at_their_configured_intervals():
    schedule = config.Config.CELERY["beat_schedule"]
    intervals = {entry["task"]: entry["schedule"] for entry in schedule.values()}
    assert intervals == {
        "mood.sweep_jobs": config.Config.JOB_SWEEP_SECONDS,
        "mood.poll_mentions": config.Config.BOT_POLL_SECONDS,
        "mood.reanalyse_stale": config.Config.ADMIN_REANALYSE_INTERVAL,
        "mood.drop_old_tweet_text": 86400.0,
        "mood.refresh_topics": config.Config.TOPIC_REFRESH_SECONDS,
    }
    assert "tasks.periodic" in config.Config.CELERY["include"]
    custom = config.beat_schedule(bot_poll_seconds=30, reanalyse_interval=3600, reanalyse_days=3, job_sweep_seconds=5)
    custom_intervals = {entry["task"]: entry["schedule"] for entry in custom.values()}
    assert custom_intervals["mood.reanalyse_stale"] == 3600 and custom_intervals["mood.sweep_jobs"] == 5
    disabled = config.beat_schedule(bot_poll_seconds=30, reanalyse_interval=3600, reanalyse_days=0)
    assert "mood.reanalyse_stale" not in {entry["task"] for entry in disabled.values()}


def test_the_periodic_task_starts_a_run_of_stale_accounts(app, sent):
    from tasks.periodic import reanalyse_stale

    app.config["ADMIN_REANALYSE_DAYS"] = 7
    with app.app_context():
        consent("task_old", (8,))
        consent("task_fresh", (2,))
        run_id = reanalyse_stale()
        run = db.session.get(AdminRun, run_id)
        assert run.requested_by == "beat" and run.total == 1
        app.config["ADMIN_REANALYSE_DAYS"] = 0
        assert reanalyse_stale() is None
    assert set(run_jobs(app, run_id)) == {"task_old"}


def test_openapi_documents_the_admin_routes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/admin/reanalyses", "/admin/runs/{run_id}"} <= set(document["paths"])
    post = document["paths"]["/admin/reanalyses"]["post"]
    assert post["security"] == [{"adminToken": []}] and {"401", "403"} <= set(post["responses"])
