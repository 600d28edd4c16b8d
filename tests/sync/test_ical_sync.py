"""Linked sources (csti/sync/): an iCalendar feed linked to a territory is pulled by
``flask csti sync run``: its events are created once, updated when they change, left alone when
they do not, removed when an upcoming one leaves the feed (one already over is kept); a source
that is unreachable, too slow, answers 500 or garbage writes nothing but its error. And two
instances on loopback: one shows the other's events, credited and linked."""
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from csti.models import Event, SyncedItem, SyncSource
from tests.browser.conftest import live, live_server  # noqa: F401 (fixtures: the second instance)


class Feed:
    """What the loopback source answers (changed by the tests)."""

    def __init__(self):
        self.body, self.status, self.delay, self.hits = b"", 200, 0.0, 0


@pytest.fixture
def feed():
    state = Feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server name)
            state.hits += 1
            time.sleep(state.delay)
            self.send_response(state.status)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/agenda.ics"
    yield state
    server.shutdown()
    server.server_close()


def vevent(uid, title, start, hours=2, **extra):
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"SUMMARY:{title}", f"DTSTAMP:{start:%Y%m%dT%H%M%S}Z",
             f"DTSTART;TZID=Europe/Paris:{start:%Y%m%dT%H%M%S}",
             f"DTEND;TZID=Europe/Paris:{start + timedelta(hours=hours):%Y%m%dT%H%M%S}"]
    lines += [f"{name.upper().replace('_', '-')}:{value}" for name, value in extra.items()]
    return "\r\n".join(lines + ["END:VEVENT"])


def calendar(*events):
    return ("\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//feed//FR", *events, "END:VCALENDAR"])
            + "\r\n").encode()


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["csti", "sync", *args])


def titles(db):
    db.session.rollback()
    return sorted(db.session.scalars(select(Event.title)))


SOON = datetime.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=5)


def test_a_feed_is_pulled_once_updated_and_its_deletions_followed(app, db, factory, feed, testapp_en):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    past = datetime.now().replace(microsecond=0, second=0) - timedelta(days=3)
    feed.body = calendar(
        vevent("a@remote", "Nuit des étoiles", SOON, location="Observatoire, 31000 Toulouse", geo="43.6;1.44",
               url="https://remote.example.org/event/1", description="Observer <b>Saturne</b><script>x()</script>"),
        vevent("b@remote", "Atelier robotique", SOON + timedelta(days=1)),
        vevent("c@remote", "Conférence passée", past))
    result = cli(app, "add", feed.url, "--territory", "occitanie", "--name", "Réseau voisin")
    assert result.exit_code == 0, result.output
    result = cli(app, "run")
    assert result.exit_code == 0, result.output
    assert "created 3" in result.output
    assert titles(db) == ["Atelier robotique", "Conférence passée", "Nuit des étoiles"]
    event = db.session.scalar(select(Event).where(Event.title == "Nuit des étoiles"))
    assert event.is_published and event.territory_id == territory.id and event.author_id is None
    assert (event.latitude, event.longitude) == (43.6, 1.44)
    assert event.venue_name == "Observatoire, 31000 Toulouse"
    assert "<script>" not in event.body_html and "x()" not in event.body_html.replace("&lt;", "")
    page = testapp_en.get(f"/event/{event.id}").maybe_follow()
    link = page.html.find("p", class_="item-origin").find("a")
    assert link["href"] == "https://remote.example.org/event/1" and "Réseau voisin" in page.text
    assert "Nuit des étoiles" in testapp_en.get("/agenda").text

    # Run again, nothing changed: nothing written, nothing duplicated.
    result = cli(app, "run")
    assert "unchanged 3" in result.output and "created 0" in result.output
    assert db.session.scalar(select(func.count(Event.id))) == 3

    # One renamed, one upcoming gone (deleted there), the past one gone (dropped from the feed).
    feed.body = calendar(vevent("a@remote", "Nuit des étoiles 2026", SOON, url="https://remote.example.org/event/1"))
    result = cli(app, "run")
    assert "updated 1" in result.output and "removed 1" in result.output, result.output
    assert titles(db) == ["Conférence passée", "Nuit des étoiles 2026"]
    assert db.session.scalar(select(func.count(SyncedItem.id))) == 2


