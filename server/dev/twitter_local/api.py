"""The ``/2/`` routes: users, timelines, mentions, follows, tweet lookup and search, create and delete.

Route endpoint names are tweepy's method names; the rate limits in ``state.DEFAULT_RATE_LIMITS`` use them.
Authentication, faults and rate limits are applied before these views run (see ``app.py``).
"""

from __future__ import annotations

import bisect
import logging
from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, g, request

from server.dev.twitter_local import problems, search
from server.dev.twitter_local.params import TWEET_EXPANSIONS, USER_EXPANSIONS, QueryParams, encode_token
from server.dev.twitter_local.render import Renderer, assemble
from server.dev.twitter_local.state import LocalApiState
from server.dev.twitter_local.twitter_text import MAX_WEIGHTED_LENGTH, format_time, parse_time, weighted_length

logger = logging.getLogger(__name__)

bp = Blueprint("twitter_v2", __name__, url_prefix="/2")

LOOKUP_PARAMS = ("expansions", "tweet.fields", "user.fields")
TIMELINE_PARAMS = [
    "end_time", "expansions", "max_results", "media.fields", "pagination_token", "place.fields", "poll.fields",
    "since_id", "start_time", "tweet.fields", "until_id", "user.fields",
]  # fmt: skip
TWEET_LOOKUP_PARAMS = ("expansions", "media.fields", "place.fields", "poll.fields", "tweet.fields", "user.fields")
FOLLOW_PARAMS = ("expansions", "max_results", "pagination_token", "tweet.fields", "user.fields")
# The API only pages this far back: 3,200 own tweets (800 with exclude=replies) and 800 mentions.
TIMELINE_DEPTH, TIMELINE_DEPTH_NO_REPLIES, MENTIONS_DEPTH = 3200, 800, 800


def _state() -> LocalApiState:
    return current_app.extensions["twitter_local"]


def _renderer(query: QueryParams) -> Renderer:
    fields, expansions = query.fields(), query.expansions()
    query.check()
    state = _state()
    return Renderer(state.world, state.shift, g.auth.user_id, fields, expansions, request.host_url + "media/")


# -- users ---------------------------------------------------------------------------------------------------
def _one_user(render: Renderer, user: dict | None, value: str, parameter: str) -> dict:
    """One user, or the error the API gives for ``value`` of ``parameter`` (unknown, suspended...)."""
    problem = render.user_problem(user, value, parameter)
    if problem or user is None:
        return {"errors": [problem]}
    return render.users_response([user], single=True)


@bp.get("/users/by/username/<username>", endpoint="get_user_by_username")
def get_user_by_username(username: str):
    """One user by username."""
    query = QueryParams(request.args, LOOKUP_PARAMS, USER_EXPANSIONS)
    query.username("username", username)
    render = _renderer(query)
    return _one_user(render, _state().world.user_by_username(username), username, "username")


@bp.get("/users/by", endpoint="get_users_by_usernames")
def get_users_by_usernames():
    """Up to 100 users by username; the missing ones as partial errors."""
    query = QueryParams(request.args, ("usernames", *LOOKUP_PARAMS), USER_EXPANSIONS)
    names = [name for name in query.id_list("usernames") if query.username("usernames", name)]
    render = _renderer(query)
    world = _state().world
    return _many(render, [(name, world.user_by_username(name)) for name in names], "usernames")


@bp.get("/users", endpoint="get_users")
def get_users():
    """Up to 100 users by id."""
    query = QueryParams(request.args, ("ids", *LOOKUP_PARAMS), USER_EXPANSIONS)
    ids = [value for value in query.id_list("ids") if query.snowflake("ids", value) is not None]
    render = _renderer(query)
    world = _state().world
    return _many(render, [(value, world.user(value)) for value in ids], "ids")


def _many(render: Renderer, found: list[tuple[str, dict | None]], parameter: str) -> dict:
    users: list[dict] = []
    errors = []
    for value, user in found:
        problem = render.user_problem(user, value, parameter)
        if problem or user is None:
            errors.append(problem)
        else:
            users.append(user)
    if not users:
        return {"errors": errors}
    body = render.users_response(users)
    body["errors"] = body.get("errors", []) + errors
    return assemble(body["data"], body.get("includes"), body["errors"])


