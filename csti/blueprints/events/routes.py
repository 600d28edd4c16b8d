"""The agenda (list, month calendar, map), event pages, registrations and iCalendar feeds."""
import csv
import io
import json
from datetime import timedelta
from functools import lru_cache

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import lazyload

from ...dates import to_local, to_utc
from ...errors import fail
from ...extensions import db
from ...feeds import feed_response, last_change
from ...htmx import is_htmx, render
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models import DRAFT, PENDING, PUBLISHED, AuditLog, Content, Tag, Territory
from ...models.actors import Actor, ActorMember
from ...models.events import CANCELLED, CONFIRMED, EVENT_KINDS, WAITING, Event, EventOccurrence, Registration
from ...moderation import may_be_draft, review_if_spammy, submit
from ...policy import can
from ...sessions import refuse_unconfirmed
from ...urls import item_urls
from ..actors.operations import place_coordinates, set_location
from ..content.helpers import apply_common_fields, load_content, preview_requested, review_if_moved, to_group_territory
from ..content.views import ContentViews
from . import bp
from .agenda import EventFilter, page_number
from .forms import EventForm, MessageForm, parse_lines
from .ical import calendar_for, calendar_of, feed_entries
from .ical import last_change as entries_changed
from .schedule import (
    RegistrationError,
    ScheduleError,
    cancel,
    confirmed_count,
    external_registration_open,
    places_left,
    register,
    registration_open,
    registrations_of,
    schedule,
    send_registration_mail,
    serve_waiting_list,
    waiting_ranks,
)

PER_PAGE = 30
GEOJSON_LIMIT = 5000
FEED_LIMIT = 1000  # occurrences in an iCalendar feed: the next 1 000 dates (clients refresh daily)


# --- agenda -------------------------------------------------------------------------------
def _filter_context(filters):
    territories = Territory.by_name()
    return dict(filters=filters, territories=territories)


@bp.get("/agenda")
def agenda():
    filters = EventFilter.from_args(request.args)
    ctx = _filter_context(filters)
    status = 422 if filters.errors else 200
    if filters.view == "calendar":
        ctx.update(_calendar(filters))
    elif filters.view == "map":
        pass
    else:
        page = filters.page(page_number(request.args), PER_PAGE, kept_lines=True)  # its lines are kept
        ctx.update(page=page, days=_group_by_day((o, o.event) for o in page.items),
                   page_url=lambda n: url_for("events.agenda", page=n, **filters.to_args()))
    return render("events/agenda.html", block="agenda", status=status, **ctx)


def _group_by_day(rows):
    """[(day, [(occurrence, event)])]; what started before today and still runs is grouped
    first under day None ("ongoing")."""
    today = to_local(to_utc_now()).date()
    days = []
    for occurrence, event in rows:
        day = to_local(occurrence.starts_at).date()
        if day < today and to_local(occurrence.ends_at).date() >= today:
            day = None
        if not days or days[-1][0] != day:
            days.append((day, []))
        days[-1][1].append((occurrence, event))
    return days


