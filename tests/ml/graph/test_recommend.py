"""Who-to-follow ranking, friend / big-account / hashtag suggestions and baselines on hand-checked tiny graphs."""

import random
import re

import networkx as nx
import pytest

from ml.graph import recommend
from ml.graph.recommend import (
    OPPOSITE_STATUS,
    HashtagSuggestion,
    Suggestion,
    circle_of_trust,
    content_lean,
    csr_view,
    personalized_pagerank,
    rank_common_neighbours,
    rank_popularity,
    rank_random,
    rank_who_to_follow,
    recommend_big_accounts,
    recommend_friends,
    recommend_hashtags,
    salsa,
)
from ml.mood.status import STATUSES

MOOD_WORDS = ("cheerful", "satisfied", "stressed", "depressed", "sad", "happy", "joy", "anger", "fear", "mood")


def assert_no_mood_words(suggestions):
    for suggestion in suggestions:
        words = re.findall(r"[a-z]+", suggestion.reason.lower())
        assert not [word for word in words if any(word.startswith(mood) for mood in MOOD_WORDS)], suggestion


@pytest.fixture
def fork():
    # User 1 follows 2 and 3; 2 follows 4 and 5, 3 follows 4 and 6; 4 follows back 1.
    # 2 and 3 are symmetric, so each SALSA step gives 4 (followed by both) twice the score of 5 or 6 (one each):
    # a4 = h2/2 + h3/2, a5 = h2/2, a6 = h3/2, and the hub step maps h2 = h3 back onto themselves.
    # Expected WTF ranking: [4, 5, 6] (5 and 6 tie, node order); 1, 2 and 3 never appear.
    return nx.DiGraph([(1, 2), (1, 3), (2, 4), (2, 5), (3, 4), (3, 6), (4, 1)])


def test_opposite_status_pairs_every_status_both_ways():
    assert set(OPPOSITE_STATUS) == set(STATUSES)
    assert all(OPPOSITE_STATUS[OPPOSITE_STATUS[status]] == status for status in STATUSES)


def test_who_to_follow_hand_checked_and_excludes_user_and_followed(fork):
    ranking = rank_who_to_follow(fork, 1)
    assert [node for node, _ in ranking] == [4, 5, 6]
    scores = dict(ranking)
    assert scores[4] == pytest.approx(2 * scores[5]) and scores[5] == pytest.approx(scores[6])
    assert rank_who_to_follow(fork, 1, limit=2) == ranking[:2]


def test_who_to_follow_on_random_graph_never_returns_followed_or_self():
    graph = nx.gnp_random_graph(300, 0.05, seed=1, directed=True)
    for user in range(0, 300, 30):
        ranked = [node for node, _ in rank_who_to_follow(graph, user, limit=50)]
        assert ranked, user
        assert user not in ranked and not set(ranked) & set(graph.successors(user))
        assert len(set(ranked)) == len(ranked)


def test_salsa_prefers_accounts_followed_by_more_and_by_more_trusted_hubs():
    # Equal hubs 1, 2, 3: 1 -> {10, 11}, 2 -> {10, 12}, 3 -> {10}. One step: a10 = 1/6 + 1/6 + 1/3 = 2/3,
    # a11 = a12 = 1/6.
    graph = nx.DiGraph([(1, 10), (1, 11), (2, 10), (2, 12), (3, 10)])
    scores = salsa(graph, {1: 1.0, 2: 1.0, 3: 1.0}, iterations=1)
    assert scores == pytest.approx({10: 2 / 3, 11: 1 / 6, 12: 1 / 6})
    # One trusted hub (0.6) beats two weak ones (0.2 each): a20 = 0.6, a21 = 0.4.
    graph = nx.DiGraph([(1, 20), (2, 21), (3, 21)])
    assert salsa(graph, {1: 0.6, 2: 0.2, 3: 0.2}, iterations=1) == pytest.approx({20: 0.6, 21: 0.4})
    assert max(salsa(graph, {1: 0.6, 2: 0.2, 3: 0.2}).items(), key=lambda item: item[1])[0] == 20
    assert salsa(graph, {99: 1.0}) == {}


def test_personalized_pagerank_restarts_dangling_mass_at_the_user():
    # 3 follows nobody. With alpha 0.5: x2 = x1/4, x3 = x1/4 + x2/2 = 3 x1/8, so x1 = 8/13, x2 = 2/13, x3 = 3/13.
    graph = nx.DiGraph([(1, 2), (1, 3), (2, 3)])
    ppr = personalized_pagerank(graph, 1, alpha=0.5, iterations=60)
    assert ppr == pytest.approx({1: 8 / 13, 2: 2 / 13, 3: 3 / 13})
    assert personalized_pagerank(graph, 3) == {3: 1.0}  # follows nobody: all mass restarts at once
    assert list(circle_of_trust(graph, 1, size=2, alpha=0.5, iterations=60)) == [1, 3]


def test_self_loops_are_ignored(fork):
    looped = fork.copy()
    looped.add_edges_from([(1, 1), (4, 4), (5, 5)])
    assert dict(rank_who_to_follow(looped, 1)) == pytest.approx(dict(rank_who_to_follow(fork, 1)))
    assert csr_view(looped).out_degree.tolist() == csr_view(fork).out_degree.tolist()


