"""Resources: list, page, writing (``ContentViews``, docs/architecture.md §4); the list's
filters (``filters.py``), the photos (``photos.py``), the video (``csti/videos.py``)."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import format_decimal
from flask_login import current_user, login_required
from sqlalchemy import exists, inspect, select
from sqlalchemy.orm import aliased

from ...database import write_intent
from ...datacache import remember
from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...listing import published
from ...models import Actor, Content, content_owner
from ...models.audiences import AUDIENCES, PARTNERS, SCHOOL_LEVELS
from ...models.content import PUBLISHED
from ...models.resources import (
    BOOKING_STATUSES,
    CANCELLED,
    DECLINED,
    PHOTOS_MAX,
    RESOURCE_KINDS,
    RETURNED,
    Resource,
    ResourcePhoto,
)
from ...policy import can
from ...urls import safe_next
from ...videos import SERVICE_NAMES
from ...videos import parse as parse_video
from ..content.helpers import load_content
from ..content.views import ContentViews
from . import bookings, bp, photos
from .filters import AUDIENCE_GROUPS, ResourceFilter
from .forms import PhotoForm, ResourceForm

OWNER_CHOICES_MAX = 300  # the owner filter's select; beyond, a structure's page links to its list


def owner_choices() -> list:
    """The published structures that own a published resource, by name (the first
    ``OWNER_CHOICES_MAX``): walked in the order of ``ix_content_kind_status_sort_key_public``, each
    probed through its owner rows, and kept until the data changes (``datacache.remember``, the
    data version read once per request) — at national scale the walk costs tens of
    milliseconds, and every list page of the resource centre shows it."""
    def read() -> tuple:
        owned = aliased(Content, flat=True)
        owns = exists().where(content_owner.c.actor_id == Actor.id, content_owner.c.content_id == owned.id,
                              owned.kind == "resource", owned.status == PUBLISHED, owned.members_only.is_not(True))
        return tuple(tuple(row) for row in db.session.execute(
            published(select(Actor.id, Actor.title), Actor).where(owns)
            .order_by(Actor.sort_key, Actor.id).limit(OWNER_CHOICES_MAX)))

    return list(remember(("resource owner choices", OWNER_CHOICES_MAX), read))


class ResourceViews(ContentViews):
    model, kind, form_class = Resource, "resource", ResourceForm
    kinds, kind_column = RESOURCE_KINDS, "resource_kind"
    fields = ("resource_kind", "lendable", "is_free", "price", "deposit", "insurance", "conditions",
              "dimensions", "weight_kg", "panels", "transport", "setup_minutes", "video_url")
    feed_title = _l("Resources")
    owners = True
    no_territory_message = _l("Confirm your e-mail address before presenting a resource.")
    pending_message = _l("Thank you! The animators will review the resource.")
    published_message = _l("The resource is published.")

    def filters(self) -> ResourceFilter:
        return ResourceFilter.from_args(request.args, self.kinds)

    def listing(self, filters):
        return self.published(filters).order_by(Resource.sort_key, Resource.id)

    def index_context(self) -> dict:
        """The audience groups and the owning structures of the filter form."""
        return {"audience_groups": AUDIENCE_GROUPS, "owner_choices": owner_choices()}

    def list_page(self, endpoint, filters, stmt, params=None, **context):
        response = super().list_page(endpoint, filters, stmt, params, **context)
        if getattr(filters, "errors", None):
            response.status_code = 422  # the wrong date next to its field, the list as if none was given
        return response

    def show_context(self, item) -> dict:
        video = parse_video(item.video_url) if item.video_url else None
        return {**bookings.show_context(item), "photo_form": PhotoForm(formdata=None, prefix="photo"), "photos_max": PHOTOS_MAX,
                "video": video, "video_service": SERVICE_NAMES.get(video.service) if video else None,
                "audience_groups": _audience_groups(item),
                "weight": format_decimal(item.weight_kg) if item.weight_kg is not None else ""}

    def fill(self, form, item) -> None:
        """The three audience lists from the item's codes."""
        form.audiences.data = [c for c in item.audiences if c in AUDIENCES]
        form.school_levels.data = [c for c in item.audiences if c in SCHOOL_LEVELS]
        form.partners.data = [c for c in item.audiences if c in PARTNERS]

    def apply(self, item, form):
        """The audiences and the video; a resource to lend needs an owner structure (its managers
        answer the requests: without one, only admins could); one that stops being lent declines
        the requests that wait (``bookings.withdraw_loans``)."""
        if form.lendable.data and not form.owners.data:
            form.owners.errors = [*form.owners.errors, _("A resource to lend needs at least one owner structure: "
                                                         "its managers answer the loan requests. Choose one, or "
                                                         "uncheck “It can be borrowed”.")]
            return False
        item.audiences = (form.audiences.data or []) + (form.school_levels.data or []) + (form.partners.data or [])
        item.video_url = (form.video_url.data or "").strip()
        if item.id is not None and not item.lendable:
            history = inspect(item).attrs.lendable.history
            if history.deleted and history.deleted[0]:
                bookings.withdraw_loans(item, current_user._get_current_object(), "not_lent")


