"""Who-to-follow recommendations over a follower graph: pure functions, no framework.

The graph is a directed ``networkx.DiGraph``: nodes are Twitter user ids (ints) and an edge ``u -> v`` means
"u follows v". Self-loops are ignored. The method is Twitter's "WTF: The Who to Follow Service at Twitter"
(Gupta et al., WWW 2013):

1. **circle of trust**: personalised PageRank (PPR) from the user over follow edges, top ``size`` nodes;
2. **SALSA** on the bipartite graph hubs = circle of trust -> authorities = the accounts the hubs follow,
   the hubs starting from their PPR scores; the authority scores rank the candidates;
3. candidates exclude the user and the accounts the user already follows.

The numeric work runs on a CSR snapshot of the graph (:func:`csr_view`), built once per graph and cached on it:
one PPR matrix-vector product over the 1.77M-edge SNAP graph takes a few milliseconds, where a Python loop over
networkx dicts takes seconds. The last few PPR vectors are cached on the snapshot, so the three server calls for
one user (friends, big accounts, hashtags) share one PPR. Users not in the graph or following nobody get ``[]``.

Suggestions never mention moods: the server picks eligible accounts by mood, this module only ranks them.
"""

# Long module: one method (Twitter's WTF: a CSR snapshot, PPR, SALSA) and the three rankings built on it share
# private helpers (the per-snapshot memo, the exclusion mask); split, they would have to become public API.

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from itertools import chain

import networkx as nx
import numpy as np
import scipy.sparse as sp

from ml.text.preprocess import normalise_tag

OPPOSITE_STATUS = {"Depressed": "Cheerful", "Cheerful": "Depressed", "Stressed": "Satisfied", "Satisfied": "Stressed"}

# Tuned on the SNAP graph with ``python -m ml.training.recommend_eval --seed 1`` (recall@10 of held-out follows,
# 200 users): alpha 0.5 beat 0.3 and 0.15 (0.379 / 0.364 / 0.335 with 2 SALSA steps); 2 SALSA steps beat 1, 3 and 5
# (0.364 / 0.353 / 0.328 / 0.285 at alpha 0.3), since more steps drift towards plain in-degree inside the circle;
# circle sizes 100-1000 were within noise (+-0.02), and 500 reaches more candidates for the eligible-only friends.
ALPHA = 0.5  # PPR restart probability
PPR_ITERATIONS = 10  # truncation error (L1) <= 2 * (1 - ALPHA) ** PPR_ITERATIONS ~ 0.2 %
CIRCLE_SIZE = 500
SALSA_ITERATIONS = 2  # authority updates
# How much an account's content lean scales its score: strongly for a user who needs lifting, weakly otherwise.
STRONG_LEAN = 0.5
WEAK_LEAN = 0.1
NEEDS_LIFT = frozenset({"Stressed", "Depressed"})
_RESULTS_CACHED = 16  # PPR and WTF vectors of the last 8 users: one user's three server calls share them
_CACHE_KEY = "_csr"
_NX_CACHE_KEY = "mood_analytics_csr"


@dataclass(frozen=True)
class Suggestion:
    """An account suggestion; ``score`` is higher for better suggestions."""

    node: int
    score: float
    reason: str
    followed_by_followees: int


@dataclass(frozen=True)
class HashtagSuggestion:
    """A hashtag suggestion: ``tag`` without ``#``, lower-cased."""

    tag: str
    score: float
    reason: str
    accounts: int


