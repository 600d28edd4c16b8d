"""Browser tests: the app served for real by a live server on 127.0.0.1 (its own database), and
Debian's Chromium driven by Playwright — one browser per session, a new context per test.

The site loads htmx and Leaflet from a pinned CDN. The tests run offline: every
``https://cdn.jsdelivr.net/npm/<pkg>@<version>/<path>`` request is answered from
``node_modules/<pkg>/<path>`` (`make test-assets` installs the same pinned versions), map tiles
get an empty PNG, and any other request leaving the machine is aborted and recorded.

Data for a test is written directly in the live server's database::

    with live.data() as f:          # an app context; f is tests.factories.Factory
        user = f.user(name="Camille")
        email = user.email
"""
import base64
import logging
import mimetypes
import os
import re
import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from flask import got_request_exception
from werkzeug.serving import make_server

from csti import create_app
from csti.database import write_intent
from csti.extensions import db as _db

from ..databases import empty_tables, scratch_database
from ..factories import PASSWORD, Factory
from ..needs import NODE_MODULES, installed_version, missing, need_chromium, need_node_package

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
CDN_PACKAGES = ("htmx.org", "leaflet", "leaflet.markercluster")
CDN_URL = re.compile(r"^https://cdn\.jsdelivr\.net/npm/(?P<pkg>(?:@[^/@]+/)?[^/@]+)@(?P<version>[^/]+)/(?P<path>[^?#]+)")
# Every request that does not go to the live server (loopback) passes through `_offline`.
NOT_LOOPBACK = re.compile(r"^(?!https?://(?:127\.0\.0\.1|localhost)(?::\d+)?/)[a-z-]+://")
TILE_HOSTS = {"tile.openstreetmap.org", "a.tile.openstreetmap.org", "b.tile.openstreetmap.org",
              "c.tile.openstreetmap.org"}
EMPTY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
TIMEOUT_MS = 5000

# Recorded in every page before its own scripts run: CSP violations the console might not show.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


