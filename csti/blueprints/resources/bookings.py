"""Loans of resources (``models.resources.Booking``): requests, answers, the availability
calendar, the notifications and mails.

Who does what (``csti/policy.py``): a confirmed member asks on behalf of one of their structures
(``request_loan``); the managers of a structure that owns the resource answer — accept or
decline, then mark it returned (``answer_loan``, ``return_loan``); the member who asked and the
managers of the borrowing structure cancel (``cancel_loan``; today's members: not one who left
it) until the loan's last day; the owners' managers cancel an accepted loan before its first day
(``change(as_owner=True)``). A loan is marked returned once started. Admins may do everything. A
territory's animators moderate the resource as a publication, but do not dispose of a
structure's property: they do not answer for its owners.

No two accepted bookings of one resource overlap, even when two managers accept overlapping
requests at the same moment (two workers, two processes): ``accept`` starts a fresh write
transaction whose first statement updates the resource's row — SQLite takes its database write
lock (``BEGIN IMMEDIATE``), PostgreSQL the row's lock — and only then reads the accepted
bookings that meet the dates, in SQL; the second acceptance waits for the first to commit, sees
it and is refused (``BookingError``, 409)."""
from __future__ import annotations

import calendar as _calendar
from datetime import date, timedelta

from flask import request, url_for
from flask_login import current_user
from sqlalchemy import case, false, select, update
from sqlalchemy.orm import selectinload
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ...bounds import InYears
from ...database import write_intent
from ...extensions import db
from ...forms import Form
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models import AuditLog, Notification
from ...models.actors import Actor, ActorMember
from ...models.base import utcnow
from ...models.content import PUBLISHED
from ...models.resources import (
    ACCEPTED,
    BLOCKING,
    CANCELLED,
    DECLINED,
    MESSAGE_MAX,
    REQUESTED,
    RETURNED,
    Booking,
    Resource,
    local_today,
)
from ...policy import can

# The longest loan one may ask for, and how far ahead.
MAX_DAYS = 366
MAX_AHEAD_DAYS = 2 * 366


# A booking deleted (its resource or structure with it) between the page and the answer.
GONE = _l("This loan no longer exists: its resource or structure was deleted.")


class BookingError(Exception):
    """A request or an answer refused: ``message`` for the person, ``field`` the form field it is
    about (None: the whole form), ``status`` the HTTP answer (422 bad input, 409 a conflict)."""

    def __init__(self, message, field: str | None = None, status: int = 422):
        super().__init__(str(message))
        self.message, self.field, self.status = str(message), field, status


class BookingForm(Form):
    borrower = SelectField(_l("Borrowing structure"), coerce=int, validate_choice=False,  # checked: check_request
                           validators=[InputRequired(message=_l("Choose the structure that borrows."))])
    starts_on = DateField(_l("First day"), validators=[InputRequired(message=_l("Give the first day.")), InYears()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired(message=_l("Give the last day.")), InYears()])
    message = TextAreaField(_l("Message to the owners"), validators=[Optional(), Length(max=MESSAGE_MAX)])


class AnswerForm(Form):
    answer = TextAreaField(_l("Message"), validators=[Optional(), Length(max=MESSAGE_MAX)])


def today() -> date:
    return local_today()


# --- who ------------------------------------------------------------------------------------
def my_structures(user) -> list[Actor]:
    """The published structures ``user`` belongs to (any role), by name."""
    if not getattr(user, "is_authenticated", False):
        return []
    return db.session.scalars(select(Actor).join(ActorMember, ActorMember.actor_id == Actor.id).where(
        ActorMember.user_id == user.id, Actor.status == PUBLISHED).order_by(Actor.title)).all()


def managed_structure_ids(user) -> list[int]:
    from ...models.actors import MANAGER

    return db.session.scalars(select(ActorMember.actor_id).where(
        ActorMember.user_id == user.id, ActorMember.role == MANAGER)).all()


def member_structure_ids(user) -> list[int]:
    return db.session.scalars(select(ActorMember.actor_id).where(ActorMember.user_id == user.id)).all()


