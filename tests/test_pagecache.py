"""The page cache (csti/pagecache.py): anonymous list pages are served from memory until a write
makes them out of date; people who are logged in always get their own page; every visitor gets
their own CSRF token."""
import json
import re

import pytest
from webtest import TestApp

from csti import create_app
from csti.extensions import db as _db
from csti.models import Article, Content, DataVersion
from tests.conftest import isolated, login


@pytest.fixture
def cached_app(app, db, database_url):
    """A second app on the test database, with the page cache on (it is off in the tests)."""
    cached = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "PAGE_CACHE_MB": 1,
                                 "SEARCH_DIR": app.config["SEARCH_DIR"], "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    yield cached
    with cached.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def visitor(cached_app):
    return TestApp(isolated(cached_app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en"})


def _publish(db, territory, title):
    article = Article(title=title, territory=territory, body="x")
    article.publish()
    db.session.add(article)
    db.session.commit()
    return article


def _token(page) -> str:
    return json.loads(re.search(r"hx-headers='([^']+)'", page.text).group(1))["X-CSRFToken"]


def _entries(cached_app):
    return cached_app.extensions["csti_page_cache"].entries


def test_a_write_makes_the_cached_list_out_of_date(cached_app, visitor, db, factory):
    territory = factory.territory()
    _publish(db, territory, "Premier article")
    assert "Premier article" in visitor.get("/articles").text
    assert len(_entries(cached_app)) == 1
    assert "Premier article" in visitor.get("/articles").text  # served from the cache
    _publish(db, territory, "Second article")
    page = visitor.get("/articles")
    assert "Second article" in page.text and "Premier article" in page.text


def test_a_bulk_update_bumps_the_version_too(db, factory):
    from sqlalchemy import select, update

    article = _publish(db, factory.territory(), "Un article")
    before = db.session.scalar(select(DataVersion.value))
    db.session.execute(update(Content).where(Content.id == article.id).values(featured_rank=1))
    db.session.commit()
    assert db.session.scalar(select(DataVersion.value)) == before + 1


def test_each_visitor_gets_their_own_csrf_token(cached_app, db, factory):
    _publish(db, factory.territory(), "Un article")
    first, second = (TestApp(isolated(cached_app), extra_environ={"REMOTE_ADDR": "127.0.0.1"}) for _ in range(2))
    token_first = _token(first.get("/articles"))
    page = second.get("/articles")  # from the cache
    assert _token(page) != token_first
    # The token of the cached page is valid for its visitor: the log-in form is checked, not refused.
    response = second.post("/login", {"email": "x@example.org", "password": "wrong", "csrf_token": _token(page)},
                           expect_errors=True)
    assert response.status_int == 422


def test_logged_in_members_always_get_their_own_page(cached_app, visitor, db, factory):
    territory = factory.territory()
    _publish(db, territory, "Un article")
    visitor.get("/articles")
    factory.user(email="m@example.org", name="Marie Curieuse")
    member = TestApp(isolated(cached_app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    login(member, "m@example.org")
    assert "Marie Curieuse" in member.get("/articles").text
    assert "Marie Curieuse" not in visitor.get("/articles").text


def test_fragment_full_page_and_language_are_kept_apart(cached_app, visitor, db, factory):
    _publish(db, factory.territory(), "Un article")
    full = visitor.get("/articles")
    fragment = visitor.get("/articles", headers={"HX-Request": "true"})
    assert "<html" in full.text and "<html" not in fragment.text
    french = TestApp(isolated(cached_app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "fr"})
    assert 'lang="fr"' in french.get("/articles").text
    assert 'lang="en"' in visitor.get("/articles").text
    assert len(_entries(cached_app)) == 3


def test_pages_that_are_not_lists_are_not_kept(cached_app, visitor, db, factory):
    article = _publish(db, factory.territory(), "Un article")
    visitor.get(f"/article/{article.id}-{article.slug}")
    visitor.get("/login")
    assert not _entries(cached_app)


def test_opening_and_ending_sessions_leave_the_cached_pages_alone(app, db, factory):
    """Logging in and out writes server-side session rows, which no cached page shows."""
    from sqlalchemy import delete, select

    from csti.models.accounts import UserSession
    from csti.sessions import open_session

    user = factory.user()
    before = db.session.scalar(select(DataVersion.value))
    with app.test_request_context():
        open_session(user)
        db.session.commit()
        assert db.session.scalar(select(UserSession.id).where(UserSession.user_id == user.id)) is not None
        db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        db.session.commit()
    assert db.session.scalar(select(DataVersion.value)) == before
