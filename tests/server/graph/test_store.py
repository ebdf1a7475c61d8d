"""The follower graph in the database and in a worker: idempotent writes, the version, loading and the cache.

Every test runs on SQLite and on PostgreSQL (a database of its own, dropped afterwards; skipped when no server
answers at 127.0.0.1:5432).
"""

from __future__ import annotations

import shutil
import socket
import threading
import uuid

import networkx as nx
import pytest
import sqlalchemy as sa

from config import TestConfig, database_url
from server import create_app
from server.extensions import db
from server.graph import cache as graph_cache
from server.graph import store as graph
from server.models import Account, Follow, GraphChange, GraphHashtag
from tests.server.fixtures_app import migrate

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
GRAPH_TABLES = ("follows", "graph_accounts", "graph_hashtags", "graph_state", "graph_changes", "accounts")


def postgres_answers() -> bool:
    """Whether a PostgreSQL server listens on 127.0.0.1:5432."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh migrated PostgreSQL database for the session, dropped afterwards."""
    if not postgres_answers():
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    import psycopg

    name = f"mood_graph_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        url = database_url(f"postgresql://postgres@127.0.0.1:5432/{name}")
        migrate(create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url}))
        yield url
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def graph_app(request, tmp_path, migrated_sqlite):
    """An app on an empty migrated database, with its app context pushed."""
    if request.param == "sqlite":
        shutil.copy(migrated_sqlite, tmp_path / "mood.db")
        url = f"sqlite:///{tmp_path / 'mood.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if request.param == "postgresql":
            db.session.execute(sa.text(f"TRUNCATE {', '.join(GRAPH_TABLES)} CASCADE"))
            db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def stored_edges() -> set[tuple[int, int]]:
    return set(db.session.execute(sa.select(Follow.follower_id, Follow.followee_id)).tuples())


def test_store_follows_is_idempotent_and_bumps_only_on_new_edges(graph_app):
    assert graph.graph_version() == 0
    assert graph.store_follows([(1, 2), (2, 3), (1, 2)]) == 2
    db.session.commit()
    assert graph.graph_version() == 1

    assert graph.store_follows([(1, 2), ("2", "3")]) == 0
    db.session.commit()
    assert graph.graph_version() == 1
    assert graph.store_follows([(1, 2), (3, 1)], source="snap") == 1
    db.session.commit()
    assert graph.graph_version() == 2
    assert stored_edges() == {(1, 2), (2, 3), (3, 1)}
    sources = dict(
        db.session.execute(sa.select(Follow.follower_id, Follow.source).where(Follow.followee_id != 3)).all()
    )
    assert sources == {1: "twitter", 3: "snap"}  # an existing edge keeps its source


def test_store_follows_takes_many_edges_in_chunks(graph_app, monkeypatch):
    monkeypatch.setattr(graph, "WRITE_CHUNK", 7)
    assert graph.store_follows((n, n + 1) for n in range(100)) == 100
    db.session.commit()
    assert len(stored_edges()) == 100
    assert graph.graph_version() == 1


def test_replace_follows_removes_unfollows_adds_follows_and_bumps(graph_app):
    graph.store_follows([(1, 2), (1, 3), (4, 1), (5, 1), (2, 3)], source="snap")
    db.session.commit()

    graph.replace_follows(1, "following", [3, 6])
    db.session.commit()
    assert graph.graph_version() == 2
    graph.replace_follows(1, "followers", [5, 7])
    db.session.commit()
    assert graph.graph_version() == 3
    assert stored_edges() == {(1, 3), (1, 6), (5, 1), (7, 1), (2, 3)}

    graph.replace_follows(1, "following", [6, 3])  # nothing changed: no new version, no reload anywhere
    db.session.commit()
    assert graph.graph_version() == 3
    graph.replace_follows(1, "following", [])
    db.session.commit()
    assert stored_edges() == {(5, 1), (7, 1), (2, 3)}
    with pytest.raises(ValueError):
        graph.replace_follows(1, "friends", [])


