"""Every kind of feed stays valid whatever was stored: read back with other parsers than the
ones writing them — feedparser for Atom (RFC 4287), icalendar, vobject and ics-py for iCalendar
(RFC 5545) — after text pasted from Word, with control characters, was stored directly in the
database (old data, from before input was cleaned) and its author deleted their account."""
import re
from datetime import date, datetime, timedelta

import feedparser
import ics
import pytest
import vobject
from icalendar import Calendar

from csti.blueprints.accounts.operations import delete_account
from csti.blueprints.events.schedule import schedule
from csti.models import Announcement, Article, Event, Project
from csti.models.dossiers import Dossier

# What Word and other programs leave in pasted text: typographic characters (kept) and control
# characters (vertical tab, form feed, escape, DEL, C1 controls; NUL where the database takes it).
TYPOGRAPHIC = "L’atelier « robotique » — été\u00a0: “œuvres” … 3×2"
CONTROLS = "\x0b\x0c\x1b\x01\x7f\x85\x9f"
KEPT = ("L’atelier « robotique » — été", "“œuvres” … 3×2")  # (titles fold their spaces)


def kept(text: str) -> bool:
    return all(part in text for part in KEPT)


def word(text: str, db) -> str:
    nul = "" if db.engine.dialect.name == "postgresql" else "\x00"  # PostgreSQL refuses NUL in text
    return f"{text}{CONTROLS}{nul} {TYPOGRAPHIC}\r\nfin\rligne\ttab"


def no_controls(text: str) -> bool:
    return re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]", text) is None


@pytest.fixture
def site(db, factory, make_actor):
    """One item of each kind, with Word-pasted text and control characters in every text
    column, tagged ``Robotique « 2030 »``; their author then deletes the account, keeping them."""
    territory = factory.territory(slug="occitanie", name=word("Occitanie", db))
    author = factory.user(name=word("Claire", db))
    venue_name = word("Muséum", db)
    structure = make_actor(territory, word("Fab Lab", db), summary=word("Résumé", db), address=word("2 rue", db))
    items = [
        Article(title=word("Article", db), summary=word("Résumé", db), body=word("Corps *Markdown*", db)),
        Announcement(title=word("Annonce", db), summary=word("Résumé", db), body=word("Corps", db),
                     deadline=date.today() + timedelta(days=30)),
        Project(title=word("Projet", db), summary=word("Résumé", db), body=word("Corps", db)),
        Dossier(title=word("Dossier", db), summary=word("Résumé", db), body=word("Corps", db)),
    ]
    event = Event(title=word("Conférence", db), summary=word("Résumé", db), body=word("Corps", db),
                  venue_name=venue_name, address=word("1 rue", db), commune="Toulouse", postcode="31000",
                  latitude=43.6, longitude=1.44)
    start = datetime.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=3)
    schedule(event, start, start + timedelta(hours=2), recurrence="weekly", until=(start + timedelta(days=14)).date())
    other = Event(title=word("Journée", db), summary="")
    schedule(other, start, start, all_day=True)
    event.venue = structure
    event.owners = [structure]
    items += [event, other]
    for item in items:
        item.territory = territory
        item.author = author
        item.add_tag("Robotique « 2030 »")
        item.add_tag("Sciences")
        item.publish()
        db.session.add(item)
    db.session.commit()
    # The body's HTML as it was stored then, with the control characters (not re-rendered).
    from sqlalchemy import update

    from csti.models import Content
    db.session.execute(update(Content).values(body_html=word("<p>Corps</p>", db)))
    delete_account(author, keep_content=True)
    db.session.commit()
    return dict(territory=territory, event=event, other=other, structure=structure, items=items)


ATOM_FEEDS = ["/articles.atom", "/announcements.atom", "/projects.atom", "/dossiers.atom", "/tags/robotique-2030.atom",
              "/tags/sciences.atom"]


@pytest.mark.parametrize("url", ATOM_FEEDS)
def test_atom_feeds_parse_cleanly(testapp_en, site, url):
    response = testapp_en.get(url)
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    text = response.body.decode("utf-8")
    assert no_controls(text)
    parsed = feedparser.parse(response.body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.entries
    for entry in parsed.entries:
        assert entry.author == "Former member"  # RFC 4287: an author for every entry
        assert kept(entry.title) and kept(entry.summary)
        assert "Robotique « 2030 »" in [tag.label for tag in entry.tags]
    assert parsed.feed.author  # and for the feed itself


def test_an_empty_atom_feed_is_valid(testapp_en, db):
    parsed = feedparser.parse(testapp_en.get("/articles.atom").body)
    assert parsed.bozo == 0 and parsed.entries == [] and parsed.feed.author


def ical_feeds(site):
    event = site["event"]
    return [("/agenda.ics", 4), ("/t/occitanie/agenda.ics", 4), ("/tags/robotique-2030/agenda.ics", 4),
            (f"/event/{event.id}.ics", 3), (f"/event/{site['other'].id}.ics", 1),
            (f"/actor/{site['structure'].id}/agenda.ics", 3),
            ("/agenda.ics?kind=workshop", 0), ("/tags/sciences/agenda.ics?when=past", 0)]


def _parse_everywhere(body: bytes) -> Calendar:
    text = body.decode("utf-8")
    assert no_controls(text.replace("\r\n", "").replace("\t", ""))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "lines folded at 75 octets"
    assert text.endswith("END:VCALENDAR\r\n") and "\n" not in text.replace("\r\n", "")
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"])
    # RFC 5545: a calendar holds at least one component, even with no event.
    assert calendar.subcomponents
    parsed = vobject.readOne(text)
    assert parsed.name == "VCALENDAR"
    ics.Calendar(text)
    return calendar


def test_ical_feeds_parse_cleanly(testapp_en, site):
    for url, count in ical_feeds(site):
        response = testapp_en.get(url)
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8", url
        calendar = _parse_everywhere(response.body)
        events = calendar.walk("VEVENT")
        assert len(events) == count, url
        parsed = vobject.readOne(response.body.decode("utf-8"))
        assert len(getattr(parsed, "vevent_list", [])) == count
        assert len(ics.Calendar(response.body.decode("utf-8")).events) == count
        for vevent in events:
            summary = str(vevent["SUMMARY"])
            assert kept(summary) and no_controls(summary)
            # One CATEGORIES property with every tag.
            (line,) = [line for line in vevent.content_lines() if line.startswith("CATEGORIES")]
            assert vevent.categories == ["Robotique « 2030 »", "Sciences"]
        for item in parsed.vevent_list if count else []:
            assert kept(item.summary.value)
        if count:
            name = str(calendar["X-WR-CALNAME"])
            assert no_controls(name)