def _calendar(filters):
    today = to_local(to_utc_now()).date()
    first = filters.month or today.replace(day=1)
    start = first - timedelta(days=first.weekday())
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    rows = filters.pairs(2000)
    by_day = {}
    for occurrence, event in rows:
        day = to_local(occurrence.starts_at).date()
        last = to_local(occurrence.ends_at).date()
        if (last - day).days <= 3:  # a short event shows on each of its days
            for offset in range((last - day).days + 1):
                by_day.setdefault(day + timedelta(days=offset), []).append((occurrence, event))
        else:  # a long one (an exhibition) on its first day in this view only
            by_day.setdefault(max(day, start), []).append((occurrence, event))
    weeks, day = [], start
    while day < following or day.weekday() != 0:
        if day.weekday() == 0:
            weeks.append([])
        weeks[-1].append(day)
        day += timedelta(days=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return dict(month=first, weeks=weeks, by_day=by_day, today=today,
                previous_url=url_for("events.agenda", **filters.to_args(month=previous.strftime("%Y-%m"))),
                next_url=url_for("events.agenda", **filters.to_args(month=following.strftime("%Y-%m"))))


def to_utc_now():
    from ...models.base import utcnow

    return utcnow()


@bp.get("/agenda.geojson")
def agenda_geojson():
    """The map's points: the first ``GEOJSON_LIMIT`` placed events matching the filters, each
    once (at its first date). Read as columns, never as ORM objects: 15 000 dates loaded as
    objects took 190 ms and left a worker 67 MB larger for good."""
    filters = EventFilter.from_args(request.args)
    url = item_urls("events.show")  # url_for 5 000 times was a quarter of the time
    kind_labels = {kind: str(label) for kind, label in EVENT_KINDS.items()}  # each translated once, not per point
    seen, features = set(), []
    # Dates in batches until enough events are placed: an event has several dates, and 5 000
    # events took 6 500 of the national dataset's (15 000 read at once: 0.37 s); at most 3 dates
    # an event, as before.
    # One "now" for every batch: a minute turning between two would move the dates under the offset.
    filters.pinned_now = to_utc_now()
    batch, offset = max(1, GEOJSON_LIMIT * 3 // 2), 0
    while len(features) < GEOJSON_LIMIT and offset < GEOJSON_LIMIT * 3:
        rows = filters.rows((Event.id, Event.title, Event.slug, Event.event_kind, Event.commune, Event.latitude,
                             Event.longitude, Event.venue_id), batch, offset)
        offset += batch
        venue_ids = {row.venue_id for row in rows if row.venue_id and (row.latitude is None or not row.commune)}
        venues = {row.id: row for row in db.session.execute(
            select(Actor.id, Actor.latitude, Actor.longitude, Actor.commune).where(Actor.id.in_(venue_ids)))} \
            if venue_ids else {}
        for row in rows:
            venue = venues.get(row.venue_id)
            lat, lng = (row.latitude, row.longitude) if venue is None or row.latitude is not None \
                else (venue.latitude, venue.longitude)
            if row.id in seen or lat is None or lng is None:
                continue
            seen.add(row.id)
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lng, 6), round(lat, 6)]},
                "properties": {"id": row.id, "name": row.title,
                               "kind_label": kind_labels.get(row.event_kind, row.event_kind),
                               "commune": row.commune or (venue.commune if venue is not None else ""),
                               "url": url(row.id, row.slug)},
            })
            if len(features) >= GEOJSON_LIMIT:
                break
        if len(rows) < batch:
            break
    return Response(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    mimetype="application/geo+json")


@bp.get("/agenda.ics")
def agenda_ics():
    """Subscribable feed honouring the agenda's filters (upcoming by default)."""
    filters = EventFilter.from_args(request.args)
    return _feed(filters, _("Agenda"), "agenda.ics")


@bp.get("/actor/<int:id>/agenda.ics")
def structure_ics(id):
    """A structure's feed: the events it organises or hosts (the agenda's filters apply too)."""
    actor, _redirect = load_content(Actor, id)
    filters = EventFilter.from_args(request.args)
    filters.structure = actor.id
    return _feed(filters, f"{_('Agenda')} — {actor.title}", f"agenda-{actor.slug}.ics")


@bp.get("/tags/<slug>/agenda.ics")
def tag_ics(slug):
    tag = db.session.scalar(select(Tag).where(Tag.slug == Tag.normalize(slug)))
    if tag is None:
        from ...merges import tag_redirect

        merged_into = tag_redirect(slug)  # a merged tag's calendar: the tag kept's
        if merged_into is None:
            fail(404)
        return redirect(url_for("events.tag_ics", **{**request.args.to_dict(), "slug": merged_into.slug}), code=301)
    filters = EventFilter.from_args(request.args)
    filters.tags = [tag.slug]
    return _feed(filters, f"{_('Agenda')} — #{tag.name}", f"agenda-{tag.slug}.ics")


