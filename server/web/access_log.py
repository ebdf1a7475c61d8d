"""Access logs without secrets: the token of a private result link and the codes of a sign-in are redacted.

A ``/r/<token>`` URL opens an account's result for 7 days, and ``/auth/callback?code=...&state=...`` carries a
one-time sign-in code: neither belongs in a log file that operators, backups and log services read.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
SECRET_PATH = re.compile(r"(/r/)[^\s?\"]+")
SECRET_QUERY = re.compile(r"([?&](?:code|state|token|access_token|refresh_token)=)[^&\s\"]+")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(line: str) -> str:
    """``line`` with result-link tokens and sign-in codes replaced by ``[redacted]``."""
    return SECRET_QUERY.sub(rf"\g<1>{REDACTED}", SECRET_PATH.sub(rf"\g<1>{REDACTED}", line))


class RedactSecrets(logging.Filter):
    """A logging filter that redacts every record's formatted message (werkzeug's and gunicorn's access lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; keep it."""
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install(names: tuple[str, ...] = ACCESS_LOGGERS) -> None:
    """Add the filter to the access loggers (once each)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactSecrets) for existing in logger.filters):
            logger.addFilter(RedactSecrets())
