"""Serve a world in the foreground: ``python -m server.dev.twitter_local [--world DIR] [--port 8123]``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

DEFAULT_WORLD = Path(__file__).resolve().parent / "demo_world"


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve until interrupted."""
    from server.dev.twitter_local.app import (
        DEMO_BEARER_TOKEN,
        DEMO_CONSUMER_KEY,
        LoggingRequestHandler,
        create_local_api,
    )
    from server.dev.twitter_local.corpora import NAMED_CORPORA

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--world", type=Path, default=DEFAULT_WORLD, help="world directory (default: demo world)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--token", action="append", help=f"accepted bearer token (default: {DEMO_BEARER_TOKEN})")
    parser.add_argument(
        "--consumer-key", action="append", help=f"accepted OAuth 1.0a consumer key (default: {DEMO_CONSUMER_KEY})"
    )
    parser.add_argument("--no-shift-dates", action="store_true", help="serve the world's own dates, not moved to now")
    parser.add_argument(
        "--rate-limit", type=int, help="one limit per 15 minutes for every endpoint (default: real limits)"
    )
    parser.add_argument(
        "--corpus",
        action="append",
        default=[],
        help="a dated tweet corpus served at its real dates: pfizer, airline or a JSON-lines file (repeatable)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from werkzeug.serving import make_server

    app = create_local_api(
        args.world,
        bearer_tokens=tuple(args.token or (DEMO_BEARER_TOKEN,)),
        consumer_keys=tuple(args.consumer_key or (DEMO_CONSUMER_KEY,)),
        shift_dates=not args.no_shift_dates,
        rate_limit=args.rate_limit,
        corpora=[NAMED_CORPORA.get(name, Path(name)) for name in args.corpus],
    )
    server = make_server(args.host, args.port, app, threaded=True, request_handler=LoggingRequestHandler)
    logging.getLogger(__name__).info("local Twitter API on http://%s:%s (Ctrl+C stops)", args.host, server.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