def owner_managers(resource) -> list:
    """The people told of a request: the managers of the structures that own the resource."""
    people = {}
    for owner in resource.owners:
        if isinstance(owner, Actor):
            for person in owner.managers():
                people[person.id] = person
    return list(people.values())


# --- the calendar ---------------------------------------------------------------------------
def parse_month(value: str | None) -> date:
    """``YYYY-MM`` → its first day; anything else: this month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if 1900 < year < 2200 and 1 <= month <= 12:
            return date(year, month, 1)
    except ValueError:
        pass
    return today().replace(day=1)


def taken_days(resource_id: int, first: date, last: date) -> set[date]:
    """The days of [first, last] held by an accepted or returned booking (one query)."""
    rows = db.session.execute(select(Booking.starts_on, Booking.ends_on).where(
        Booking.resource_id == resource_id, Booking.status.in_(BLOCKING),
        Booking.starts_on <= last, Booking.ends_on >= first)).all()
    days = set()
    for start, end in rows:
        day = max(start, first)
        while day <= min(end, last):
            days.add(day)
            day += timedelta(days=1)
    return days


def month_calendar(resource, month: date) -> dict:
    """The month grid (weeks of days, Monday first) with the taken days, for ``_availability.html``."""
    weeks = _calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    taken = taken_days(resource.id, weeks[0][0], weeks[-1][-1])
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    return {"month": month, "weeks": weeks, "taken": taken, "today": today(),
            "previous": previous, "following": following,
            "previous_month": previous.strftime("%Y-%m"), "next_month": following.strftime("%Y-%m"),
            "taken_in_month": sum(1 for d in taken if d.month == month.month)}


def booking_form(user, formdata=None) -> BookingForm | None:
    structures = my_structures(user)
    if not structures:
        return None
    form = BookingForm(formdata=formdata) if formdata is not None else BookingForm(formdata=None)
    form.borrower.choices = [(s.id, s.title) for s in structures]
    return form


def show_context(resource) -> dict:
    """What the resource's page needs for its availability and loan request section."""
    context = {"calendar": month_calendar(resource, parse_month(request.args.get("month")))}
    user = current_user
    if getattr(user, "is_authenticated", False):
        context["may_request"] = can(user, "request_loan", resource)
        context["booking_form"] = booking_form(user) if resource.lendable else None
    return context


# --- a request ------------------------------------------------------------------------------
def overlapping(resource_id: int, start: date, end: date, exclude: int | None = None):
    """The first accepted (or returned) booking of the resource that meets [start, end], or None."""
    stmt = select(Booking).where(Booking.resource_id == resource_id, Booking.status.in_(BLOCKING),
                                 Booking.starts_on <= end, Booking.ends_on >= start)
    if exclude is not None:
        stmt = stmt.where(Booking.id != exclude)
    return db.session.scalars(stmt.order_by(Booking.starts_on).limit(1)).first()


NO_OWNER = _l("This resource has no owner structure to answer loan requests: it cannot be borrowed for now.")


def same_request(resource_id: int, user_id: int, borrower_id: int, start: date, end: date):
    """A request of ``user_id`` for the same resource, structure and days still waiting for its
    answer, or None."""
    return db.session.scalars(select(Booking.id).where(
        Booking.resource_id == resource_id, Booking.requested_by_id == user_id, Booking.borrower_id == borrower_id,
        Booking.starts_on == start, Booking.ends_on == end, Booking.status == REQUESTED).limit(1)).first()


