"""Linking another csti instance through its API (csti/sync/csti_api.py): the live server is a
second instance with its own database; its upcoming events (every date) and its articles come
here, credited and linked, follow its changes and deletions, never twice; an answer that is not
the csti API (not JSON, not a page, a next page elsewhere) changes nothing."""
import json
from datetime import datetime, timedelta

from sqlalchemy import func, select

from csti.models import Article, Event, SyncedItem, SyncSource
from tests.browser.conftest import live, live_server  # noqa: F401 (fixtures: the second instance)
from tests.sync.test_ical_sync import cli, feed  # noqa: F401 (fixture: a loopback source)

SOON = datetime.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=4)


def _publish_there(live, **items):  # noqa: F811
    from csti.blueprints.events.schedule import schedule

    ids = {}
    with live.data() as there:
        t = there.db.session.scalar(select(__import__("csti.models", fromlist=["Territory"]).Territory)) \
            or there.territory(slug="bretagne", name="Bretagne")
        for key, (kind, title) in items.items():
            if kind == "event":
                item = Event(title=title, event_kind="festival", territory=t, summary=f"{title}, le résumé.")
                schedule(item, SOON, SOON + timedelta(hours=3), extra_starts=[SOON + timedelta(days=7)])
            else:
                item = Article(title=title, territory=t, summary=f"{title}, en bref.", body="Le texte entier.")
            item.publish()
            there.db.session.add(item)
            there.db.session.commit()
            ids[key] = item.id
    return ids


def test_another_csti_instance_is_linked_through_its_api(app, db, factory, live, testapp_en):  # noqa: F811
    remote = _publish_there(live, fete=("event", "Fête de la science à Brest"),
                            news=("article", "La science en Bretagne"), old=("article", "Un article retiré"))
    factory.territory(slug="occitanie", name="Occitanie")
    result = cli(app, "add", live.url, "--territory", "occitanie", "--name", "Réseau breton")
    assert result.exit_code == 0, result.output
    db.session.rollback()
    source = db.session.scalar(select(SyncSource))
    assert (source.kind, source.url) == ("csti", f"{live.url}/api/v1")
    result = cli(app, "run")
    assert result.exit_code == 0 and "created 3" in result.output, result.output
    db.session.rollback()
    event = db.session.scalar(select(Event))
    assert event.title == "Fête de la science à Brest" and len(event.occurrences) == 2
    assert event.summary == "Fête de la science à Brest, le résumé." and event.author_id is None
    assert sorted(db.session.scalars(select(Article.title))) == ["La science en Bretagne", "Un article retiré"]
    article = db.session.scalar(select(Article).where(Article.title == "La science en Bretagne"))
    page = testapp_en.get(f"/article/{article.id}").maybe_follow()
    origin = page.html.find("p", class_="item-origin")
    assert "Réseau breton" in origin.text and origin.find("a")["href"].startswith(f"{live.url}/article/{remote['news']}")
    assert "Fête de la science à Brest" in testapp_en.get("/agenda").text

    # Unchanged: nothing written; then a change and a deletion there are followed here.
    assert "unchanged 3" in cli(app, "run").output
    with live.data() as there:
        item = there.db.session.get(Event, remote["fete"])
        item.title = "Fête de la science 2026 à Brest"
        there.db.session.delete(there.db.session.get(Article, remote["old"]))
        there.db.session.commit()
    result = cli(app, "run")
    assert "updated 1" in result.output and "removed 1" in result.output, result.output
    db.session.rollback()
    assert db.session.scalar(select(Event.title)) == "Fête de la science 2026 à Brest"
    assert list(db.session.scalars(select(Article.title))) == ["La science en Bretagne"]
    assert db.session.scalar(select(func.count(SyncedItem.id))) == 2


def _page(data, next_url=None):
    return json.dumps({"data": data, "next": next_url, "limit": 100}).encode()


def test_an_answer_that_is_not_the_csti_api_changes_nothing(app, db, factory, feed):  # noqa: F811
    factory.territory(slug="occitanie", name="Occitanie")
    base = feed.url.rsplit("/", 1)[0]
    assert cli(app, "add", base, "--territory", "occitanie").exit_code == 0
    for body, why in ((b"<html>maintenance</html>", "not JSON"), (b'{"items": []}', "not a page"),
                      (_page([], "http://evil.example/api/v1/events?cursor=x"), "outside"),
                      (_page([{"id": "x", "title": "A", "occurrences": [
                          {"starts_at": "2026-12-10T10:00:00Z", "ends_at": "2026-12-10T12:00:00Z"}]}]), "numeric id"),
                      (_page([{"id": 1, "title": "A"}]), "without its dates"),
                      (_page([{"id": 1, "title": "A", "occurrences": [{"starts_at": "demain", "ends_at": "x"}]}]),
                       "not a date")):
        feed.body = body
        result = cli(app, "run")
        assert result.exit_code == 1 and why in result.output, (why, result.output)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Event.id))) == 0
    assert db.session.scalar(select(SyncSource.last_ok_at)) is None


def test_a_next_page_that_loops_fails_the_run(app, db, factory, feed):  # noqa: F811
    factory.territory(slug="occitanie", name="Occitanie")
    base = feed.url.rsplit("/", 1)[0]
    cli(app, "add", base, "--territory", "occitanie")
    feed.body = _page([], f"{base}/api/v1/events?start=x")  # the same page, for ever
    result = cli(app, "run")
    assert result.exit_code == 1 and "loop" in result.output, result.output
