"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
``CSTI_TEST_DATABASE_URL`` is set — it then creates a database of its own on that server
and drops it at the end, so no run depends on what an earlier one left behind."""
import contextvars
import http.cookiejar
import itertools
import os

import pytest
from webtest import TestApp

from csti import create_app
from csti.blueprints.actors.operations import add_member, set_location
from csti.extensions import db as _db
from csti.models import Actor
from csti.models.actors import MANAGER

from .databases import scratch_database
from .factories import Factory

_seq = itertools.count(1)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with scratch_database(tmp_path_factory.mktemp("db"), "test") as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["CSTI_INSTANCE_DIR"] = str(instance)
    app = create_app("test", {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(instance / "uploads"),
        "SEARCH_DIR": str(instance / "search"),
    })
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _clean(app):
    with app.app_context():
        _db.session.remove()
        engine = _db.engine
        tables = list(reversed(_db.metadata.sorted_tables))
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    conn.execute(table.delete())


def _clean_search_index(app):
    """An empty Whoosh index for the next test when this one wrote to the app's: the database
    is emptied between tests, and documents left in the index by an earlier test (same words,
    ids used again) filled a later test's page of results (tests/test_cards.py after
    tests/test_query_counts.py). A fresh directory is switched in only after a write."""
    import shutil

    backend = app.extensions.get("csti_search")
    if backend is None or getattr(backend, "name", None) != "whoosh" or not str(backend.root).startswith(
            app.config["SEARCH_DIR"]):
        return  # none yet, PostgreSQL's (its tables are emptied), or a test's own (tests/search)
    current = backend.current_dir()
    signature = (current.name, tuple(sorted(os.listdir(current))))
    if signature == app.extensions.get("csti_test_search_clean"):
        return
    fresh = backend._new_dir()
    backend._switch(fresh.name)
    for old in backend.root.glob("index-*"):
        if old != fresh and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    app.extensions["csti_test_search_clean"] = (fresh.name, tuple(sorted(os.listdir(fresh))))


@pytest.fixture(autouse=True)
def _fresh_database(request):
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        _clean(app)
        _clean_search_index(app)
        app.extensions.pop("csti_throttle", None)


@pytest.fixture(autouse=True)
def _data_cache(request):
    """Tests marked ``statements`` count SQL statements: every one runs, none is saved by the
    figures kept until the data changes (csti/datacache.py), which would make a second visit
    cheaper than the first. Elsewhere the data cache is on, as in production."""
    if request.node.get_closest_marker("statements") is None or "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    app.config["DATA_CACHE"] = False
    yield
    app.config["DATA_CACHE"] = True


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db


def isolated(app):
    """Run each request in an empty context, as a real server does. Otherwise Flask reuses
    the test's app context — and with it ``g`` and the database session — across requests."""

    def wsgi(environ, start_response):
        return contextvars.Context().run(app, environ, start_response)

    return wsgi


@pytest.fixture
def testapp(app, db):
    return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})


@pytest.fixture
def testapp_en(app, db):
    """A browser that prefers English: assert on English text (the msgids) with it."""
    return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en"})


@pytest.fixture
def factory(db):
    return Factory(db)


@pytest.fixture
def mails(app):
    """Messages sent during the test (Flask-Mailman's locmem backend)."""
    mail_ext = app.extensions["mailman"]
    mail_ext.outbox = []
    yield mail_ext.outbox
    mail_ext.outbox = []


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def login(testapp, email, password="correct horse battery", remember=False):
    page = testapp.get("/login")
    form = page.forms["login-form"]
    form["email"] = email
    form["password"] = password
    if remember:
        form["remember"] = True
    return form.submit(expect_errors=True)


def csrf_headers(page):
    """Headers of an htmx request from ``page``: the CSRF token from its <body hx-headers>."""
    import json
    import re

    match = re.search(r"hx-headers='([^']+)'", page.text)
    token = json.loads(match.group(1))["X-CSRFToken"]
    return {"X-CSRFToken": token, "HX-Request": "true"}


# --- logging in without the /login page; structures -----------------------------------------
@pytest.fixture
def log_in(app):
    """``log_in(testapp, user)``: give ``testapp`` the session cookie of ``user`` (what a
    successful /login sets: a new server-side session), signed with the app's key."""

    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]

    def log_in(testapp, user):
        data = {}
        for cookie in [c for c in testapp.cookiejar if c.name == name]:
            data.update(serializer.loads(cookie.value.strip('"')))  # keep the CSRF token
            testapp.cookiejar.clear(cookie.domain, cookie.path, cookie.name)
        from csti.sessions import open_session

        data.update({"_user_id": open_session(user), "_fresh": True})  # a server-side session
        _db.session.commit()
        # The domain WebTest files the app's own Set-Cookie under, so that the app's later
        # updates of the session replace this cookie instead of sitting beside it.
        testapp.cookiejar.set_cookie(http.cookiejar.Cookie(
            version=0, name=name, value=serializer.dumps(data), port=None, port_specified=False,
            domain="localhost.local", domain_specified=True, domain_initial_dot=False, path="/",
            path_specified=True, secure=False, expires=None, discard=False, comment=None,
            comment_url=None, rest={}))
        return testapp

    return log_in


@pytest.fixture
def make_actor(db):
    """``make_actor(territory, title=..., **fields)``: a structure, published unless
    ``status`` says otherwise; ``postcode`` derives commune and department."""

    def make_actor(territory, title=None, *, status="published", kind="association", postcode="31000",
                   commune="", lat=None, lng=None, tags=(), audiences=(), author=None, managers=(),
                   members=(), **fields):
        actor = Actor(title=title or f"Structure {next(_seq)}", actor_kind=kind, territory=territory,
                      author=author, **fields)
        set_location(actor, postcode, commune)
        actor.latitude, actor.longitude = lat, lng
        actor.audiences = list(audiences)
        for tag in tags:
            actor.add_tag(tag)
        for user in managers:
            add_member(actor, user, MANAGER)
        for user in members:
            add_member(actor, user, "member")
        if status == "published":
            actor.publish()
        else:
            actor.status = status
        db.session.add(actor)
        db.session.commit()
        return actor

    return make_actor
