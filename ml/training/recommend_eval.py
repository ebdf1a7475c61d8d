"""Offline quality of the follow recommendations: hide some follows, see which ranker gives them back.

    python -m ml.training.recommend_eval                 # SNAP ego-Twitter, 500 users, prints one JSON object
    python -m ml.training.recommend_eval --bench 200     # ms per user of the server's three calls instead

Protocol: sample ``--users`` accounts with at least ``--min-followees`` followees, hide ``--holdout`` of each
one's follow edges (seeded), then rank ``--k`` accounts for each from the remaining graph with WTF
(:func:`ml.graph.recommend.rank_who_to_follow`), popularity, common neighbours and random. The hidden edges of all
sampled users are removed together, so one CSR snapshot serves every query (they are < 1 % of the SNAP edges).
recall@k is the share of a user's hidden follows in its top k, averaged over users; MRR is the mean of
1 / rank of the first hidden follow in the top k (0 when none is there). Timings per user are wall-clock and CPU
(thread) time: on a shared machine the CPU time is what a call costs on a core of its own. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np

from ml.graph import recommend

DATA_DIR = Path("/work/shared/data/twitter_ego")
DEFAULT_EDGES = DATA_DIR / "twitter_combined_unique.txt.gz"
DEFAULT_FEATURES = DATA_DIR / "node_features.tsv.gz"
ELIGIBLE_SIZE = 200  # --bench: accounts offered to recommend_friends per user, as the server's mood filter might
Ranker = Callable[[nx.DiGraph, int, int], list[tuple[int, float]]]


def _log(message: str) -> None:
    print(f"[recommend_eval] {message}", file=sys.stderr, flush=True)


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    with (gzip.open if gzipped else open)(path, "rb") as handle:
        return handle.read()


def read_edges(path: Path) -> np.ndarray:
    """Read ``A B`` lines ("A follows B"), gzipped or plain, as an ``(m, 2)`` int64 array."""
    numbers = np.array(_read_bytes(path).split(), dtype=np.int64)
    if len(numbers) % 2:
        raise ValueError(f"{path}: odd number of ids; every line must be 'A B'")
    return numbers.reshape(-1, 2)


def read_hashtags(path: Path) -> dict[int, list[str]]:
    """Node -> its ``#`` tokens from SNAP's ``node_features.tsv.gz`` (header ``node_id<TAB>features``)."""
    tags = {}
    for line in _read_bytes(path).decode("utf-8", "replace").splitlines()[1:]:
        node, _, features = line.partition("\t")
        found = [token for token in features.split() if token.startswith("#")]
        if found:
            tags[int(node)] = found
    return tags


def hold_out(graph: nx.DiGraph, users: int, min_followees: int, holdout: float, seed: int) -> dict[int, set[int]]:
    """Sample users and remove a share of each one's follow edges from ``graph`` (in place); returns them."""
    rng = random.Random(seed)
    candidates = sorted(u for u, degree in graph.out_degree() if degree - graph.has_edge(u, u) >= min_followees)
    hidden = {}
    for user in rng.sample(candidates, min(users, len(candidates))):
        followees = sorted(v for v in graph.successors(user) if v != user)
        hidden[user] = set(rng.sample(followees, max(1, round(holdout * len(followees)))))
    graph.remove_edges_from((user, v) for user, targets in hidden.items() for v in targets)
    return hidden


def score_ranking(ranking: list[tuple[int, float]], hidden: set[int], k: int) -> tuple[float, float]:
    """(recall@k, reciprocal rank of the first hit in the top k or 0) of one user's ranking.

    Examples
    --------
    >>> score_ranking([(5, 1.0), (7, 0.5), (9, 0.2)], {7, 9, 11, 13}, k=2)
    (0.25, 0.5)
    """
    top = [node for node, _ in ranking[:k]]
    hits = [rank for rank, node in enumerate(top, 1) if node in hidden]
    return len(hits) / len(hidden), (1.0 / hits[0] if hits else 0.0)


def _ms_stats(times: list[float]) -> dict[str, float]:
    ms = np.array(times) * 1000.0
    return {"mean_ms": round(float(ms.mean()), 3), "p50_ms": round(float(np.percentile(ms, 50)), 3),
            "p95_ms": round(float(np.percentile(ms, 95)), 3)}  # fmt: skip


def evaluate(graph: nx.DiGraph, hidden: dict[int, set[int]], k: int, rankers: dict[str, Ranker]) -> tuple[dict, dict]:
    """({ranker: recall@k and MRR}, {ranker: wall-clock and CPU ms per user}) over the users in ``hidden``."""
    quality, timings = {}, {}
    for name, rank in rankers.items():
        recalls, reciprocal, times, cpu_times = [], [], [], []
        for done, (user, targets) in enumerate(hidden.items(), 1):
            start, start_cpu = time.perf_counter(), time.thread_time()
            ranking = rank(graph, user, k)
            times.append(time.perf_counter() - start)
            cpu_times.append(time.thread_time() - start_cpu)
            recall, rr = score_ranking(ranking, targets, k)
            recalls.append(recall)
            reciprocal.append(rr)
            if done % 100 == 0:
                _log(f"{name}: {done}/{len(hidden)} users")
        quality[name] = {f"recall_at_{k}": round(float(np.mean(recalls)), 4)}
        quality[name]["mrr"] = round(float(np.mean(reciprocal)), 4)
        timings[name] = {"wall": _ms_stats(times), "cpu": _ms_stats(cpu_times)}
    return quality, timings


