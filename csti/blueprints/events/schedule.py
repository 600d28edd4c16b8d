"""Event operations: dates and recurrences, registrations with a waiting list, iCalendar.

Shared by the views, the CLI and (later) the API, and unit-tested here.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

from dateutil.rrule import MONTHLY, WEEKLY, rrule
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import lazyload

from ...dates import to_utc
from ...extensions import db
from ...i18n import gettext as _
from ...models.base import utcnow
from ...models.content import PUBLISHED
from ...models.events import (
    CANCELLED,
    CONFIRMED,
    MAX_OCCURRENCES,
    WAITING,
    Event,
    EventOccurrence,
    Registration,
)


class ScheduleError(ValueError):
    """Dates that cannot be scheduled, with a message for people."""

    def __init__(self, message, field="starts_at"):
        super().__init__(message)
        self.field = field


def expand(start: datetime, end: datetime, recurrence: str = "none", until: date | None = None,
           extra_starts: list[datetime] = (), exceptions: list[date] = ()) -> list[tuple[datetime, datetime]]:
    """Local (naive) start/end pairs of every occurrence, sorted; bounded to MAX_OCCURRENCES."""
    if end < start:
        raise ScheduleError(_("The end is before the start."), "ends_at")
    duration = end - start
    if duration > timedelta(days=366):
        raise ScheduleError(_("An event lasts a year at most: use a recurrence instead."), "ends_at")
    starts = [start]
    if recurrence in ("weekly", "monthly"):
        if until is None:
            raise ScheduleError(_("A recurrence needs an end date."), "recurrence_until")
        if until < start.date():
            raise ScheduleError(_("The recurrence ends before it starts."), "recurrence_until")
        if recurrence == "weekly":
            rule = rrule(WEEKLY, dtstart=start, until=datetime.combine(until, time.max))
        else:
            # "Every month on the same weekday": e.g. the second Tuesday of each month.
            nth = (start.day - 1) // 7 + 1
            weekday = start.weekday()
            from dateutil.rrule import weekday as rr_weekday

            rule = rrule(MONTHLY, dtstart=start, until=datetime.combine(until, time.max),
                         byweekday=rr_weekday(weekday)(+nth if nth < 5 else -1))
        starts = []
        for occurrence in rule:
            starts.append(occurrence)
            if len(starts) > MAX_OCCURRENCES:
                raise ScheduleError(_("This recurrence gives more than %(n)d dates: choose an earlier end.",
                                      n=MAX_OCCURRENCES), "recurrence_until")
        if start not in starts:
            starts.insert(0, start)
    for extra in extra_starts:
        if extra not in starts:
            starts.append(extra)
    skipped = set(exceptions)
    starts = sorted(s for s in starts if s.date() not in skipped)
    if not starts:
        raise ScheduleError(_("Every date is excluded: nothing left to schedule."), "exceptions")
    if len(starts) > MAX_OCCURRENCES:
        raise ScheduleError(_("At most %(n)d dates.", n=MAX_OCCURRENCES), "extra_dates")
    return [(s, s + duration) for s in starts]


def schedule(event: Event, start: datetime, end: datetime, all_day: bool = False, recurrence: str = "none",
             until: date | None = None, extra_starts=(), exceptions=()) -> None:
    """Set the event's dates (local naive datetimes) and rebuild its occurrences."""
    if all_day:
        start = datetime.combine(start.date(), time.min)
        end = datetime.combine(end.date(), time(23, 59))
        extra_starts = [datetime.combine(e.date(), time.min) for e in extra_starts]
    pairs = expand(start, end, recurrence, until, list(extra_starts), list(exceptions))
    event.all_day = all_day
    event.recurrence = recurrence if recurrence in ("weekly", "monthly") else "none"
    event.recurrence_until = to_utc(datetime.combine(until, time(23, 59))) if until and event.recurrence != "none" else None
    event.extra_dates = [e.isoformat(timespec="minutes") for e in sorted(set(extra_starts))]
    event.exceptions = [d.isoformat() for d in sorted(set(exceptions))]
    event.starts_at = to_utc(pairs[0][0])
    event.ends_at = to_utc(pairs[0][1])
    event.occurrences = _keep_dates(event, [(to_utc(s), to_utc(e)) for s, e in pairs])


