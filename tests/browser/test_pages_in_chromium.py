"""The pages in a real browser: Debian's Chromium driven by Playwright against the demo's real processes.

The stack is what ``make run`` starts (gunicorn, a Celery worker with the shipped model, beat, the local Twitter API
with its "Sign in with X" page). Every page must load without a console error (a CSP violation is one) and pass
axe-core (vendored under ``vendor/``) without a serious or critical violation. Screenshots go to the test's tmp dir.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from config import Config
from server.dev.demo import DemoStack

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (make test installs it)"
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium: `apt-get install chromium` (make test does this where it can)"
)
AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
TIMEOUT_MS = 240_000  # an analysis on a busy 2-core machine, model load included


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    demo = DemoStack(tmp_path_factory.mktemp("demo"), web_port=0, twitter_port=0, graph=False).start()
    yield demo
    demo.stop()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, stack, tmp_path):
    """A fresh browser tab that records console errors, failed requests and uncaught exceptions."""
    context = browser.new_context(viewport={"width": 412, "height": 915})  # a phone first
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.problems = []
    tab.on("console", lambda message: message.type == "error" and tab.problems.append(message.text))
    tab.on("pageerror", lambda error: tab.problems.append(str(error)))
    tab.on(
        "response", lambda response: response.status >= 400 and tab.problems.append(f"{response.status} {response.url}")
    )
    yield tab
    context.close()


def accessible(tab) -> list:
    """axe-core's serious and critical violations on the page (run through the devtools protocol: no CSP applies)."""
    tab.evaluate(AXE.read_text(encoding="utf-8"))
    return tab.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"""
    )


def canvas_drawn(tab, selector: str) -> bool:
    """Whether the canvas has non-blank pixels (``evaluate`` goes through the devtools protocol: the CSP allows it,
    while ``wait_for_function`` would need 'unsafe-eval')."""
    return tab.evaluate(
        """(selector) => { const c = document.querySelector(selector);
            const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true; return false; }""",
        selector,
    )


def sign_in(tab, stack, username: str) -> None:
    tab.goto(stack.url + "/")
    tab.get_by_role("link", name="Sign in with X").click()
    tab.fill("input[name=username]", username)  # the local Twitter API's consent page
    tab.get_by_role("button", name="Authorize app").click()
    tab.wait_for_url(stack.url + "/me")


def bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("data/tweets.js", b"window.YTD.tweets.part0 = [" + b" " * (64 * 2**20) + b"]")
    return buffer.getvalue()


def test_from_sign_in_to_a_dashboard_with_a_trend_and_back_to_nothing(page, stack, tmp_path):
    page.goto(stack.url + "/")
    assert page.get_by_role("heading", name="What we do with your data").is_visible()
    assert accessible(page) == []
    page.screenshot(path=tmp_path / "home.png", full_page=True)

    sign_in(page, stack, "quiet_quinn")
    assert page.get_by_text("No analysis yet").is_visible()
    assert accessible(page) == []

    # By keyboard alone: the skip link first, then Tab to "Analyse my tweets" and Enter. Quinn has no tweets on
    # Twitter, so the analysis ends saying so.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Analyse my tweets":
            break
    page.keyboard.press("Enter")
    page.wait_for_selector("#progress", state="detached", timeout=TIMEOUT_MS)
    assert "There are no tweets to read yet" in page.locator("#mood").inner_text()

    # A malformed file and a zip bomb: clear errors on the page, nothing kept.
    (tmp_path / "broken.js").write_bytes(b"window.YTD.tweets.part0 = [{")
    (tmp_path / "bomb.zip").write_bytes(bomb())
    for name, says in (("broken.js", "malformed JSON"), ("bomb.zip", "inflates")):
        page.set_input_files("#archive-file", tmp_path / name)
        page.get_by_role("button", name="Upload and analyse").click()
        assert says in page.locator(".flash.error").inner_text()
    page.screenshot(path=tmp_path / "refused.png", full_page=True)

    # The demo's archive: progress is followed live, then the page shows the result.
    page.set_input_files("#archive-file", stack.archive)
    page.get_by_role("button", name="Upload and analyse").click()
    assert page.locator("#progress progress").is_visible()
    page.wait_for_selector("#progress", state="detached", timeout=TIMEOUT_MS)  # the script reloads when done
    assert page.locator("#mood .status").inner_text() in ("Cheerful", "Satisfied")
    page.wait_for_load_state("load")  # the charts are drawn when their script runs (no animation)
    assert canvas_drawn(page, "#trend-chart") and canvas_drawn(page, "#breakdown-chart")
    assert page.locator("#trend tbody tr").count() >= 10
    # The analysis is marked on the trend: Chart.js holds it as the third series, in one week.
    marked = page.evaluate("Chart.getChart('trend-chart').data.datasets[2].data.filter(v => v !== null)")
    assert len(marked) == 1 and 50 <= marked[0] <= 100
    assert page.get_by_role("button", name="Save the chart as PNG").is_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Save the chart as PNG").click()
    assert download.value.suggested_filename == "mood-trend-quiet_quinn.png"
    assert "Ideas for you" in page.locator("#resources").inner_text()
    assert accessible(page) == []
    page.screenshot(path=tmp_path / "me.png", full_page=True)
    page.set_viewport_size({"width": 1100, "height": 1500})  # the README's picture of /me
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=tmp_path / "me-desktop.png")
    page.set_viewport_size({"width": 412, "height": 915})

    # The tweet list, page by page.
    assert "Page 1 of 2 (37 tweets)" in page.locator("#tweets").inner_text()
    page.get_by_role("link", name="Older").click()
    assert "Page 2 of 2" in page.locator("#tweets").inner_text()

    # Re-analyse with live progress; then opt in to matching.
    page.get_by_role("button", name="Analyse my tweets again").click()
    page.wait_for_selector("#progress", state="detached", timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Suggest me as a friend").click()
    assert "You may now be suggested" in page.locator(".flash").inner_text()

    # The bot's private link: the same view, read-only (its token is signed with the demo's key).
    analysis = page.request.get(stack.url + "/api/v1/accounts/quiet_quinn/analysis").json()["analysis"]
    with _app(stack).app_context():
        from server.links import make_token

        token = make_token(analysis["job_id"], "quiet_quinn")
    page.goto(f"{stack.url}/r/{token}")
    assert "The mood of @quiet_quinn" in page.locator("h1").inner_text()
    page.wait_for_load_state("load")
    assert canvas_drawn(page, "#trend-chart") and page.locator("main form").count() == 0
    assert accessible(page) == []
    page.screenshot(path=tmp_path / "private-link.png", full_page=True)

    # Forget me, with its confirmation step: everything is gone, the link included.
    page.goto(stack.url + "/me")
    page.get_by_role("link", name="Forget me: delete everything…").click()
    page.fill("#confirm", "quiet_quinn")
    page.get_by_role("button", name="Delete everything").click()
    assert "Everything about @quiet_quinn was deleted" in page.locator(".flash").inner_text()
    page.goto(stack.url + "/me")
    assert page.url == stack.url + "/"
    page.goto(f"{stack.url}/r/{token}")
    assert "deleted" in page.locator("main").inner_text()
    problems = [p for p in page.problems if "404" not in p]  # the forgotten link's 404 is the expected answer
    assert problems == [], problems


def _app(stack):
    from server import create_app

    return create_app(Config, {"SECRET_KEY": stack.secret_key, "TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_a_topic_page_shows_its_timeline_its_numbers_and_its_peaks(page, stack, tmp_path):
    import requests

    from server.dev.demo import DEMO_API_KEY

    # January 2021 of the real Pfizer corpus, which the local Twitter serves at its own dates (full-archive search).
    body = {"query": "#PfizerBioNTech -is:retweet", "start": "2021-01-01T00:00:00Z", "end": "2021-02-01T00:00:00Z"}
    started = requests.post(f"{stack.url}/api/v1/topics", json=body, headers={"X-API-Key": DEMO_API_KEY}, timeout=10)
    assert started.status_code == 202, started.text
    job = stack.wait(stack.url + started.headers["Location"], timeout=TIMEOUT_MS / 1000)
    assert job["state"] == "succeeded", job
    topic = requests.get(stack.url + job["links"]["result"], headers={"X-API-Key": DEMO_API_KEY}, timeout=10).json()
    topic = topic["topic"]
    assert len(topic["series"]) == 31 and topic["tweets"] > 1000

    sign_in(page, stack, "quiet_quinn")
    page.problems.clear()  # only this site's pages are judged here (the local Twitter's sign-in page has no icon)
    page.goto(f"{stack.url}/topics/{topic['id']}")
    assert page.get_by_role("heading", name="Public emotion: #PfizerBioNTech -is:retweet").is_visible()
    image = page.locator("img.timeline")
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 600", image.element_handle())
    page.get_by_text("The numbers").click()
    assert page.locator("table tbody tr").count() == 31
    listed = page.locator("#peaks-heading + ul li")
    assert listed.count() == len(topic["peaks"])
    for index, peak in enumerate(topic["peaks"]):
        assert listed.nth(index).inner_text().startswith(peak["day"])
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV of the days").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("day,tweets,") and len(lines) == 32
    assert accessible(page) == []
    page.screenshot(path=tmp_path / "topic.png", full_page=True)
    assert page.problems == [], page.problems