@dataclass(eq=False)
class GraphArrays:
    """CSR snapshot of a follow graph, built by :func:`csr_view`; index ``i`` is node ``nodes[i]``."""

    nodes: list
    index: dict
    follows: sp.csr_array  # row u: the accounts u follows (0/1, self-loops dropped)
    followers: sp.csr_array  # row v: the accounts following v
    out_degree: np.ndarray
    in_degree: np.ndarray
    inv_out_degree: np.ndarray  # 1 / out-degree, 0 for dangling nodes
    dangling: np.ndarray  # indices of nodes that follow nobody
    by_in_degree: np.ndarray  # indices, most followed first, ties in node order
    results: OrderedDict = field(default_factory=OrderedDict, repr=False)  # see _memo
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def _build_arrays(graph: nx.DiGraph) -> GraphArrays:
    adjacency = list(graph.adjacency())
    nodes = [node for node, _ in adjacency]
    index = {node: i for i, node in enumerate(nodes)}
    n = len(nodes)
    counts = np.fromiter((len(nbrs) for _, nbrs in adjacency), dtype=np.int64, count=n)
    targets = np.fromiter(
        map(index.__getitem__, chain.from_iterable(nbrs for _, nbrs in adjacency)), dtype=np.int32, count=counts.sum()
    )
    sources = np.repeat(np.arange(n, dtype=np.int32), counts)
    keep = sources != targets  # a self-loop says nothing about whom to follow
    sources, targets = sources[keep], targets[keep]
    out_degree = np.bincount(sources, minlength=n)
    indptr = np.concatenate(([0], np.cumsum(out_degree)))
    follows = sp.csr_array((np.ones(len(targets)), targets, indptr), shape=(n, n))
    followers = follows.T.tocsr()
    in_degree = np.diff(followers.indptr)
    inv_out_degree = np.divide(1.0, out_degree, out=np.zeros(n), where=out_degree > 0)
    by_in_degree = np.lexsort((np.arange(n), -in_degree))
    return GraphArrays(
        nodes, index, follows, followers, out_degree, in_degree, inv_out_degree, np.flatnonzero(out_degree == 0),
        by_in_degree,
    )  # fmt: skip


def csr_view(graph: nx.DiGraph) -> GraphArrays:
    """The graph's CSR snapshot, built once and cached in ``graph.graph["_csr"]``.

    Parameters
    ----------
    graph : nx.DiGraph
        Directed follow graph; ``u -> v`` means u follows v.

    Returns
    -------
    GraphArrays
        Rebuilt when the graph's node or edge count changed since the cached one.

    Examples
    --------
    >>> G = nx.DiGraph([(1, 2), (2, 3), (3, 3)])
    >>> view = csr_view(G)
    >>> view.nodes, view.out_degree.tolist(), view is csr_view(G)
    ([1, 2, 3], [1, 1, 0], True)
    >>> G.add_edge(3, 1)
    >>> csr_view(G).out_degree.tolist()
    [1, 1, 1]
    """
    cached = graph.graph.get(_CACHE_KEY)  # ((nodes, edges), arrays)
    # networkx clears __networkx_cache__ on every structural change, so a marker there is an O(1) "unchanged"
    # test; counting edges takes ~60 ms on the SNAP graph, too much for every call.
    nx_cache = getattr(graph, "__networkx_cache__", None)
    if cached is not None and nx_cache is not None and nx_cache.get(_NX_CACHE_KEY) is cached[1]:
        return cached[1]
    key = (graph.number_of_nodes(), graph.number_of_edges())
    if cached is None or cached[0] != key:
        cached = (key, _build_arrays(graph))
        graph.graph[_CACHE_KEY] = cached
    if nx_cache is not None:
        nx_cache[_NX_CACHE_KEY] = cached[1]
    return cached[1]


def _memo(arrays: GraphArrays, key: tuple, compute):
    # Least-recently-used cache of read-only result arrays on the snapshot, so it dies with the snapshot.
    with arrays.lock:
        if key in arrays.results:
            arrays.results.move_to_end(key)
            return arrays.results[key]
    value = compute()
    for array in value if isinstance(value, tuple) else (value,):
        array.flags.writeable = False
    with arrays.lock:
        arrays.results[key] = value
        while len(arrays.results) > _RESULTS_CACHED:
            arrays.results.popitem(last=False)
    return value


