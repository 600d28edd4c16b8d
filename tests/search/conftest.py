"""Fixtures of the search tests. Every test here runs once per backend: Whoosh always, PostgreSQL
full-text search when the suite runs on PostgreSQL (``CSTI_TEST_DATABASE_URL``) — skipped on
SQLite. Each test gets an empty index of its own."""
import itertools
from datetime import timedelta

import pytest
from sqlalchemy import text

from csti.blueprints.events.schedule import schedule
from csti.models import Article, Event
from csti.search import make_backend

from .helpers import local_in

BACKENDS = ["whoosh", "postgres"]
_seq = itertools.count(1)


@pytest.fixture(params=BACKENDS, autouse=True)
def search_backend(request, app, db, tmp_path):
    """The backend under test, installed in the app with an empty index; the app's own comes
    back afterwards."""
    name = request.param
    if name == "postgres" and db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL search backend needs the suite on PostgreSQL (CSTI_TEST_DATABASE_URL)")
    previous = app.extensions.get("csti_search"), app.config["SEARCH_BACKEND"], app.config["SEARCH_DIR"]
    app.config["SEARCH_BACKEND"], app.config["SEARCH_DIR"] = name, str(tmp_path / "search")
    backend = make_backend(app, name)
    if name == "postgres":
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM search_document"))
            conn.execute(text("DELETE FROM search_word"))
    app.extensions["csti_search"] = backend
    yield backend
    app.extensions["csti_search"], app.config["SEARCH_BACKEND"], app.config["SEARCH_DIR"] = previous
    if app.extensions["csti_search"] is None:
        app.extensions.pop("csti_search")


@pytest.fixture
def occitanie(factory):
    return factory.territory(slug="occitanie", name="Occitanie")


@pytest.fixture
def bretagne(factory):
    return factory.territory(slug="bretagne", name="Bretagne")


@pytest.fixture
def make_event(db):
    """``make_event(territory, title, start=<local naive datetime>, hours=2, **fields)``: an event
    dated by ``csti.blueprints.events.schedule.schedule`` (in ten days by default), published unless ``status``."""

    def make_event(territory, title=None, *, start=None, hours=2, status="published", tags=(), body="",
                   summary="", kind="talk", **fields):
        event = Event(title=title or f"Rencontre {next(_seq)}", event_kind=kind, territory=territory, body=body,
                      summary=summary, **fields)
        start = start or local_in(10)
        schedule(event, start, start + timedelta(hours=hours))
        for tag in tags:
            event.add_tag(tag)
        _set_status(event, status)
        db.session.add(event)
        db.session.commit()
        return event

    return make_event


@pytest.fixture
def make_article(db):
    """``make_article(territory, title, body=..., summary=..., tags=..., status=...)``."""

    def make_article(territory, title=None, *, body="", summary="", tags=(), status="published", author=None,
                     **fields):
        article = Article(title=title or f"Article {next(_seq)}", territory=territory, body=body, summary=summary,
                          author=author, **fields)
        for tag in tags:
            article.add_tag(tag)
        _set_status(article, status)
        db.session.add(article)
        db.session.commit()
        return article

    return make_article


def _set_status(item, status):
    if status == "published":
        item.publish()
    else:
        item.status = status
