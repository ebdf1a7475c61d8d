"""The follower graph of this worker process: one ``GraphCache``, made on first use, after the fork."""

from __future__ import annotations

import threading

import networkx as nx

from server.graph import GraphCache

_lock = threading.Lock()
_cache: GraphCache | None = None


def get_graph() -> nx.DiGraph:
    """This process's graph, reloaded from the database only when its version moved."""
    global _cache
    if _cache is None:
        with _lock:
            if _cache is None:
                _cache = GraphCache()
    return _cache.get()