views = ResourceViews(bp)


def _audience_groups(item) -> list[tuple[str, list[str]]]:
    """(group label, [audience labels]) of the item's audiences, group by group."""
    codes = set(item.audiences)
    groups = []
    for _code, label, audiences in AUDIENCE_GROUPS:
        labels = [str(name) for code, name in audiences.items() if code in codes]
        if labels:
            groups.append((str(label), labels))
    return groups


# --- photos: the resource's editors add and remove them --------------------------------------
def _editable(id) -> Resource:
    resource, _redirect = load_content(Resource, id, action="edit")
    return resource


def _photos_answer(resource, form=None, status=200, message=None):
    """The photos section (htmx), else the page: with the form's errors (422) or back to it."""
    form = form or PhotoForm(formdata=None, prefix="photo")
    if is_htmx():
        return render("resources/_photos.html", item=resource, photo_form=form, photos_max=PHOTOS_MAX,
                      photos_message=message, status=status)
    if status >= 400:
        return views.render_show(resource, status=status, photo_form=form)
    return redirect(f"{url_for('resources.show', id=resource.id, slug=resource.slug)}#photos", code=303)


@bp.post("/resource/<int:id>/photos")
@login_required
def add_photo(id):
    resource = _editable(id)
    form = PhotoForm(prefix="photo")
    # The count and the insert in one transaction that holds the resource's row lock: two uploads
    # at once cannot both see 7 photos and make 10 (``photos.add_photo`` commits, or rolls back).
    with write_intent():
        bookings.lock_resource(resource.id)
        return _add_photo_locked(resource, form)


def _add_photo_locked(resource, form):
    if photos.count(resource.id) >= PHOTOS_MAX:
        db.session.rollback()
        form.photo.errors = [_("A resource has %(n)d photos at most: remove one first.", n=PHOTOS_MAX)]
        return _photos_answer(resource, form, 422)
    if not form.validate():
        db.session.rollback()
        return _photos_answer(resource, form, 422)
    photos.add_photo(resource, form.photo.image, form.alt.data)
    db.session.refresh(resource)
    return _photos_answer(resource, message=_("The photo is added."))


@bp.post("/resource/<int:id>/photos/<int:photo_id>/delete")
@login_required
def remove_photo(id, photo_id):
    resource = _editable(id)
    photo = db.session.get(ResourcePhoto, photo_id)
    if photo is None or photo.resource_id != resource.id:
        fail(404)
    photos.remove_photo(photo)
    db.session.refresh(resource)
    return _photos_answer(resource, message=_("The photo is removed."))


# --- loans of resources (the domain: ``bookings.py``) -------------------------------------------
#

# - GET  /resource/<id>/calendar?month=YYYY-MM — the availability calendar: a page of its own, or
#   the calendar alone for htmx (the resource page's previous/next links swap it; without JS they
#   go to the resource page with ``?month=``);
# - POST /resource/<id>/book — a loan request (borrower, starts_on, ends_on, message): 303 to the
#   page, 422 with the message next to the field;
# - GET  /booking/<id> — one booking with its answer forms (the page without JS);
# - POST /booking/<id>/accept|decline|cancel|return (answer) — htmx swaps the booking's card; a
#   page answers 303 to ``next`` (or the booking), 409 when it cannot be done any more;
# - GET  /me/loans?status= (the bookings of the resources my structures own) and
#   /me/requests?status= (those my structures asked for).


@bp.get("/resource/<int:id>/calendar")
def calendar(id):
    item, _redirect = load_content(Resource, id)
    context = {"item": item, "calendar": bookings.month_calendar(item, bookings.parse_month(request.args.get("month")))}
    return render("resources/calendar.html", fragment="resources/_calendar.html", **context)


@bp.post("/resource/<int:id>/book")
@login_required
def book(id):
    item, _redirect = load_content(Resource, id)
    if not can(current_user, "request_loan", item):
        fail(403, _("Confirm your e-mail address before asking to borrow a resource."))
    form = bookings.booking_form(current_user, formdata=request.form)
    if form is None:
        fail(403, _("Only the members of a structure may ask to borrow a resource."))
    if not form.validate_on_submit():
        return views.render_show(item, status=422, booking_form=form)
    try:
        bookings.request_loan(item, current_user, form)
    except bookings.BookingError as error:
        db.session.rollback()
        target = form[error.field].errors if error.field else form.form_errors
        if error.field:
            form[error.field].errors = [*target, error.message]
        else:
            form.form_errors.append(error.message)
        return views.render_show(item, status=error.status, booking_form=form)
    db.session.commit()
    bookings.mail_pending()
    flash(_("Your request is sent to the owners. You will find their answer in “My loan requests”."), "success")
    return redirect(url_for("resources.my_requests"), code=303)