def bench(graph: nx.DiGraph, hashtags: dict[int, list[str]], users: int, seed: int) -> dict:
    """Milliseconds per user of recommend_friends + recommend_big_accounts + recommend_hashtags (graph already loaded).

    Reports wall-clock and CPU time (``time.thread_time``): on a machine shared with other work the CPU time is
    what the calls would take on a core of their own.
    """
    rng = random.Random(seed)
    nodes = list(graph)
    following = [u for u in nodes if graph.out_degree(u) > 0]
    askers = rng.sample(following, min(users, len(following)))
    # Analysed accounts: leans for a random tenth of the graph, like a server that has seen some of it.
    lean = {node: rng.uniform(-1.0, 1.0) for node in rng.sample(nodes, len(nodes) // 10)}
    tag_lean = {recommend.normalise_tag(tags[0]): rng.uniform(-1.0, 1.0) for tags in hashtags.values()}
    statuses = [*recommend.OPPOSITE_STATUS, None]
    calls = ("friends", "big_accounts", "hashtags", "total")
    wall: dict[str, list[float]] = {name: [] for name in calls}
    cpu: dict[str, list[float]] = {name: [] for name in calls}
    for done, user in enumerate(askers, 1):
        eligible = rng.sample(nodes, min(ELIGIBLE_SIZE, len(nodes)))
        status = rng.choice(statuses)
        for name in calls[:3]:
            start, start_cpu = time.perf_counter(), time.thread_time()
            if name == "friends":
                recommend.recommend_friends(graph, user, eligible)
            elif name == "big_accounts":
                recommend.recommend_big_accounts(graph, user, lean, status)
            else:
                recommend.recommend_hashtags(graph, user, hashtags, lean, tag_lean, status)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.thread_time() - start_cpu)
        wall["total"].append(sum(wall[name][-1] for name in calls[:3]))
        cpu["total"].append(sum(cpu[name][-1] for name in calls[:3]))
        if done % 50 == 0:
            _log(f"bench: {done}/{len(askers)} users")
    return {name: {"wall": _ms_stats(wall[name]), "cpu": _ms_stats(cpu[name])} for name in calls}


def main(argv: list[str] | None = None) -> dict:
    """The command line (``--help`` lists the options)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", type=Path, default=DEFAULT_EDGES, help="'A B' lines (A follows B), gz or plain")
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--min-followees", type=int, default=20)
    parser.add_argument("--holdout", type=float, default=0.2, help="share of each user's follows to hide")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--alpha", type=float, default=recommend.ALPHA, help="WTF: PPR restart probability")
    parser.add_argument("--ppr-iterations", type=int, default=recommend.PPR_ITERATIONS, help="WTF: PPR steps")
    parser.add_argument("--circle-size", type=int, default=recommend.CIRCLE_SIZE, help="WTF: circle of trust size")
    parser.add_argument("--salsa-iterations", type=int, default=recommend.SALSA_ITERATIONS)
    parser.add_argument("--bench", type=int, metavar="USERS", help="time the three server calls instead")
    parser.add_argument("--features", type=Path, default=DEFAULT_FEATURES, help="--bench: SNAP node features")
    args = parser.parse_args(argv)
    if not 0 < args.holdout < 1:
        parser.error("--holdout must be between 0 and 1")

    start = time.perf_counter()
    edges = read_edges(args.edges)
    graph = nx.DiGraph()
    graph.add_edges_from(edges.tolist())
    load_s = time.perf_counter() - start
    _log(f"graph: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges in {load_s:.1f} s")
    report: dict = {"graph": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}}

    if args.bench:
        hashtags = read_hashtags(args.features) if args.features.is_file() else {}
        start = time.perf_counter()
        recommend.csr_view(graph)
        report["timings"] = {"graph_load_s": round(load_s, 3), "csr_build_s": round(time.perf_counter() - start, 3)}
        timings = bench(graph, hashtags, args.bench, args.seed)
        report["bench"] = {"users": args.bench, "eligible": ELIGIBLE_SIZE, **timings}
        print(json.dumps(report))
        return report

    hidden = hold_out(graph, args.users, args.min_followees, args.holdout, args.seed)
    report["graph"]["held_out_edges"] = sum(map(len, hidden.values()))
    start = time.perf_counter()
    recommend.csr_view(graph)
    csr_s = time.perf_counter() - start
    rng = random.Random(args.seed)
    wtf = {"alpha": args.alpha, "iterations": args.ppr_iterations}
    wtf.update(size=args.circle_size, salsa_iterations=args.salsa_iterations)
    rankers: dict[str, Ranker] = {
        "who_to_follow": lambda g, u, k: recommend.rank_who_to_follow(g, u, k, **wtf),
        "popularity": recommend.rank_popularity,
        "common_neighbours": recommend.rank_common_neighbours,
        "random": lambda g, u, k: recommend.rank_random(g, u, k, rng),
    }
    quality, timings = evaluate(graph, hidden, args.k, rankers)
    report.update(
        n_users=len(hidden),
        k=args.k,
        holdout=args.holdout,
        seed=args.seed,
        min_followees=args.min_followees,
        wtf=wtf,
        methods=quality,
        timings={"graph_load_s": round(load_s, 3), "csr_build_s": round(csr_s, 3), "ms_per_user": timings},
    )
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
