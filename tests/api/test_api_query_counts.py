"""No N+1 in the API: a list runs as many SQL statements for 3N items as for N (the style of
tests/test_query_counts.py, on its sample site: every type's items with owners, tags, venues,
dates, registrations). Not timed."""
import pytest

from csti.blueprints.api.collections import COLLECTIONS

from ..test_query_counts import N, QueryCounter, Site

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)


def _pages(db):
    from csti.models import Actor

    venue = db.session.query(Actor).filter_by(title="Lieu d'accueil").first()
    pages = [f"/api/v1/{name}?limit=100" for name in ["territories", "tags", *COLLECTIONS]]
    pages += ["/api/v1/events?territory=occitanie&tag=astronomie&start=2000-01-01",
              f"/api/v1/events?structure={venue.id}", "/api/v1/search?q=astronomie&limit=100"]
    return pages


def test_api_lists_run_as_many_queries_for_more_items(app, db, factory, testapp):
    from csti import search

    site = Site(db, factory)
    site.add(N)
    search.drain()
    counter = QueryCounter(db.engine)
    testapp.get("/api/v1/territories")  # the first request of an address creates its rate counter
    before = {url: counter.measure(testapp, url, {}) for url in _pages(db)}
    db.session.rollback()  # the requests wrote (their rate counts): read anew before writing (SQLite's WAL)
    site.add(2 * N)
    search.drain()
    assert len(testapp.get("/api/v1/events?limit=100").json["data"]) >= 3 * N * 2  # events and trainings
    assert len(testapp.get("/api/v1/articles?limit=100").json["data"]) >= 3 * N
    after = {url: counter.measure(testapp, url, {}) for url in _pages(db)}
    grew = {url: (before[url], after[url]) for url in before if after[url] != before[url]}
    assert not grew, f"statements per API list grow with the items shown (N={N} → {3 * N}): {grew}"
