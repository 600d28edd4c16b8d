"""What the widgets answer besides their page (issue #18): they alone may be framed by another
site, set no cookie — on a first visit or a member's — and are kept in the page cache."""
import pytest
from webtest import TestApp

from csti import create_app
from csti.extensions import db as _db
from csti.security import FRAMEABLE_ENDPOINTS
from tests.conftest import isolated, login

from ..events.helpers import in_days

WIDGETS = ["/embed/agenda", "/embed/news", "/embed/agenda?territory=occitanie&color=%23abc&theme=dark&lang=en"]


@pytest.mark.parametrize("url", WIDGETS)
def test_a_widget_may_be_framed_by_any_site(testapp, occitanie, url):
    page = testapp.get(url)
    assert page.headers["Content-Security-Policy"].endswith("; frame-ancestors *")
    assert "X-Frame-Options" not in page.headers
    # The rest of the policy stays: no inline script or style, nothing loaded from elsewhere.
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/", "/agenda", "/articles", "/embed", "/embed?widget=news", "/login",
                                 "/embed/accent.css?color=%23abcdef", "/no-such-page", "/embed/nothing"])
def test_every_other_page_forbids_framing(testapp, url):
    page = testapp.get(url, expect_errors=True)
    assert page.headers["X-Frame-Options"] == "DENY", url
    assert page.headers["Content-Security-Policy"].endswith("; frame-ancestors 'none'"), url


def test_the_widgets_are_the_only_frameable_endpoints(app):
    assert FRAMEABLE_ENDPOINTS == {"embed.agenda", "embed.news"}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert FRAMEABLE_ENDPOINTS <= endpoints


@pytest.mark.parametrize("url", [*WIDGETS, "/embed/agenda?limit=0", "/embed/accent.css?color=%23abcdef"])
def test_a_widget_sets_no_cookie_on_a_first_visit(app, db, occitanie, url):
    browser = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    response = browser.get(url, expect_errors=True)
    assert "Set-Cookie" not in response.headers, response.headers.get("Set-Cookie")
    assert not browser.cookies
    # Whereas a page of the site does (its forms' CSRF token): the check above means something.
    assert "Set-Cookie" in browser.get("/login").headers


def test_a_widget_sets_no_cookie_for_a_member_nor_from_a_remember_me_cookie(app, db, factory, occitanie):
    member = factory.user(email="camille@example.org")
    browser = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    login(browser, member.email, remember=True)
    for url in ("/embed/agenda", "/embed/news?lang=en"):  # logged in
        assert "Set-Cookie" not in browser.get(url).headers, url
    # The browser closed: the session cookie is gone, the remember-me cookie stays.
    for cookie in [c for c in browser.cookiejar if c.name == "session"]:
        browser.cookiejar.clear(cookie.domain, cookie.path, cookie.name)
    assert "remember_token" in browser.cookies and "session" not in browser.cookies
    for url in ("/embed/agenda", "/embed/news?lang=en"):
        response = browser.get(url)
        assert "Set-Cookie" not in response.headers, (url, response.headers.get("Set-Cookie"))
    # A page of the site logs the member back in from the cookie (a new session cookie).
    assert "Set-Cookie" in browser.get("/agenda").headers


BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"


def test_a_widget_is_not_counted_as_a_page_view(app, db, occitanie):
    """A widget shown in another site's page is no visit to this site."""
    from sqlalchemy import func, select

    from csti.models.visits import VisitHash

    browser = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": BROWSER})
    browser.get("/embed/agenda")
    browser.get("/embed/news")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(VisitHash)) == 0
    browser.get("/embed")  # the Embed page is a page of the site
    db.session.rollback()
    assert db.session.scalar(select(func.coalesce(func.sum(VisitHash.views), 0))) == 1


@pytest.fixture
def cached_app(app, database_url):
    cached = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "PAGE_CACHE_MB": 1,
                                 "SEARCH_DIR": app.config["SEARCH_DIR"], "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    yield cached
    with cached.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_the_widgets_are_kept_in_the_page_cache_until_a_write(cached_app, db, occitanie, make_event):
    browser = TestApp(isolated(cached_app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    make_event(occitanie, "Nuit des étoiles", start=in_days(5))
    first = browser.get("/embed/agenda?lang=en")
    entries = cached_app.extensions["csti_page_cache"].entries
    assert len(entries) == 1 and "Nuit des étoiles" in first.text
    again = browser.get("/embed/agenda?lang=en")  # from the cache: still no cookie, still frameable
    assert again.body == first.body and "Set-Cookie" not in again.headers
    assert again.headers["Content-Security-Policy"].endswith("frame-ancestors *")
    make_event(occitanie, "Atelier robots", start=in_days(2))
    assert "Atelier robots" in browser.get("/embed/agenda?lang=en").text
    count = len(entries)
    browser.get("/embed/agenda?lang=en&limit=0", status=400)  # an error is never kept
    assert len(entries) == count
