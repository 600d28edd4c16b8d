"""iCalendar (RFC 5545) with the icalendar library: one VEVENT per occurrence, a VTIMEZONE
for Europe/Paris, stable UIDs (event id + occurrence start), the event's status carried."""
from __future__ import annotations

from datetime import timedelta

from flask import request, url_for
from icalendar import Calendar
from icalendar import Event as VEvent

from .events import local_zone, to_local
from .models.base import utcnow

STATUS = {"cancelled": "CANCELLED", "postponed": "TENTATIVE", "scheduled": "CONFIRMED", "full": "CONFIRMED"}


def _uid(event, occurrence) -> str:
    host = request.host.split(":")[0] if request else "csti"
    return f"event-{event.id}-{to_local(occurrence.starts_at):%Y%m%dT%H%M}@{host}"


def calendar_for(rows, name: str) -> bytes:
    """``rows``: (occurrence, event) pairs."""
    cal = Calendar()
    cal.add("prodid", "-//csti//agenda//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(local_zone()))
    stamp = utcnow()
    for occurrence, event in rows:
        vevent = VEvent()
        vevent.add("uid", _uid(event, occurrence))
        vevent.add("dtstamp", stamp)
        summary = event.title
        if event.schedule_status in ("cancelled", "postponed"):  # not every client shows STATUS
            summary += f" ({event.schedule_status_label})"
        vevent.add("summary", summary)
        start, end = to_local(occurrence.starts_at), to_local(occurrence.ends_at)
        if event.all_day:
            vevent.add("dtstart", start.date())
            vevent.add("dtend", end.date() + timedelta(days=1))
        else:
            vevent.add("dtstart", start)
            vevent.add("dtend", end)
        vevent.add("status", STATUS.get(event.schedule_status, "CONFIRMED"))
        url = url_for("events.show", id=event.id, slug=event.slug, _external=True)
        vevent.add("url", url)
        description = (event.summary or "") + ("\n\n" if event.summary else "") + url
        vevent.add("description", description)
        place = ", ".join(p for p in (
            event.venue.title if event.venue else event.venue_name,
            event.address or (event.venue.address if event.venue else ""),
            " ".join(p for p in (event.postcode or (event.venue.postcode if event.venue else ""),
                                 event.commune or (event.venue.commune if event.venue else "")) if p),
        ) if p)
        if place:
            vevent.add("location", place)
        elif event.online_url:
            vevent.add("location", event.online_url)
        if event.place_latitude is not None:
            vevent.add("geo", (event.place_latitude, event.place_longitude))
        if event.updated_at:
            vevent.add("last-modified", event.updated_at)
        for tag in event.tags:
            vevent.add("categories", tag.name)
        cal.add_component(vevent)
    cal.add_missing_timezones()
    return cal.to_ical()