def check_request(resource, user, form: BookingForm) -> None:
    """Raise ``BookingError`` (with its field) when the request cannot be made."""
    if not resource.lendable:
        raise BookingError(_("This resource is not lent: it is only presented."))
    if not any(isinstance(owner, Actor) for owner in resource.owners):  # old data: nobody would answer
        raise BookingError(NO_OWNER)
    if form.borrower.data not in member_structure_ids(user) or form.borrower.data not in dict(form.borrower.choices):
        raise BookingError(_("Choose one of your structures."), "borrower")
    start, end = form.starts_on.data, form.ends_on.data
    if start < today():
        raise BookingError(_("The first day is past: choose today or a later day."), "starts_on")
    if start > today() + timedelta(days=MAX_AHEAD_DAYS):
        raise BookingError(_("Ask at most two years ahead."), "starts_on")
    if end < start:
        raise BookingError(_("The last day comes before the first day."), "ends_on")
    if (end - start).days + 1 > MAX_DAYS:
        raise BookingError(_("A loan lasts at most a year."), "ends_on")
    if same_request(resource.id, user.id, form.borrower.data, start, end) is not None:
        # The same request sent again — a second click, or the form sent once more after the
        # answer was lost (a worker killed, a dropped connection): one request, not two.
        raise BookingError(_("You have already asked for these days: the owners will answer."), "starts_on", 409)
    taken = overlapping(resource.id, start, end)
    if taken is not None:
        raise BookingError(_("The resource is already lent from %(start)s to %(end)s: choose other dates.",
                             start=_day(taken.starts_on), end=_day(taken.ends_on)), "starts_on")


def _day(value: date) -> str:
    from ...dates import date_filter

    return date_filter(value, "long")


def request_loan(resource, user, form: BookingForm) -> Booking:
    """Check and record a request; the owners' managers are notified. The caller commits (then
    calls ``mail_pending``)."""
    _lock_row(resource.id)  # two copies of one request at the same time: the second sees the first
    check_request(resource, user, form)
    booking = Booking(resource_id=resource.id, borrower_id=form.borrower.data, requested_by_id=user.id,
                      starts_on=form.starts_on.data, ends_on=form.ends_on.data, status=REQUESTED,
                      message=(form.message.data or "").strip())
    db.session.add(booking)
    db.session.flush()
    for person in owner_managers(resource):
        if person.id != user.id:
            _notify(person, "loan_request", user, resource, booking.message)
    return booking


# --- answers --------------------------------------------------------------------------------
def lock_resource(resource_id: int) -> None:
    """Open a fresh write transaction whose first statement updates the resource's row: SQLite's
    write lock (``BEGIN IMMEDIATE``, see ``csti/database.py``), PostgreSQL's row lock. Every other
    acceptance for this resource waits here until this transaction ends. Call it inside
    ``write_intent()``; the caller commits or rolls back."""
    db.session.commit()
    _lock_row(resource_id)


def _lock_row(resource_id: int) -> None:
    """Lock the resource's row in the current transaction (PostgreSQL; on SQLite an unsafe
    request's transaction already holds the write lock)."""
    table = Resource.__table__
    db.session.execute(update(table).where(table.c.id == resource_id).values(lendable=table.c.lendable))


def load(booking_id: int) -> Booking | None:
    return db.session.scalar(select(Booking).where(Booking.id == booking_id)
                             .options(selectinload(Booking.resource), selectinload(Booking.borrower))
                             .execution_options(populate_existing=True))


def accept(booking_id: int, user, answer: str = "") -> Booking:
    """Accept a request, the resource's row locked, the overlap checked in SQL under the lock.
    Raises ``BookingError`` (409) when it was answered meanwhile or its dates are taken: the
    caller rolls back. Commits."""
    with write_intent():
        resource_id = db.session.scalar(select(Booking.resource_id).where(Booking.id == booking_id))
        if resource_id is None:
            raise BookingError(GONE, status=404)
        lock_resource(resource_id)
        booking = load(booking_id)
        if booking is None:
            raise BookingError(GONE, status=404)
        if booking.status != REQUESTED:
            raise BookingError(_("This request was answered already (%(status)s).", status=booking.status_label),
                               status=409)
        if booking.resource.status != PUBLISHED:
            raise BookingError(_("This resource is not published any more: its loan requests cannot be accepted."),
                               status=409)
        if not booking.resource.lendable:
            raise BookingError(_("This resource is not lent: it is only presented."), status=409)
        taken = overlapping(booking.resource_id, booking.starts_on, booking.ends_on, exclude=booking.id)
        if taken is not None:
            raise BookingError(_("Another loan was accepted for these dates (%(start)s – %(end)s): this request "
                                 "cannot be accepted.", start=_day(taken.starts_on), end=_day(taken.ends_on)),
                               status=409)
        _answer(booking, user, ACCEPTED, answer, "loan_accepted")
        db.session.commit()
    return booking