@pytest.mark.parametrize("user", [99, 5])  # not in the graph; in it but follows nobody (dangling)
def test_unknown_or_dangling_user_gets_nothing(fork, user):
    assert rank_who_to_follow(fork, user) == []
    assert rank_popularity(fork, user, 5) == [] and rank_common_neighbours(fork, user, 5) == []
    assert rank_random(fork, user, 5, random.Random(0)) == []
    assert recommend_friends(fork, user, {1, 2, 3, 4, 5, 6}) == []
    assert recommend_big_accounts(fork, user, {}, "Stressed") == []
    assert recommend_hashtags(fork, user, {6: ["#a"]}, {}, {}, None) == []


def test_unknown_user_has_empty_ppr_and_circle(fork):
    assert personalized_pagerank(fork, 99) == {} and circle_of_trust(fork, 99) == {}


def test_followees_that_follow_nobody_leave_nothing_to_recommend():
    assert rank_who_to_follow(nx.DiGraph([(1, 2), (1, 3)]), 1) == []


def test_csr_cache_is_reused_and_rebuilt_after_changes(fork):
    first = csr_view(fork)
    assert csr_view(fork) is first
    assert fork.graph["_csr"][0] == (6, 7)
    fork.add_edge(1, 2)  # already there: networkx drops its caches, but the counts say nothing changed
    assert csr_view(fork) is first
    rank_who_to_follow(fork, 1)
    assert first.results  # PPR and WTF vectors kept on the snapshot for the user's next call
    fork.add_edge(1, 5)
    second = csr_view(fork)
    assert not second.results
    assert second is not first and fork.graph["_csr"][0] == (6, 8)
    assert 5 not in [node for node, _ in rank_who_to_follow(fork, 1)]  # now followed
    fork.add_node(42)
    assert csr_view(fork) is not second and 42 in csr_view(fork).index


def test_friends_only_from_eligible(fork):
    # 4 ranks first overall but is not eligible; 2 is eligible but already followed; 1 is the user.
    friends = recommend_friends(fork, 1, eligible={1, 2, 6, 5})
    assert [s.node for s in friends] == [5, 6]
    assert all(isinstance(s, Suggestion) and s.score == round(s.score, 6) for s in friends)
    assert [(s.followed_by_followees, s.reason) for s in friends] == [
        (1, "followed by 1 account you follow"),
        (1, "followed by 1 account you follow"),
    ]
    both = recommend_friends(fork, 1, eligible={4, 5})
    assert [(s.node, s.followed_by_followees, s.reason) for s in both][0] == (4, 2, "followed by 2 accounts you follow")
    assert both[0].score == 1.0 and 0.5 < both[1].score < 1.0
    assert recommend_friends(fork, 1, eligible=set()) == [] and recommend_friends(fork, 1, eligible={99}) == []
    assert_no_mood_words(friends + both)


def test_friends_fall_back_to_proximity_and_drop_unreachable(monkeypatch):
    # Chain 1 -> 2 -> 3 -> 4 -> 5, and 6 -> 1. With a circle of 2 ({1, 2}) SALSA reaches only 2 and 3; 4 and 5
    # fall back to PPR (4 is nearer), 6 cannot be reached from 1 at all and is dropped.
    monkeypatch.setattr(recommend, "CIRCLE_SIZE", 2)
    graph = nx.DiGraph([(1, 2), (2, 3), (3, 4), (4, 5), (6, 1)])
    friends = recommend_friends(graph, 1, eligible=[5, 4, 3, 6])
    assert [s.node for s in friends] == [3, 4, 5]
    assert friends[0].score == 1.0 and 0.0 < friends[2].score < friends[1].score == 0.5
    assert [s.followed_by_followees for s in friends] == [1, 0, 0]
    assert friends[1].reason == "connected to you through the accounts you follow"
    assert_no_mood_words(friends)


@pytest.fixture
def two_big():
    # User 1 follows 2, which follows 10 and 11: equal SALSA authority. 10 has 3 followers, 11 has 2 (3, 4, 5 are
    # out of the user's reach, so they only add in-degree). base = sqrt(1) * log(1 + indeg) / log(1 + 3):
    # 10 -> 1.0, 11 -> 0.792. Leans 10: -0.8, 11: +0.8.
    # Stressed (w 0.5): 10 -> 1.0 * 0.6 = 0.6, 11 -> 0.792 * 1.4 = 1.109: 11 first.
    # Cheerful (w 0.1): 10 -> 1.0 * 0.92 = 0.92, 11 -> 0.792 * 1.08 = 0.856: 10 first.
    return nx.DiGraph([(1, 2), (2, 10), (2, 11), (3, 10), (5, 10), (4, 11)])