class LiveSite:
    def __init__(self, app, url):
        self.app = app
        self.url = url
        self.server_errors = []

    @contextmanager
    def data(self):
        """An app context on the live server's database, its transactions writing ones (the
        server's threads write too: BEGIN IMMEDIATE on SQLite keeps them from colliding)."""
        with self.app.app_context(), write_intent():
            yield Factory(_db)
            _db.session.remove()

    @contextmanager
    def db(self):
        """Read what the server wrote (a fresh session, so no stale snapshot)."""
        with self.app.app_context():
            _db.session.remove()
            yield _db
            _db.session.remove()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app on a database of its own, served in a thread on 127.0.0.1 (random port)."""
    instance = tmp_path_factory.mktemp("live-instance")
    with scratch_database(instance, "live") as url:
        previous = os.environ.get("CSTI_INSTANCE_DIR")
        os.environ["CSTI_INSTANCE_DIR"] = str(instance)
        try:
            app = create_app("test", {
                "SQLALCHEMY_DATABASE_URI": url,
                "UPLOAD_DIR": str(instance / "uploads"),
                "SEARCH_DIR": str(instance / "search"),
            })
        finally:
            if previous is None:
                os.environ.pop("CSTI_INSTANCE_DIR", None)
            else:
                os.environ["CSTI_INSTANCE_DIR"] = previous
        with app.app_context():
            _db.create_all()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        server = make_server("127.0.0.1", 0, app, threaded=True)
        site = LiveSite(app, f"http://127.0.0.1:{server.server_port}")

        def record(sender, exception, **extra):
            site.server_errors.append(repr(exception))

        got_request_exception.connect(record, app, weak=False)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        try:
            yield site
        finally:
            server.shutdown()
            thread.join(10)
            server.server_close()
            with app.app_context():
                _db.session.remove()
                _db.engine.dispose()


@pytest.fixture
def live(live_server):
    """The live site for one test; its tables are emptied afterwards. A request that raised on
    the server fails the test."""
    live_server.server_errors.clear()
    yield live_server
    with live_server.app.app_context(), write_intent():
        empty_tables(_db)
    live_server.app.extensions.pop("csti_throttle", None)
    errors, live_server.server_errors[:] = list(live_server.server_errors), []
    if errors:
        pytest.fail("the server raised during the test: " + "; ".join(errors), pytrace=False)


@pytest.fixture(scope="session")
def browser():
    chromium = need_chromium()
    for package in CDN_PACKAGES:
        need_node_package(package)
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        missing("the playwright Python package is not installed (requirements-dev.txt)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 — any launch failure means "no browser here"
        playwright.stop()
        missing(f"Chromium did not start: {exc}")
    expect.set_options(timeout=TIMEOUT_MS)
    yield browser
    browser.close()
    playwright.stop()


class Offline:
    """Answers the CDN from node_modules, tiles with an empty PNG; aborts and records the rest."""

    def __init__(self):
        self.blocked = []
        self.versions = {}

    def _cdn_file(self, url):
        match = CDN_URL.match(url)
        if not match or match["pkg"] not in CDN_PACKAGES:
            return None
        if match["version"] != self.versions.setdefault(match["pkg"], installed_version(match["pkg"])):
            return None  # the site asks for another version than the one installed: a 404
        path = (NODE_MODULES / match["pkg"] / match["path"]).resolve()
        if NODE_MODULES.resolve() not in path.parents or not path.is_file():
            return None
        return path

    def __call__(self, route):
        url = route.request.url
        headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=3600"}
        if url.startswith("https://cdn.jsdelivr.net/"):
            path = self._cdn_file(url)
            if path is None:
                self.blocked.append(f"404 from the CDN stand-in: {url}")
                route.fulfill(status=404, body="not in node_modules", headers=headers)
                return
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if content_type == "text/javascript":
                content_type = "application/javascript"
            route.fulfill(status=200, body=path.read_bytes(), content_type=content_type, headers=headers)
        elif urlsplit(url).hostname in TILE_HOSTS:
            route.fulfill(status=200, body=EMPTY_PNG, content_type="image/png", headers=headers)
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")


class Problems:
    """What went wrong in the pages of a context: console errors, uncaught exceptions, requests
    that tried to leave the machine. (CSP violations are also read from each page.)"""

    def __init__(self, offline):
        self.offline = offline
        self.console = []
        self._seen = 0

    def watch(self, page):
        page.on("console", lambda msg: msg.type == "error" and self.console.append(
            f"console error: {msg.text} ({msg.location.get('url', '')})"))
        page.on("pageerror", lambda exc: self.console.append(f"uncaught: {exc}"))

    def new(self, page):
        """What was noticed since the last call, with the CSP violations of ``page``'s document."""
        items = self.console + [f"left the machine: {u}" for u in self.offline.blocked]
        fresh, self._seen = items[self._seen:], len(items)
        return fresh + [f"CSP: {v}" for v in page.evaluate("window.__cspViolations || []")]


@pytest.fixture
def new_context(browser, live):
    """``new_context(**options)``: a fresh browser context on the live site (French browser,
    offline, CDN from node_modules). Closed at the end of the test."""
    contexts = []

    def new_context(**options):
        options = {"base_url": live.url, "locale": "fr-FR", "viewport": {"width": 1280, "height": 900},
                   **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        offline = Offline()
        context.route(NOT_LOOPBACK, offline)
        context.add_init_script(WATCH_CSP)
        context.problems = Problems(offline)
        context.on("page", context.problems.watch)
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def problems(context):
    return context.problems


def log_in(page, email, password=PASSWORD, remember=False):
    """Log in through the real form, as a person would."""
    page.goto("/login")
    form = page.locator("#login-form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(password)
    if remember:
        form.locator("input[name=remember]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