@bp.get("/t/<slug>/agenda.ics")
def territory_ics(slug):
    territory = db.session.scalar(select(Territory).where(Territory.slug == slug))
    if territory is None:
        fail(404)
    filters = EventFilter.from_args(request.args)
    filters.territories = [territory.slug]
    return _feed(filters, f"{_('Agenda')} — {territory.name}", f"agenda-{territory.slug}.ics")


def _feed(filters, name: str, filename: str):
    entries = feed_entries(filters, FEED_LIMIT)
    return _ics_response(calendar_of(entries, name=name), filename, last_change(entries_changed(entries)), inline=True)


def _ics_response(body: bytes, filename: str, modified, inline: bool = False):
    """ETag, Last-Modified and one charset (conditional requests: ``csti.feeds``)."""
    disposition = "inline" if inline else "attachment"
    return feed_response(body, "text/calendar", modified,
                         headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})


@bp.get("/trainings")
def trainings():
    """The catalogue of trainings for CSTI professionals."""
    args = request.args.copy()
    args.setlist("kind", ["training"])
    filters = EventFilter.from_args(args)
    page = filters.page(page_number(request.args), PER_PAGE)
    return render("events/trainings.html", page=page, filters=filters, rows=[(o, o.event) for o in page.items],
                  page_url=lambda n: url_for("events.trainings", page=n, **filters.to_args(kind=None)))


# --- one event ----------------------------------------------------------------------------
@bp.get("/event/<int:id>.ics")
def event_ics(id):
    event, _redirect = load_content(Event, id)
    rows = [(o, event) for o in event.occurrences]
    return _ics_response(calendar_for(rows, name=event.title), f"{event.slug or 'event'}.ics",
                         last_change(event.updated_at, event.published_at))


def _read_occurrences(event) -> None:
    """An event's dates, which its page reads (whether it is over, the JSON-LD's date), by a
    statement built once — the relationship's lazy load computes its statement's cache key on
    every page; on a page read only (a form's post may have changed them, unsaved)."""
    from sqlalchemy import inspect
    from sqlalchemy.orm.attributes import set_committed_value

    if request.method in ("GET", "HEAD") and event.id is not None and "occurrences" in inspect(event).unloaded:
        set_committed_value(event, "occurrences",
                            db.session.scalars(_OCCURRENCES(), {"event_id": event.id}).all())


@lru_cache(maxsize=1)
def _OCCURRENCES():  # noqa: N802 — a statement, built once (the relationship's order)
    return select(EventOccurrence).where(EventOccurrence.event_id == bindparam("event_id")).order_by(
        EventOccurrence.starts_at)


@lru_cache(maxsize=1)
def _MINE():  # noqa: N802 — a statement, built once: a member's registration, on each event page they read
    # Its user is the member reading the page (loaded already): not joined again.
    return select(Registration).options(lazyload(Registration.user)).where(
        Registration.event_id == bindparam("event_id"), Registration.user_id == bindparam("user_id"),
        Registration.status != CANCELLED)


def _registration_context(event):
    """The registration box's context. The member's registration: on their page read, whether
    they have one is asked with the rest of their part of the page (``memberpage``), and it is
    read only when they do."""
    from ...memberpage import member_page

    mine = None
    if current_user.is_authenticated:
        state = member_page(current_user._get_current_object(), event)
        if state is None:
            mine = db.session.scalar(_MINE(), {"event_id": event.id, "user_id": current_user.id})
        elif state.registration is not None:
            mine = db.session.get(Registration, state.registration, options=[lazyload(Registration.user)])
            if mine is not None and mine.status == CANCELLED:  # cancelled between the two statements
                mine = None
    is_open, why_closed = registration_open(event)
    return dict(registration=mine, registration_is_open=is_open, why_closed=why_closed,
                external_open=external_registration_open(event),
                places_left=places_left(event) if event.registration_mode == "site" else None)


