"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
``CSTI_TEST_DATABASE_URL`` is set — it then creates a database of its own on that server
and drops it at the end, so no run depends on what an earlier one left behind."""
import contextvars
import os
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from webtest import TestApp

from csti import create_app
from csti.extensions import db as _db

from .factories import Factory

PG_URL = os.environ.get("CSTI_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not PG_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url = make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
                   if PG_URL.startswith("postgresql://") else PG_URL)
    name = f"csti_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


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


@pytest.fixture(autouse=True)
def _fresh_database(request):
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        _clean(app)
        app.extensions.pop("csti_throttle", None)


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