def _keep_dates(event: Event, pairs: list[tuple[datetime, datetime]]) -> list[EventOccurrence]:
    """The occurrences of the UTC (start, end) ``pairs``, reusing the event's rows — and so their
    ids and iCalendar UIDs: a date that stays keeps its row; the dates that moved take the rows of
    the dates that went, in order (one date moved, or every date moved by an hour, keeps every
    UID); only extra dates get new rows, and the rows left over are deleted."""
    existing = {occurrence.starts_at: occurrence for occurrence in event.occurrences}
    kept, moved = [], []
    for start, end in pairs:
        occurrence = existing.pop(start, None)
        if occurrence is None:
            moved.append((start, end))
        else:
            occurrence.ends_at = end
            kept.append(occurrence)
    free = sorted(existing.values(), key=lambda occurrence: occurrence.starts_at)
    for (start, end), occurrence in zip(moved, free, strict=False):
        occurrence.starts_at, occurrence.ends_at = start, end
        kept.append(occurrence)
    kept += [EventOccurrence(starts_at=start, ends_at=end) for start, end in moved[len(free):]]
    return sorted(kept, key=lambda occurrence: occurrence.starts_at)


def last_end(event: Event) -> datetime | None:
    return max((o.ends_at for o in event.occurrences), default=event.ends_at)


# --- registrations -------------------------------------------------------------------------
class RegistrationError(Exception):
    def __init__(self, message, status=409):
        super().__init__(message)
        self.status = status


def confirmed_count(event: Event) -> int:
    return db.session.scalar(_CONFIRMED(), {"event_id": event.id})


@lru_cache(maxsize=1)
def _CONFIRMED():  # noqa: N802 — a statement, built once (its cache key computed once): every event page counts
    return select(func.count(Registration.id)).where(Registration.event_id == bindparam("event_id"),
                                                     Registration.status == CONFIRMED)


def places_left(event: Event) -> int | None:
    if event.schedule_status == "full":
        return 0  # the organiser says so, whatever the count
    if event.capacity is None:
        return None
    return max(0, event.capacity - confirmed_count(event))


def is_over(event: Event) -> bool:
    return event.starts_at is not None and utcnow() > (last_end(event) or event.starts_at)


def external_registration_open(event: Event) -> bool:
    """Whether to show the link to the organiser's registration page."""
    return (event.registration_mode == "external" and bool(event.registration_url)
            and event.schedule_status not in ("cancelled", "postponed") and not is_over(event))


def registration_open(event: Event) -> tuple[bool, str | None]:
    """(open, why not) — the why is shown next to the button."""
    if event.registration_mode != "site":
        return False, None
    if not event.is_published:
        return False, _("Registration opens when the event is published.")
    if event.schedule_status == "cancelled":
        return False, _("This event is cancelled.")
    if event.schedule_status == "postponed":
        return False, _("This event is postponed: registration reopens with its new dates.")
    if event.registration_closed:
        return False, _("Registration is closed.")
    now = utcnow()
    if event.registration_deadline is not None and now > event.registration_deadline:
        return False, _("The registration deadline has passed.")
    if is_over(event):
        return False, _("This event is over.")
    return True, None


def _lock(event: Event) -> Event:
    """Serialise registrations of one event: a row lock on PostgreSQL; on SQLite the request's
    transaction is already BEGIN IMMEDIATE (one writer at a time). Without the joined eager
    loads (venue, territory, author): PostgreSQL refuses FOR UPDATE on the nullable side of
    an outer join."""
    return db.session.scalar(select(Event).options(lazyload("*")).where(Event.id == event.id)
                             .with_for_update().execution_options(populate_existing=True))


def register(event: Event, user) -> Registration:
    """Register ``user``: a place if one is left, else the waiting list (if the organiser
    allows it). Raises RegistrationError with a message otherwise. The caller commits."""
    event = _lock(event)
    ok, why = registration_open(event)
    if not ok:
        raise RegistrationError(why or _("This event takes no registration here."), 409)
    existing = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.user_id == user.id))
    if existing is not None and existing.status != CANCELLED:
        raise RegistrationError(_("You are already registered.") if existing.status == CONFIRMED
                                else _("You are already on the waiting list."), 409)
    full = event.schedule_status == "full" or (
        event.capacity is not None and confirmed_count(event) >= event.capacity)
    if full and not event.waiting_list:
        raise RegistrationError(_("This event is full."), 409)
    position = (db.session.scalar(select(func.max(Registration.position)).where(
        Registration.event_id == event.id)) or 0) + 1
    registration = existing or Registration(event_id=event.id, user_id=user.id)
    registration.status = WAITING if full else CONFIRMED
    registration.position = position
    registration.attended = None
    registration.created_at = utcnow()
    if existing is None:
        db.session.add(registration)
    db.session.flush()
    _tell_organiser(event, user, "registration_new" if registration.status == CONFIRMED else "registration_waiting")
    return registration


