"""The pages in-process: what they show, their forms and every refusal (the browser tests drive them in Chromium)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from server.dev.archive import demo_archive
from server.extensions import db
from server.links import make_token
from server.models import Account, ArchiveUpload, Job, Tweet, UserSession
from server.web.security import CONTENT_SECURITY_POLICY
from tests.server.fixtures_app import run_in_process, sign_in_with_x

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


@pytest.fixture
def quinn(app):
    browser = app.test_client()
    assert sign_in_with_x(browser, "quiet_quinn").headers["Location"] == "/me"
    return browser


def run_all(app, classifier) -> None:
    """Run every pending job in-process, as a worker would."""
    with app.app_context():
        pending = list(db.session.scalars(sa.select(Job.id).where(Job.state == "pending")))
    for job_id in pending:
        run_in_process(app, job_id, classifier)


def post(browser, path: str, data: dict | None = None, **kwargs):
    token = csrf(browser.get("/me", headers=HTML).get_data(as_text=True))
    return browser.post(path, data={"csrf": token, **(data or {})}, headers=HTML, **kwargs)


def test_home_says_what_happens_with_the_data_and_offers_sign_in(client):
    response = client.get("/", headers=HTML)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "What we do with your data" in page and 'href="/auth/login"' in page and "Analyse my archive" in page
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert client.get("/me").headers["Location"] == "/"  # not signed in: home


def test_the_dashboard_after_an_archive_shows_mood_trend_tweets_and_resources(app, quinn, classifier):
    empty = quinn.get("/me", headers=HTML).get_data(as_text=True)
    assert "No analysis yet" in empty and 'action="/me/archive"' in empty

    upload = post(quinn, "/me/archive", {"file": (io.BytesIO(demo_archive()), "archive.zip")})
    assert upload.status_code == 303 and upload.headers["Location"] == "/me#progress"
    waiting = quinn.get("/me", headers=HTML).get_data(as_text=True)
    assert "Reading your archive" in waiting and "<progress" in waiting and 'http-equiv="refresh"' in waiting
    run_all(app, classifier)

    page = quinn.get("/me", headers=HTML).get_data(as_text=True)
    assert re.search(r'<p class="status">(Cheerful|Satisfied)</p>', page)
    assert "Based on 37 tweets" in page and "Quite sure" in page or "Fairly sure" in page
    assert "showed faces" not in page  # an archive brings no photos
    assert 'id="trend-chart"' in page and '<script type="application/json" id="trend-data">' in page
    assert "Happiest tweet" in page and "Ideas for you" in page and "Source:" in page
    assert "Page 1 of 2 (37 tweets)" in page and 'rel="next"' in page
    second = quinn.get("/me?page=2", headers=HTML).get_data(as_text=True)
    assert "Page 2 of 2" in second and 'rel="prev"' in second
    assert "vendor/chartjs/chart.umd.min.js" in page and "<script>" not in page  # no inline script
    with quinn.get("/static/vendor/chartjs/chart.umd.min.js") as script:
        assert script.status_code == 200 and script.mimetype == "text/javascript"


def test_the_dashboard_says_how_many_tweets_photos_showed_faces(app, classifier):
    sam = app.test_client()
    assert sign_in_with_x(sam, "sunny_sam").headers["Location"] == "/me"
    assert post(sam, "/me/analyse").status_code == 303
    run_all(app, classifier)
    page = sam.get("/me", headers=HTML).get_data(as_text=True)
    assert "3 tweets&#39; photos showed faces" in page  # build_demo.DEMO_PHOTOS


def test_forms_need_the_page_token_and_this_site(app, quinn):
    assert quinn.post("/me/analyse", headers=HTML).status_code == 403
    token = csrf(quinn.get("/me", headers=HTML).get_data(as_text=True))
    foreign = quinn.post("/me/analyse", data={"csrf": token}, headers={**HTML, "Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "from this site" in foreign.get_data(as_text=True)
    stranger = app.test_client()
    assert stranger.post("/me/analyse", data={"csrf": "x"}, headers=HTML).status_code == 403


def test_re_analyse_matching_consent_and_their_refusals(app, quinn, classifier):
    # Opting in needs an analysed account first.
    refused = post(quinn, "/me/matching", {"opt_in": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "Analyse your account first" in refused
    assert post(quinn, "/me/analyse").headers["Location"] == "/me#progress"
    run_all(app, classifier)
    assert "You may now be suggested" in post(quinn, "/me/matching", {"opt_in": "1"}, follow_redirects=True).get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(sa.select(Account.match_opt_in).where(Account.username_key == "quiet_quinn"))
    withdrawn = post(quinn, "/me/consent", follow_redirects=True).get_data(as_text=True)
    assert "Consent withdrawn" in withdrawn and "Give consent again" in withdrawn
    again = post(quinn, "/me/analyse", follow_redirects=True).get_data(as_text=True)
    assert "Give your consent again" in again
    assert "may be analysed again" in post(quinn, "/me/consent", {"give": "1"}, follow_redirects=True).get_data(
        as_text=True
    )


def test_a_job_that_failed_after_the_mood_shown_is_explained(app, quinn, classifier):
    post(quinn, "/me/archive", {"file": (io.BytesIO(demo_archive()), "archive.zip")})
    with app.app_context():  # unreadable by the time a worker reads it
        db.session.scalars(sa.select(ArchiveUpload)).one().data = b"window.YTD.tweets.part0 = [{"
        db.session.commit()
    run_all(app, classifier)
    page = quinn.get("/me", headers=HTML).get_data(as_text=True)
    assert "Your archive could not be imported" in page and "malformed JSON at line 1" in page
    post(quinn, "/me/archive", {"file": (io.BytesIO(demo_archive()), "archive.zip")})
    run_all(app, classifier)
    assert "could not be imported" not in quinn.get("/me", headers=HTML).get_data(as_text=True)  # a newer mood


def test_archive_refusals_are_shown_on_the_page(app, quinn):
    none = post(quinn, "/me/archive", follow_redirects=True).get_data(as_text=True)
    assert "Choose your archive" in none
    bad = post(quinn, "/me/archive", {"file": (io.BytesIO(b"PK\x03\x04junk"), "a.zip")}, follow_redirects=True)
    assert "could not be used" in bad.get_data(as_text=True) and "not a readable ZIP" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveUpload)) == 0


def test_forget_me_asks_first_then_deletes_everything_and_signs_out(app, quinn):
    assert "Delete everything" in quinn.get("/me/forget", headers=HTML).get_data(as_text=True)
    post(quinn, "/me/archive", {"file": (io.BytesIO(demo_archive()), "archive.zip")})
    wrong = post(quinn, "/me/forget", {"confirm": "someone"})
    assert wrong.headers["Location"] == "/me/forget"
    done = post(quinn, "/me/forget", {"confirm": "quiet_quinn"}, follow_redirects=True)
    assert "Everything about @quiet_quinn was deleted" in done.get_data(as_text=True)
    with app.app_context():
        for model in (Job, ArchiveUpload, UserSession, Tweet):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
    assert quinn.get("/me").headers["Location"] == "/"


def test_the_private_link_is_a_read_only_page_or_json(app, quinn, classifier):
    post(quinn, "/me/archive", {"file": (io.BytesIO(demo_archive()), "archive.zip")})
    run_all(app, classifier)
    with app.app_context():
        job = db.session.scalars(sa.select(Job)).one()
        token = make_token(job.id, "quiet_quinn")
    reader = app.test_client()  # whoever holds the link, signed in or not
    page = reader.get(f"/r/{token}", headers=HTML)
    text = page.get_data(as_text=True)
    assert page.mimetype == "text/html" and "The mood of @quiet_quinn" in text and 'id="trend-chart"' in text
    assert "<form" not in text.split("</header>")[1]  # read-only: no controls
    as_json = reader.get(f"/r/{token}", headers={"Accept": "application/json"})
    assert as_json.mimetype == "application/json" and as_json.get_json()["analysis"]["username"] == "quiet_quinn"
    missing = reader.get("/r/not-a-token", headers=HTML)
    assert missing.status_code in (400, 404) and missing.mimetype == "text/html"


def test_errors_are_pages_for_browsers_and_json_for_programs(client):
    page = client.get("/no/such/page", headers=HTML)
    assert page.status_code == 404 and page.mimetype == "text/html" and "Nothing here" in page.get_data(as_text=True)
    assert client.get("/no/such/page").get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/nothing", headers=HTML).mimetype == "application/json"
