"""Benchmark of the follower graph: SNAP import time, then ``load_graph()`` time and peak RSS in a fresh process.

``python -m server.graph_bench`` migrates a database (a temporary SQLite file unless ``--database-url``),
imports the SNAP ego-Twitter graph (81,306 nodes, 1,768,149 edges) with its hashtags, then starts a fresh
Python process that loads the graph the way a worker does and reports the seconds and the process's peak RSS.
It prints one JSON object. Goals: load <= 10 s, peak RSS <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import sqlalchemy as sa

from config import ROOT, Config, celery_settings, database_url

SNAP_DIR = ROOT.parent / "shared" / "data" / "twitter_ego"  # /work/shared/data beside the repository
GOAL_LOAD_SECONDS = 10.0
GOAL_PEAK_RSS_MB = 1536.0


def bench_app(url: str):
    """The app on ``url``, with a broker nothing reads (the benchmark enqueues nothing)."""
    from server import create_app

    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url(url),
        "BROKER_URL": "memory://",
        "CELERY": celery_settings("memory://", "graph-bench"),
        "API_KEYS": ["graph-bench"],
    }
    return create_app(Config, settings)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports ``ru_maxrss`` in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_import(url: str, edges: Path, hashtags: Path | None) -> dict:
    """Migrate the database and import the SNAP files into it."""
    from flask_migrate import upgrade

    from server.graph import import_snap

    app = bench_app(url)
    with app.app_context():
        upgrade()
        stats = import_snap(edges, hashtags)
    return {**asdict(stats), "peak_rss_mb": peak_rss_mb()}


def measure_load(url: str, recommend: int) -> dict:
    """Load the graph once, as a worker's first task does; seconds and memory (run in a fresh process)."""
    import psutil

    from server.graph import load_graph

    app = bench_app(url)
    process = psutil.Process()
    with app.app_context():
        rss_before = process.memory_info().rss / 2**20
        started, cpu_started = time.perf_counter(), time.process_time()
        graph = load_graph()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        result = {
            "seconds": round(seconds, 2),
            # CPU time of this process: what the wall time would be on an idle machine, minus waiting for the database.
            "cpu_seconds": round(cpu_seconds, 2),
            "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(),
            "version": graph.graph["version"],
            "rss_before_mb": round(rss_before, 1),
            "rss_after_mb": round(process.memory_info().rss / 2**20, 1),
            "peak_rss_mb": peak_rss_mb(),
        }
        if recommend:
            result["recommend"] = measure_recommendations(graph, recommend)
    return result


def measure_recommendations(graph, runs: int) -> dict:
    """Hook for the recommendation latency (p95 over ``runs`` accounts), to be wired to server.recommendations."""
    try:
        from server.recommendations import compute_recommendations  # noqa: F401
    except ImportError:
        return {"skipped": "server.recommendations.compute_recommendations does not exist yet"}
    return {"skipped": f"not wired yet: time compute_recommendations on {runs} sampled nodes of the loaded graph"}


def load_in_fresh_process(url: str, recommend: int) -> dict:
    """``measure_load`` in a new interpreter, so its peak RSS is the graph's and not the import's."""
    command = [sys.executable, "-m", "server.graph_bench", "--measure-load", "--database-url", url]
    command += ["--recommend", str(recommend)]
    finished = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON object; exit status 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="database to use (default: a temporary SQLite file)")
    parser.add_argument("--edges", type=Path, default=SNAP_DIR / "twitter_combined_unique.txt.gz")
    parser.add_argument("--hashtags", type=Path, default=SNAP_DIR / "node_features.tsv.gz")
    parser.add_argument("--skip-import", action="store_true", help="reuse the graph already in --database-url")
    parser.add_argument("--recommend", type=int, default=0, metavar="N", help="also time N recommendations")
    parser.add_argument("--measure-load", action="store_true", help=argparse.SUPPRESS)  # the child's mode
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    if args.measure_load:
        print(json.dumps(measure_load(args.database_url, args.recommend)))
        return 0
    if args.skip_import and not args.database_url:
        parser.error("--skip-import needs --database-url")

    with tempfile.TemporaryDirectory(prefix="graph-bench-") as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'graph.db'}"
        report = {"database": sa.engine.make_url(database_url(url)).render_as_string(hide_password=True)}
        report["import"] = None if args.skip_import else run_import(url, args.edges, args.hashtags)
        report["load"] = load_in_fresh_process(url, args.recommend)
    report["goals"] = {"load_seconds": GOAL_LOAD_SECONDS, "peak_rss_mb": GOAL_PEAK_RSS_MB}
    report["ok"] = report["load"]["seconds"] <= GOAL_LOAD_SECONDS and report["load"]["peak_rss_mb"] <= GOAL_PEAK_RSS_MB
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