def _booking_or_404(booking_id):
    booking = bookings.load(booking_id)
    if booking is None:
        fail(404)
    return booking


@bp.get("/booking/<int:booking_id>")
@login_required
def booking_page(booking_id):
    booking = _booking_or_404(booking_id)
    if not can(current_user, "view_loan", booking):
        fail(403)
    return render("resources/booking.html", booking=booking, answer_form=bookings.AnswerForm(formdata=None))


ACTIONS = {"accept": "answer_loan", "decline": "answer_loan", "cancel": "cancel_loan", "return": "return_loan"}
# The owners' managers cancel too, an accepted loan before it starts (``bookings.change``).
OWNERS_CANCEL = "answer_loan"
DONE = {
    "accept": _l("The loan is accepted."),
    "decline": _l("The request is declined."),
    "cancel": _l("The loan is cancelled."),
    "return": _l("The resource is marked returned."),
}


@bp.post("/booking/<int:booking_id>/<any(accept, decline, cancel, return):action>")
@login_required
def answer(booking_id, action):
    booking = _booking_or_404(booking_id)
    as_owner = False
    if not can(current_user, ACTIONS[action], booking):
        if action != "cancel" or not can(current_user, OWNERS_CANCEL, booking):
            fail(403)
        as_owner = True
    form = bookings.AnswerForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _answered(booking, form, None, 422)
    user = current_user._get_current_object()
    try:
        if action == "accept":
            booking = bookings.accept(booking.id, user, form.answer.data or "")
        else:
            status = {"decline": DECLINED, "cancel": CANCELLED, "return": RETURNED}[action]
            booking = bookings.change(booking.id, user, status, form.answer.data or "", as_owner=as_owner)
    except bookings.BookingError as error:
        db.session.rollback()
        booking = bookings.load(booking_id)
        if booking is None:  # deleted meanwhile (with its resource or structure)
            fail(404, error.message)
        return _answered(booking, form, error.message, error.status)
    bookings.mail_pending()
    return _answered(bookings.load(booking_id), bookings.AnswerForm(formdata=None), str(DONE[action]), 200)


def _answered(booking, form, message, status):
    """htmx: the booking's card again, with the message (a refusal is swapped in as 422, as htmx
    swaps those). A page: 303 to ``next`` (or the booking's page) after a success, the booking's
    page with the message otherwise."""
    error = status >= 400
    if is_htmx():
        return render("resources/_booking.html", booking=booking, answer_form=form, message=message,
                      message_error=error, status=422 if error else 200)
    if not error:
        flash(message, "success")
        return redirect(safe_next(request.form.get("next")) or url_for("resources.booking_page",
                                                                        booking_id=booking.id), code=303)
    return render("resources/booking.html", booking=booking, answer_form=form, message=message,
                  message_error=True, status=status)


def _status_arg():
    status = request.args.get("status") or ""
    return status if status in BOOKING_STATUSES else ""


def _bookings_page(endpoint, listing, **context):
    """"My loans" and "My loan requests": one template (``my_bookings.html``), a page of
    booking cards filtered by status; the ``results`` block for htmx."""
    status = _status_arg()
    page = listing(current_user, status, request.args.get("page", 1, type=int))
    return render("resources/my_bookings.html", block="results", page=page, endpoint=endpoint, chosen=status,
                  statuses=BOOKING_STATUSES, answer_form=bookings.AnswerForm(formdata=None),
                  page_url=lambda n: url_for(endpoint, status=status or None, page=n), **context)


@bp.get("/me/loans")
@login_required
def my_loans():
    return _bookings_page("resources.my_loans", bookings.loans_of, title=_("My loans"),
                          intro=_("The requests to borrow the resources your structures lend, to answer, and "
                                  "their loans."),
                          other=("resources.my_requests", _("My loan requests")),
                          empty=None if bookings.managed_structure_ids(current_user) else "not_manager")


@bp.get("/me/requests")
@login_required
def my_requests():
    return _bookings_page("resources.my_requests", bookings.requests_of, title=_("My loan requests"),
                          intro=_("The resources your structures asked to borrow, and the owners' answers."),
                          other=("resources.my_loans", _("My loans")),
                          empty=None if bookings.my_structures(current_user) else "no_structure")
