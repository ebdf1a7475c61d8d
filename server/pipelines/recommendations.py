"""The recommendation job: friends, big accounts and hashtags for an account, from the follower graph.

Steps: look up -> store the account -> fetch its following and followers into the graph (page by page, resumable)
-> analyse its tweets first when it has no analysis yet -> rank on this worker's graph -> store the result with
the job's success, in one commit (the runner, ``server.jobs.runner``, turns failures into job states). Where
Twitter refuses the follow lists (403, API tiers without them), the job ranks on the graph already stored and
marks the result degraded instead of failing.

Opposite-mood rule: friends are suggested to balance a mood, so a Depressed account is offered Cheerful friends,
Cheerful -> Depressed, Stressed -> Satisfied and Satisfied -> Stressed (``ml.graph.recommend.OPPOSITE_STATUS``): an
account is eligible only when its latest analysis has the opposite status of the user's latest one.

Privacy: results hold other accounts' ids, usernames, scores and reasons, never their moods, statuses,
probabilities or content leans. Being listed as someone's friend still reveals one thing, that the listed
account's mood is the opposite of the user's: that is why only accounts that opted in to matching
(``Account.match_opt_in``) are ever listed as friends. Big accounts and hashtags need no opt-in: their ranking
uses content leans, but a result never shows them.
"""

from __future__ import annotations

import logging
from collections import defaultdict

import networkx as nx
import numpy as np
import sqlalchemy as sa
import tweepy

from ml.graph.recommend import (
    OPPOSITE_STATUS,
    circle_of_trust,
    content_lean,
    csr_view,
    recommend_big_accounts,
    recommend_friends,
    recommend_hashtags,
)
from ml.labels import LABELS
from server.extensions import db
from server.graph import store as graph_store
from server.jobs.runner import JobRun, Resources
from server.models import (
    Account,
    Analysis,
    FollowWalk,
    Recommendation,
    Tweet,
    TweetEmotion,
    TweetHashtag,
    insert_ignore,
    latest_result,
)
from server.pipelines.analysis import analyse_tweets, fetch_job_account
from server.twitter import FOLLOW_DIRECTIONS, TwitterRejected, iter_follows

logger = logging.getLogger(__name__)

DEGRADED_REASON = "Twitter refused the follow lists (403); recommendations use the follower graph already stored"
LIMIT = 10  # suggestions per list
IN_CHUNK = 500  # ids per ``IN (...)``: old SQLite builds allow at most 999 parameters


def execute(run: JobRun, resources: Resources) -> Recommendation:
    """Every step of a recommendation job; returns the result, which the runner commits with the job's success."""
    client = resources.twitter
    user, account = fetch_job_account(run, client)
    refused = not fetch_follows(run, account, client)
    analysis = latest_result(Analysis, account.id)
    if analysis is None:
        analysis = analyse_tweets(run, account, client, user, resources.load_classifier)
        with run.phase("persist"):
            run.checkpoint()  # the analysis kept on its own: a retry of this job will not analyse again
    with run.phase("recommend"):
        graph = resources.load_graph()  # after the follow pages were committed: the cache reads committed edges
        lists = compute_recommendations(graph, account, analysis, limit=LIMIT)
    with run.phase("persist"):
        result = Recommendation(
            account_id=account.id,
            job_id=run.job.id,
            analysis_id=analysis.id,
            graph_version=graph.graph.get("version", 0),
            degraded=refused,
            degraded_reason=DEGRADED_REASON if refused else None,
            **lists,
        )
        db.session.add(result)
        db.session.flush()
    return result


# -- follow lists ------------------------------------------------------------------------------------------
def fetch_follows(run: JobRun, account: Account, client: tweepy.Client) -> bool:
    """Store the account's following and followers in the graph, resuming where the job stopped; False on a 403.

    ``job.follow_phase`` is the list being walked and ``job.follow_token`` the next page; ``"done"`` once both
    lists are stored, ``"refused"`` once Twitter answered 403, so a retried job remembers either outcome.
    """
    job = run.job
    if job.follow_phase in ("done", "refused"):
        return job.follow_phase == "done"
    node = int(account.twitter_id)
    start = FOLLOW_DIRECTIONS.index(job.follow_phase) if job.follow_phase else 0
    for direction in FOLLOW_DIRECTIONS[start:]:
        if job.follow_phase != direction:
            with run.phase("persist"):  # committed now: a retry after a failure on this list starts here
                run.checkpoint(follow_phase=direction, follow_token=None)
        try:
            _walk(run, node, client, direction)
        except TwitterRejected as error:
            if error.code != "twitter_forbidden":
                raise
            db.session.rollback()
            logger.warning("job %s: %s; ranking on the stored graph", job.id, error)
            with run.phase("persist"):
                db.session.execute(sa.delete(FollowWalk).where(FollowWalk.job_id == job.id))
                run.checkpoint(follow_phase="refused", follow_token=None)
            return False
    with run.phase("persist"):
        run.checkpoint(follow_phase="done")
    return True


