"""gunicorn's settings for the web process: ``gunicorn -c gunicorn.conf.py 'server:create_app()'`` (Procfile).

Every value can be overridden on the command line or with ``GUNICORN_CMD_ARGS``; the port with ``PORT``.
"""

import multiprocessing
import os

from server.web import access_log

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
# The web process only reads and writes SQL and sends messages (workers hold the model): a few sync workers
# per core serve it; threads let a slow client not hold a whole worker.
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2)))
threads = 2
timeout = 30
graceful_timeout = 20
accesslog = "-"  # stdout: the platform's log collector takes it from there
errorlog = "-"
# Behind a TLS-terminating proxy (FORWARDED_ALLOW_IPS names it), request.scheme and remote_addr are the client's.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = True  # the app is built once, before the fork: a settings error stops the start at once


def on_starting(server):
    """Redact result-link tokens and sign-in codes from gunicorn's access log."""
    access_log.install()