@bp.post("/event/<int:id>/register")
@login_required
def register_view(id):
    event, _redirect = load_content(Event, id)
    _check_csrf()
    if not can(current_user, "register", event):
        refuse_unconfirmed(event.url)
    try:
        registration = register(event, current_user)
    except RegistrationError as error:
        db.session.rollback()
        return _registration_answer(event, str(error), error.status)
    db.session.commit()
    send_registration_mail(registration)
    message = (_("You are registered.") if registration.status == CONFIRMED
               else _("The event is full: you are on the waiting list."))
    return _registration_answer(event, message)


@bp.post("/event/<int:id>/cancel")
@login_required
def cancel_view(id):
    """Cancel one's own registration — whatever became of the event: one taken down since
    (unpublished, archived) is no longer theirs to see, yet the registration is still theirs to
    cancel (from "My registrations", where they come back to)."""
    event = db.session.get(Event, id)
    if event is None:
        fail(404)
    registration = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.user_id == current_user.id,
        Registration.status != CANCELLED))
    visible = can(current_user, "view", event)
    if not visible and registration is None:
        fail(404)
    _check_csrf()
    if registration is None:
        return _registration_answer(event, _("You are not registered."), 409)
    promoted = cancel(registration)
    db.session.commit()
    if promoted is not None:
        send_registration_mail(promoted, promoted=True)
    if not visible:
        flash(_("Your registration is cancelled."), "success")
        return redirect(url_for("events.my_registrations"), code=303)
    return _registration_answer(event, _("Your registration is cancelled."))


def _registration_answer(event, message, status=200):
    if is_htmx():
        db.session.expire_all()
        return render("events/_registration.html", item=event, message=message, message_error=status >= 400,
                      status=status, **_registration_context(event))
    flash(message, "error" if status >= 400 else "success")
    if status >= 400:
        return views.render_show(event, status=status)
    return redirect(event.url, code=303)


def _check_csrf():
    from flask_wtf import FlaskForm

    if not FlaskForm().validate_on_submit():
        abort(400)


# --- the page, create / edit: the shared content views -----------------------------------
def _my_structures():
    return db.session.scalars(select(Actor).join(ActorMember, ActorMember.actor_id == Actor.id).where(
        ActorMember.user_id == current_user.id, Actor.status == PUBLISHED).order_by(Actor.title)).all()


def _recent_venues():
    return db.session.scalars(select(Actor).where(Actor.id.in_(
        select(Event.venue_id).where(Event.author_id == current_user.id, Event.venue_id.is_not(None))
        .order_by(Event.created_at.desc()).limit(10))).order_by(Actor.title)).all()


def _place_key(event) -> tuple:
    return (event.venue.id if event.venue is not None else None, event.address or "", event.postcode or "",
            event.commune or "")


def _place(event, moved: bool) -> None:
    """The event's point on the maps, never typed: its venue's (the event keeps none of its own),
    else its typed address's (``place_coordinates``: the geocoder if configured, else the
    commune). An edit that leaves the place as it was keeps the point it had."""
    if event.venue is not None:
        event.latitude = event.longitude = None
    elif moved or event.latitude is None:
        event.latitude, event.longitude = place_coordinates(event.address, event.postcode, event.commune)


def _group_choices(form, event) -> None:
    """The working groups a meeting may belong to: those the user coordinates, and its own."""
    from ..groups.domain import coordinated_by

    groups = {g.id: g for g in coordinated_by(current_user)}
    if event is not None and event.group is not None:
        groups[event.group.id] = event.group
    form.working_group.choices = [(0, _("None"))] + [(g.id, g.title) for g in groups.values()]