def _ppr_vector(arrays: GraphArrays, source: int, alpha: float, iterations: int) -> np.ndarray:
    key = ("ppr", source, alpha, iterations)
    return _memo(arrays, key, lambda: _power_iteration(arrays, source, alpha, iterations))


def _power_iteration(arrays: GraphArrays, source: int, alpha: float, iterations: int) -> np.ndarray:
    # x <- (1 - alpha) P^T x + restart, from x = e_source; the mass of nodes following nobody restarts at the source.
    x = np.zeros(len(arrays.nodes))
    x[source] = 1.0
    for _ in range(iterations):
        stuck = x[arrays.dangling].sum()
        support = np.flatnonzero(x)
        # The first steps touch a few hops around the user: pushing along only their out-edges is much cheaper
        # than a product with the whole matrix (one step takes ~4 ms on the SNAP graph).
        if arrays.out_degree[support].sum() * 8 < arrays.follows.nnz:
            spread = arrays.follows[support].T @ (x[support] * arrays.inv_out_degree[support])
        else:
            spread = arrays.followers @ (x * arrays.inv_out_degree)
        x = (1.0 - alpha) * spread
        x[source] += alpha + (1.0 - alpha) * stuck
    return x


def _top(scores: np.ndarray, limit: int | None) -> np.ndarray:
    # Indices of the `limit` best positive scores, best first, ties in node order (deterministic at the cut too).
    candidates = np.flatnonzero(scores > 0)
    values = scores[candidates]
    if limit is not None and len(candidates) > limit:
        cut = np.partition(values, len(values) - limit)[len(values) - limit]
        candidates, values = candidates[values >= cut], values[values >= cut]
    return candidates[np.lexsort((candidates, -values))][:limit]


def _salsa_vector(arrays: GraphArrays, hubs: np.ndarray, hub_scores: np.ndarray, iterations: int) -> np.ndarray:
    # Alternate SALSA steps on hubs -> followed accounts: a hub splits its score over the accounts it follows,
    # an authority splits its score over the hubs following it. Returns authority scores summing to 1 (or 0s).
    block = arrays.follows[hubs]
    inv_hub = np.divide(1.0, np.diff(block.indptr), out=np.zeros(len(hubs)), where=np.diff(block.indptr) > 0)
    auth_degree = np.bincount(block.indices, minlength=block.shape[1])
    inv_auth = np.divide(1.0, auth_degree, out=np.zeros(block.shape[1]), where=auth_degree > 0)
    hub = hub_scores / hub_scores.sum() if hub_scores.sum() > 0 else hub_scores
    authority = np.zeros(block.shape[1])
    for step in range(max(1, iterations)):
        if step:
            hub = block @ (authority * inv_auth)
        authority = block.T @ (hub * inv_hub)
    total = authority.sum()
    return authority / total if total > 0 else authority


def _source(arrays: GraphArrays, user: int) -> int | None:
    # The user's index, or None when there is nothing to recommend from (unknown, or follows nobody).
    source = arrays.index.get(user)
    return source if source is not None and arrays.out_degree[source] > 0 else None


