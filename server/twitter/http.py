"""Point an unchanged tweepy client at another Twitter API host (the local stand-in, a recorder, a proxy).

tweepy.Client has no base-URL option: ``BaseClient.request`` always builds ``"https://api.twitter.com" + route``
and sends it with ``self.session.request(...)``. Replacing ``client.session`` with a
:class:`HostRewritingSession` is therefore enough to redirect every API v2 call::

    client = tweepy.Client(bearer_token=token)
    client.session = HostRewritingSession("http://127.0.0.1:8123")
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

import requests

logger = logging.getLogger(__name__)

TWITTER_API_HOSTS = frozenset({"api.twitter.com", "api.x.com"})


class HostRewritingSession(requests.Session):
    """A requests session that sends Twitter API requests to ``base_url`` and everything else unchanged.

    Only ``https://api.twitter.com`` and ``https://api.x.com`` URLs are rewritten; path and query are kept, and a
    path prefix in ``base_url`` (``http://gateway/twitter``) is prepended to them.
    """

    def __init__(self, base_url: str, hosts: frozenset[str] = TWITTER_API_HOSTS) -> None:
        super().__init__()
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
        self.base_url = base_url
        self.hosts = frozenset(host.lower() for host in hosts)
        self._base = parts

    def rewrite_url(self, url: str) -> str:
        """Return ``url`` moved onto ``base_url`` if it targets a Twitter API host, else ``url`` unchanged."""
        parts = urlsplit(url)
        if parts.scheme != "https" or (parts.hostname or "").lower() not in self.hosts:
            return url
        path = self._base.path.rstrip("/") + parts.path
        return urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, parts.fragment))

    def request(self, method, url, *args, **kwargs):
        """Send like ``requests.Session.request``, after :meth:`rewrite_url`."""
        # Rewrite before requests prepares the request (not in send()): proxy selection from the environment
        # (HTTPS_PROXY, NO_PROXY) and OAuth 1.0a signing then see the host that is really contacted.
        target = self.rewrite_url(str(url))
        if target != url:
            logger.debug("rewriting %s %s -> %s", method, url, target)
        return super().request(method, target, *args, **kwargs)