def _apply_group(event, form) -> None:
    """The group chosen among the allowed ones (anything else: none); members only needs one."""
    chosen = form.working_group.data or 0
    event.group_id = chosen if chosen and chosen in dict(form.working_group.choices) else None
    event.members_only = bool(form.members_only.data) and event.group_id is not None
    if event.members_only:  # kept for the group: in its territory, overseen by its animators
        to_group_territory(event, db.session.get(Content, event.group_id).territory)


class EventViews(ContentViews):
    """The agenda is the events' list (its own routes above); an event's page shows its
    registration; saving schedules its dates and, on an edit, serves the waiting list."""

    model, kind, form_class = Event, "event", EventForm
    endpoints = ("show", "create", "edit")
    no_territory_message = _l("Confirm your e-mail address before publishing an event.")

    def show_context(self, event) -> dict:
        from ...sync import credit

        _read_occurrences(event)
        return {**_registration_context(event), "origin": credit(event)}  # linked instances (§19)

    def prepare_form(self, form, event) -> None:
        """The organisers among the user's structures; the venues: recent ones, the user's
        structures, those found by the "find a venue" button and the one chosen."""
        structures = _my_structures()
        owners = list(event.owners) if event else []
        form.organisers.choices = [(a.id, a.title) for a in {a.id: a for a in structures + owners}.values()]
        venues = {a.id: a for a in _recent_venues() + structures}
        if event is not None and event.venue is not None:
            venues[event.venue.id] = event.venue
        query = (request.form.get("venue_query") or "").strip()
        if query:
            for actor in db.session.scalars(select(Actor).where(Actor.status == PUBLISHED, Actor.title.ilike(
                    f"%{query[:100]}%")).order_by(Actor.title).limit(20)):
                venues[actor.id] = actor
        selected = request.form.get("venue", type=int)
        if selected and selected not in venues:
            actor = db.session.get(Actor, selected)
            if actor is not None and actor.is_published:
                venues[actor.id] = actor
        form.venue.choices = [(0, _("No structure: a free address or online"))] + [
            (a.id, f"{a.title} — {a.commune}" if a.commune else a.title) for a in venues.values()]
        _group_choices(form, event)

    def initial(self, form) -> None:
        structure = request.args.get("organiser", type=int)
        if structure and any(structure == c[0] for c in form.organisers.choices):
            form.organisers.data = [structure]
        group = request.args.get("group", type=int)
        if group and any(group == c[0] for c in form.working_group.choices):
            form.working_group.data = group

    def editor_action(self, form):
        """"Find a venue" re-renders the form with the venues found."""
        if request.form.get("action") == "find_venue":
            return {}
        return preview_requested(form)

    def apply(self, event, form) -> bool:
        """The event's own fields; False (with field errors) when the dates don't work."""
        place = _place_key(event)
        extra, _bad = parse_lines(form.extra_dates.data, "datetime")
        skipped, _bad = parse_lines(form.exceptions.data, "date")
        try:
            schedule(event, form.starts_at.data, form.ends_at.data, form.all_day.data, form.recurrence.data,
                     form.recurrence_until.data, extra, skipped)
        except ScheduleError as error:
            getattr(form, error.field).errors.append(str(error))
            return False
        for name in ("event_kind", "schedule_status", "attendance_mode", "venue_name", "address", "online_url",
                     "price_text", "age_min", "age_max", "accessibility_text", "registration_mode",
                     "registration_url", "objectives", "prerequisites", "trainer", "duration_text", "certificate",
                     "waiting_list"):
            setattr(event, name, getattr(form, name).data if getattr(form, name).data is not None else None)
        for name in ("venue_name", "address", "online_url", "price_text", "accessibility_text", "registration_url",
                     "objectives", "prerequisites", "trainer", "duration_text"):
            setattr(event, name, (getattr(event, name) or "").strip())
        event.is_free = form.price.data == "free"
        event.accessibility = [a for a in form.accessibility.data or []]
        event.audiences = form.audiences.data or []
        event.venue = db.session.get(Actor, form.venue.data) if form.venue.data else None
        set_location(event, form.postcode.data, form.commune.data)
        if event.venue is not None and not form.postcode.data:
            event.department = event.venue.department
        _place(event, moved=place != _place_key(event))
        event.capacity = form.capacity.data if event.registration_mode == "site" else None
        event.registration_deadline = (to_utc(form.registration_deadline.data)
                                       if form.registration_deadline.data and event.registration_mode == "site"
                                       else None)
        allowed = dict(form.organisers.choices)
        event.owners = [db.session.get(Actor, i) for i in form.organisers.data or [] if i in allowed]
        _apply_group(event, form)
        return True

    def fill(self, form, event) -> None:
        form.starts_at.data = to_local(event.starts_at).replace(tzinfo=None)
        form.ends_at.data = to_local(event.ends_at).replace(tzinfo=None)
        form.all_day.data = event.all_day
        form.recurrence.data = event.recurrence
        form.recurrence_until.data = to_local(event.recurrence_until).date() if event.recurrence_until else None
        form.extra_dates.data = "\n".join(d.replace("T", " ") for d in event.extra_dates or [])
        form.exceptions.data = "\n".join(event.exceptions or [])
        for name in ("event_kind", "schedule_status", "attendance_mode", "venue_name", "address", "postcode",
                     "commune", "online_url", "price_text", "age_min", "age_max", "accessibility_text",
                     "registration_mode", "registration_url", "capacity", "objectives", "prerequisites", "trainer",
                     "duration_text", "certificate", "waiting_list"):
            getattr(form, name).data = getattr(event, name)
        form.price.data = "free" if event.is_free else "paid"
        form.accessibility.data = list(event.accessibility or [])
        form.audiences.data = list(event.audiences)
        form.venue.data = event.venue_id or 0
        form.organisers.data = [a.id for a in event.owners]
        form.working_group.data = event.group_id or 0
        form.members_only.data = event.members_only
        form.registration_deadline.data = (to_local(event.registration_deadline).replace(tzinfo=None)
                                           if event.registration_deadline else None)

    def save(self, event, form, creating: bool):
        """A new event is submitted for review (or published); an edited one meets the rules of
        the territory it moved to, and the places it gained go to the waiting list."""
        apply_common_fields(event, form)
        if not self.apply(event, form):
            return None
        # "Save as draft" keeps an unpublished event a draft; "Publish" submits it (as
        # ``helpers.save_content`` does for the other types).
        draft = request.form.get("action") == "draft"
        moved = False if creating else (review_if_moved(event, current_user)
                                        or review_if_spammy(event, current_user))
        submitted = False
        if draft:
            if event.status != PUBLISHED and may_be_draft(event, current_user):
                event.status = DRAFT
        elif event.status != PUBLISHED and (creating or event.status != PENDING):
            submit(event, current_user)
            submitted = True
        if creating:
            db.session.add(event)
            db.session.commit()
        else:
            promoted = serve_waiting_list(event)  # places may have been added
            AuditLog.record(current_user, "event.updated", event, event.territory)
            db.session.commit()
            for registration in promoted:
                send_registration_mail(registration, promoted=True)
        if event.status == DRAFT:
            message = _("Draft saved. Only you and the animators can see it.")
        elif event.status == PENDING and (moved or submitted):
            message = _("Thank you! The animators will review the event.")
        elif submitted:
            message = _("The event is published.")
        else:
            message = _("Saved.")
        flash(message, "success")
        return redirect(event.url, code=303)