def _answer(booking, user, status, answer, kind) -> None:
    action = "booking.accepted" if status == ACCEPTED else "booking.declined"
    booking.status = status
    booking.answer = (answer or "").strip()
    booking.answered_by_id = user.id
    booking.answered_at = utcnow()
    AuditLog.record(user, action, booking.resource, booking.resource.territory)
    if booking.requested_by is not None and booking.requested_by_id != user.id:
        _notify(booking.requested_by, kind, user, booking.resource, booking.answer)


def change(booking_id: int, user, status: str, answer: str = "", as_owner: bool = False) -> Booking:
    """Decline (a request), cancel (a request or an accepted loan) or mark returned (an
    accepted loan): the booking's row re-read in a write transaction, its status checked.
    The dates matter too: a loan is marked returned once it has started (before, it would hold
    its dates for good); the borrowers cancel an accepted loan until its last day, the owners'
    managers (``as_owner``: they may not cancel for the borrowers) only before its first day,
    their message kept as the owners' answer. Raises ``BookingError`` (409) when the booking is
    no longer in a state for it. Commits."""
    allowed = {DECLINED: (REQUESTED,), CANCELLED: (ACCEPTED,) if as_owner else (REQUESTED, ACCEPTED),
               RETURNED: (ACCEPTED,)}[status]
    with write_intent():
        db.session.commit()
        booking = load(booking_id)
        if booking is None:
            raise BookingError(GONE, status=404)
        if booking.status not in allowed:
            raise BookingError(_("This loan's status is “%(status)s”: it cannot be changed so.",
                                 status=booking.status_label), status=409)
        if status == RETURNED and booking.starts_on > today():
            raise BookingError(_("This loan starts on %(start)s: it can be marked returned from that day.",
                                 start=_day(booking.starts_on)), status=409)
        if status == CANCELLED and booking.status == ACCEPTED:
            if as_owner and booking.starts_on <= today():
                raise BookingError(_("This loan has started: its owners can no longer cancel it. Mark it returned "
                                     "once the resource is back."), status=409)
            if booking.ends_on < today():
                raise BookingError(_("This loan ended on %(end)s: it can no longer be cancelled.",
                                     end=_day(booking.ends_on)), status=409)
        if status == DECLINED:
            _answer(booking, user, DECLINED, answer, "loan_declined")
        elif status == RETURNED:
            booking.status = RETURNED
            AuditLog.record(user, "booking.returned", booking.resource, booking.resource.territory)
        else:
            booking.status = CANCELLED
            if as_owner and (answer or "").strip():
                booking.answer = answer.strip()
            AuditLog.record(user, "booking.cancelled", booking.resource, booking.resource.territory)
            told = [booking.requested_by] if booking.requested_by is not None else []
            told += owner_managers(booking.resource)
            for person in {p.id: p for p in told}.values():
                if person.id != user.id:
                    _notify(person, "loan_cancelled", user, booking.resource, (answer or "").strip())
        db.session.commit()
    return booking


# --- a resource withdrawn from loans ------------------------------------------------------------
WITHDRAWN_REASONS = {
    "not_lent": _l("The resource is no longer lent."),
    "taken_down": _l("The resource was taken down."),
    "deleted": _l("The resource was deleted."),
    "no_owner": _l("The structure that lent the resource was deleted."),
    "borrower_deleted": _l("The borrowing structure was deleted."),
}


