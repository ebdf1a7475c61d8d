"""Benchmark: an analysis whose tweets carry photos, end to end; prints its phases and the worker's peak memory.

``python -m server.dev.photo_bench`` starts the demo stack (local Twitter API, SQLite, the SQL transport, one worker
with the shipped models, the web server), gives a demo account ``--tweets`` new tweets of which ``--photos`` carry a
photo (the local API's public-domain portrait and a photo without a face, in turn), warms the worker up with an
analysis of another account (the text model loads), then analyses the account through the HTTP API. The worker,
which holds the text model and reads the photos' faces in the same process, is sampled while the job runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

from server.dev.demo import DEMO_ACCOUNTS, DemoStack
from server.dev.topic_bench import MemorySampler

GOAL_MB = 700
PHASES = ("fetch", "photos", "classify", "persist", "model_load")
PHOTOS = ("astronaut.jpg", "coffee.jpg")


def add_tweets(stack: DemoStack, username: str, count: int, photos: int) -> None:
    """``count`` tweets by ``username`` over the last days, the newest ``photos`` of them with a photo each."""
    assert stack.twitter is not None
    world = stack.twitter.world
    user = world.user_by_username(username)
    assert user is not None, username
    now = datetime.now(UTC) - stack.twitter.state.shift  # world time
    for n in range(count):
        record = {
            "author_id": user["id"],
            "text": f"A day out with friends, number {n} #photo",
            "created_at": (now - timedelta(minutes=10 * (n + 1))).isoformat(),
        }
        if n < photos:
            record["media"] = [{"media_key": f"3_{n}", "type": "photo", "file": PHOTOS[n % 2]}]
        world.add_tweet(record)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; 1 when a job failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tweets", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=200)
    args = parser.parse_args(argv)
    warm_account, account = DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[1]
    with tempfile.TemporaryDirectory() as directory:
        stack = DemoStack(
            Path(directory),
            web_port=0,
            twitter_port=0,
            graph=False,
            env={"JOB_START_LIMIT": "1000/minute", "PHOTO_LIMIT": str(args.photos), "TWEET_LIMIT": "3200"},
        )
        stack.start()
        try:
            add_tweets(stack, account, args.tweets, args.photos)
            warm, _ = stack.analyse(warm_account)
            sampler = MemorySampler(stack.children["worker"].pid)
            sampler.start()
            job, seconds = stack.analyse(account, timeout=900)
            sampler.stopped.set()
            sampler.join()
            analysis = stack.result(job) if job["state"] == "succeeded" else None
        finally:
            stack.stop()
    if analysis is None or warm["state"] != "succeeded":
        print(f"analysis failed: {job['error'] or warm['error']}", file=sys.stderr)
        return 1
    cpu = psutil.cpu_count()
    print(
        f"analysis of {job['progress']['fetched']} tweets, {args.photos} with a photo, {cpu} CPUs: {seconds:.1f} s;"
        f" {analysis['faces']['tweets']} tweets with faces"
    )
    print("  " + ", ".join(f"{phase} {job['timings'].get(phase, 0.0):.1f} s" for phase in PHASES))
    print(f"  worker peak RSS {sampler.peak / 2**20:.0f} MB (goal {GOAL_MB} MB; text model and faces in one process)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
