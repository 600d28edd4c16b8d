"""Loans of resources over HTTP (the domain: ``bookings.py``).

- GET  /resource/<id>/calendar?month=YYYY-MM — the availability calendar: a page of its own, or
  the calendar alone for htmx (the resource page's previous/next links swap it; without JS they
  go to the resource page with ``?month=``);
- POST /resource/<id>/book — a loan request (borrower, starts_on, ends_on, message): 303 to the
  page, 422 with the message next to the field;
- GET  /booking/<id> — one booking with its answer forms (the page without JS);
- POST /booking/<id>/accept|decline|cancel|return (answer) — htmx swaps the booking's card; a
  page answers 303 to ``next`` (or the booking), 409 when it cannot be done any more;
- GET  /me/loans?status= (the bookings of the resources my structures own) and
  /me/requests?status= (those my structures asked for)."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...models.resources import BOOKING_STATUSES, CANCELLED, DECLINED, RETURNED, Resource
from ...policy import can
from ...urls import safe_next
from ..content.helpers import load_content
from . import bookings, bp
from .routes import views


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
        return views.render_show(item, status=422, booking_form=form)
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
    if not can(current_user, ACTIONS[action], booking):
        fail(403)
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
            booking = bookings.change(booking.id, user, status, form.answer.data or "")
    except bookings.BookingError as error:
        db.session.rollback()
        return _answered(bookings.load(booking_id), form, error.message, error.status)
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


@bp.get("/me/loans")
@login_required
def my_loans():
    status = _status_arg()
    return render("resources/my_loans.html", block="results", bookings=bookings.loans_of(current_user, status),
                  chosen=status, statuses=BOOKING_STATUSES, answer_form=bookings.AnswerForm(formdata=None),
                  managed=bool(bookings.managed_structure_ids(current_user)))


@bp.get("/me/requests")
@login_required
def my_requests():
    status = _status_arg()
    return render("resources/my_requests.html", block="results",
                  bookings=bookings.requests_of(current_user, status), chosen=status, statuses=BOOKING_STATUSES,
                  answer_form=bookings.AnswerForm(formdata=None),
                  structures=bookings.my_structures(current_user))