def withdraw_loans(resource, by, reason: str, deleting: bool = False) -> int:
    """``resource`` stops being lent (no longer lendable, unpublished, archived, deleted, left
    without owner): its requests waiting for an answer are declined, with the reason as the
    owners' answer; its accepted loans not over yet are withdrawn too when it is deleted (they
    go with it) and, those not started, when no owner is left to lend it. The members who asked
    are told (kind
    "loan_withdrawn", category "loans", mailed by ``mailprefs`` after the commit): a deleted
    resource's notification names no item, its note starts with the title (as ``moderation.
    take_down`` does). The caller commits. Returns how many bookings were withdrawn."""
    if resource is None or resource.id is None:
        return 0
    # Accepted loans: a deleted resource's, not over yet (they go with it); a resource left
    # without owner, those not started (one under way is in the borrower's hands).
    accepted = ((Booking.ends_on >= today()) if deleting else (Booking.starts_on > today())
                if reason == "no_owner" else false())
    rows = db.session.scalars(select(Booking).where(
        Booking.resource_id == resource.id,
        (Booking.status == REQUESTED) | ((Booking.status == ACCEPTED) & accepted))).all()
    text = str(WITHDRAWN_REASONS[reason])
    by_id = getattr(by, "id", None)
    told = {}
    for booking in rows:
        if not deleting:
            booking.status = DECLINED if booking.status == REQUESTED else CANCELLED
            booking.answer = text
            booking.answered_by_id = by_id
            booking.answered_at = utcnow()
        if booking.requested_by_id is not None and booking.requested_by_id != by_id:
            told[booking.requested_by_id] = True
    db.session.add_all([Notification(user_id=user_id, kind="loan_withdrawn", actor_id=by_id,
                                     content_id=None if deleting else resource.id,
                                     note=f"{resource.title}\n{text}" if deleting else text)
                        for user_id in told])
    return len(rows)


def withdraw_borrowed(structure, by) -> int:
    """A structure about to be deleted takes its bookings with it (``borrower_id`` cascades): the
    members who asked and the owners' managers of its requests and loans still to come are told
    (kind "loan_cancelled", mailed by ``mailprefs``). The caller deletes and commits."""
    rows = db.session.scalars(select(Booking).where(
        Booking.borrower_id == structure.id, Booking.status.in_((REQUESTED, ACCEPTED)),
        Booking.ends_on >= today())).all()
    by_id = getattr(by, "id", None)
    text = str(WITHDRAWN_REASONS["borrower_deleted"])
    notes = {}
    for booking in rows:
        people = [booking.requested_by_id] + [p.id for p in owner_managers(booking.resource)]
        for user_id in people:
            if user_id is not None and user_id != by_id:
                notes[(user_id, booking.resource_id)] = True
    db.session.add_all([Notification(user_id=user_id, kind="loan_cancelled", actor_id=by_id, content_id=resource_id,
                                     note=f"{text} ({structure.title})")
                        for user_id, resource_id in notes])
    return len(rows)


def withdraw_owned(structure, by) -> int:
    """A structure about to be deleted: the resources it alone owns are left without anyone to
    lend them — their requests and loans still to come are withdrawn (``withdraw_loans``)."""
    from ...models.content import content_owner

    owned = db.session.scalars(select(Resource).join(content_owner, content_owner.c.content_id == Resource.id)
                               .where(content_owner.c.actor_id == structure.id)).all()
    count = 0
    for resource in owned:
        if not [o for o in resource.owners if o.id != structure.id]:
            count += withdraw_loans(resource, by, "no_owner")
    return count


def withdraw_for_deletion(item, by) -> None:
    """``item`` is about to be deleted (a moderator's or author's take-down, an account deleted
    with its publications): a resource's borrowers, a structure's borrowers and lenders, are
    told before the bookings go."""
    if isinstance(item, Resource):
        withdraw_loans(item, by, "deleted", deleting=True)
    elif isinstance(item, Actor) and item.id is not None:
        withdraw_borrowed(item, by)
        withdraw_owned(item, by)


# --- notifications and mails -----------------------------------------------------------------
def _notify(person, kind: str, who, resource, note: str = "") -> None:
    """A notification of the "loans" mail category. Those who want such mails at once get it by
    ``mail_pending`` after the commit (the notification then counts as mailed); the others find
    it in their digest or on the site."""
    from ...models.mailprefs import IMMEDIATE, category_of
    from ..mailprefs.operations import frequency_of

    at_once = frequency_of(person, category_of(kind)) == IMMEDIATE and person.email_confirmed_at is not None
    notification = Notification(user_id=person.id, kind=kind, actor_id=who.id, content_id=resource.id,
                                note=note[:2000], mailed_at=utcnow() if at_once else None)
    db.session.add(notification)
    if at_once:
        _pending().append((person.id, kind, who.id, resource.id, note))


def _pending() -> list:
    from flask import g

    if "csti_loan_mails" not in g:
        g.csti_loan_mails = []
    return g.csti_loan_mails


