"""The SNAP importer and the ``flask graph`` commands: exact imports, all-or-nothing on bad input, idempotent."""

from __future__ import annotations

import gzip

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.graph import store as graph
from server.graph.snap import ImportFileError, import_snap, normalize_hashtag
from server.models import Follow, GraphHashtag
from tests.server.graph import test_store as test_graph
from tests.server.graph.test_store import stored_edges

# The fixtures of the graph tests (SQLite and PostgreSQL), shared the way conftest.py shares the app fixtures.
graph_app, postgres_url = test_graph.graph_app, test_graph.postgres_url

EDGES = "# SNAP ego-Twitter\n12 13\n\n12\t14\n  13 12  \n# a comment\n14 14\n"
FEATURES = "node_id\tfeatures\n12\t#MakeItWork #TED. @ev #ted #SOPA: # #!!\n13\t@only @mentions\n14\t#Ünïcode…\n"


def write(path, text: str):
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def stored_hashtags() -> set[tuple[int, str]]:
    return set(db.session.execute(sa.select(GraphHashtag.twitter_id, GraphHashtag.tag)).tuples())


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_import_reads_plain_and_gzip_files_exactly(graph_app, tmp_path, suffix):
    stats = import_snap(write(tmp_path / f"edges.txt{suffix}", EDGES), write(tmp_path / f"f.tsv{suffix}", FEATURES))

    assert stored_edges() == {(12, 13), (12, 14), (13, 12), (14, 14)}
    assert stored_hashtags() == {(12, "makeitwork"), (12, "ted"), (12, "sopa"), (14, "ünïcode")}
    assert (stats.edges_read, stats.edges_new, stats.accounts_with_hashtags, stats.hashtags_new) == (4, 4, 2, 4)
    assert graph.graph_version() == 1
    assert db.session.scalar(sa.select(sa.func.min(Follow.source))) == "snap"


def test_reimport_is_idempotent_and_keeps_the_version(graph_app, tmp_path):
    edges, features = write(tmp_path / "edges.txt", EDGES), write(tmp_path / "f.tsv", FEATURES)
    import_snap(edges, features)
    stats = import_snap(edges, features)
    assert (stats.edges_read, stats.edges_new, stats.hashtags_new) == (4, 0, 0)
    assert graph.graph_version() == 1
    assert len(stored_edges()) == 4


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("a b", "expected two non-negative integer ids, got 'a b'"),
        ("12", "expected two non-negative integer ids, got '12'"),
        ("1 2 3", "expected two non-negative integer ids, got '1 2 3'"),
        ("1 -2", "expected two non-negative integer ids, got '1 -2'"),
        ("1 99999999999999999999", "id larger than 9223372036854775807: '1 99999999999999999999'"),
    ],
)
def test_a_malformed_edge_line_writes_nothing(graph_app, tmp_path, line, problem):
    graph.store_follows([(1, 2)])
    graph.store_graph_accounts([(1, "one")])
    version_before = graph.graph_version()
    db.session.commit()
    path = write(tmp_path / "edges.txt", f"# header\n12 13\n\n{line}\n13 12\n")

    with pytest.raises(ImportFileError) as caught:
        import_snap(path, write(tmp_path / "f.tsv", FEATURES))
    assert str(caught.value) == f"{path}:4: {problem}"
    assert (caught.value.path, caught.value.lineno) == (str(path), 4)
    assert stored_edges() == {(1, 2)}
    assert stored_hashtags() == set()
    assert graph.graph_version() == version_before
    assert graph.usernames([1]) == {1: "one"}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("x12\t#tag", "expected a non-negative integer node id, got 'x12'"),
        ("12 #tag", "expected 'ID<TAB>features', got '12 #tag'"),
    ],
)
def test_a_malformed_hashtag_line_writes_nothing(graph_app, tmp_path, line, problem):
    graph.store_follows([(1, 2)])
    db.session.commit()
    features = write(tmp_path / "f.tsv.gz", f"node_id\tfeatures\n12\t#ok\n{line}\n")

    with pytest.raises(ImportFileError, match=rf"^{tmp_path}/f\.tsv\.gz:3: ") as caught:
        import_snap(write(tmp_path / "edges.txt", EDGES), features)
    assert caught.value.problem == problem
    assert stored_edges() == {(1, 2)}
    assert stored_hashtags() == set()
    assert graph.graph_version() == 1


def test_a_truncated_gzip_file_is_an_import_error(graph_app, tmp_path):
    path = tmp_path / "edges.txt.gz"
    path.write_bytes(gzip.compress(b"12 13\n" * 1000)[:-20])
    with pytest.raises(ImportFileError, match=r"edges\.txt\.gz:\d+: cannot read the file"):
        import_snap(path)
    assert stored_edges() == set()


def test_a_database_error_mid_import_rolls_everything_back(graph_app, tmp_path, monkeypatch):
    graph.store_follows([(1, 2)])
    db.session.commit()

    def fail():
        raise sa.exc.OperationalError("UPDATE graph_state", {}, Exception("disk I/O error"))

    monkeypatch.setattr(graph, "bump_graph_version", fail)  # after every row was inserted
    with pytest.raises(sa.exc.OperationalError):
        import_snap(write(tmp_path / "edges.txt", EDGES), write(tmp_path / "f.tsv", FEATURES))
    assert stored_edges() == {(1, 2)}
    assert stored_hashtags() == set()
    assert graph.graph_version() == 1


def test_normalize_hashtag():
    assert normalize_hashtag("#TED.") == "ted"
    assert normalize_hashtag("##Wow!!!") == "wow"
    assert normalize_hashtag("#c2012") == "c2012"
    assert normalize_hashtag("@mashable:") is None
    assert normalize_hashtag("#...") is None
    assert normalize_hashtag("#" + "x" * 141) is None


def test_cli_imports_and_prints_stats(graph_app, tmp_path):
    runner = graph_app.test_cli_runner()
    edges, features = write(tmp_path / "edges.txt", EDGES), write(tmp_path / "f.tsv", FEATURES)

    result = runner.invoke(args=["graph", "import", str(edges), "--hashtags", str(features)])
    assert result.exit_code == 0, result.output
    assert "edges: 4 read, 4 new; hashtags: 4 new for 2 accounts" in result.output
    result = runner.invoke(args=["graph", "stats"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:4] == ["nodes: 3", "edges: 4", "version: 1", "hashtag_rows: 4"]


def test_cli_reports_a_malformed_file_with_exit_status_1(graph_app, tmp_path):
    bad = write(tmp_path / "bad.txt", "12 13\n12 x\n")
    result = graph_app.test_cli_runner().invoke(args=["graph", "import", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {bad}:2: expected two non-negative integer ids, got '12 x'"
    assert stored_edges() == set()
