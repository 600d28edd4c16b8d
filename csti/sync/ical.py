"""Reading an iCalendar feed (RFC 5545, with the icalendar library) into remote events.

One VEVENT is one event (a csti feed writes one per date, each with its own UID). Its identity
is its UID (with its RECURRENCE-ID when it overrides one date of a series); a VEVENT without UID
or DTSTART is skipped, as are the dates of an RRULE after its first (documented limit). Times
with a zone are brought to the site's zone; floating times are read as local; all-day events
keep their days (DTEND is exclusive in iCalendar)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from icalendar import Calendar

from ..dates import local_zone
from ..text import clean_text
from .fetch import SyncError


@dataclass
class RemoteEvent:
    remote_id: str
    title: str
    starts: datetime  # local, naive
    ends: datetime
    all_day: bool = False
    description: str = ""
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    url: str = ""
    cancelled: bool = False
    tags: list[str] = field(default_factory=list)
    extra_starts: list[datetime] = field(default_factory=list)  # the other dates, as long as the first


def _local(value) -> tuple[datetime, bool]:
    """(local naive datetime, all day) of a DTSTART/DTEND value."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(local_zone()).replace(tzinfo=None)
        return value, False
    if isinstance(value, date):
        return datetime.combine(value, time.min), True
    raise ValueError(f"not a date: {value!r}")


def _text(component, name: str, limit: int) -> str:
    value = component.get(name)
    return clean_text(str(value)).strip()[:limit] if value is not None else ""


def parse(body: bytes) -> list[RemoteEvent]:
    """The events of an iCalendar ``body``; SyncError when it is not one."""
    try:
        calendar = Calendar.from_ical(body)
    except Exception as error:  # the library raises ValueError and others on garbage
        raise SyncError(f"not an iCalendar file: {error}") from error
    if getattr(calendar, "name", "") != "VCALENDAR":
        raise SyncError("not an iCalendar file: no VCALENDAR")
    events = []
    for component in calendar.walk("VEVENT"):
        uid = _text(component, "UID", 200)
        start = component.get("DTSTART")
        title = _text(component, "SUMMARY", 200)
        if not uid or start is None or not title:
            continue
        try:
            starts, all_day = _local(start.dt)
            end = component.get("DTEND")
            if end is not None:
                ends, _all_day = _local(end.dt)
                if all_day:
                    ends = ends - timedelta(days=1) + timedelta(hours=23, minutes=59)
            elif component.get("DURATION") is not None:
                ends = starts + component.get("DURATION").dt
            else:
                ends = starts + (timedelta(hours=23, minutes=59) if all_day else timedelta(hours=1))
        except (ValueError, TypeError, AttributeError, OverflowError):
            continue
        if ends < starts:
            ends = starts
        recurrence = component.get("RECURRENCE-ID")
        if recurrence is not None:
            uid = f"{uid}#{recurrence.to_ical().decode(errors='replace')}"
        latitude = longitude = None
        geo = component.get("GEO")
        if geo is not None:
            try:
                latitude, longitude = float(geo.latitude), float(geo.longitude)
                if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                    latitude = longitude = None
            except (TypeError, ValueError, AttributeError):
                latitude = longitude = None
        url = _text(component, "URL", 500)
        categories = component.get("CATEGORIES")
        tags = []
        for group in (categories if isinstance(categories, list) else [categories] if categories else []):
            tags += [clean_text(str(c)).strip()[:60] for c in getattr(group, "cats", [])]
        events.append(RemoteEvent(
            remote_id=uid[:255], title=title, starts=starts, ends=ends, all_day=all_day,
            description=_text(component, "DESCRIPTION", 20_000), location=_text(component, "LOCATION", 500),
            latitude=latitude, longitude=longitude,
            url=url if url.startswith(("http://", "https://")) else "",
            cancelled=str(component.get("STATUS", "")).upper() == "CANCELLED", tags=[t for t in tags if t]))
    return events