SUBJECTS = {
    "loan_request": _l("%(who)s asks to borrow “%(title)s”"),
    "loan_accepted": _l("Your request to borrow “%(title)s” is accepted"),
    "loan_declined": _l("Your request to borrow “%(title)s” is declined"),
    "loan_cancelled": _l("The loan of “%(title)s” is cancelled"),
}


def mail_pending() -> list:
    """After the commit: mail each person told at once, in their own language
    (``csti.mails.notify``). A mail server that fails does not undo anything: logged. Returns
    the people not reached."""
    from flask import g

    from ...mails import notify
    from ...models import User

    pending, g.csti_loan_mails = list(_pending()), []
    missed = []
    for person_id, kind, who_id, resource_id, note in pending:
        person, who = db.session.get(User, person_id), db.session.get(User, who_id)
        resource = db.session.get(Resource, resource_id)
        title = resource.title
        subject = lambda kind=kind, who=who, title=title: str(SUBJECTS[kind]) % {  # noqa: E731
            "who": who.name, "title": title}
        url = url_for("resources.show", id=resource.id, slug=resource.slug, _external=True)
        loans = url_for("resources.my_loans" if kind == "loan_request" else "resources.my_requests", _external=True)
        if not notify(person, subject, "mail/loan.txt", kind=kind, who=who, resource=resource, note=note,
                      url=url, loans_url=loans):
            missed.append(person)
    return missed


# --- the lists ------------------------------------------------------------------------------
PER_PAGE = 20
MAX_PAGE = 10_000


def listing_options() -> list:
    """Loader options for a page of booking cards (``_booking.html``): the resource and who owns
    it, the borrowing structure, who asked — and the structures' members, which the answer
    buttons' permissions read (``policy``: ``answer_loan``, ``cancel_loan``). One query each per
    page, whatever the number of bookings; what a card does not show (tags, audiences, the
    structures' own owners) is not loaded."""
    from sqlalchemy.orm import lazyload

    from ...models import User

    def structure(path):
        return path.options(lazyload(Actor.tags), lazyload(Actor.owners), lazyload(Actor.audience_rows),
                            lazyload(Actor.author), selectinload(Actor.members).lazyload(ActorMember.user))

    return [selectinload(Booking.resource).options(
                lazyload(Resource.tags), lazyload(Resource.audience_rows), lazyload(Resource.author),
                lazyload(Resource.territory), structure(selectinload(Resource.owners.of_type(Actor)))),
            structure(selectinload(Booking.borrower)),
            selectinload(Booking.requested_by).lazyload(User.memberships)]


def _listing(stmt, page: int):
    from ...listing import paginate

    # What needs an answer first (requests), then the loans to come by their first day, then those
    # over, the latest first: a manager with years of loans sees today's work on page 1.
    now = today()
    stmt = stmt.options(*listing_options()).order_by(
        case((Booking.status == REQUESTED, 0), else_=1), case((Booking.ends_on >= now, 0), else_=1),
        case((Booking.ends_on >= now, Booking.starts_on), else_=None), Booking.starts_on.desc(), Booking.id)
    return paginate(stmt, Booking.id, min(max(page, 1), MAX_PAGE), PER_PAGE)


def loans_of(user, status: str | None = None, page: int = 1):
    """A page (``flask_sqlalchemy`` ``Pagination``) of the bookings of the resources owned by the
    structures ``user`` manages (an admin too: only their own structures')."""
    from ...models.content import content_owner

    owned = select(content_owner.c.content_id).where(content_owner.c.actor_id.in_(managed_structure_ids(user)))
    stmt = select(Booking).where(Booking.resource_id.in_(owned))
    if status:
        stmt = stmt.where(Booking.status == status)
    return _listing(stmt, page)


def requests_of(user, status: str | None = None, page: int = 1):
    """A page of the bookings asked for by the structures ``user`` belongs to now (not those of a
    structure they left, even the ones they asked for)."""
    stmt = select(Booking).where(Booking.borrower_id.in_(member_structure_ids(user)))
    if status:
        stmt = stmt.where(Booking.status == status)
    return _listing(stmt, page)
