"""End to end with real worker processes: API -> broker -> worker -> tweepy -> local API -> model -> database."""

from __future__ import annotations

import time

from ml.mood.status import STATUSES
from tests.server.fixtures_app import AUTH, new_account


def test_an_analysis_runs_end_to_end_through_the_api(stack):
    response = stack.post("sunny_sam")
    assert response.status_code == 202
    job = response.get_json()["job"]
    assert stack.post("sunny_sam").get_json()["job"]["id"] == job["id"]  # no duplicate work while active

    done = stack.wait(job["id"])
    assert done["state"] == "succeeded", done
    progress = done["progress"]
    assert progress["fetched"] == progress["classified"] == progress["total"] > 0
    assert set(done["timings"]) >= {"fetch", "classify", "score", "persist"}

    analysis = stack.client.get(done["links"]["result"], headers=AUTH).get_json()["analysis"]
    latest = stack.client.get("/api/v1/accounts/sunny_sam/analysis", headers=AUTH).get_json()["analysis"]
    assert analysis == latest
    assert analysis["status"] in STATUSES and analysis["tweet_count"] == progress["total"]
    assert analysis["model_version"] and analysis["window"]["start"] <= analysis["window"]["end"]
    history = stack.client.get("/api/v1/accounts/sunny_sam/analyses", headers=AUTH).get_json()["analyses"]
    assert history[0] == analysis


def test_a_second_analysis_fetches_only_new_tweets(embedded_stack, local_twitter):
    user = new_account(local_twitter, "later", ["good morning!", "lunch was great", "tired now"])
    first = embedded_stack.wait(embedded_stack.post(user["username"]).get_json()["job"]["id"])
    local_twitter.add_tweet({"author_id": user["id"], "text": "what a wonderful surprise!!"})
    second = embedded_stack.wait(embedded_stack.post(user["username"]).get_json()["job"]["id"])
    assert first["progress"]["fetched"] == 3 and second["progress"]["fetched"] == 1
    history = embedded_stack.client.get(f"/api/v1/accounts/{user['username']}/analyses", headers=AUTH)
    assert [a["tweet_count"] for a in history.get_json()["analyses"]] == [4, 3]


def test_unknown_suspended_and_protected_accounts_fail_with_their_codes(embedded_stack):
    jobs = {
        name: embedded_stack.post(name).get_json()["job"]["id"] for name in ("nobody_zz9", "gone_gary", "private_pat")
    }
    codes = {name: embedded_stack.wait(job_id)["error"]["code"] for name, job_id in jobs.items()}
    assert codes == {"nobody_zz9": "user_not_found", "gone_gary": "user_suspended", "private_pat": "user_protected"}
    failed = embedded_stack.job(jobs["private_pat"])
    assert failed["state"] == "failed" and "protected" in failed["error"]["message"]


def test_an_empty_timeline_succeeds_with_a_reason(embedded_stack):
    job = embedded_stack.wait(embedded_stack.post("quiet_quinn").get_json()["job"]["id"])
    analysis = embedded_stack.client.get(job["links"]["result"], headers=AUTH).get_json()["analysis"]
    assert (job["state"], analysis["status"], analysis["reason"]) == ("succeeded", None, "no_tweets")


def test_emoji_only_and_non_english_tweets(embedded_stack, local_twitter):
    texts = ["😂😂😂", "💔😢", "🔥🔥🔥🔥", "Ich bin so glücklich heute", "私はとても怒っています", "😡"]
    user = new_account(local_twitter, "emojis", texts)
    job = embedded_stack.wait(embedded_stack.post(user["username"]).get_json()["job"]["id"])
    assert job["state"] == "succeeded" and job["progress"]["classified"] == len(texts)


def test_rate_limit_retries_at_the_reset_time_without_sleeping_in_the_worker(embedded_stack, local_twitter):
    user = new_account(local_twitter, "limited", ["one", "two", "three"])
    local_twitter.add_fault("/tweets$", 429, reset_in=2)
    job_id = embedded_stack.post(user["username"]).get_json()["job"]["id"]
    retrying = embedded_stack.wait(job_id, states=("retrying", "succeeded", "failed"))
    assert retrying["state"] == "retrying" and retrying["retry"]["reason"] == "rate_limited"
    # While it waits, the worker is free: another job runs meanwhile.
    other = embedded_stack.wait(embedded_stack.post("blue_bella").get_json()["job"]["id"])
    assert other["state"] == "succeeded"
    done = embedded_stack.wait(job_id)
    assert done["state"] == "succeeded" and done["progress"]["fetched"] == 3
    timeline = [
        r for r in local_twitter.request_log() if r["endpoint"] == "get_users_tweets" and user["id"] in r["path"]
    ]
    assert [r["status"] for r in timeline] == [429, 200]