def _walk(run: JobRun, node: int, client: tweepy.Client, direction: str) -> None:
    """Walk one follow list to its end, committing each page, then drop the stored edges it no longer has."""
    job = run.job
    walked = sa.and_(FollowWalk.job_id == job.id, FollowWalk.direction == direction)
    if job.follow_token is None:  # a walk from the first page: forget ids an interrupted earlier start saw
        db.session.execute(sa.delete(FollowWalk).where(walked))
        db.session.commit()  # never hold a write lock across a Twitter request
    pages = iter_follows(client, node, direction, job.follow_token)
    while True:
        with run.phase("fetch"):
            page = next(pages, None)
        if page is None:
            break
        with run.phase("persist"):
            others = [other for other, _ in page.users]
            graph_store.store_graph_accounts(page.users)
            edges = [(node, other) if direction == "following" else (other, node) for other in others]
            graph_store.store_follows(edges)
            insert_ignore(FollowWalk, [{"job_id": job.id, "direction": direction, "twitter_id": o} for o in others])
            run.checkpoint(follow_token=page.next_token)
    with run.phase("persist"):
        # Every id this walk saw, also on pages fetched before a retry or a killed worker: the rest unfollowed.
        seen = db.session.scalars(sa.select(FollowWalk.twitter_id).where(walked)).all()
        graph_store.replace_follows(node, direction, seen)
        db.session.execute(sa.delete(FollowWalk).where(walked))
        run.checkpoint(follow_token=None)


# -- ranking -----------------------------------------------------------------------------------------------
def compute_recommendations(graph: nx.DiGraph, account: Account, analysis: Analysis | None, *, limit: int = LIMIT):
    """Friends, big accounts and hashtags for ``account`` on ``graph``, as the plain lists a Recommendation stores.

    Reads the database (opt-ins, latest statuses, stored tweets and hashtags), never Twitter. Content leans are
    computed only for the analysed accounts among the candidates: the user's circle of trust and the accounts it
    follows (thousands of nodes on the SNAP graph, where analysed accounts are few).
    """
    user = int(account.twitter_id)
    if user not in graph:
        return {"friends": [], "big_accounts": [], "hashtags": []}
    status = analysis.status if analysis is not None else None
    version = analysis.model_version if analysis is not None else None
    circle = set(circle_of_trust(graph, user))
    analysed = _analysed()
    lean = _leans(_near(graph, circle, analysed), version)
    hashtags = {node: set(tags) for node, tags in graph_store.account_hashtags(circle | {user}).items()}
    tweeted = {node: account_id for node, account_id in analysed.items() if node in circle or node == user}
    for node, tags in _tweet_hashtags(tweeted).items():
        hashtags.setdefault(node, set()).update(tags)
    tag_lean = _tag_leans(tweeted, version)

    friends = recommend_friends(graph, user, eligible_friends(status, account.id), limit)
    big = recommend_big_accounts(graph, user, lean, status, limit)
    suggested_tags = recommend_hashtags(graph, user, hashtags, lean, tag_lean, status, limit)
    names = graph_store.usernames([s.node for s in friends + big])
    return {
        "friends": [_account_item(s, names) for s in friends],
        "big_accounts": [_account_item(s, names) for s in big],
        "hashtags": [{"tag": s.tag, "score": s.score, "reason": s.reason} for s in suggested_tags],
    }


def eligible_friends(status: str | None, exclude_account_id: int) -> set[int]:
    """Twitter ids of opted-in accounts whose latest analysis has the opposite status of ``status``."""
    wanted = OPPOSITE_STATUS.get(status) if status else None
    if wanted is None:
        return set()
    latest = (
        sa.select(sa.func.max(Analysis.id).label("id"))
        .join(Account, Account.id == Analysis.account_id)
        .where(Account.match_opt_in.is_(True), Account.id != exclude_account_id)
        .group_by(Analysis.account_id)
        .subquery()
    )
    rows = db.session.scalars(
        sa.select(Account.twitter_id)
        .join(Analysis, Analysis.account_id == Account.id)
        .where(Analysis.id.in_(sa.select(latest.c.id)), Analysis.status == wanted)
    )
    return {int(twitter_id) for twitter_id in rows}