@pytest.mark.parametrize("trouble", ["garbage", "500", "timeout", "refused"])
def test_a_failing_source_writes_nothing_but_its_error(app, db, factory, feed, trouble):
    factory.territory(slug="occitanie", name="Occitanie")
    feed.body = calendar(vevent("a@remote", "Nuit des étoiles", SOON))
    cli(app, "add", feed.url, "--territory", "occitanie")
    assert cli(app, "run").exit_code == 0
    app.config["SYNC_TIMEOUT"] = 1
    try:
        url = feed.url
        if trouble == "garbage":
            feed.body = b"<html>Maintenance</html>"
        elif trouble == "500":
            feed.status = 500
        elif trouble == "timeout":
            feed.delay = 2
        else:
            db.session.rollback()
            source = db.session.scalar(select(SyncSource))
            source.url = url = "http://127.0.0.1:9/agenda.ics"  # nothing listens there
            db.session.commit()
        result = cli(app, "run")
    finally:
        app.config["SYNC_TIMEOUT"] = 20
    assert result.exit_code == 1 and "failed" in result.output
    assert titles(db) == ["Nuit des étoiles"]  # the earlier pull is intact
    source = db.session.scalar(select(SyncSource))
    assert source.last_error and source.url == url
    assert source.last_ok_at is not None and source.last_run_at >= source.last_ok_at
    assert "FAILED" in cli(app, "list").output


def test_bad_links_are_refused(app, db, factory, feed):
    factory.territory(slug="occitanie", name="Occitanie")
    assert "http(s)" in cli(app, "add", "ftp://example.org/a.ics", "--territory", "occitanie").output
    assert "no territory" in cli(app, "add", feed.url, "--territory", "nowhere").output
    assert cli(app, "add", feed.url, "--territory", "occitanie").exit_code == 0
    result = cli(app, "add", feed.url, "--territory", "occitanie")
    assert result.exit_code != 0 and "already linked" in result.output
    assert "no source" in cli(app, "run", "--source", "99").output


def test_removing_a_source_deletes_its_items(app, db, factory, feed):
    factory.territory(slug="occitanie", name="Occitanie")
    feed.body = calendar(vevent("a@remote", "Nuit des étoiles", SOON))
    cli(app, "add", feed.url, "--territory", "occitanie")
    cli(app, "run")
    db.session.rollback()
    source_id = db.session.scalar(select(SyncSource.id))
    assert "1 items deleted" in cli(app, "remove", str(source_id)).output
    assert titles(db) == [] and db.session.scalar(select(func.count(SyncSource.id))) == 0


def test_two_instances_one_shows_the_others_events(app, db, factory, live, testapp_en):  # noqa: F811
    """The live server is a second csti instance with its own database: its agenda's iCalendar
    feed is linked here; its event shows here, credited, linking to its page there."""
    from csti.blueprints.events.schedule import schedule

    with live.data() as there:
        t = there.territory(slug="bretagne", name="Bretagne")
        event = Event(title="Fête de la science à Brest", event_kind="festival", territory=t,
                      summary="Trois jours de science.")
        schedule(event, SOON, SOON + timedelta(hours=6))
        event.publish()
        there.db.session.add(event)
        there.db.session.commit()
        remote_id = event.id
    factory.territory(slug="occitanie", name="Occitanie")
    assert cli(app, "add", f"{live.url}/agenda.ics", "--territory", "occitanie").exit_code == 0
    result = cli(app, "run")
    assert result.exit_code == 0 and "created 1" in result.output, result.output
    db.session.rollback()
    here = db.session.scalar(select(Event))
    assert here.title == "Fête de la science à Brest" and here.summary.startswith("Trois jours de science.")
    assert here.starts_at == event.starts_at
    page = testapp_en.get(f"/event/{here.id}").maybe_follow()
    link = page.html.find("p", class_="item-origin").find("a")
    assert link["href"].startswith(f"{live.url}/event/{remote_id}")
    assert "127.0.0.1" in page.html.find("p", class_="item-origin").text