def test_big_accounts_weigh_lean_strongly_when_stressed(two_big):
    lean = {10: -0.8, 11: 0.8}
    stressed = recommend_big_accounts(two_big, 1, lean, "Stressed")
    assert [s.node for s in stressed] == [11, 10]
    assert [s.score for s in stressed] == pytest.approx([0.792481 * 1.4, 0.6], abs=1e-5)
    assert [s.node for s in recommend_big_accounts(two_big, 1, lean, "Depressed")] == [11, 10]
    for status in ("Cheerful", "Satisfied", None):
        assert [s.node for s in recommend_big_accounts(two_big, 1, lean, status)] == [10, 11]
    assert [s.node for s in recommend_big_accounts(two_big, 1, lean, "Stressed", limit=1)] == [11]


def test_big_accounts_reasons_count_followees_and_followers(two_big):
    suggestions = recommend_big_accounts(two_big, 1, {}, None)
    assert [(s.node, s.followed_by_followees, s.reason) for s in suggestions] == [
        (10, 1, "followed by 1 account you follow; 3 followers in the graph"),
        (11, 1, "followed by 1 account you follow; 2 followers in the graph"),
    ]
    assert_no_mood_words(suggestions)


def test_big_accounts_exclude_user_and_followed(fork):
    nodes = [s.node for s in recommend_big_accounts(fork, 1, {}, None)]
    assert nodes and not {1, 2, 3} & set(nodes)


@pytest.fixture
def tagged():
    # User 1 follows 2 and 3 (symmetric, equal PPR); 2 and 3 follow 4.
    graph = nx.DiGraph([(1, 2), (1, 3), (2, 4), (3, 4)])
    tags = {1: ["#news"], 2: ["#News", "#calm"], 3: ["#news.", "#rage"], 4: ["#Calm."]}
    return graph, tags


def test_hashtags_exclude_own_and_favour_helpful_accounts(tagged):
    graph, tags = tagged
    # Stressed: 2 (lean +0.9) weighs 1.45, 3 (lean -0.9) 0.55: calm (from 2 and 4) beats rage (from 3).
    suggestions = recommend_hashtags(graph, 1, tags, {2: 0.9, 3: -0.9}, {}, "Stressed")
    assert all(isinstance(s, HashtagSuggestion) for s in suggestions)
    assert [(s.tag, s.accounts, s.reason) for s in suggestions] == [
        ("calm", 2, "used by 2 accounts near you"),
        ("rage", 1, "used by 1 account near you"),
    ]
    assert suggestions[0].score == 1.0
    # 2 and 3 weigh the same without leans; account 4 alone decides; drop it and rage and calm tie (alphabetical).
    no_four = {node: value for node, value in tags.items() if node != 4}
    assert [s.tag for s in recommend_hashtags(graph, 1, no_four, {}, {}, "Stressed")] == ["calm", "rage"]
    flipped = recommend_hashtags(graph, 1, no_four, {2: -0.9, 3: 0.9}, {}, "Stressed")
    assert [s.tag for s in flipped] == ["rage", "calm"]
    assert_no_mood_words(suggestions + flipped)


def test_hashtags_use_tag_lean_and_limit(tagged):
    graph, tags = tagged
    no_four = {node: value for node, value in tags.items() if node != 4}
    ranked = recommend_hashtags(graph, 1, no_four, {}, {"calm": -1.0, "rage": 1.0}, "Depressed")
    assert [s.tag for s in ranked] == ["rage", "calm"]
    assert ranked[1].score == pytest.approx(0.5 / 1.5, abs=1e-6)
    assert len(recommend_hashtags(graph, 1, tags, {}, {}, None, limit=1)) == 1
    assert recommend_hashtags(graph, 1, {1: ["#news"]}, {}, {}, None) == []


def test_popularity_baseline(two_big):
    # In-degrees: 10 -> 3, 11 -> 2, 2 -> 1 (followed by the user, so excluded).
    assert rank_popularity(two_big, 1, 5) == [(10, 3.0), (11, 2.0)]
    assert rank_popularity(two_big, 1, 1) == [(10, 3.0)]


def test_common_neighbours_baseline(fork):
    # Followees 2 and 3 both follow 4; 5 and 6 are followed by one each; 1 (the user) is excluded.
    assert rank_common_neighbours(fork, 1, 10) == [(4, 2.0), (5, 1.0), (6, 1.0)]


def test_random_baseline_is_seeded_distinct_and_excludes(fork):
    first = rank_random(fork, 1, 2, random.Random(3))
    assert first == rank_random(fork, 1, 2, random.Random(3))
    assert len(first) == 2 and len({node for node, _ in first}) == 2
    everything = rank_random(fork, 1, 10, random.Random(3))
    assert sorted(node for node, _ in everything) == [4, 5, 6]
    assert [score for _, score in everything] == [10.0, 9.0, 8.0]


def test_content_lean():
    assert content_lean({"joy": 0.6, "love": 0.4}) == 1.0
    assert content_lean({"sadness": 0.5, "anger": 0.3, "fear": 0.2}) == -1.0
    assert content_lean({"neutral": 1.0}) == 0.5
    assert content_lean({"surprise": 1.0}) == 0.0 and content_lean({}) == 0.0
    assert content_lean({"joy": 3.0}) == 1.0  # clipped
    assert content_lean({"joy": 0.2, "neutral": 0.4, "fear": 0.4}) == pytest.approx(0.0)
