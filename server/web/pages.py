"""The pages: ``/`` (what we do with your data, sign in, analyse my archive) and ``/me`` (your dashboard).

Server-rendered with Jinja2 and usable without JavaScript: every control is a form posted here, answered with a
redirect back to the dashboard (its message in a flash). Script only draws the charts and follows a running job.
"""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from server import jobs, privacy
from server.api.contract import allow_upload, read_upload
from server.api.errors import ApiError
from server.archives import imports
from server.archives.reader import ArchiveError
from server.auth import oauth, sessions
from server.extensions import db
from server.jobs.kinds import TOPIC
from server.models import UserSession, account_named, utcnow
from server.web import dashboard, forms

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def _globals() -> dict:
    return {"csrf_token": forms.token}


@bp.before_request
def _before() -> None:
    if request.endpoint == "pages.upload_archive":
        allow_upload(imports.LIMIT)
    if request.method == "POST":
        forms.check()


def _signed_in() -> UserSession:
    row = sessions.current()
    if row is None:
        raise ApiError(401, "unauthorized", "Sign in with X first.")
    return row


def _back(message: str, category: str = "info", anchor: str = "") -> Response:
    flash(message, category)
    return redirect(url_for("pages.me") + anchor, 303)


@bp.get("/")
def home():
    """What the service does and does not do with your data; sign in; analyse my archive."""
    row = sessions.current()
    return render_template(
        "home.html",
        user=row,
        sign_in=oauth.enabled(current_app.config),
        archive_mb=current_app.config["ARCHIVE_MAX_MB"],
    )


@bp.get("/me")
def me():
    """The signed-in account's dashboard; the home page for someone not signed in."""
    row = sessions.current()
    if row is None:
        return redirect(url_for("pages.home"), 303)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    bucket: Literal["day", "week"] = "day" if request.args.get("bucket") == "day" else "week"
    shown = dashboard.view(account_named(row.username), row.username, page, bucket)
    return render_template(
        "dashboard.html", view=shown, user=row, read_only=False, archive_mb=current_app.config["ARCHIVE_MAX_MB"]
    )


def _start(row: UserSession, kind: str) -> Response:
    try:
        privacy.require_consent(row.username, current_app.config["REQUIRE_CONSENT"])
    except privacy.ConsentRequired:
        return _back("Give your consent again (Settings) before a new analysis.", "error", "#settings")
    job, created = jobs.request_job(row.username, kind)
    try:
        if created:
            jobs.enqueue(job)
    except jobs.QueueUnavailable:
        return _back("The job queue is unavailable right now; please try again in a minute.", "error")
    noun = "analysis" if kind == "analysis" else "recommendations"
    return _back(f"Your {noun} started; this page follows it.", anchor="#progress")


@bp.post("/me/analyse")
def analyse():
    """Re-analyse the signed-in account."""
    return _start(_signed_in(), "analysis")


@bp.post("/me/recommend")
def recommend():
    """Find friends, big accounts and hashtags for the signed-in account."""
    return _start(_signed_in(), "recommendations")


@bp.post("/me/archive")
def upload_archive():
    """Analyse my archive: the export's ZIP or its data/tweets.js, for the signed-in account only."""
    row = _signed_in()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _back("Choose your archive's ZIP (or its data/tweets.js) first.", "error", "#archive")
    data = read_upload(upload)
    try:
        privacy.require_consent(row.username, current_app.config["REQUIRE_CONSENT"])
        imports.start_import(row.username, row.twitter_id, data, upload.filename)
    except ArchiveError as error:
        return _back(f"That file could not be used: {error}", "error", "#archive")
    except privacy.ConsentRequired:
        return _back("Give your consent again (Settings) before an import.", "error", "#settings")
    except jobs.QueueUnavailable:
        return _back("The job queue is unavailable right now; please try again in a minute.", "error", "#archive")
    return _back("Your archive was received; its tweets are being read.", anchor="#progress")


@bp.post("/me/matching")
def matching():
    """Opt in to (or out of) being suggested to others as a friend."""
    row = _signed_in()
    account = account_named(row.username)
    if account is None:
        return _back("Analyse your account first; then you can opt in.", "error", "#settings")
    opt_in = request.form.get("opt_in") == "1"
    if opt_in and privacy.find_consent(row.username) is None:
        return _back("Give your consent again before opting in.", "error", "#settings")
    account.match_opt_in, account.match_opt_in_at = opt_in, utcnow()
    db.session.commit()
    return _back("You may now be suggested as a friend." if opt_in else "You will not be suggested as a friend.")


@bp.post("/me/consent")
def consent():
    """Withdraw consent (and the opt-in), or give it again."""
    row = _signed_in()
    if request.form.get("give") == "1":
        privacy.grant_consent(row.username, "oauth", twitter_id=row.twitter_id)
        db.session.commit()
        return _back("Thank you: your account may be analysed again.", anchor="#settings")
    privacy.revoke_consent(row.username)
    db.session.commit()
    return _back(
        "Consent withdrawn: nothing new will be analysed. What is stored stays until you delete it.",
        anchor="#settings",
    )


@bp.get("/me/forget")
def confirm_forget():
    """The confirmation step before deleting everything."""
    row = _signed_in()
    return render_template("forget.html", user=row)


@bp.post("/me/forget")
def forget():
    """Delete every row about the signed-in account, its session included."""
    row = _signed_in()
    username = row.username
    if request.form.get("confirm") != username:
        flash(f"Type your username, {username}, to confirm.", "error")
        return redirect(url_for("pages.confirm_forget"), 303)
    twitter_id = row.twitter_id
    sessions.end()  # this browser's session first; forgetting deletes the account's others
    privacy.forget_account(username, twitter_id)
    flash(f"Everything about @{username} was deleted, and you are signed out.")
    return redirect(url_for("pages.home"), 303)


@bp.get("/topics/<topic_id>")
def topic(topic_id: str):
    """A topic's page for a signed-in person: its timeline image, the days that stood out and why."""
    from server.api.topics import topic_view  # the API's own reading of a topic: one shape for both

    row = _signed_in()
    shown = topic_view(topic_id)
    running = dashboard.active_jobs(topic_id, (TOPIC,))
    return render_template("topic.html", topic=shown, jobs=running, user=row)
