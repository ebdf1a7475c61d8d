"""The offline quality script of the recommender, on a small generated follow graph."""

import gzip
import json

import networkx as nx
import pytest

from ml.training.recommend_eval import hold_out, main, read_edges, score_ranking

METHODS = {"who_to_follow", "popularity", "common_neighbours", "random"}


@pytest.fixture
def edge_file(tmp_path):
    graph = nx.gnp_random_graph(120, 0.2, seed=3, directed=True)
    path = tmp_path / "edges.txt"
    path.write_text("".join(f"{u} {v}\n" for u, v in graph.edges()))
    return path, graph


def test_main_prints_one_json_report(edge_file, capsys):
    path, graph = edge_file
    report = main(["--edges", str(path), "--users", "20", "--min-followees", "10", "--seed", "1"])
    assert json.loads(capsys.readouterr().out) == report
    assert report["n_users"] == 20 and report["k"] == 10 and report["seed"] == 1
    assert report["graph"]["nodes"] == graph.number_of_nodes() and report["graph"]["edges"] == graph.number_of_edges()
    assert report["graph"]["held_out_edges"] > 20
    assert set(report["methods"]) == METHODS == set(report["timings"]["ms_per_user"])
    for scores in report["methods"].values():
        assert set(scores) == {"recall_at_10", "mrr"}
        assert all(0.0 <= value <= 1.0 for value in scores.values())
    for clocks in report["timings"]["ms_per_user"].values():
        for times in (clocks["wall"], clocks["cpu"]):
            assert times["mean_ms"] >= 0.0 and times["p50_ms"] <= times["p95_ms"]
    assert report["timings"]["graph_load_s"] >= 0 and report["timings"]["csr_build_s"] >= 0
    assert report["methods"]["who_to_follow"]["recall_at_10"] > 0


def test_bench_mode_times_the_three_calls(edge_file, capsys):
    path, _ = edge_file
    report = main(["--edges", str(path), "--bench", "3", "--features", str(path.with_name("absent.tsv.gz"))])
    assert set(report["bench"]) == {"users", "eligible", "friends", "big_accounts", "hashtags", "total"}
    assert set(report["bench"]["total"]) == {"wall", "cpu"}
    assert json.loads(capsys.readouterr().out) == report


def test_read_edges_plain_and_gzipped(tmp_path):
    plain, packed = tmp_path / "e.txt", tmp_path / "e.txt.gz"
    plain.write_text("1 2\n2 3\n")
    packed.write_bytes(gzip.compress(b"1 2\n2 3\n"))
    assert read_edges(plain).tolist() == read_edges(packed).tolist() == [[1, 2], [2, 3]]


def test_hold_out_is_seeded_and_removes_the_share(edge_file):
    _, graph = edge_file
    first, second = graph.copy(), graph.copy()
    hidden = hold_out(first, 5, 10, 0.2, seed=7)
    assert hidden == hold_out(second, 5, 10, 0.2, seed=7)
    for user, targets in hidden.items():
        assert len(targets) == max(1, round(0.2 * graph.out_degree(user)))
        assert targets <= set(graph.successors(user)) and not targets & set(first.successors(user))


def test_score_ranking():
    assert score_ranking([(5, 1.0), (7, 0.5)], {7, 9}, k=10) == (0.5, 0.5)
    assert score_ranking([(5, 1.0), (7, 0.5)], {7}, k=1) == (0.0, 0.0)
    assert score_ranking([], {7}, k=10) == (0.0, 0.0)
