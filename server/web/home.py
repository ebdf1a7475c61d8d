"""``/``: sign in with X, see who is signed in, sign out (the dashboard builds on it)."""

from __future__ import annotations

from html import escape

from flask import Blueprint, current_app

from server.auth import oauth, sessions

bp = Blueprint("home", __name__)

PAGE = """<!doctype html><html lang=en><head><meta charset=utf-8><title>mood-analytics</title>
<meta name=viewport content='width=device-width,initial-scale=1'>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}
a.button,button{{display:inline-block;font-size:1rem;padding:.5rem 1rem;border-radius:.4rem;border:1px solid #222;
background:#111;color:#fff;text-decoration:none;cursor:pointer}}</style></head>
<body><h1>mood-analytics</h1>{body}</body></html>"""


@bp.get("/")
def home():
    """The sign-in page, or who is signed in."""
    row = sessions.current()
    if row is not None:
        name = escape(row.username)
        body = (
            f"<p>Signed in as <b>@{name}</b>. Only you (and the apps you allow) can see your results.</p>"
            f"<p><a href='/api/v1/accounts/{name}/analysis'>Your latest analysis</a> · "
            f"<a href='/api/v1/accounts/{name}/consent'>Your consent</a></p>"
            "<form method=post action='/auth/logout'><button>Sign out</button></form>"
        )
    elif oauth.enabled(current_app.config):
        body = (
            "<p>See the mood your tweets show, privately. Signing in proves the account is yours: "
            "nobody else can ask about it.</p><p><a class=button href='/auth/login'>Sign in with X</a></p>"
        )
    else:
        body = "<p>Sign in with X is not set up on this server.</p>"
    return PAGE.format(body=body), 200, {"Content-Type": "text/html; charset=utf-8"}
