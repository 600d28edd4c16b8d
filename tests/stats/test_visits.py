"""Page views counted on the server (csti/visits.py): browsers only, pages only, the page
cache's answers too, one unique visitor per (day, territory, IP + User-Agent), nothing personal
kept, the day's hashes and salt gone once the day is aggregated."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, inspect, select
from webtest import TestApp

from csti import create_app, visits
from csti.extensions import db as _db
from csti.models import Article, VisitDay, VisitHash, VisitSalt
from csti.models.visits import ALL_TERRITORIES
from tests.conftest import isolated

from .conftest import BROWSER

ANOTHER_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1"


def browser(app, user_agent=BROWSER, address="192.0.2.10"):
    environ = {"REMOTE_ADDR": address, "HTTP_ACCEPT_LANGUAGE": "en"}
    if user_agent is not None:
        environ["HTTP_USER_AGENT"] = user_agent
    return TestApp(isolated(app), extra_environ=environ)


def counts(db, territory_id=0):
    """(views, unique visitors) of today for a territory (0: pages outside any)."""
    db.session.rollback()
    views, visitors = db.session.execute(
        select(func.coalesce(func.sum(VisitHash.views), 0), func.count())
        .where(VisitHash.territory_id == territory_id)).one()
    return views, visitors


@pytest.fixture
def occitanie(factory):
    return factory.territory(slug="occitanie", name="Occitanie")


def test_a_browser_s_page_views_and_its_one_visit(app, db, occitanie):
    visitor = browser(app)
    visitor.get("/")
    visitor.get("/articles")
    assert counts(db) == (2, 1)
    browser(app, address="198.51.100.7").get("/")  # another address
    browser(app, ANOTHER_BROWSER).get("/")  # another browser at the same address
    assert counts(db) == (4, 3)


def test_robots_and_requests_without_a_user_agent_are_not_counted(app, db, occitanie):
    browser(app, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)").get("/")
    browser(app, "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)").get("/articles")
    browser(app, "curl/8.5.0").get("/")
    browser(app, None).get("/")
    assert counts(db) == (0, 0)
    browser(app).get("/")
    assert counts(db) == (1, 1)


def test_only_pages_are_counted(app, db, occitanie):
    visitor = browser(app)
    visitor.get("/static/css/csti.css")
    visitor.get("/articles.atom")
    visitor.get("/agenda.ics")
    visitor.get("/actors.geojson")
    visitor.get("/t/occitanie/theme.css")
    visitor.get("/articles", headers={"HX-Request": "true"})  # a fragment
    visitor.get("/no-such-page", status=404)
    visitor.get("/", headers={"Sec-Purpose": "prefetch"})
    assert counts(db) == (0, 0) and counts(db, occitanie.id) == (0, 0)


def test_a_page_counts_for_its_territory(app, db, occitanie, factory):
    article = Article(title="Fête de la science", body="x", territory=occitanie)
    article.publish()
    db.session.add(article)
    db.session.commit()
    visitor = browser(app)
    visitor.get("/t/occitanie")
    visitor.get(f"/article/{article.id}-{article.slug}")
    assert counts(db, occitanie.id) == (2, 1)
    assert counts(db) == (0, 0)


def test_a_page_from_the_page_cache_is_counted(app, db, database_url, occitanie):
    cached = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "PAGE_CACHE_MB": 1,
                                 "SEARCH_DIR": app.config["SEARCH_DIR"], "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    try:
        visitor = browser(cached)
        visitor.get("/t/occitanie")
        entries = cached.extensions["csti_page_cache"].entries
        assert len(entries) == 1
        visitor.get("/t/occitanie")  # served from memory: the view did not run
        browser(cached, ANOTHER_BROWSER).get("/t/occitanie")
        assert counts(db, occitanie.id) == (3, 2)
    finally:
        with cached.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_nothing_personal_is_stored(app, db, occitanie):
    browser(app, address="203.0.113.99").get("/t/occitanie")
    db.session.rollback()
    columns = {table: {c["name"] for c in inspect(db.engine).get_columns(table)}
               for table in ("visit_hash", "visit_day", "visit_salt")}
    assert columns == {"visit_hash": {"day", "territory_id", "hash", "views"},
                       "visit_day": {"day", "territory_id", "views", "visitors"},
                       "visit_salt": {"day", "salt"}}
    stored = [str(value) for table in ("visit_hash", "visit_day", "visit_salt")
              for row in db.session.execute(select(db.metadata.tables[table])) for value in row]
    assert not any("203.0.113" in value or "Mozilla" in value or "Chrome" in value for value in stored)
    digest = db.session.scalar(select(VisitHash.hash))
    assert len(digest) == 32 and digest != visits.visitor_hash("", "203.0.113.99", BROWSER)


def test_a_new_day_has_a_new_salt_and_sums_up_the_days_before(app, db, occitanie, monkeypatch):
    yesterday = visits.today() - timedelta(days=1)
    monkeypatch.setattr(visits, "today", lambda: yesterday)
    browser(app).get("/t/occitanie")
    browser(app).get("/t/occitanie")
    browser(app, ANOTHER_BROWSER).get("/t/occitanie")
    browser(app).get("/")
    db.session.rollback()
    old_hash = db.session.scalar(select(VisitHash.hash).where(VisitHash.territory_id == 0))
    monkeypatch.setattr(visits, "today", lambda: yesterday + timedelta(days=1))
    browser(app).get("/")  # the day's first page view aggregates yesterday
    db.session.rollback()
    assert {(row.territory_id, row.views, row.visitors) for row in db.session.scalars(select(VisitDay))} == {
        (occitanie.id, 3, 2), (0, 1, 1), (ALL_TERRITORIES, 4, 2)}
    assert db.session.scalars(select(VisitDay.day).distinct()).all() == [yesterday]
    assert db.session.scalars(select(VisitHash.day).distinct()).all() == [yesterday + timedelta(days=1)]
    assert db.session.scalars(select(VisitSalt.day)).all() == [yesterday + timedelta(days=1)]
    assert db.session.scalar(select(VisitHash.hash)) != old_hash  # the same visitor, unknown the next day


def test_the_command_aggregates_the_past_days(app, db, runner, occitanie):
    db.session.add_all([VisitSalt(day=date(2025, 2, 1), salt="x" * 64),
                        VisitHash(day=date(2025, 2, 1), territory_id=occitanie.id, hash="a" * 32, views=3),
                        VisitHash(day=date(2025, 2, 1), territory_id=0, hash="a" * 32, views=1)])
    db.session.commit()
    result = runner.invoke(args=["csti", "aggregate-visits"])
    assert "1 days aggregated" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(VisitHash)) == 0
    assert db.session.scalar(select(func.count()).select_from(VisitSalt)) == 0
    assert db.session.get(VisitDay, (date(2025, 2, 1), ALL_TERRITORIES)).visitors == 1
    assert db.session.get(VisitDay, (date(2025, 2, 1), ALL_TERRITORIES)).views == 4