@bp.get("/users/me", endpoint="get_me")
def get_me():
    """The authenticating user (user context only)."""
    render = _renderer(QueryParams(request.args, LOOKUP_PARAMS, USER_EXPANSIONS))
    return render.users_response([_state().world.known_user(g.auth.user_id)], single=True)


@bp.get("/users/<user_id>", endpoint="get_user")
def get_user(user_id: str):
    """One user by id."""
    query = QueryParams(request.args, LOOKUP_PARAMS, USER_EXPANSIONS)
    query.snowflake("id", user_id)
    render = _renderer(query)
    return _one_user(render, _state().world.user(user_id), user_id, "id")


# -- timelines -----------------------------------------------------------------------------------------------
@bp.get("/users/<user_id>/tweets", endpoint="get_users_tweets")
def get_users_tweets(user_id: str):
    """A user's own tweets, retweets, quotes and replies, newest first."""
    return _timeline(user_id, mentions=False)


@bp.get("/users/<user_id>/mentions", endpoint="get_users_mentions")
def get_users_mentions(user_id: str):
    """Tweets mentioning the user, newest first."""
    return _timeline(user_id, mentions=True)


def _timeline(user_id: str, mentions: bool) -> dict:
    allowed = TIMELINE_PARAMS if mentions else [*TIMELINE_PARAMS, "exclude"]
    query = QueryParams(request.args, allowed, TWEET_EXPANSIONS)
    query.snowflake("id", user_id)
    max_results = query.integer("max_results", 5, 100, 10)
    since_id, until_id = query.snowflake("since_id"), query.snowflake("until_id")
    start, end = query.time("start_time"), query.time("end_time")
    if start and end and start >= end:
        message = (
            f"The `start_time` query parameter value [{request.args['start_time']}] must be before the `end_time` "
            f"query parameter value [{request.args['end_time']}]"
        )
        query.error("start_time", request.args["start_time"], message)
    exclude = set(query.choices("exclude", ("replies", "retweets")))
    token = query.token("t")
    render = _renderer(query)
    world = _state().world
    user = world.user(user_id)
    problem = render.user_problem(user, user_id, "id", content=True)
    if problem:
        return {"errors": [problem]}

    if mentions:
        depth, ids = MENTIONS_DEPTH, world.mention_ids(user_id)
    else:
        depth = TIMELINE_DEPTH_NO_REPLIES if "replies" in exclude else TIMELINE_DEPTH
        ids = world.timeline_ids(user_id)
    selected = []
    for tweet_id in reversed(ids[-depth:]):
        tweet = world.tweet(str(tweet_id))
        if tweet is None:  # deleted meanwhile
            continue
        kinds = {ref["type"] for ref in tweet.get("referenced_tweets") or ()}
        if ("retweets" in exclude and "retweeted" in kinds) or ("replies" in exclude and "replied_to" in kinds):
            continue
        if (since_id and tweet_id <= since_id) or (until_id and tweet_id >= until_id):
            continue
        created = world.created_at(tweet_id) + render.shift
        if (start and created < start) or (end and created > end):
            continue
        if mentions and not render.can_see_content(world.known_user(tweet["author_id"])):
            continue
        selected.append(tweet_id)

    page, meta = _page_by_id(selected, max_results, token)
    if not page:  # the API sends no "data" key at all for an empty page
        return {"meta": meta}
    return render.tweets_response([world.known_tweet(str(i)) for i in page], meta=meta)


def _page_by_id(ids_desc: list[int], size: int, token: tuple[str, int] | None) -> tuple[list[int], dict]:
    """One page of a newest-first id list; tokens hold an id, so pages stay right when new tweets arrive."""
    ascending = ids_desc[::-1]
    if token and token[0] == "p":  # the page just newer than the token's tweet
        stop = len(ids_desc) - bisect.bisect_right(ascending, token[1])
        start = max(0, stop - size)
    else:
        start = len(ids_desc) - bisect.bisect_left(ascending, token[1]) if token else 0
        stop = min(len(ids_desc), start + size)
    page = ids_desc[start:stop]
    if not page:
        return page, {"result_count": 0}
    meta = {"result_count": len(page), "newest_id": str(page[0]), "oldest_id": str(page[-1])}
    if stop < len(ids_desc):
        meta["next_token"] = encode_token("t", "n", page[-1])
    if start > 0:
        meta["previous_token"] = encode_token("t", "p", page[0])
    return page, meta