def _account_item(suggestion, names: dict[int, str]) -> dict:
    return {
        "id": str(suggestion.node),
        "username": names.get(suggestion.node),
        "score": suggestion.score,
        "reason": suggestion.reason,
    }


def _near(graph: nx.DiGraph, circle: set[int], analysed: dict[int, int]) -> dict[int, int]:
    """Those of the ``analysed`` accounts that are in the circle or followed by one of its members."""
    arrays = csr_view(graph)  # the ranking's cached sparse snapshot: one product instead of a loop over in-edges
    in_circle = np.zeros(len(arrays.nodes))
    in_circle[[arrays.index[node] for node in circle]] = 1.0
    nodes = [node for node in analysed if node in arrays.index]
    rows = np.array([arrays.index[node] for node in nodes], dtype=np.int64)
    near = (in_circle[rows] + arrays.followers[rows] @ in_circle) > 0 if nodes else []
    return {node: analysed[node] for node, keep in zip(nodes, near) if keep}


def _analysed() -> dict[int, int]:
    """Twitter id -> account id of every account we stored tweets of (one query; far fewer than graph nodes)."""
    rows = db.session.execute(
        sa.select(Account.twitter_id, Account.id).where(sa.exists().where(Tweet.account_id == Account.id))
    )
    return {int(twitter_id): account_id for twitter_id, account_id in rows}


def _mean_probs(account_ids: list[int], version: str | None, *, per_tag: bool = False) -> dict:
    """Account id (or lower-cased hashtag) -> mean classifier probabilities of these accounts' classified tweets."""
    key = sa.func.lower(TweetHashtag.tag) if per_tag else Tweet.account_id
    totals: dict = {}
    for start in range(0, len(account_ids), IN_CHUNK):
        query = (
            sa.select(key, sa.func.count(), *(sa.func.sum(getattr(TweetEmotion, label)) for label in LABELS))
            .select_from(Tweet)
            .join(TweetEmotion, TweetEmotion.tweet_id == Tweet.id)
            .where(Tweet.account_id.in_(account_ids[start : start + IN_CHUNK]), TweetEmotion.model_version == version)
            .group_by(key)
        )
        if per_tag:
            query = query.join(TweetHashtag, TweetHashtag.tweet_id == Tweet.id)
        # Sums and counts, not averages: one hashtag's tweets may come from accounts in different chunks.
        for value, count, *sums in db.session.execute(query):
            total = totals.setdefault(value, [0, [0.0] * len(LABELS)])
            total[0] += count
            total[1] = [a + b for a, b in zip(total[1], sums)]
    return {value: {label: s / count for label, s in zip(LABELS, sums)} for value, (count, sums) in totals.items()}


def _leans(accounts: dict[int, int], version: str | None) -> dict[int, float]:
    """Twitter id -> content lean of that account's classified tweets."""
    by_account = {account_id: node for node, account_id in accounts.items()}
    probs = _mean_probs(list(by_account), version)
    return {by_account[account_id]: content_lean(p) for account_id, p in probs.items()}


def _tag_leans(accounts: dict[int, int], version: str | None) -> dict[str, float]:
    """Hashtag -> content lean of the classified tweets carrying it, among these accounts' tweets.

    Measured on the stored tweets of the accounts near the user (bounded work per request), not on every tweet.
    """
    probs = _mean_probs(list(accounts.values()), version, per_tag=True)
    return {tag: content_lean(p) for tag, p in probs.items()}


def _tweet_hashtags(accounts: dict[int, int]) -> dict[int, set[str]]:
    """Twitter id -> the hashtags of that account's stored tweets."""
    by_account = {account_id: node for node, account_id in accounts.items()}
    ids = list(by_account)
    tags: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(ids), IN_CHUNK):
        rows = db.session.execute(
            sa.select(Tweet.account_id, TweetHashtag.tag)
            .join(TweetHashtag, TweetHashtag.tweet_id == Tweet.id)
            .where(Tweet.account_id.in_(ids[start : start + IN_CHUNK]))
            .distinct()
        )
        for account_id, tag in rows:
            tags[by_account[account_id]].add(tag)
    return tags