def _tell_organiser(event: Event, user, kind: str) -> None:
    """The event's author is told of a registration or a cancellation (a notification of the
    "registrations" mail category: at once, in a digest or never, as they chose)."""
    from ...models.discussion import Notification

    if event.author_id is not None and event.author_id != user.id:
        db.session.add(Notification(user_id=event.author_id, kind=kind, actor_id=user.id, content_id=event.id))


def cancel(registration: Registration) -> Registration | None:
    """Cancel; if a place frees up, promote the first of the waiting list (returned)."""
    event = _lock(registration.event)
    was_confirmed = registration.status == CONFIRMED
    registration.status = CANCELLED
    db.session.flush()
    _tell_organiser(event, registration.user, "registration_cancel")
    if was_confirmed and event.status == PUBLISHED:  # a withdrawn event fills no freed place
        return promote(event)
    return None


def promote(event: Event) -> Registration | None:
    if event.capacity is not None and confirmed_count(event) >= event.capacity:
        return None
    first = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.status == WAITING).order_by(Registration.position).limit(1))
    if first is not None:
        first.status = CONFIRMED
        db.session.flush()
    return first


def serve_waiting_list(event: Event) -> list[Registration]:
    """After the organiser added places: promote from the waiting list, in order, while
    places are left. Returns the promoted registrations (to be told). The caller commits."""
    event = _lock(event)
    promoted = []
    while event.registration_mode == "site" and (registration := promote(event)) is not None:
        promoted.append(registration)
    return promoted


def waiting_ranks(event: Event) -> dict[int, int]:
    """{registration id: place on the waiting list} — 1 is served next. (``position`` is the
    order of arrival among every registration, confirmed and cancelled ones included.)"""
    ids = db.session.scalars(select(Registration.id).where(
        Registration.event_id == event.id, Registration.status == WAITING).order_by(Registration.position)).all()
    return {registration_id: rank for rank, registration_id in enumerate(ids, 1)}


def registrations_of(user) -> tuple[list, list]:
    """``user``'s registrations that stand, as (registration, event, occurrence): upcoming ones
    with the next date of the event, soonest first; past ones with the last date, latest first.
    A recurring event is upcoming while one of its dates is. An event taken down since
    (unpublished, archived) stays listed, so that the registration can be cancelled: the page
    shows it without its link, "withdrawn by the organisers" (``withdrawn``)."""
    rows = db.session.execute(select(Registration, Event).join(Event, Event.id == Registration.event_id).where(
        Registration.user_id == user.id, Registration.status != CANCELLED)).all()
    now = utcnow()
    upcoming, past = [], []
    for registration, event in rows:
        if not event.occurrences:
            continue
        coming = [o for o in event.occurrences if o.ends_at >= now]
        if coming:
            upcoming.append((registration, event, coming[0]))
        else:
            past.append((registration, event, event.occurrences[-1]))
    upcoming.sort(key=lambda row: (row[2].starts_at, row[1].id))
    past.sort(key=lambda row: (row[2].starts_at, row[1].id), reverse=True)
    return upcoming, past


def send_registration_mail(registration: Registration, promoted: bool = False) -> bool:
    """Tell the person where they stand — registered, on the waiting list, or just promoted
    from it — in their own language (not the language of whoever caused it)."""
    from flask import url_for
    from flask_babel import force_locale

    from ...mails import send_mail

    user, event = registration.user, registration.event
    with force_locale(user.locale or "fr"):
        if promoted:
            subject = _("A place freed up: you are registered for %(title)s", title=event.title)
        elif registration.status == CONFIRMED:
            subject = _("Registration confirmed: %(title)s", title=event.title)
        else:
            subject = _("Waiting list: %(title)s", title=event.title)
    # Sent once the registration is committed: a mail server that is down loses the mail (logged),
    # never the registration, and never answers a 500.
    try:
        send_mail(user.email, subject, "mail/registration.txt", user.locale, registration=registration,
                  event=event, promoted=promoted,
                  url=url_for("events.show", id=event.id, slug=event.slug, _external=True))
    except Exception:  # noqa: BLE001 — any transport error
        from flask import current_app

        current_app.logger.exception("registration mail to user %s not sent", user.id)
        return False
    return True
