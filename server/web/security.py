"""Headers every response carries: a strict Content-Security-Policy and the usual hardening.

The pages load only their own scripts, styles and images (no CDN, no inline script or style): what a page needs
to show is in its HTML, and data for the charts travels as ``<script type="application/json">``, which runs nothing.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # data: for the chart's PNG export
        "connect-src 'self'",  # the dashboard follows its job
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # A private link's token never leaves in a Referer to another site; same-origin keeps the Origin header of
    # the pages' own form posts (under no-referrer Chromium sends "Origin: null", which the form check refuses).
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def install(app: Flask) -> None:
    """Add the headers to every response the app gives."""

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