def _wtf_scores(
    arrays: GraphArrays, source: int, alpha: float, iterations: int, size: int, salsa_iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    # (PPR vector, SALSA authority vector with the user and its followees zeroed); both read-only.
    def compute():
        ppr = _ppr_vector(arrays, source, alpha, iterations)
        hubs = _top(ppr, size)
        authority = _salsa_vector(arrays, hubs, ppr[hubs], salsa_iterations)
        authority[_excluded(arrays, source)] = 0.0
        return ppr, authority

    return _memo(arrays, ("wtf", source, alpha, iterations, size, salsa_iterations), compute)


def _excluded(arrays: GraphArrays, source: int) -> np.ndarray:
    followees = arrays.follows.indices[arrays.follows.indptr[source] : arrays.follows.indptr[source + 1]]
    return np.append(followees, source)


def _pairs(arrays: GraphArrays, indices: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
    return [(arrays.nodes[i], float(scores[i])) for i in indices]


def personalized_pagerank(
    graph: nx.DiGraph, user: int, *, alpha: float = ALPHA, iterations: int = PPR_ITERATIONS
) -> dict[int, float]:
    """Personalised PageRank from ``user`` over follow edges, by ``iterations`` power-iteration steps.

    Parameters
    ----------
    graph : nx.DiGraph
        Directed follow graph; the walk moves from an account to one it follows.
    user : int
        The restart node; the walk restarts there with probability ``alpha`` and from nodes that follow nobody.
    alpha : float
        Restart probability.
    iterations : int
        Power-iteration steps from the start vector ``e_user``; the result is within
        ``2 * (1 - alpha) ** iterations`` (L1) of the exact PPR.

    Returns
    -------
    dict[int, float]
        Node -> score for the nonzero scores (they sum to 1); ``{}`` for a user not in the graph.

    Examples
    --------
    >>> G = nx.DiGraph([(1, 2), (1, 3), (2, 3)])
    >>> ppr = personalized_pagerank(G, 1, alpha=0.5, iterations=50)
    >>> {node: round(score, 3) for node, score in ppr.items()}
    {1: 0.615, 2: 0.154, 3: 0.231}
    """
    arrays = csr_view(graph)
    source = arrays.index.get(user)
    if source is None:
        return {}
    ppr = _ppr_vector(arrays, source, alpha, iterations)
    return dict(_pairs(arrays, np.flatnonzero(ppr), ppr))


def circle_of_trust(graph: nx.DiGraph, user: int, size: int = CIRCLE_SIZE, **ppr_kwargs) -> dict[int, float]:
    """The ``size`` nodes with the highest personalised PageRank from ``user`` (the user may be one of them).

    Parameters
    ----------
    graph : nx.DiGraph
        Directed follow graph.
    user : int
        Whose circle.
    size : int
        How many nodes to keep.
    **ppr_kwargs
        ``alpha`` and ``iterations`` for :func:`personalized_pagerank`.

    Returns
    -------
    dict[int, float]
        Node -> PPR score, best first (ties in node order); ``{}`` for a user not in the graph.

    Examples
    --------
    >>> G = nx.DiGraph([(1, 2), (1, 3), (2, 3), (3, 4)])
    >>> list(circle_of_trust(G, 1, size=2, alpha=0.5, iterations=50))
    [1, 3]
    """
    arrays = csr_view(graph)
    source = arrays.index.get(user)
    if source is None:
        return {}
    ppr = _ppr_vector(arrays, source, **{"alpha": ALPHA, "iterations": PPR_ITERATIONS, **ppr_kwargs})
    return dict(_pairs(arrays, _top(ppr, size), ppr))


def salsa(graph: nx.DiGraph, hubs: Mapping[int, float], iterations: int = SALSA_ITERATIONS) -> dict[int, float]:
    """SALSA authority scores on the bipartite graph hubs -> the accounts the hubs follow.

    Parameters
    ----------
    graph : nx.DiGraph
        Directed follow graph.
    hubs : Mapping[int, float]
        Hub node -> starting score (e.g. a :func:`circle_of_trust`); nodes not in the graph are ignored.
    iterations : int
        Authority updates: each hub splits its score over the accounts it follows, and between two updates each
        account splits its score back over the hubs following it.

    Returns
    -------
    dict[int, float]
        Authority node -> score (nonzero scores, summing to 1).

    Examples
    --------
    Hubs 1 and 2 both follow 4, only hub 2 follows 5:

    >>> G = nx.DiGraph([(1, 4), (2, 4), (2, 5), (3, 1)])
    >>> salsa(G, {1: 0.5, 2: 0.5}, iterations=1)
    {4: 0.75, 5: 0.25}
    """
    arrays = csr_view(graph)
    known = [(arrays.index[node], score) for node, score in hubs.items() if node in arrays.index]
    if not known:
        return {}
    indices = np.array([i for i, _ in known], dtype=np.int64)
    authority = _salsa_vector(arrays, indices, np.array([s for _, s in known], dtype=float), iterations)
    return dict(_pairs(arrays, _top(authority, None), authority))


def rank_who_to_follow(
    graph: nx.DiGraph,
    user: int,
    limit: int | None = None,
    *,
    alpha: float = ALPHA,
    iterations: int = PPR_ITERATIONS,
    size: int = CIRCLE_SIZE,
    salsa_iterations: int = SALSA_ITERATIONS,
) -> list[tuple[int, float]]:
    """Rank accounts for ``user`` to follow by WTF: SALSA authority over the user's circle of trust.

    Parameters
    ----------
    graph : nx.DiGraph
        Directed follow graph.
    user : int
        Who the ranking is for.
    limit : int or None
        Keep this many; ``None`` keeps every account the SALSA step reached.
    alpha, iterations, size, salsa_iterations
        PPR restart probability and steps, circle size, SALSA authority updates.

    Returns
    -------
    list[tuple[int, float]]
        ``(node, authority score)`` best first, never the user or an account it follows; ``[]`` for a user
        not in the graph or following nobody.

    Examples
    --------
    User 1 follows 2 and 3; both follow 4, only 3 follows 5:

    >>> G = nx.DiGraph([(1, 2), (1, 3), (2, 4), (3, 4), (3, 5)])
    >>> [node for node, _ in rank_who_to_follow(G, 1)]
    [4, 5]
    """
    arrays = csr_view(graph)
    source = _source(arrays, user)
    if source is None:
        return []
    _, authority = _wtf_scores(arrays, source, alpha, iterations, size, salsa_iterations)
    return _pairs(arrays, _top(authority, limit), authority)


def rank_popularity(graph: nx.DiGraph, user: int, limit: int) -> list[tuple[int, float]]:
    """Baseline: the most followed accounts (in-degree), without the user and the accounts it follows.

    Examples
    --------
    >>> G = nx.DiGraph([(1, 2), (3, 4), (2, 4), (5, 3), (5, 4)])
    >>> rank_popularity(G, 1, 2)
    [(4, 3.0), (3, 1.0)]
    """
    arrays = csr_view(graph)
    source = _source(arrays, user)
    if source is None:
        return []
    skip = set(_excluded(arrays, source).tolist())
    chosen: list[tuple[int, float]] = []
    for i in arrays.by_in_degree:
        if len(chosen) == limit or arrays.in_degree[i] == 0:
            break
        if i not in skip:
            chosen.append((arrays.nodes[i], float(arrays.in_degree[i])))
    return chosen


def rank_common_neighbours(graph: nx.DiGraph, user: int, limit: int) -> list[tuple[int, float]]:
    """Baseline: accounts followed by the most of the user's followees (user and its followees excluded).

    Examples
    --------
    >>> G = nx.DiGraph([(1, 2), (1, 3), (2, 4), (3, 4), (3, 5), (3, 2)])
    >>> rank_common_neighbours(G, 1, 10)
    [(4, 2.0), (5, 1.0)]
    """
    arrays = csr_view(graph)
    source = _source(arrays, user)
    if source is None:
        return []
    excluded = _excluded(arrays, source)
    counts = np.bincount(arrays.follows[excluded[:-1]].indices, minlength=len(arrays.nodes)).astype(float)
    counts[excluded] = 0.0
    return _pairs(arrays, _top(counts, limit), counts)


def rank_random(graph: nx.DiGraph, user: int, limit: int, rng: random.Random) -> list[tuple[int, float]]:
    """Baseline: ``limit`` distinct random accounts (not the user, not followed); scores ``limit, limit-1, ...``.

    Examples
    --------
    >>> import random
    >>> G = nx.DiGraph([(1, 2), (3, 4), (4, 5)])
    >>> sorted(node for node, _ in rank_random(G, 1, 10, random.Random(0)))
    [3, 4, 5]
    """
    arrays = csr_view(graph)
    source = _source(arrays, user)
    if source is None:
        return []
    skip = set(_excluded(arrays, source).tolist())
    available = len(arrays.nodes) - len(skip)
    chosen: dict[int, None] = {}
    # Rejection sampling: the excluded set is tiny next to the graph, so this beats copying the node list.
    while len(chosen) < min(limit, available):
        i = rng.randrange(len(arrays.nodes))
        if i not in skip:
            chosen[i] = None
    return [(arrays.nodes[i], float(limit - rank)) for rank, i in enumerate(chosen)]


def content_lean(probs: Mapping[str, float]) -> float:
    """How calm and joyful an account's content is, in [-1, 1]: ``joy + love + neutral / 2 - sadness - anger - fear``.

    Joy and love lift a reader; sadness, anger and fear weigh on one. Neutral counts half: calm, factual content
    helps someone stressed or low more than more emotion of any kind. Surprise counts 0: its valence is mixed.
    With probabilities summing to 1 the value already lies in [-1, 1]; the clip guards other inputs.

    Parameters
    ----------
    probs : Mapping[str, float]
        Mean classifier probabilities over an account's tweets (sadness joy love anger fear surprise neutral);
        missing labels read as 0.

    Returns
    -------
    float
        1 for purely joyful content, -1 for purely sad, angry or fearful content.

    Examples
    --------
    >>> content_lean({"joy": 0.5, "neutral": 0.3, "anger": 0.2}), content_lean({"fear": 1.0})
    (0.45, -1.0)
    """
    value = (
        probs.get("joy", 0.0) + probs.get("love", 0.0) + 0.5 * probs.get("neutral", 0.0)
        - probs.get("sadness", 0.0) - probs.get("anger", 0.0) - probs.get("fear", 0.0)
    )  # fmt: skip
    return round(min(1.0, max(-1.0, float(value))), 6)


def _lean_weight(status: str | None) -> float:
    return STRONG_LEAN if status in NEEDS_LIFT else WEAK_LEAN


def _clip(value: float) -> float:
    return min(1.0, max(-1.0, float(value)))


def _followee_counts(arrays: GraphArrays, source: int, candidates: np.ndarray) -> np.ndarray:
    # For each candidate, how many of the user's followees follow it.
    mark = np.zeros(len(arrays.nodes))
    mark[_excluded(arrays, source)[:-1]] = 1.0
    return np.rint(arrays.followers[candidates] @ mark).astype(int) if len(candidates) else np.zeros(0, dtype=int)


def _accounts(count: int) -> str:
    return f"{count:,} account{'s' if count != 1 else ''}"


def recommend_friends(graph: nx.DiGraph, user: int, eligible: Collection[int], limit: int = 10) -> list[Suggestion]:
    """Suggest accounts from ``eligible`` for ``user`` to follow, ranked by WTF.

    Parameters
    ----------
    graph : nx.DiGraph
        Directed follow graph.
    user : int
        Who the suggestions are for.
    eligible : Collection[int]
        The only accounts that may be suggested (the server's opt-in and mood filter).
    limit : int
        At most this many suggestions.

    Returns
    -------
    list[Suggestion]
        Best first, never the user or an account it follows. Accounts the SALSA step reached score in (0.5, 1]
        (relative to the best of them); the others fall back to their PPR proximity, scaled into (0, 0.5].
        Accounts the user's PPR does not reach at all (no follow path of at most ``PPR_ITERATIONS`` steps) are
        dropped: nothing in the graph vouches for them.

    Examples
    --------
    >>> G = nx.DiGraph([(1, 2), (1, 3), (2, 4), (3, 4), (3, 5), (6, 1)])
    >>> [(s.node, s.reason) for s in recommend_friends(G, 1, eligible={2, 5, 6})]
    [(5, 'followed by 1 account you follow')]
    """
    arrays = csr_view(graph)
    source = _source(arrays, user)
    if source is None:
        return []
    ppr, authority = _wtf_scores(arrays, source, ALPHA, PPR_ITERATIONS, CIRCLE_SIZE, SALSA_ITERATIONS)
    candidates = np.array(sorted({arrays.index[n] for n in eligible if n in arrays.index}), dtype=np.int64)
    score = np.zeros(len(arrays.nodes))
    if len(candidates):
        proximity = ppr[candidates]
        proximity[np.isin(candidates, _excluded(arrays, source))] = 0.0
        reached = authority[candidates] > 0
        if reached.any():
            score[candidates[reached]] = 0.5 + 0.5 * authority[candidates[reached]] / authority[candidates].max()
        if (proximity[~reached] > 0).any():
            score[candidates[~reached]] = 0.5 * proximity[~reached] / proximity[~reached].max()
    chosen = _top(score, limit)
    counts = _followee_counts(arrays, source, chosen)
    suggestions = []
    for i, count in zip(chosen, counts):
        if count:
            reason = f"followed by {_accounts(count)} you follow"
        elif authority[i] > 0:
            reason = "followed by accounts close to you in the follow graph"
        else:
            reason = "connected to you through the accounts you follow"
        suggestions.append(Suggestion(arrays.nodes[i], round(float(score[i]), 6), reason, int(count)))
    return suggestions


def recommend_big_accounts(
    graph: nx.DiGraph, user: int, lean: Mapping[int, float], status: str | None, limit: int = 10
) -> list[Suggestion]:
    """Suggest influential accounts near ``user``, favouring calm and joyful content when the user needs it.

    Candidates are the accounts the SALSA step reaches (followed by the user's circle of trust), minus the user
    and its followees. Score = ``sqrt(relevance) * influence * (1 + w * lean)``: relevance is the SALSA authority
    relative to the best candidate's, influence is ``log(1 + in-degree)`` relative to the graph's largest, so
    neither nearness nor size alone wins; ``w`` is ``STRONG_LEAN`` for ``Stressed``/``Depressed``, else
    ``WEAK_LEAN``.

    Parameters
    ----------
    graph : nx.DiGraph
        Directed follow graph.
    user : int
        Who the suggestions are for.
    lean : Mapping[int, float]
        Node -> :func:`content_lean` of its analysed tweets; absent means unknown, read as 0.
    status : str or None
        The user's mood status, or None when unknown.
    limit : int
        At most this many suggestions.

    Returns
    -------
    list[Suggestion]
        Best first.

    Examples
    --------
    >>> G = nx.DiGraph([(1, 2), (2, 3), (2, 4), (5, 3), (6, 3), (5, 4)])
    >>> [(s.node, s.reason) for s in recommend_big_accounts(G, 1, {}, None)]
    [(3, 'followed by 1 account you follow; 3 followers in the graph'), (4, 'followed by 1 account you follow; \
2 followers in the graph')]
    """
    arrays = csr_view(graph)
    source = _source(arrays, user)
    if source is None:
        return []
    _, authority = _wtf_scores(arrays, source, ALPHA, PPR_ITERATIONS, CIRCLE_SIZE, SALSA_ITERATIONS)
    candidates = np.flatnonzero(authority)
    if not len(candidates):
        return []
    lift = np.zeros(len(arrays.nodes))
    if lean:
        where = np.fromiter((arrays.index.get(node, -1) for node in lean), dtype=np.int64, count=len(lean))
        values = np.clip(np.fromiter(lean.values(), dtype=float, count=len(lean)), -1.0, 1.0)
        lift[where[where >= 0]] = values[where >= 0]
    score = np.zeros(len(arrays.nodes))
    relevance = np.sqrt(authority[candidates] / authority[candidates].max())
    influence = np.log1p(arrays.in_degree[candidates]) / np.log1p(arrays.in_degree.max())
    score[candidates] = relevance * influence * (1.0 + _lean_weight(status) * lift[candidates])
    chosen = _top(score, limit)
    suggestions = []
    for i, count in zip(chosen, _followee_counts(arrays, source, chosen)):
        near = f"followed by {_accounts(count)} you follow" if count else "followed by accounts close to you"
        followers = int(arrays.in_degree[i])
        reason = f"{near}; {followers:,} follower{'s' if followers != 1 else ''} in the graph"
        suggestions.append(Suggestion(arrays.nodes[i], round(float(score[i]), 6), reason, int(count)))
    return suggestions


def recommend_hashtags(
    graph: nx.DiGraph,
    user: int,
    hashtags: Mapping[int, Collection[str]],
    lean: Mapping[int, float],
    tag_lean: Mapping[str, float],
    status: str | None,
    limit: int = 10,
) -> list[HashtagSuggestion]:
    """Suggest hashtags used in ``user``'s circle of trust, by nearness and helpfulness of who uses them.

    An account of the circle (the user aside) adds ``ppr * (1 + w * lean)`` to each tag it uses; a tag's total
    is then scaled by ``1 + w * tag_lean`` (0 when unknown), with ``w`` as in :func:`recommend_big_accounts`.
    Tags are compared after :func:`normalise_tag`; tags the user already uses are left out.

    Parameters
    ----------
    graph : nx.DiGraph
        Directed follow graph.
    user : int
        Who the suggestions are for.
    hashtags : Mapping[int, Collection[str]]
        Node -> hashtags it used (with or without ``#``).
    lean : Mapping[int, float]
        Node -> :func:`content_lean` of its analysed tweets; absent reads as 0.
    tag_lean : Mapping[str, float]
        Tag (as :func:`normalise_tag` gives it) -> mean :func:`content_lean` of stored tweets carrying it;
        absent reads as 0.
    status : str or None
        The user's mood status, or None when unknown.
    limit : int
        At most this many suggestions.

    Returns
    -------
    list[HashtagSuggestion]
        Best first, scores relative to the best (1.0); ties in alphabetical order.

    Examples
    --------
    >>> G = nx.DiGraph([(1, 2), (1, 3), (2, 3)])
    >>> tags = {1: ["#news"], 2: ["#News", "#cats"], 3: ["#cats", "#dogs"]}
    >>> [(s.tag, s.accounts) for s in recommend_hashtags(G, 1, tags, {}, {}, None)]
    [('cats', 2), ('dogs', 1)]
    """
    arrays = csr_view(graph)
    source = _source(arrays, user)
    if source is None:
        return []
    ppr = _ppr_vector(arrays, source, ALPHA, PPR_ITERATIONS)
    weight = _lean_weight(status)
    own = {normalise_tag(tag) for tag in hashtags.get(user, ())}
    totals: dict[str, float] = {}
    accounts: dict[str, int] = {}
    for i in _top(ppr, CIRCLE_SIZE):
        node = arrays.nodes[i]
        tags = hashtags.get(node) if node != user else None
        if not tags:
            continue
        contribution = ppr[i] * (1.0 + weight * _clip(lean.get(node, 0.0)))
        for tag in {normalise_tag(tag) for tag in tags} - own - {""}:
            totals[tag] = totals.get(tag, 0.0) + contribution
            accounts[tag] = accounts.get(tag, 0) + 1
    if not totals:
        return []
    scored = {tag: total * (1.0 + weight * _clip(tag_lean.get(tag, 0.0))) for tag, total in totals.items()}
    best = max(scored.values())
    ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [
        HashtagSuggestion(tag, round(score / best, 6), f"used by {_accounts(accounts[tag])} near you", accounts[tag])
        for tag, score in ranked
    ]
