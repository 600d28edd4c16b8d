"""What a calendar that subscribed relies on: a date's UID is the same for its whole life (moved,
edited, whatever the Host), the calendar's name is escaped TEXT, a feed with nothing in it is
still a valid calendar, and conditional GET spares a download when nothing changed."""
from datetime import date, datetime, timedelta

import vobject
from icalendar import Calendar

from csti.blueprints.events.schedule import schedule
from csti.models import Event

from .helpers import in_days, refresh


def uids(response) -> dict[str, datetime]:
    return {str(e["UID"]): e.decoded("DTSTART") for e in Calendar.from_ical(response.body).walk("VEVENT")}


def test_a_moved_date_keeps_its_uid(testapp_en, db, make_event, factory, occitanie, log_in):
    """Edited with the form: moving the single date of an event, then dates of a series."""
    author = factory.user(roles={occitanie: "contributor"})
    event = make_event(occitanie, "Atelier", author=author, start=datetime(2030, 9, 5, 14))
    (uid,) = uids(testapp_en.get(f"/event/{event.id}.ics"))
    log_in(testapp_en, author)
    form = testapp_en.get(f"/event/{event.id}/edit").forms["event-form"]
    form["starts_at"], form["ends_at"] = "2030-09-06T15:00", "2030-09-06T17:00"
    form.submit(status=303)
    moved = uids(testapp_en.get(f"/event/{event.id}.ics"))
    assert list(moved) == [uid] and moved[uid].replace(tzinfo=None) == datetime(2030, 9, 6, 15)

    # A series: one date moved, one added, one removed — the dates that stay keep their UIDs.
    form = testapp_en.get(f"/event/{event.id}/edit").forms["event-form"]
    form["extra_dates"] = "2030-09-13 15:00\n2030-09-20 15:00"
    form.submit(status=303)
    before = {start.replace(tzinfo=None): uid for uid, start in uids(testapp_en.get(f"/event/{event.id}.ics")).items()}
    assert len(before) == 3 and before[datetime(2030, 9, 6, 15)] == uid
    form = testapp_en.get(f"/event/{event.id}/edit").forms["event-form"]
    form["extra_dates"] = "2030-09-14 16:00\n2030-09-20 15:00"  # the 13th moved to the 14th
    form.submit(status=303)
    after = {start.replace(tzinfo=None): uid for uid, start in uids(testapp_en.get(f"/event/{event.id}.ics")).items()}
    assert after == {datetime(2030, 9, 6, 15): uid, datetime(2030, 9, 14, 16): before[datetime(2030, 9, 13, 15)],
                     datetime(2030, 9, 20, 15): before[datetime(2030, 9, 20, 15)]}
    form = testapp_en.get(f"/event/{event.id}/edit").forms["event-form"]
    form["extra_dates"] = "2030-09-20 15:00\n2030-09-27 15:00"  # the 14th removed, the 27th added
    form.submit(status=303)
    last = {start.replace(tzinfo=None): uid for uid, start in uids(testapp_en.get(f"/event/{event.id}.ics")).items()}
    assert last[datetime(2030, 9, 6, 15)] == uid and last[datetime(2030, 9, 20, 15)] == before[datetime(2030, 9, 20, 15)]
    assert len(set(last.values())) == 3
    # The feeds show the same UIDs as the event's own file, on any Host.
    feed = uids(testapp_en.get("/agenda.ics?when=range&start=2030-09-01&end=2030-09-30",
                               extra_environ={"HTTP_HOST": "evil.example"}))
    assert set(feed) == set(last.values())


def test_shifting_a_series_keeps_every_uid(db, make_event, occitanie):
    event = make_event(occitanie, "Club", start=datetime(2030, 10, 1, 18), recurrence="weekly", until=date(2030, 10, 29))
    first = [(o.id, o.uid) for o in event.occurrences]
    schedule(event, datetime(2030, 10, 1, 19), datetime(2030, 10, 1, 21), recurrence="weekly", until=date(2030, 10, 29))
    db.session.commit()
    refresh(db)
    event = db.session.get(Event, event.id)
    assert [(o.id, o.uid) for o in event.occurrences] == first
    assert [o.starts_at.hour for o in event.occurrences] == [17] * 4 + [18]  # 19:00 Paris, summer then winter


def test_calendar_names_are_escaped(testapp_en, make_event, make_actor, factory):
    territory = factory.territory(slug="sud", name="Sud; Nord, Est\\Ouest\nCentre")
    make_event(territory, "Conférence", start=in_days(2))
    body = testapp_en.get("/t/sud/agenda.ics").body.decode()
    assert "X-WR-CALNAME:Agenda — Sud\\; Nord\\, Est\\\\Ouest Centre\r\n" in body
    assert "NAME:Agenda — Sud\\; Nord\\, Est\\\\Ouest Centre\r\n" in body
    parsed = vobject.readOne(body)
    assert parsed.x_wr_calname.value == "Agenda — Sud; Nord, Est\\Ouest Centre"


def test_an_empty_feed_is_a_valid_calendar(testapp_en, occitanie):
    response = testapp_en.get("/t/occitanie/agenda.ics")
    calendar = Calendar.from_ical(response.body)
    assert not calendar.walk("VEVENT")
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"])
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]  # a component: RFC 5545
    assert vobject.readOne(response.body.decode()).name == "VCALENDAR"


def test_one_charset(testapp_en, make_event, occitanie):
    event = make_event(occitanie, "Conférence", start=in_days(2))
    for url in ("/agenda.ics", f"/event/{event.id}.ics", "/t/occitanie/agenda.ics"):
        assert testapp_en.get(url).headers["Content-Type"] == "text/calendar; charset=utf-8"


def test_conditional_get(testapp_en, db, make_event, occitanie):
    event = make_event(occitanie, "Conférence", start=in_days(2))
    for url in ("/agenda.ics", "/t/occitanie/agenda.ics", f"/event/{event.id}.ics"):
        response = testapp_en.get(url)
        etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
        assert etag.startswith('"') and modified.endswith("GMT")
        assert testapp_en.get(url, headers={"If-None-Match": etag}, status=304).body == b""
        assert testapp_en.get(url, headers={"If-Modified-Since": modified}, status=304).body == b""
        testapp_en.get(url, headers={"If-None-Match": '"other"'}, status=200)
        earlier = (datetime.strptime(modified, "%a, %d %b %Y %H:%M:%S GMT") - timedelta(seconds=1))
        testapp_en.get(url, headers={"If-Modified-Since": earlier.strftime("%a, %d %b %Y %H:%M:%S GMT")}, status=200)