views = EventViews(bp)


# --- organiser's tools --------------------------------------------------------------------
def _managed(id):
    event, _redirect = load_content(Event, id)
    if not can(current_user, "manage_registrations", event):
        fail(403, _("Only the event's organisers and the territory's animators see its registrations."))
    return event


@bp.get("/event/<int:id>/registrants")
@login_required
def registrants(id):
    event = _managed(id)
    rows = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status != CANCELLED)
        .order_by(Registration.status, Registration.position)).all()
    return render("events/registrants.html", item=event, rows=rows, confirmed=confirmed_count(event),
                  ranks=waiting_ranks(event), message_form=MessageForm(formdata=None))


@bp.get("/event/<int:id>/registrants.csv")
@login_required
def registrants_csv(id):
    from ..actors.operations import neutralise

    event = _managed(id)
    rows = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status != CANCELLED).order_by(Registration.position)).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "status", "registered_at", "attended"])
    for r in rows:
        writer.writerow([neutralise(r.user.name), neutralise(r.user.email), r.status,
                         to_local(r.created_at).isoformat(timespec="minutes"),
                         "" if r.attended is None else ("yes" if r.attended else "no")])
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8",  # as is: mimetype= adds a second charset
                    headers={"Content-Disposition": f'attachment; filename="registrants-{event.id}.csv"'})