def test_outage_backs_off_then_succeeds(embedded_stack, local_twitter):
    user = new_account(local_twitter, "outage", ["sunny", "rainy"])
    local_twitter.add_fault("/users/by/username/" + user["username"], 503, times=2)
    done = embedded_stack.wait(embedded_stack.post(user["username"]).get_json()["job"]["id"])
    assert done["state"] == "succeeded"
    lookups = [r["status"] for r in local_twitter.request_log() if r["path"].endswith(user["username"])]
    assert lookups == [503, 503, 200]


def test_outage_that_outlasts_the_retries_fails_readably(embedded_stack, local_twitter):
    user = new_account(local_twitter, "down", ["hello"])
    local_twitter.add_fault("/users/by/username/" + user["username"], 500, times=None)
    done = embedded_stack.wait(embedded_stack.post(user["username"]).get_json()["job"]["id"])
    assert done["state"] == "failed" and done["error"]["code"] == "twitter_unavailable"
    assert "gave up after 2 retries" in done["error"]["message"]


def test_timeouts_retry_like_outages(embedded_stack, local_twitter):
    user = new_account(local_twitter, "slow", ["zzz"])
    local_twitter.add_fault("/users/by/username/" + user["username"], delay=3, times=1)  # TWITTER_TIMEOUT is 2 s
    done = embedded_stack.wait(embedded_stack.post(user["username"]).get_json()["job"]["id"])
    assert done["state"] == "succeeded"


def _slow_job(stack, local_twitter, prefix: str) -> tuple[dict, str]:
    """Start a job whose first timeline page takes 6 s, and wait until a worker is inside that request."""
    user = new_account(local_twitter, prefix, [f"tweet {i}, pretty good day" for i in range(40)])
    local_twitter.add_fault(f"/users/{user['id']}/tweets$", delay=6, times=1)
    job_id = stack.post(user["username"]).get_json()["job"]["id"]
    deadline = time.monotonic() + 60
    while not any(r["path"].endswith(user["username"]) for r in local_twitter.request_log()):
        assert time.monotonic() < deadline, "the worker never looked the account up"
        time.sleep(0.05)
    time.sleep(0.5)  # now in the delayed timeline request
    assert stack.job(job_id)["state"] == "running"
    return user, job_id


def _kill_pool_process_mid_job(stack, local_twitter):
    worker = stack.start_worker()
    user, job_id = _slow_job(stack, local_twitter, "killkid")
    [pool_process] = worker.pool_processes()
    pool_process.kill()  # SIGKILL the process running the task
    done = stack.wait(job_id)
    assert done["state"] == "succeeded" and done["progress"]["fetched"] == 40
    assert "WorkerLostError" in worker.log() or "signal 9" in worker.log()


def test_sigkill_of_the_pool_process_mid_job_requeues_and_finishes(fresh_stack, local_twitter):
    _kill_pool_process_mid_job(fresh_stack, local_twitter)


def test_sigkill_of_the_pool_process_mid_job_on_redis(fresh_redis_stack, local_twitter):
    _kill_pool_process_mid_job(fresh_redis_stack, local_twitter)


def test_sigkill_of_the_whole_worker_then_a_new_worker_finishes_the_job(fresh_stack, local_twitter):
    first = fresh_stack.start_worker(JOB_LEASE_SECONDS=3)
    user, job_id = _slow_job(fresh_stack, local_twitter, "killall")
    first.kill()  # the worker and its pool process, mid-job: the broker message is lost with it
    assert fresh_stack.job(job_id)["state"] == "running"
    fresh_stack.start_worker(JOB_LEASE_SECONDS=3)  # finds the orphaned job once its lease runs out
    done = fresh_stack.wait(job_id, timeout=60)
    assert done["state"] == "succeeded" and done["progress"]["fetched"] == 40
