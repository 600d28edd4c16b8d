"""iCalendar (RFC 5545) with the icalendar library: one VEVENT per occurrence, a VTIMEZONE
for Europe/Paris (always: a calendar holds at least one component, even with no event), the
event's status carried, its tags in one CATEGORIES. Each date's UID is its own stored
``EventOccurrence.uid``: the same on every download, whatever the site's address, and when the
date is moved (``csti.blueprints.events.schedule.schedule`` keeps its row). Every text goes through ``clean_text``
(old rows may hold control characters, which RFC 5545 refuses), calendar names are escaped TEXT.

A territory's feed holds up to thousands of dates, and the library takes about half a
millisecond to build and write each one: each VEVENT is kept, written, in a small per-process
cache keyed by everything it shows (so an edit, a renamed venue or tag, another
language or host make a new one — no invalidation to forget), and feeds load only the columns a
VEVENT needs. DTSTAMP is the event's last change, so a download is the same bytes as long as
nothing changed.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import current_app, request, url_for
from flask_babel import get_locale
from icalendar import Calendar, vText
from icalendar import Event as VEvent
from sqlalchemy import select

from ...dates import local_zone, to_local
from ...extensions import db
from ...lru import SizedLRU
from ...models import Tag, content_tag
from ...models.actors import Actor
from ...models.base import utcnow
from ...models.events import SCHEDULE_STATUSES, Event, EventOccurrence
from ...text import clean_text

STATUS = {"cancelled": "CANCELLED", "postponed": "TENTATIVE", "scheduled": "CONFIRMED", "full": "CONFIRMED"}

# What a VEVENT shows of an event (read as plain columns for the feeds: no ORM objects).
EVENT_COLUMNS = (Event.id, Event.title, Event.slug, Event.summary, Event.updated_at, Event.published_at,
                 Event.all_day, Event.schedule_status, Event.venue_id, Event.venue_name, Event.address,
                 Event.postcode, Event.commune, Event.online_url, Event.latitude, Event.longitude)
VENUE_COLUMNS = (Actor.id, Actor.title, Actor.address, Actor.postcode, Actor.commune, Actor.latitude,
                 Actor.longitude)


def _written_cache() -> SizedLRU:
    """This worker's written VEVENTs (what they show -> bytes), within ``ICAL_CACHE_MB``; each
    entry counts twice its text, for its key holds the shown fields too."""
    cache = current_app.extensions.get("csti_ical_cache")
    if cache is None:
        cache = SizedLRU(int(current_app.config["ICAL_CACHE_MB"] * 1024 * 1024), size=lambda text: 2 * len(text))
        current_app.extensions["csti_ical_cache"] = cache
    return cache


def _place(entry) -> str:
    venue = entry.venue
    return clean_text(", ".join(p for p in (
        venue.title if venue else entry.venue_name,
        entry.address or (venue.address if venue else ""),
        " ".join(p for p in (entry.postcode or (venue.postcode if venue else ""),
                             entry.commune or (venue.commune if venue else "")) if p),
    ) if p))


def _vevent(entry) -> bytes:
    vevent = VEvent()
    vevent.add("uid", entry.uid)
    vevent.add("dtstamp", entry.updated_at or entry.published_at or utcnow())
    summary = clean_text(entry.title)
    if entry.schedule_status in ("cancelled", "postponed"):  # not every client shows STATUS
        summary += f" ({SCHEDULE_STATUSES.get(entry.schedule_status, entry.schedule_status)})"
    vevent.add("summary", summary)
    start, end = to_local(entry.starts_at), to_local(entry.ends_at)
    if entry.all_day:
        vevent.add("dtstart", start.date())
        vevent.add("dtend", end.date() + timedelta(days=1))
    else:
        vevent.add("dtstart", start)
        vevent.add("dtend", end)
    vevent.add("status", STATUS.get(entry.schedule_status, "CONFIRMED"))
    url = url_for("events.show", id=entry.id, slug=entry.slug, _external=True)
    vevent.add("url", url)
    description = clean_text(entry.summary or "").strip()
    vevent.add("description", description + ("\n\n" if description else "") + url)
    place = _place(entry)
    if place:
        vevent.add("location", place)
    elif entry.online_url:
        vevent.add("location", clean_text(entry.online_url))
    latitude, longitude = entry.latitude, entry.longitude
    if latitude is None and entry.venue is not None:
        latitude, longitude = entry.venue.latitude, entry.venue.longitude
    if latitude is not None and longitude is not None:
        vevent.add("geo", (latitude, longitude))
    if entry.updated_at:
        vevent.add("last-modified", entry.updated_at)
    tags = [name for name in (clean_text(tag) for tag in entry.tags) if name]
    if tags:
        vevent.add("categories", tags)  # one property, every tag (commas escaped)
    return vevent.to_ical()


# A feed's entry: (the FIELDS of one date and its event, the venue's VENUE_FIELDS or None, the
# event's tag names in slug order — the database's for a feed, Python's for one event's file) —
# plain tuples, which are the written VEVENT's cache key too.
FIELDS = ("starts_at", "ends_at", "uid", *(column.key for column in EVENT_COLUMNS))
VENUE_FIELDS = tuple(column.key for column in VENUE_COLUMNS)
_CHANGED = (FIELDS.index("updated_at"), FIELDS.index("published_at"))


def _shown(fields: tuple, venue: tuple | None, tags: tuple) -> SimpleNamespace:
    """An entry as the object ``_vevent`` reads."""
    return SimpleNamespace(**dict(zip(FIELDS, fields, strict=True)), tags=list(tags),
                           venue=SimpleNamespace(**dict(zip(VENUE_FIELDS, venue, strict=True))) if venue else None)


def _entry(occurrence, event) -> tuple:
    venue = event.venue
    return ((occurrence.starts_at, occurrence.ends_at, occurrence.uid,
             *(getattr(event, column.key) for column in EVENT_COLUMNS)),
            tuple(getattr(venue, key) for key in VENUE_FIELDS) if venue else None,
            tuple(tag.name for tag in sorted(event.tags, key=lambda tag: tag.slug)))


def feed_entries(filters, limit: int) -> list[tuple]:
    """The first ``limit`` occurrences the agenda's ``filters`` match, as entries ``(fields,
    venue, tags)``: three queries of columns (occurrences, venues, tags), no ORM objects, no
    object per row."""
    rows = filters.rows((EventOccurrence.starts_at, EventOccurrence.ends_at, EventOccurrence.uid, *EVENT_COLUMNS),
                        limit)
    venue_ids = {row.venue_id for row in rows if row.venue_id}
    venues = {row[0]: tuple(row) for row in db.session.execute(select(*VENUE_COLUMNS).where(Actor.id.in_(venue_ids)))} \
        if venue_ids else {}
    tags: dict[int, list[str]] = {}
    event_ids = {row.id for row in rows}
    if event_ids:
        for content_id, name in db.session.execute(
                select(content_tag.c.content_id, Tag.name).join(Tag, Tag.id == content_tag.c.tag_id)
                .where(content_tag.c.content_id.in_(event_ids)).order_by(Tag.slug)):
            tags.setdefault(content_id, []).append(name)
    names = {content_id: tuple(tag_names) for content_id, tag_names in tags.items()}
    # Each row as a tuple of its FIELDS (the dates under way carry their sorting columns too,
    # ``EventFilter.rows``: cut off): an object per row (a namespace from ``Row._asdict``) was a
    # fifth of the feed's time.
    width, venue_at = len(FIELDS), FIELDS.index("venue_id")
    return [(tuple(row[:width]), venues.get(row[venue_at]), names.get(row.id, ())) for row in rows]


@lru_cache(maxsize=4)
def _timezone(name: str) -> bytes:
    """The VTIMEZONE of ``name``, written (icalendar describes a fixed range of years)."""
    calendar = Calendar()
    event = VEvent()
    event.add("dtstart", datetime(2026, 1, 1, tzinfo=ZoneInfo(name)))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return b"".join(tz.to_ical() for tz in calendar.walk("VTIMEZONE"))


def calendar_for(rows, name: str) -> bytes:
    """``rows``: (occurrence, event) pairs."""
    return calendar_of([_entry(occurrence, event) for occurrence, event in rows], name)


def calendar_of(entries, name: str) -> bytes:
    """``entries``: from ``feed_entries()`` (or ``_entry()``). Each VEVENT is read from this
    worker's cache by everything it shows — the entry itself and what else its text depends on
    (language, site address, time zone) — and written on a miss."""
    name = clean_text(name).replace("\n", " ").strip() or "csti"
    cal = Calendar()
    cal.add("prodid", "-//csti//agenda//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", vText(name))  # RFC 7986; TEXT, escaped (the library writes unknown names as is)
    cal.add("x-wr-calname", vText(name))
    cal.add("x-wr-timezone", str(local_zone()))
    context = f"{get_locale()} {request.host_url if request else ''} {local_zone()}"
    written, events = _written_cache(), []
    for entry in entries:
        text = written.get((context, entry))
        if text is None:
            text = _vevent(_shown(*entry))
            written.put((context, entry), text)
        events.append(text)
    head, end = cal.to_ical(), b"END:VCALENDAR\r\n"
    return b"".join((head.removesuffix(end), _timezone(str(local_zone())), *events, end))


def last_change(entries):
    """The newest change of what ``entries`` show (for the feed's ``Last-Modified``)."""
    updated, published = _CHANGED
    return max((fields[updated] or fields[published] for fields, _venue, _tags in entries
                if fields[updated] or fields[published]), default=None)