def test_dates_out_of_range_are_skipped_not_a_crash(app, db, factory, feed):
    factory.territory(slug="occitanie", name="Occitanie")
    far = "\r\n".join(["BEGIN:VEVENT", "UID:far@remote", "SUMMARY:Dans très longtemps", "DTSTART:99991231T235959Z",
                       "DTEND:99991231T235959Z", "END:VEVENT"])
    long = "\r\n".join(["BEGIN:VEVENT", "UID:long@remote", "SUMMARY:Trop long", f"DTSTART:{SOON:%Y%m%dT%H%M%S}Z",
                        "DURATION:P3000000D", "END:VEVENT"])
    feed.body = calendar(far, long, vevent("ok@remote", "Nuit des étoiles", SOON))
    cli(app, "add", feed.url, "--territory", "occitanie")
    result = cli(app, "run")
    assert result.exit_code == 0 and "created 1" in result.output, result.output  # the two others left out
    assert titles(db) == ["Nuit des étoiles"]


def test_a_refused_change_leaves_the_event_as_it_was_and_is_tried_again(app, db, factory, feed):
    factory.territory(slug="occitanie", name="Occitanie")
    feed.body = calendar(vevent("a@remote", "Nuit des étoiles", SOON))
    cli(app, "add", feed.url, "--territory", "occitanie")
    cli(app, "run")
    feed.body = calendar(vevent("a@remote", "Nuit des étoiles (reportée)", SOON, hours=24 * 400))  # over a year
    assert "skipped 1" in cli(app, "run").output
    assert titles(db) == ["Nuit des étoiles"]  # nothing of the refused change
    feed.body = calendar(vevent("a@remote", "Nuit des étoiles (reportée)", SOON + timedelta(days=7)))
    assert "updated 1" in cli(app, "run").output
    assert titles(db) == ["Nuit des étoiles (reportée)"]


def test_an_item_a_moderator_deleted_here_does_not_come_back(app, db, factory, feed):
    factory.territory(slug="occitanie", name="Occitanie")
    feed.body = calendar(vevent("a@remote", "Nuit des étoiles", SOON), vevent("b@remote", "Atelier", SOON))
    cli(app, "add", feed.url, "--territory", "occitanie")
    cli(app, "run")
    db.session.rollback()
    db.session.delete(db.session.scalar(select(Event).where(Event.title == "Atelier")))
    db.session.commit()
    result = cli(app, "run")
    assert "created 0" in result.output and "skipped 1" in result.output, result.output
    assert titles(db) == ["Nuit des étoiles"]
    assert db.session.scalar(select(func.count(SyncedItem.id))) == 2  # its row stays, without its item


def test_an_items_page_asking_where_it_came_from_does_not_load_httpx():
    """An event's or article's page calls ``csti.sync.credit``; httpx (and the rich and pygments
    it brings) is loaded by a sync run only — 2 MB less in every served worker."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent.parent
    code = "import sys\nfrom csti.sync import credit, run_all\nprint(sorted({'httpx', 'rich', 'pygments'} & set(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_fetch_still_reaches_the_source_with_httpx_imported_inside_it(app, feed):
    """The other side of the lazy import: ``fetch`` still reaches the source, and its failures
    (httpx's own exceptions) are still told apart."""
    from csti.sync.fetch import SyncError, fetch

    feed.body = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    with app.app_context():
        body, kind = fetch(feed.url, "text/calendar")
        assert body == feed.body and kind.startswith("text/calendar")
        with pytest.raises(SyncError, match="could not be reached"):
            fetch("http://127.0.0.1:9/", "text/calendar")