@bp.post("/event/<int:id>/registrants/<int:registration_id>/attendance")
@login_required
def attendance(id, registration_id):
    event = _managed(id)
    _check_csrf()
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        fail(404)
    value = request.form.get("attended")
    if value not in ("yes", "no", ""):
        fail(400)
    registration.attended = None if value == "" else value == "yes"
    db.session.commit()
    if is_htmx():
        return render("events/_registrant_row.html", item=event, r=registration, ranks=waiting_ranks(event),
                      saved=True)
    return redirect(url_for("events.registrants", id=event.id), code=303)


@bp.post("/event/<int:id>/registration/<any(close, open):action>")
@login_required
def toggle_registration(id, action):
    event = _managed(id)
    _check_csrf()
    before = bool(event.registration_closed)
    event.registration_closed = action == "close"
    AuditLog.record(current_user, f"event.registration_{action}", event, event.territory,
                    before={"registration_closed": before}, after={"registration_closed": action == "close"})
    db.session.commit()
    flash(_("Registration closed.") if action == "close" else _("Registration reopened."), "success")
    return redirect(url_for("events.registrants", id=event.id), code=303)


@bp.post("/event/<int:id>/message")
@login_required
def message(id):
    from ...mails import send_mail

    event = _managed(id)
    form = MessageForm()
    if not form.validate_on_submit():
        rows = db.session.scalars(select(Registration).where(
            Registration.event_id == event.id, Registration.status != CANCELLED)).all()
        return render("events/registrants.html", item=event, rows=rows, confirmed=confirmed_count(event),
                      ranks=waiting_ranks(event), message_form=form, status=422)
    recipients = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status.in_((CONFIRMED, WAITING)))).all()
    subject = " ".join(form.subject.data.split())  # a line break in a mail header is refused
    sent = 0
    for r in recipients:
        try:
            send_mail(r.user.email, subject, "mail/event_message.txt", r.user.locale, event=event,
                      body=form.body.data, sender=current_user,
                      url=url_for("events.show", id=event.id, slug=event.slug, _external=True))
            sent += 1
        except Exception:  # noqa: BLE001 — a mail server down: counted, logged, never a 500
            current_app.logger.exception("event message to user %s not sent", r.user_id)
    AuditLog.record(current_user, "event.message", event, event.territory, recipients=len(recipients), sent=sent)
    db.session.commit()
    if sent == len(recipients):
        flash(_("Message sent to %(n)d people.", n=len(recipients)), "success")
    else:
        flash(_("Message sent to %(sent)d of %(n)d people: the mail server refused the others. Try again later.",
                sent=sent, n=len(recipients)), "warning")
    return redirect(url_for("events.registrants", id=event.id), code=303)


@bp.get("/me/registrations")
@login_required
def my_registrations():
    upcoming, past = registrations_of(current_user)
    return render("events/my_registrations.html", upcoming=upcoming, past=past)