# -- search --------------------------------------------------------------------------------------------------
SEARCH_PARAMS = [
    "end_time", "expansions", "max_results", "media.fields", "next_token", "pagination_token", "place.fields",
    "poll.fields", "query", "since_id", "start_time", "tweet.fields", "until_id", "user.fields",
]  # fmt: skip
RECENT_SEARCH_DAYS = 7
FIRST_TWEET = parse_time("2006-03-21T00:00:00Z")


@bp.get("/tweets/search/recent", endpoint="search_recent_tweets")
def search_recent_tweets():
    """Tweets of the last seven days matching ``query``, newest first."""
    return _search(full_archive=False)


@bp.get("/tweets/search/all", endpoint="search_all_tweets")
def search_all_tweets():
    """Tweets since 2006 matching ``query``, newest first (the full-archive search of higher access levels)."""
    return _search(full_archive=True)


def _search(full_archive: bool) -> dict:
    query = QueryParams(request.args, SEARCH_PARAMS, TWEET_EXPANSIONS)
    text = request.args.get("query", "")
    matcher = None
    try:
        matcher = search.parse(text)
    except search.QueryError as error:
        query.error("query", text, str(error))
    max_results = query.integer("max_results", 10, 500 if full_archive else 100, 10)
    since_id, until_id = query.snowflake("since_id"), query.snowflake("until_id")
    start, end = query.time("start_time"), query.time("end_time")
    now = datetime.now(UTC).replace(microsecond=0)  # API time: the world's dates are shifted to it
    earliest = FIRST_TWEET if full_archive else now - timedelta(days=RECENT_SEARCH_DAYS)
    if start and start < earliest:
        raw = request.args["start_time"]
        message = f"Invalid 'start_time':'{raw}'. 'start_time' must be on or after {format_time(earliest)}"
        query.error("start_time", request.args["start_time"], message)
    if start and end and start >= end:
        query.error("start_time", request.args["start_time"], "'start_time' must be before 'end_time'")
    token = query.token("t", "next_token" if "next_token" in request.args else "pagination_token")
    render = _renderer(query)
    assert matcher is not None  # a bad query was an error above, raised by _renderer's check
    world = _state().world
    selected = []
    for tweet_id in reversed(world.tweet_ids()):
        created = world.created_at(tweet_id) + render.shift
        if created < max(earliest, start or earliest):
            break  # ids follow time: everything further is older
        if created > now or (end and created >= end):  # search's end_time is exclusive, its start_time inclusive
            continue
        if (since_id and tweet_id <= since_id) or (until_id and tweet_id >= until_id):
            continue
        tweet = world.tweet(str(tweet_id))
        if tweet is None:
            continue
        author = world.known_user(tweet["author_id"])
        if not render.can_see_content(author):
            continue
        if matcher(search.candidate(tweet, author["username"])):
            selected.append(tweet_id)
    page, meta = _page_by_id(selected, max_results, token)
    if not page:
        return {"meta": meta}
    meta.pop("previous_token", None)  # search pages forward only
    return render.tweets_response([world.known_tweet(str(i)) for i in page], meta=meta)


# -- follows -------------------------------------------------------------------------------------------------
@bp.get("/users/<user_id>/following", endpoint="get_users_following")
def get_users_following(user_id: str):
    """Accounts the user follows, most recent first."""
    return _follows(user_id, following=True)


@bp.get("/users/<user_id>/followers", endpoint="get_users_followers")
def get_users_followers(user_id: str):
    """Accounts following the user, most recent first."""
    return _follows(user_id, following=False)


def _follows(user_id: str, following: bool) -> dict:
    query = QueryParams(request.args, FOLLOW_PARAMS, USER_EXPANSIONS)
    query.snowflake("id", user_id)
    size = query.integer("max_results", 1, 1000, 100)
    token = query.token("u")
    render = _renderer(query)
    world = _state().world
    problem = render.user_problem(world.user(user_id), user_id, "id", content=True)
    if problem:
        return {"errors": [problem]}
    ids = world.following(user_id) if following else world.followers(user_id)
    users = [u for u in map(world.user, ids) if u is not None and not u.get("suspended")]
    start = token[1] if token else 0
    page = users[start : start + size]
    if not page:
        return {"meta": {"result_count": 0}}
    meta: dict[str, int | str] = {"result_count": len(page)}
    if start + size < len(users):
        meta["next_token"] = encode_token("u", "n", start + size)
    if start > 0:
        meta["previous_token"] = encode_token("u", "p", max(0, start - size))
    return render.users_response(page, meta=meta)


