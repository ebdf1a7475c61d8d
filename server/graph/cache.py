"""This worker's copy of the follower graph (networkx), reloaded or patched when the stored version moves.

The loader reads with a raw DBAPI cursor: ORM rows would make loading 1.8 million edges several times slower.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import networkx as nx

from server.extensions import db
from server.graph.store import STATE_ID, graph_changes, graph_version

logger = logging.getLogger(__name__)

FETCH_CHUNK = 100_000  # edges per fetchmany while loading
VERSION_QUERY = f"SELECT version FROM graph_state WHERE id = {STATE_ID}"
EDGES_QUERY = "SELECT follower_id, followee_id FROM follows"


def load_graph() -> nx.DiGraph:
    """Every committed edge as a DiGraph of int ids; ``G.graph["version"]`` is the version of exactly these edges."""
    started = time.perf_counter()
    with _edges_snapshot() as (version, cursor):
        graph = build_graph(iter(lambda: cursor.fetchmany(FETCH_CHUNK), []))
    graph.graph["version"] = version
    logger.info(
        "graph version %d loaded: %d nodes, %d edges in %.1f s",
        version,
        graph.number_of_nodes(),
        graph.number_of_edges(),
        time.perf_counter() - started,
    )
    return graph


def build_graph(batches: Iterable[Sequence[tuple[int, int]]]) -> nx.DiGraph:
    """A DiGraph of distinct ``(u, v)`` edges, filled straight into networkx's adjacency dicts.

    The same structures ``add_edges_from`` fills (one attribute dict per edge, shared by ``_succ`` and ``_pred``;
    one per node in ``_node``) at about two thirds of its cost, which keeps the 1.8-million-edge load under its
    10 s budget on a shared CPU. Edges must be distinct (they come from the primary key): a repeated edge would
    get a fresh attribute dict instead of keeping its first.
    """
    graph = nx.DiGraph()
    succ, pred, node = graph._succ, graph._pred, graph._node
    collecting = gc.isenabled()
    # Millions of new dicts would trigger full collections that find no garbage: a third of the time.
    gc.disable()
    try:
        for batch in batches:
            for u, v in batch:
                data: dict = {}
                try:
                    succ[u][v] = data
                except KeyError:  # u is a new node
                    succ[u] = {v: data}
                    pred.setdefault(u, {})
                    node[u] = {}
                try:
                    pred[v][u] = data
                except KeyError:  # v is a new node
                    pred[v] = {u: data}
                    succ.setdefault(v, {})
                    node[v] = {}
    finally:
        if collecting:
            gc.enable()
    return graph


class GraphCache:
    """The graph of one worker process, reloaded only when the stored version changed; make one after the fork.

    It reads committed data: call ``get()`` after committing graph writes. Not thread-safe (a prefork worker
    runs one task at a time).
    """

    def __init__(self) -> None:
        self._graph: nx.DiGraph | None = None
        self.loads = self.replays = 0  # how often it loaded everything / caught up from the change log

    def get(self) -> nx.DiGraph:
        """The graph, loaded on first use, then brought up to the stored version by replaying the logged changes."""
        if self._graph is not None:
            version = graph_version()
            if self._graph.graph["version"] == version:
                return self._graph
            changes = graph_changes(self._graph.graph["version"], version)
            if changes is not None:
                for follower, followee, added in changes:
                    if added:
                        self._graph.add_edge(follower, followee)
                    elif self._graph.has_edge(follower, followee):
                        self._graph.remove_edge(follower, followee)
                self._graph.graph["version"] = version
                self.replays += 1
                return self._graph
        # Drop the old copy before building the new one: two full graphs would not fit a worker's memory budget.
        self._graph = None
        self._graph = load_graph()
        self.loads += 1
        return self._graph


@contextmanager
def _edges_snapshot() -> Iterator[tuple[int, Any]]:
    """The version and a DBAPI cursor over every edge, both read from one committed snapshot."""
    engine = db.engine
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        # An in-memory database is one connection per thread, the session's: closing a second checkout would
        # roll the session back. No other process can write to it, so its uncommitted rows are the graph.
        with _sqlite_edges(db.session.connection().connection.driver_connection) as snapshot:
            yield snapshot
        return
    # A connection of its own: the caller's session may hold uncommitted writes that could still roll back.
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Under read committed each statement would see its own snapshot; the version must match the edges.
            connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            driver: Any = connection.connection.driver_connection  # psycopg's connection
            row = driver.execute(VERSION_QUERY).fetchone()
            # A server-side cursor streams the edges instead of holding all of them in libpq memory at once.
            with driver.cursor(name="graph_edges") as cursor:
                cursor.execute(EDGES_QUERY)
                yield (row[0] if row else 0), cursor
        else:
            with _sqlite_edges(connection.connection.driver_connection) as snapshot:
                yield snapshot  # closing the connection rolls back the read transaction


@contextmanager
def _sqlite_edges(driver: Any) -> Iterator[tuple[int, Any]]:
    # sqlite3 opens no transaction for a SELECT, so without one each statement would see its own snapshot.
    if not driver.in_transaction:
        driver.execute("BEGIN")
    cursor = driver.cursor()
    try:
        row = cursor.execute(VERSION_QUERY).fetchone()
        cursor.execute(EDGES_QUERY)
        yield (row[0] if row else 0), cursor
    finally:
        cursor.close()
