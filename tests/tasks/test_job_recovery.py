"""Jobs survive a lost queue, a killed pool process and a killed worker, with no job lost or run twice.

Real processes: celery workers and beat, redis-server (one of the test's own where it is restarted), PostgreSQL.
"""

from __future__ import annotations

import time
from collections import Counter

import sqlalchemy as sa

from server.extensions import db
from server.models import ACTIVE_STATES, Analysis, Job, Recommendation
from tests.server.fixtures_app import AUTH, new_account
from tests.tasks.conftest import Stack, _sqlite_stack
from tests.tasks.test_analysis import _slow_job

LEASE, SWEEP = 5, 2  # seconds: short, so that recovery shows within a test


def accounts(local_twitter, prefix: str, count: int) -> list[str]:
    texts = ["what a lovely morning", "so tired of all this", "happy with my friends"]
    return [new_account(local_twitter, f"{prefix}{i}", texts)["username"] for i in range(count)]


def rows(stack: Stack, model) -> list:
    with stack.app.app_context():
        return list(db.session.scalars(sa.select(model)))


def wait_until_none_active(stack: Stack, timeout: float) -> list[Job]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = rows(stack, Job)
        if not any(job.state in ACTIVE_STATES for job in jobs):
            return jobs
        time.sleep(0.5)
    stuck = [(job.id, job.state, job.resends) for job in rows(stack, Job) if job.state in ACTIVE_STATES]
    logs = "\n".join(process.log()[-2000:] for process in [*stack.workers, *stack.beats])
    raise AssertionError(f"{len(stuck)} jobs still active after {timeout} s: {stuck}\n{logs}")


def assert_each_ran_once(jobs: list[Job], results: list) -> None:
    assert {job.state for job in jobs} == {"succeeded"}, [(j.id, j.state, j.error_code) for j in jobs]
    per_job: dict[str, int] = {}
    for result in results:
        per_job[result.job_id] = per_job.get(result.job_id, 0) + 1
    assert per_job == {job.id: 1 for job in jobs}  # one result per job: none lost, none run twice


def test_jobs_survive_a_redis_restart_without_persistence(tmp_path, local_twitter, own_redis):
    stack = _sqlite_stack("lost-queue", tmp_path, own_redis.url, local_twitter.url)
    stack.app.config["JOB_LEASE_SECONDS"] = LEASE  # the web process shares the workers' settings
    try:
        stack.start_worker(JOB_LEASE_SECONDS=LEASE, TWEET_LIMIT=20)
        stack.start_beat(JOB_LEASE_SECONDS=LEASE, JOB_SWEEP_SECONDS=SWEEP)
        names = accounts(local_twitter, "lostq", 40)
        ids = [stack.post(name).get_json()["job"]["id"] for name in names]
        deadline = time.monotonic() + 120
        while sum(job.state == "succeeded" for job in rows(stack, Job)) < 3:  # mid-run
            assert time.monotonic() < deadline, stack.workers[0].log()[-3000:]
            time.sleep(0.2)
        connected = stack.workers[0].log().count("Connected to redis")
        own_redis.kill()  # every queued message is gone...
        own_redis.start()  # ...and the broker comes back empty
        lost_at = time.monotonic()
        # The sweep runs in the worker, whose consumer retries its connection after 2, 4, 6... s: the interval is
        # counted from its reconnection (CI once caught it in the 6 s wait, with 35 jobs not yet swept).
        while stack.workers[0].log().count("Connected to redis") == connected:
            assert time.monotonic() < lost_at + 60, stack.workers[0].log()[-3000:]
            time.sleep(0.1)
        time.sleep(LEASE + SWEEP + 1)
        stuck = [job.id for job in rows(stack, Job) if job.state in ACTIVE_STATES and job.resends == 0]
        logs = "\n".join(process.log()[-1500:] for process in [*stack.workers, *stack.beats])
        assert stuck == [], f"{len(stuck)} jobs whose message was lost were not sent again within lease + sweep\n{logs}"
        jobs = wait_until_none_active(stack, timeout=120)
        print(f"recovered {len(ids)} jobs {time.monotonic() - lost_at:.1f} s after the queue was lost")
        assert sorted(job.id for job in jobs) == sorted(ids)
        assert_each_ran_once(jobs, rows(stack, Analysis))
        assert sum(job.resends > 0 for job in jobs) > 0  # some were recovered by the sweep, not by luck
    finally:
        stack.close()


def test_a_killed_pool_process_resumes_its_job_before_queued_work(fresh_redis_stack, local_twitter):
    stack = fresh_redis_stack
    worker = stack.start_worker()
    _, killed_id = _slow_job(stack, local_twitter, "resumefirst")
    queued = [stack.post(name).get_json()["job"]["id"] for name in accounts(local_twitter, "queued", 4)]
    [pool_process] = worker.pool_processes()
    pool_process.kill()
    jobs = {job.id: job for job in wait_until_none_active(stack, timeout=180)}
    killed = jobs[killed_id]
    assert killed.state == "succeeded" and "resuming it first" in worker.log()
    assert all(killed.finished_at < jobs[job_id].started_at for job_id in queued), "queued work ran first"


def test_two_workers_and_beat_on_postgres_and_redis_with_one_worker_killed(production_stack, local_twitter):
    stack = production_stack
    stack.app.config["JOB_LEASE_SECONDS"] = LEASE  # the web process shares the workers' settings
    first = stack.start_worker(JOB_LEASE_SECONDS=LEASE, TWEET_LIMIT=20)
    second = stack.start_worker(JOB_LEASE_SECONDS=LEASE, TWEET_LIMIT=20)
    stack.start_beat(JOB_LEASE_SECONDS=LEASE, JOB_SWEEP_SECONDS=SWEEP)
    names = accounts(local_twitter, "pair", 10)
    for name in names:  # each first timeline page takes a second: the run lasts long enough to be cut mid-way
        user_id = local_twitter.world.user_by_username(name)["id"]
        local_twitter.add_fault(f"/users/{user_id}/tweets$", delay=1.0, times=1)
    ids = []
    for name in names:  # 20 jobs over 10 accounts: an analysis and a recommendation each
        ids.append(stack.post(name).get_json()["job"]["id"])
        response = stack.client.post("/api/v1/recommendations", json={"username": name}, headers=AUTH)
        ids.append(response.get_json()["job"]["id"])
    deadline = time.monotonic() + 120
    while len({job.worker for job in rows(stack, Job) if job.state == "succeeded"}) < 2:  # both have worked
        assert time.monotonic() < deadline, first.log()[-3000:] + second.log()[-3000:]
        time.sleep(0.1)
    first.kill()  # kill -9, mid-run: its running and prefetched jobs are left behind
    assert any(job.state in ACTIVE_STATES for job in rows(stack, Job)), "every job ended before the kill"
    jobs = wait_until_none_active(stack, timeout=240)
    assert sorted(job.id for job in jobs) == sorted(ids)
    by_kind = {"analysis": rows(stack, Analysis), "recommendations": rows(stack, Recommendation)}
    for kind, results in by_kind.items():
        kind_jobs = [job for job in jobs if job.kind == kind]
        assert_each_ran_once(kind_jobs, [r for r in results if r.job_id in {job.id for job in kind_jobs}])
    hosts = [job.worker.split("@")[0].rsplit("-", 1)[1] for job in jobs if job.worker]
    resent = sum(job.resends > 0 for job in jobs)
    print(f"{len(jobs)} jobs: last claimed by {dict(Counter(hosts))}; {resent} re-sent after the kill")
    assert len(set(hosts)) == 2, "the jobs were not split across both workers"
    assert second.process.poll() is None
