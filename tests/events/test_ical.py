"""iCalendar: one event, the agenda's feed with its filters, and the feeds of a structure, a tag
and a territory — read back with the icalendar library."""
from datetime import date, datetime, timedelta

from icalendar import Calendar
from werkzeug.http import http_date

from .helpers import PARIS, in_days, path


def parse(response):
    assert response.content_type == "text/calendar"
    return Calendar.from_ical(response.body)


def vevents(calendar):
    return [c for c in calendar.walk("VEVENT")]


def summaries(response):
    return [str(e["SUMMARY"]) for e in vevents(parse(response))]


def test_one_event_across_the_time_change(testapp_en, make_event, make_actor, occitanie):
    museum = make_actor(occitanie, "Muséum de Toulouse", postcode="31400", lat=43.5945, lng=1.449)
    club = make_event(occitanie, "Club d'astronomie", start=datetime(2030, 10, 17, 18, 0), hours=2, venue=museum,
                      recurrence="weekly", until=date(2030, 11, 7), summary="On regarde les étoiles.",
                      tags=["astronomie"])
    response = testapp_en.get(f"/event/{club.id}.ics")
    assert response.headers["Content-Disposition"] == 'attachment; filename="club-d-astronomie.ics"'
    calendar = parse(response)
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Paris"]
    events = vevents(calendar)
    # 17, 24 and 31 October, 7 November 2030: Paris leaves summer time on 27 October.
    starts = [e.decoded("DTSTART") for e in events]
    assert [s.replace(tzinfo=None) for s in starts] == [datetime(2030, 10, 17, 18), datetime(2030, 10, 24, 18),
                                                        datetime(2030, 10, 31, 18), datetime(2030, 11, 7, 18)]
    assert all(str(s.tzinfo) == "Europe/Paris" for s in starts)
    assert all(e["DTSTART"].params["TZID"] == "Europe/Paris" for e in events)
    assert [s.utcoffset() for s in starts] == [timedelta(hours=2)] * 2 + [timedelta(hours=1)] * 2
    assert all(e.decoded("DTEND") - e.decoded("DTSTART") == timedelta(hours=2) for e in events)
    first = events[0]
    assert str(first["SUMMARY"]) == "Club d'astronomie" and str(first["STATUS"]) == "CONFIRMED"
    assert "Muséum de Toulouse" in str(first["LOCATION"]) and "31400 Toulouse" in str(first["LOCATION"])
    assert str(first["URL"]).endswith(path(club)) and "On regarde les étoiles." in str(first["DESCRIPTION"])
    assert (first["GEO"].latitude, first["GEO"].longitude) == (43.5945, 1.449)
    # UIDs: one per occurrence, the same on every download (calendars update instead of duplicating).
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == 4
    assert [str(e["UID"]) for e in vevents(parse(testapp_en.get(f"/event/{club.id}.ics")))] == uids


def test_cancelled_event_says_so(testapp_en, make_event, occitanie):
    event = make_event(occitanie, "Conférence annulée", schedule_status="cancelled")
    (vevent,) = vevents(parse(testapp_en.get(f"/event/{event.id}.ics")))
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["SUMMARY"]) == "Conférence annulée (Cancelled)"


def test_all_day_event_has_dates(testapp_en, make_event, occitanie):
    event = make_event(occitanie, "Exposition", start=datetime(2030, 5, 2, 10), end=datetime(2030, 5, 4, 18),
                       all_day=True)
    (vevent,) = vevents(parse(testapp_en.get(f"/event/{event.id}.ics")))
    assert vevent.decoded("DTSTART") == date(2030, 5, 2) and vevent.decoded("DTEND") == date(2030, 5, 5)


def test_unpublished_event_has_no_calendar(testapp_en, make_event, occitanie):
    event = make_event(occitanie, "Brouillon", status="pending")
    testapp_en.get(f"/event/{event.id}.ics", status=404)
    testapp_en.get("/event/999999.ics", status=404)