# -- tweets --------------------------------------------------------------------------------------------------
@bp.get("/tweets/<tweet_id>", endpoint="get_tweet")
def get_tweet(tweet_id: str):
    """One tweet by id."""
    query = QueryParams(request.args, TWEET_LOOKUP_PARAMS, TWEET_EXPANSIONS)
    query.snowflake("id", tweet_id)
    render = _renderer(query)
    problem = render.tweet_problem(tweet_id, "id")
    return {"errors": [problem]} if problem else render.tweets_response([_state().world.known_tweet(tweet_id)], True)


@bp.get("/tweets", endpoint="get_tweets")
def get_tweets():
    """Up to 100 tweets by id; the missing ones as partial errors."""
    query = QueryParams(request.args, ("ids", *TWEET_LOOKUP_PARAMS), TWEET_EXPANSIONS)
    ids = [value for value in query.id_list("ids") if query.snowflake("ids", value) is not None]
    render = _renderer(query)
    errors = [problem for value in ids if (problem := render.tweet_problem(value, "ids"))]
    visible = [_state().world.tweet(value) for value in ids if not render.tweet_problem(value, "ids")]
    if not visible:
        return {"errors": errors}
    body = render.tweets_response(visible)
    return assemble(body["data"], body.get("includes"), body.get("errors", []) + errors)


@bp.post("/tweets", endpoint="create_tweet")
def create_tweet():
    """Post a tweet or reply as the authenticating user: 201, or the API's 400/403 refusals."""
    state = _state()
    world = state.world
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problems.invalid_request([{"message": "Request body is not valid JSON."}]), 400
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        if not body.get("media"):
            return problems.invalid_request([{"message": "$.text: Tweet text must not be empty."}]), 400
        text = text or ""
    if weighted_length(text) > MAX_WEIGHTED_LENGTH:
        return problems.problem(403, problems.TEXT_TOO_LONG), 403
    render = Renderer(world, state.shift, g.auth.user_id, {}, set())
    record = {"author_id": g.auth.user_id, "text": text, "created_at": format_time(state.world_now())}
    references = []
    parent_id = str((body.get("reply") or {}).get("in_reply_to_tweet_id", ""))
    if body.get("reply") is not None:
        if not parent_id.isdigit() or render.tweet_problem(parent_id, "in_reply_to_tweet_id"):
            return problems.problem(403, problems.REPLY_NOT_VISIBLE), 403
        parent = world.tweet(parent_id)
        references.append({"type": "replied_to", "id": parent_id})
        record["in_reply_to_user_id"] = parent["author_id"]
        record["conversation_id"] = parent.get("conversation_id", parent_id)
    quote_id = str(body.get("quote_tweet_id") or "")
    if quote_id:
        if not quote_id.isdigit() or render.tweet_problem(quote_id, "quote_tweet_id"):
            return problems.problem(403, problems.QUOTE_NOT_VISIBLE), 403
        references.append({"type": "quoted", "id": quote_id})
    if references:
        record["referenced_tweets"] = references
    own = (world.tweet(str(i)) for i in world.timeline_ids(g.auth.user_id))
    if text and any(t is not None and t["text"] == text for t in own):
        return problems.problem(403, problems.DUPLICATE_CONTENT), 403
    tweet = world.add_tweet(record)
    for ref in references:
        metric = "reply_count" if ref["type"] == "replied_to" else "quote_count"
        metrics = world.tweet(ref["id"])["public_metrics"]
        metrics[metric] = metrics.get(metric, 0) + 1
    state.record_post(dict(tweet))
    logger.info("tweet %s posted by %s", tweet["id"], g.auth.user_id)
    return {"data": {"edit_history_tweet_ids": [tweet["id"]], "id": tweet["id"], "text": tweet["text"]}}, 201


@bp.delete("/tweets/<tweet_id>", endpoint="delete_tweet")
def delete_tweet(tweet_id: str):
    """Delete one of the authenticating user's tweets."""
    world = _state().world
    tweet = world.tweet(tweet_id)
    if tweet is None:
        return {"data": {"deleted": False}}
    if tweet["author_id"] != g.auth.user_id:
        return problems.problem(403, "You are not allowed to delete a Tweet you did not author."), 403
    world.remove_tweet(tweet_id)
    return {"data": {"deleted": True}}