def test_bump_graph_version_loses_no_increment_under_concurrent_writers(graph_app):
    def bump(times):
        with graph_app.app_context():
            for _ in range(times):
                graph.bump_graph_version()
                db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=bump, args=(10,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert graph.graph_version() == 30


def test_usernames_come_from_graph_accounts_and_accounts(graph_app):
    graph.store_graph_accounts([(1, "one"), (2, None), (3, "three")])
    db.session.commit()
    graph.store_graph_accounts([(1, None), (2, "two"), (3, "three_new")])
    db.session.add(Account(twitter_id="3", username="Three", username_key="three"))
    db.session.add(Account(twitter_id="4", username="four", username_key="four"))
    db.session.commit()

    assert graph.usernames([1, 2, 3, 4, 5]) == {1: "one", 2: "two", 3: "Three", 4: "four"}
    assert graph.usernames([]) == {}


def test_account_hashtags_are_grouped_and_sorted(graph_app):
    db.session.add_all(GraphHashtag(twitter_id=node, tag=tag) for node, tag in [(1, "b"), (1, "a"), (2, "c")])
    db.session.commit()
    assert graph.account_hashtags([1, 2, 3]) == {1: ["a", "b"], 2: ["c"]}


def test_load_graph_equals_the_stored_edges_with_their_version(graph_app):
    empty = graph_cache.load_graph()
    assert (empty.number_of_nodes(), empty.graph["version"]) == (0, 0)

    edges = {(12, 13), (13, 12), (12, 14), (7, 7), (2**40, 12)}
    graph.store_follows(edges)
    db.session.commit()
    loaded = graph_cache.load_graph()
    assert set(loaded.edges) == edges
    assert set(loaded.nodes) == {7, 12, 13, 14, 2**40}
    assert all(type(node) is int for node in loaded)
    assert loaded.graph["version"] == graph.graph_version() == 1


def test_load_graph_reads_committed_edges_only(graph_app):
    graph.store_follows([(1, 2)])
    db.session.commit()
    graph.store_follows([(2, 3)])  # not committed: it could still roll back
    loaded = graph_cache.load_graph()
    assert (set(loaded.edges), loaded.graph["version"]) == ({(1, 2)}, 1)
    db.session.rollback()


def test_graph_cache_replays_logged_changes_instead_of_reloading(graph_app):
    graph.store_follows([(1, 2), (2, 3), (3, 1)])
    db.session.commit()
    cache = graph_cache.GraphCache()
    first = cache.get()
    assert cache.get() is first and cache.loads == 1
    assert graph.store_follows([(1, 2)]) == 0  # nothing new: no bump, nothing to replay
    db.session.commit()
    assert cache.get() is first and (cache.loads, cache.replays) == (1, 0)

    graph.store_follows([(4, 1), (1, 2)])  # a page of a walk: one new edge, one known
    db.session.commit()
    graph.replace_follows(1, "following", [3, 5])  # a complete walk: 1 unfollowed 2, followed 3 and 5
    db.session.commit()
    replayed = cache.get()
    assert replayed is first and (cache.loads, cache.replays) == (1, 1)
    assert set(replayed.edges) == set(graph_cache.load_graph().edges) == {(2, 3), (3, 1), (4, 1), (1, 3), (1, 5)}
    assert replayed.graph["version"] == graph.graph_version()


def test_graph_cache_reloads_after_a_change_it_cannot_replay(graph_app):
    graph.store_follows([(1, 2)])
    db.session.commit()
    cache = graph_cache.GraphCache()
    first = cache.get()
    graph.bump_graph_version()  # no edges listed (an import, a deletion): a marker
    db.session.execute(sa.delete(Follow).where(Follow.follower_id == 1))
    db.session.commit()
    second = cache.get()
    assert second is not first and cache.loads == 2
    assert set(second.edges) == set()

    graph.bump_graph_version([(7, 8, True)] * (graph.CHANGE_LOG_MAX + 1))  # too big to log edge by edge
    db.session.commit()
    assert cache.get() is not second and cache.loads == 3


def test_graph_cache_reloads_when_the_change_log_was_pruned(graph_app, monkeypatch):
    graph.store_follows([(1, 2)])
    db.session.commit()
    cache = graph_cache.GraphCache()
    cache.get()
    graph.store_follows([(2, 1)])
    db.session.execute(sa.delete(GraphChange))  # as if the versions it missed were pruned
    db.session.commit()
    assert set(cache.get().edges) == {(1, 2), (2, 1)} and cache.loads == 2


def test_build_graph_matches_add_edges_from():
    edges = [(1, 2), (2, 1), (3, 3), (2, 4), (5, 1), (4, 2)]
    built = graph_cache.build_graph([edges[:2], edges[2:]])
    expected = nx.DiGraph(edges)
    assert nx.utils.graphs_equal(built, expected)
    assert built._succ.keys() == built._pred.keys() == built._node.keys()
    assert all(built._succ[u][v] is built._pred[v][u] for u, v in edges)  # one attribute dict per edge


def test_load_graph_on_an_in_memory_database_keeps_the_sessions_writes():
    app = create_app(TestConfig)  # sqlite://: one connection, the session's
    with app.app_context():
        db.create_all()
        graph.store_follows([(1, 2)])
        assert set(graph_cache.load_graph().edges) == {(1, 2)}
        db.session.commit()
        assert set(graph_cache.load_graph().edges) == {(1, 2)}
        db.session.remove()