def test_the_event_page_links_its_calendar(testapp_en, make_event, occitanie):
    event = make_event(occitanie, "Conférence")
    page = testapp_en.get(path(event))
    assert page.html.find("a", href=f"/event/{event.id}.ics") is not None


def test_agenda_feed_honours_the_filters(testapp_en, make_event, occitanie, factory):
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    make_event(occitanie, "Atelier", kind="workshop", start=in_days(3))
    make_event(occitanie, "Conférence", kind="talk", start=in_days(4), is_free=False)
    make_event(bretagne, "Visite", kind="visit", start=in_days(5))
    make_event(occitanie, "Passé", kind="talk", start=in_days(-5))
    make_event(occitanie, "Brouillon", kind="talk", start=in_days(6), status="draft")
    feed = testapp_en.get("/agenda.ics")
    assert "inline" in feed.headers["Content-Disposition"]
    calendar = parse(feed)
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert [str(e["SUMMARY"]) for e in vevents(calendar)] == ["Atelier", "Conférence", "Visite"]
    assert summaries(testapp_en.get("/agenda.ics?kind=talk")) == ["Conférence"]
    assert summaries(testapp_en.get("/agenda.ics?price=paid")) == ["Conférence"]
    assert summaries(testapp_en.get("/agenda.ics?territory=bretagne")) == ["Visite"]
    assert summaries(testapp_en.get("/agenda.ics?when=past")) == ["Passé"]
    uids = [str(e["UID"]) for e in vevents(calendar)]
    assert [str(e["UID"]) for e in vevents(parse(testapp_en.get("/agenda.ics")))] == uids
    # The agenda links to the feed of what it shows.
    agenda = testapp_en.get("/agenda?kind=talk")
    link = agenda.html.find("a", string="Subscribe (iCal)")["href"]
    assert link.startswith("/agenda.ics") and "kind=talk" in link


def test_structure_feed(testapp_en, make_event, make_actor, occitanie):
    lab = make_actor(occitanie, "Laboratoire ouvert")
    museum = make_actor(occitanie, "Muséum")
    make_event(occitanie, "Organisé par le labo", owners=[lab], start=in_days(2))
    make_event(occitanie, "Au labo", venue=lab, owners=[museum], start=in_days(3))
    make_event(occitanie, "Au muséum", venue=museum, owners=[museum], start=in_days(4))
    make_event(occitanie, "Passé au labo", owners=[lab], start=in_days(-4))
    page = testapp_en.get(f"/actor/{lab.id}-{lab.slug}")
    feed = testapp_en.get(page.html.find("a", href=f"/actor/{lab.id}/agenda.ics")["href"])
    calendar = parse(feed)
    assert [str(e["SUMMARY"]) for e in vevents(calendar)] == ["Organisé par le labo", "Au labo"]
    assert "Laboratoire ouvert" in str(calendar["X-WR-CALNAME"])
    assert summaries(testapp_en.get(f"/actor/{lab.id}/agenda.ics?when=past")) == ["Passé au labo"]
    hidden = make_actor(occitanie, "Pas encore publiée", status="pending")
    testapp_en.get(f"/actor/{hidden.id}/agenda.ics", status=404)


def test_tag_feed(testapp_en, make_event, occitanie):
    make_event(occitanie, "Nuit des étoiles", tags=["Astronomie"], start=in_days(2))
    make_event(occitanie, "Robots", tags=["robotique"], start=in_days(3))
    page = testapp_en.get("/tags/astronomie")
    feed = testapp_en.get(page.html.find("a", href="/tags/astronomie/agenda.ics")["href"])
    assert summaries(feed) == ["Nuit des étoiles"]
    assert summaries(testapp_en.get("/tags/ASTRONOMIE/agenda.ics")) == ["Nuit des étoiles"]
    testapp_en.get("/tags/inconnu/agenda.ics", status=404)


