"""Twitter's search query language, the part a topic needs: parse a query, then match tweets against it.

Supported: words (whole words, case-insensitive), "exact phrases", ``#hashtag``, ``@mention``, ``from:user``,
``lang:xx``, ``is:retweet``, ``is:reply``, ``is:quote``, negation with ``-``, grouping with parentheses, and
``OR``. As on Twitter, a space is AND and binds tighter than OR (``a b OR c`` is ``(a b) OR c``), a query must
hold at least one positive (not negated) clause besides operators such as ``lang:``, and a query is at most
512 characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_QUERY_LENGTH = 512
TOKEN = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<phrase>-?"[^"]*")|(?P<word>[^\s()"]+))')
WORD = re.compile(r"[\w']+", re.UNICODE)
STANDALONE_OPERATORS = ("#", "@", "from:")  # clauses that select tweets on their own (lang: and is: only narrow)
Matcher = Callable[["Candidate"], bool]


class QueryError(ValueError):
    """The query cannot be used; the message is Twitter's wording where it has one."""


@dataclass(frozen=True)
class Candidate:
    """What a query looks at in one tweet."""

    words: frozenset[str]
    text: str  # lower-cased, for phrases
    hashtags: frozenset[str]
    mentions: frozenset[str]
    author: str  # lower-cased username
    lang: str
    kinds: frozenset[str]  # referenced tweet types: retweeted, replied_to, quoted


def candidate(tweet: dict, author_username: str) -> Candidate:
    """A tweet as the matcher sees it."""
    text = tweet.get("text", "").lower()
    entities = tweet.get("entities") or {}
    return Candidate(
        words=frozenset(WORD.findall(text)),
        text=text,
        hashtags=frozenset(tag["tag"].lower() for tag in entities.get("hashtags", ())),
        mentions=frozenset(m["username"].lower() for m in entities.get("mentions", ())),
        author=author_username.lower(),
        lang=tweet.get("lang", ""),
        kinds=frozenset(ref["type"] for ref in tweet.get("referenced_tweets") or ()),
    )


def parse(query: str) -> Matcher:
    """A function telling whether a tweet matches ``query``; QueryError when the query is not valid."""
    if not query.strip():
        raise QueryError("The `query` query parameter can not be empty")
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(f"The query is {len(query)} characters long; the limit is {MAX_QUERY_LENGTH}")
    tokens = []
    position = 0
    while position < len(query):
        match = TOKEN.match(query, position)
        if match is None or match.end() == position:
            if query[position:].strip():
                raise QueryError(f"There were errors processing your request: unbalanced quotes in `{query}`")
            break
        tokens.append((match.lastgroup, match.group(match.lastgroup or "")))
        position = match.end()
    parser = _Parser(tokens)
    matcher, positive = parser.expression()
    if parser.index != len(tokens):
        raise QueryError(f"There were errors processing your request: unexpected ')' in `{query}`")
    if not positive:
        raise QueryError(
            "There were errors processing your request: Rules must contain a non-negation term "
            "(at position 1) and at least one standalone operator"
        )
    return matcher


class _Parser:
    """Recursive descent: expression := conjunction ("OR" conjunction)*; conjunction := clause+."""

    def __init__(self, tokens: list[tuple[str | None, str]]):
        self.tokens = tokens
        self.index = 0

    def _peek(self) -> tuple[str | None, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def expression(self) -> tuple[Matcher, bool]:
        parts = [self.conjunction()]
        while (token := self._peek()) is not None and token == ("word", "OR"):
            self.index += 1
            parts.append(self.conjunction())
        matchers = [matcher for matcher, _ in parts]
        return (lambda t: any(m(t) for m in matchers)), all(positive for _, positive in parts)

    def conjunction(self) -> tuple[Matcher, bool]:
        clauses: list[tuple[Matcher, bool]] = []
        while (token := self._peek()) is not None and token[0] != "close" and token != ("word", "OR"):
            clauses.append(self.clause())
        if not clauses:
            raise QueryError("There were errors processing your request: an empty clause (check OR and parentheses)")
        matchers = [matcher for matcher, _ in clauses]
        return (lambda t: all(m(t) for m in matchers)), any(positive for _, positive in clauses)

    def clause(self) -> tuple[Matcher, bool]:
        kind, value = self.tokens[self.index]
        self.index += 1
        if kind == "open":
            matcher, positive = self.expression()
            if self._peek() != ("close", ")"):
                raise QueryError("There were errors processing your request: missing ')'")
            self.index += 1
            return matcher, positive
        if kind == "close":
            raise QueryError("There were errors processing your request: unexpected ')'")
        negated = value.startswith("-") and len(value) > 1
        term = value[1:] if negated else value
        matcher, standalone = _term(term, phrase=kind == "phrase")
        if negated:
            return (lambda t: not matcher(t)), False
        return matcher, standalone


def _term(term: str, phrase: bool) -> tuple[Matcher, bool]:
    """The matcher of one clause, and whether it selects tweets on its own (a word does; ``lang:`` does not)."""
    lowered = term.lower()
    if phrase:
        text = lowered.strip('"')
        return (lambda t: text in t.text), True
    if lowered.startswith("#") and len(lowered) > 1:
        tag = lowered[1:]
        return (lambda t: tag in t.hashtags), True
    if lowered.startswith("@") and len(lowered) > 1:
        name = lowered[1:]
        return (lambda t: name in t.mentions), True
    operator, _, argument = lowered.partition(":")
    if argument and operator == "from":
        return (lambda t: t.author == argument), True
    if argument and operator == "lang":
        return (lambda t: t.lang == argument), False
    if argument and operator == "is":
        kinds = {"retweet": "retweeted", "reply": "replied_to", "quote": "quoted"}
        if argument not in kinds:
            raise QueryError(
                f"There were errors processing your request: Reference to invalid operator 'is:{argument}'"
            )
        kind = kinds[argument]
        return (lambda t: kind in t.kinds), False
    if argument and re.fullmatch(r"[a-z_]+", operator):
        raise QueryError(f"There were errors processing your request: Reference to invalid operator '{operator}'")
    words = WORD.findall(lowered)
    if not words:
        raise QueryError(f"There were errors processing your request: nothing to search for in '{term}'")
    return (lambda t: all(word in t.words for word in words)), True
