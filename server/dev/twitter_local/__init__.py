"""A local stand-in for the Twitter (X) API v2, served over real HTTP for tests and the demo.

``start_local_api(world_dir)`` serves a world (accounts, tweets, follows; see ``world.py``) on a free loopback
port; point tweepy at it with ``server.twitter.http.HostRewritingSession``. README.md lists what is implemented.
"""

from server.dev.twitter_local.app import (
    DEMO_BEARER_TOKEN,
    DEMO_CLIENT_ID,
    DEMO_CONSUMER_KEY,
    LocalApiServer,
    create_local_api,
    start_local_api,
)
from server.dev.twitter_local.world import World, load_world

__all__ = [
    "DEMO_BEARER_TOKEN",
    "DEMO_CLIENT_ID",
    "DEMO_CONSUMER_KEY",
    "LocalApiServer",
    "World",
    "create_local_api",
    "load_world",
    "start_local_api",
]
