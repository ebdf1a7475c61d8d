"""Benchmark of the follower graph: SNAP import time, then ``load_graph()`` time and peak RSS in a fresh process.

``python -m server.dev.graph_bench`` migrates a database (a temporary SQLite file unless ``--database-url``),
imports the SNAP ego-Twitter graph (81,306 nodes, 1,768,149 edges) with its hashtags, then starts a fresh
Python process that loads the graph the way a worker does and reports the seconds and the process's peak RSS.
With ``--recommend N`` that process then gives 300 random nodes tweets, emotions and an analysis (so content
leans, hashtags and opted-in friends are read as in production) and times ``compute_recommendations`` for N of
them. It prints one JSON object. Goals: load <= 10 s, recommendation p95 <= 200 ms, peak RSS <= 1.5 GB.
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
from typing import Any

import sqlalchemy as sa

from config import ROOT, Config, celery_settings, database_url

SNAP_DIR = ROOT.parent / "shared" / "data" / "twitter_ego"  # /work/shared/data beside the repository
GOAL_LOAD_SECONDS = 10.0
GOAL_PEAK_RSS_MB = 1536.0
GOAL_P95_MS = 200.0


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

    from server.graph.snap import import_snap

    app = bench_app(url)
    with app.app_context():
        upgrade()
        stats = import_snap(edges, hashtags)
    return {**asdict(stats), "peak_rss_mb": peak_rss_mb()}


def measure_load(url: str, recommend: int) -> dict:
    """Load the graph once, as a worker's first task does; seconds and memory (run in a fresh process)."""
    import psutil

    from server.graph.cache import load_graph

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


def seed_accounts(graph, count: int = 300, tweets_each: int = 20, seed: int = 7) -> None:
    """Give ``count`` random graph nodes what analysed, opted-in accounts have: tweets, emotions, an analysis.

    Statuses, probabilities and hashtags are random (seeded): the benchmark times the database reads and the
    ranking, whose cost depends on how many accounts are analysed, not on what their moods are.
    """
    import random
    from datetime import timedelta

    import sqlalchemy as sa

    from ml.labels import LABELS
    from server.extensions import db
    from server.models import Account, Analysis, Tweet, TweetEmotion, TweetHashtag, utcnow

    if db.session.scalar(sa.select(Account.id).where(Account.username_key == "bench0")) is not None:
        return  # a reused database (--skip-import) is seeded already
    rng = random.Random(seed)
    nodes = rng.sample(sorted(graph.nodes), count)
    now = utcnow()
    statuses = ["Cheerful", "Satisfied", "Stressed", "Depressed"]
    for i, node in enumerate(nodes):
        account = Account(twitter_id=str(node), username=f"bench{i}", username_key=f"bench{i}", name="bench")
        account.match_opt_in = rng.random() < 0.5
        db.session.add(account)
        db.session.flush()
        for t in range(tweets_each):
            tweet_id = str(node * 1000 + t)
            db.session.add(
                Tweet(id=tweet_id, account_id=account.id, created_at=now - timedelta(hours=t), text="t", kind="own")
            )
            weights = [rng.random() for _ in LABELS]
            total = sum(weights)
            db.session.add(
                TweetEmotion(
                    tweet_id=tweet_id, model_version="bench", **{k: w / total for k, w in zip(LABELS, weights)}
                )
            )
            db.session.add(TweetHashtag(tweet_id=tweet_id, tag=f"tag{rng.randrange(50)}"))
        db.session.add(
            Analysis(
                account_id=account.id, model_version="bench", status=rng.choice(statuses), confidence=0.8,
                low_confidence=False, positivity=0.5, negativity=0.5, emotional_weight=5.0, tweet_count=tweets_each,
                breakdown={},
            )
        )  # fmt: skip
    db.session.commit()


def measure_recommendations(graph, runs: int) -> dict:
    """Wall and CPU milliseconds of ``compute_recommendations`` for ``runs`` analysed accounts, graph loaded."""
    import sqlalchemy as sa

    from server.extensions import db
    from server.models import Account, Analysis
    from server.pipelines.recommendations import compute_recommendations

    seed_accounts(graph)
    accounts = db.session.scalars(sa.select(Account).order_by(Account.id).limit(runs)).all()
    first = time.perf_counter()
    compute_recommendations(graph, accounts[0], None)  # builds the ranking's sparse snapshot, once per graph
    snapshot_seconds = time.perf_counter() - first
    wall, cpu, sizes = [], [], []
    for account in accounts:
        analysis = db.session.scalar(sa.select(Analysis).where(Analysis.account_id == account.id))
        started, cpu_started = time.perf_counter(), time.process_time()
        result = compute_recommendations(graph, account, analysis)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        sizes.append(sum(len(result[key]) for key in ("friends", "big_accounts", "hashtags")))

    def summary(values: list[float]) -> dict:
        ordered = sorted(values)
        return {
            "p50_ms": round(ordered[len(ordered) // 2], 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
            "max_ms": round(ordered[-1], 1),
        }

    return {
        "runs": len(accounts),
        "snapshot_seconds": round(snapshot_seconds, 2),
        "wall": summary(wall),
        "cpu": summary(cpu),
        "mean_items": round(sum(sizes) / len(sizes), 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def load_in_fresh_process(url: str, recommend: int) -> dict:
    """``measure_load`` in a new interpreter, so its peak RSS is the graph's and not the import's."""
    command = [sys.executable, "-m", "server.dev.graph_bench", "--measure-load", "--database-url", url]
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
        report: dict[str, Any] = {
            "database": sa.engine.make_url(database_url(url)).render_as_string(hide_password=True)
        }
        report["import"] = None if args.skip_import else run_import(url, args.edges, args.hashtags)
        report["load"] = load_in_fresh_process(url, args.recommend)
    report["goals"] = {"load_seconds": GOAL_LOAD_SECONDS, "p95_ms": GOAL_P95_MS, "peak_rss_mb": GOAL_PEAK_RSS_MB}
    load, timing = report["load"], report["load"].get("recommend")
    report["ok"] = (
        load["seconds"] <= GOAL_LOAD_SECONDS
        and max(load["peak_rss_mb"], (timing or {}).get("peak_rss_mb", 0)) <= GOAL_PEAK_RSS_MB
        and (timing is None or timing["wall"]["p95_ms"] <= GOAL_P95_MS)
    )
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