def test_territory_feed(testapp_en, make_event, make_actor, occitanie, factory):
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    make_event(occitanie, "En Occitanie", start=in_days(2))
    make_event(bretagne, "En Bretagne", start=in_days(3))
    page = testapp_en.get("/t/bretagne")
    feed = testapp_en.get(page.html.find("a", href="/t/bretagne/agenda.ics")["href"])
    assert summaries(feed) == ["En Bretagne"]
    assert "Bretagne" in str(parse(feed)["X-WR-CALNAME"])
    testapp_en.get("/t/nulle-part/agenda.ics", status=404)
    # A date under way (begun, not ended) comes first, whole: read by its own query, whose rows
    # carry their sorting columns too, and tags and venue included.
    museum = make_actor(bretagne, "Océanopolis", kind="museum", postcode="29200")
    exhibition = make_event(bretagne, "Exposition marine", start=in_days(-3), end=in_days(5), venue=museum,
                            tags=["océans", "biologie"])
    feed = testapp_en.get("/t/bretagne/agenda.ics")
    first, second = vevents(parse(feed))
    assert (str(first["SUMMARY"]), str(second["SUMMARY"])) == ("Exposition marine", "En Bretagne")
    assert first.decoded("DTSTART") == in_days(-3).replace(tzinfo=PARIS)
    assert "Océanopolis" in str(first["LOCATION"]) and first["CATEGORIES"].cats == ["biologie", "océans"]
    assert http_date(exhibition.updated_at or exhibition.published_at) == feed.headers["Last-Modified"]
    # The instance's home links the whole agenda's feed.
    assert testapp_en.get("/").html.find("a", href="/agenda.ics") is not None


def test_feed_times_are_paris_local_times(testapp_en, make_event, occitanie):
    event = make_event(occitanie, "Concert", start=datetime(2030, 7, 14, 21, 30))
    (vevent,) = vevents(parse(testapp_en.get(f"/event/{event.id}.ics")))
    start = vevent.decoded("DTSTART")
    assert start == datetime(2030, 7, 14, 21, 30, tzinfo=PARIS)
    assert b"DTSTART;TZID=Europe/Paris:20300714T213000" in testapp_en.get(f"/event/{event.id}.ics").body


def test_feeds_show_every_change_though_written_dates_are_kept(testapp_en, testapp, make_event, make_actor, occitanie,
                                                                db):
    """Each written VEVENT is kept by what it shows (the cache key): a change to the event, its venue
    or its tags, another language or another site address make a new one."""
    museum = make_actor(occitanie, "Muséum", postcode="31400")
    event = make_event(occitanie, "Conférence", venue=museum, start=in_days(2), tags=["astronomie"])

    def feed(app=testapp_en, host="localhost"):
        (vevent,) = vevents(parse(app.get("/t/occitanie/agenda.ics", extra_environ={"HTTP_HOST": host})))
        return vevent

    first = feed()
    assert str(first["SUMMARY"]) == "Conférence" and "Muséum" in str(first["LOCATION"])
    assert feed().to_ical() == first.to_ical()  # the same bytes while nothing changes
    event.title = "Conférence sur les étoiles"
    db.session.commit()
    assert str(feed()["SUMMARY"]) == "Conférence sur les étoiles"
    museum.title = "Muséum de Toulouse"
    db.session.commit()
    assert "Muséum de Toulouse" in str(feed()["LOCATION"])
    event.add_tag("Planètes")
    db.session.commit()
    assert b"Plan\xc3\xa8tes" in feed().to_ical()
    event.schedule_status = "cancelled"
    db.session.commit()
    assert str(feed()["SUMMARY"]) == "Conférence sur les étoiles (Cancelled)"
    assert str(feed(testapp)["SUMMARY"]) == "Conférence sur les étoiles (Annulé)"
    assert str(feed(host="csti.example")["UID"]) == str(first["UID"])  # the UID never takes the Host
