"""Benchmark: one 3,200-tweet account through the HTTP API with one real worker; prints the time per phase.

``python -m server.dev.bench`` starts the demo stack (local Twitter API, SQLite, the SQL transport, one worker,
the web server) in a temporary directory, warms the worker up (model load) with a small account, then
analyses ``newsy_nora`` (3,400 tweets, 3,200 reachable) from scratch ``--runs`` times, each on a fresh account
state, and prints fetch / classify / score / persist as the worker recorded them, plus the end-to-end time
seen by the API client (which includes queueing and polling).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from server.dev.demo import DemoStack

PHASES = ("fetch", "classify", "score", "persist")
GOAL_SECONDS = 10.0


def run_once(directory: Path, username: str, warmup: str) -> dict:
    """One fresh stack: warm up on ``warmup``, then time ``username``."""
    stack = DemoStack(directory, web_port=0, twitter_port=0, accounts=(warmup, username)).start()
    try:
        warm_job, warm_seconds = stack.analyse(warmup)
        job, seconds = stack.analyse(username)
        if job["state"] != "succeeded":
            raise RuntimeError(f"benchmark job failed: {job['error']}")
        analysis = stack.result(job)
        return {
            "end_to_end": seconds,
            "warmup": warm_seconds,
            "model_load": warm_job["timings"].get("model_load", 0.0),
            "phases": {phase: job["timings"].get(phase, 0.0) for phase in PHASES},
            "tweets": job["progress"]["fetched"],
            "status": analysis["status"],
        }
    finally:
        stack.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh runs to time (default 3)")
    parser.add_argument("--account", default="newsy_nora", help="demo account to analyse (default newsy_nora)")
    parser.add_argument("--warmup", default="sunny_sam", help="small account analysed first (model load)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    print(f"benchmark: @{args.account} through the HTTP API, one worker (concurrency 1), {os.cpu_count()} CPUs")
    results = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="mood-bench-") as directory:
            result = run_once(Path(directory), args.account, args.warmup)
        results.append(result)
        phases = "  ".join(f"{name} {seconds:6.2f}" for name, seconds in result["phases"].items())
        job_total = sum(result["phases"].values())
        print(
            f"run {run}: {result['tweets']} tweets  {phases}  | job {job_total:6.2f} s"
            f"  end-to-end {result['end_to_end']:6.2f} s  (model load {result['model_load']:.2f} s, "
            f"status {result['status']})",
            flush=True,
        )

    print("\nmedian over runs (seconds)")
    for phase in PHASES:
        print(f"  {phase:<10} {statistics.median([r['phases'][phase] for r in results]):7.2f}")
    job_total = statistics.median([sum(r["phases"].values()) for r in results])
    end_to_end = statistics.median([r["end_to_end"] for r in results])
    print(f"  {'job total':<10} {job_total:7.2f}   (fetch + classify + score + persist, in the worker)")
    goal = f"goal <= {GOAL_SECONDS:g}"
    print(f"  {'end-to-end':<10} {end_to_end:7.2f}   (POST to succeeded as the client sees it; {goal})")
    print(
        f"  {'model load':<10} {statistics.median([r['model_load'] for r in results]):7.2f}   (once per worker process)"
    )
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s)")
    sys.exit(code)
