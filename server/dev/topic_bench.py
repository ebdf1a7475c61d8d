"""Benchmark: one 10,000-tweet topic job end to end; prints its time per phase and the worker's peak memory.

``python -m server.dev.topic_bench`` starts the demo stack (local Twitter API, SQLite, the SQL transport, one worker
with the shipped model, the web server), adds ``--tweets`` invented tweets tagged ``#benchtopic`` over the last six
days to the local world, warms the worker up (model load) with a small topic, then POSTs the topic through the HTTP
API and follows its job. The worker's resident memory (its main and pool processes) is sampled while it runs.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import requests

from server.dev.demo import DEMO_API_KEY, DemoStack

GOAL_SECONDS = 30.0
PHASES = ("fetch", "classify", "persist", "model_load")
OPENINGS = ["Just got", "Finally had", "Can't believe", "So worried about", "Furious about", "Loving", "Scared of"]
SUBJECTS = ["my first dose", "the booster", "the queue at the clinic", "the side effects", "the new rollout plan"]
ENDINGS = ["today!", "this week.", "again...", "honestly", "what a relief", "I'm exhausted", "so grateful ❤️"]
TAGS = ["vaccine", "health", "covid", "nhs", "science", "news"]


def add_tweets(stack: DemoStack, count: int, seed: int = 1) -> None:
    """``count`` invented tweets tagged #benchtopic, spread over the last six days, by the demo world's accounts."""
    assert stack.twitter is not None
    world, shift = stack.twitter.world, stack.twitter.state.shift
    authors = [user["id"] for user in world.users.values() if not user.get("protected") and not user.get("suspended")]
    rng = random.Random(seed)
    now = datetime.now(UTC) - shift  # world time
    for _ in range(count):
        text = f"{rng.choice(OPENINGS)} {rng.choice(SUBJECTS)} {rng.choice(ENDINGS)} #benchtopic #{rng.choice(TAGS)}"
        created = now - timedelta(seconds=rng.uniform(60, 6 * 86400))
        world.add_tweet({"author_id": rng.choice(authors), "text": text, "created_at": created.isoformat()})


def run_topic(stack: DemoStack, query: str, timeout: float = 900) -> tuple[dict, float]:
    """POST a topic over the last six days and follow its job; returns the final job and the seconds it took."""
    start = (datetime.now(UTC) - timedelta(days=6, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    started = time.perf_counter()
    response = requests.post(
        f"{stack.url}/api/v1/topics",
        json={"query": query, "start": start},
        headers={"X-API-Key": DEMO_API_KEY},
        timeout=10,
    )
    response.raise_for_status()
    job = stack.wait(stack.url + response.headers["Location"], timeout=timeout)
    return job, time.perf_counter() - started


class MemorySampler(threading.Thread):
    """The peak resident memory of a process and its children, sampled every 0.2 s until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        """Sample until ``stopped`` is set."""
        while not self.stopped.is_set():
            try:
                processes = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in processes))
            except psutil.Error:
                pass
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; 1 when the job failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tweets", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        stack = DemoStack(
            Path(directory), web_port=0, twitter_port=0, graph=False, env={"JOB_START_LIMIT": "1000/minute"}
        )
        stack.start()
        try:
            add_tweets(stack, args.tweets)
            warm, _ = run_topic(stack, "#GW2Beta")  # loads the model in the worker
            sampler = MemorySampler(stack.children["worker"].pid)
            sampler.start()
            job, seconds = run_topic(stack, "#benchtopic")
            sampler.stopped.set()
            sampler.join()
        finally:
            stack.stop()
    if job["state"] != "succeeded":
        print(f"topic job failed: {job['error']}", file=sys.stderr)
        return 1
    cpu, tweets = psutil.cpu_count(), job["progress"]["fetched"]
    print(f"topic job, {tweets} tweets, {cpu} CPUs: {seconds:.1f} s end to end (goal {GOAL_SECONDS:.0f} s)")
    print("  " + ", ".join(f"{phase} {job['timings'].get(phase, 0.0):.1f} s" for phase in PHASES))
    model_load = warm["timings"].get("model_load", 0.0)
    print(f"  warm-up model load {model_load:.1f} s; worker peak RSS {sampler.peak / 2**20:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
