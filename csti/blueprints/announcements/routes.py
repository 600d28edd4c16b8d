"""Announcements: calls for projects and partners, jobs, volunteering, lending. Open ones are
listed; expired ones (deadline passed) leave the lists but keep their page."""
from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...errors import fail
from ...extensions import db
from ...feeds import atom
from ...htmx import render
from ...listing import ContentFilter, card_options, feed_options, first, paginate
from ...models import Territory
from ...models.announcements import ANNOUNCEMENT_KINDS, Announcement
from ..content.forms import TagForm
from ..content.helpers import (
    apply_common_fields,
    apply_owners,
    form_page,
    load_content,
    moderated_message,
    save_content,
    set_owner_choices,
    territory_choices,
)
from . import bp
from .forms import AnnouncementForm

PER_PAGE = 20
FIELDS = ("announcement_kind", "deadline", "link", "contact_email")


def _listing(filters, expired=False):
    stmt = filters.apply(select(Announcement), Announcement, Announcement.announcement_kind)
    if expired:
        return stmt.where(~Announcement.open_clause()).order_by(Announcement.deadline.desc(), Announcement.id.desc())
    # Open ones: the closest deadline first, then those without a deadline, newest first.
    return stmt.where(Announcement.open_clause()).order_by(
        Announcement.deadline.is_(None), Announcement.deadline, Announcement.published_at.desc(),
        Announcement.id.desc())


@bp.get("/announcements")
def index():
    filters = ContentFilter.from_args(request.args, ANNOUNCEMENT_KINDS)
    expired = request.args.get("expired") == "1"
    page = paginate(_listing(filters, expired).options(*card_options(Announcement)), Announcement.id,
                    min(max(request.args.get("page", 1, type=int), 1), 10_000), PER_PAGE)
    territories = db.session.scalars(select(Territory).order_by(Territory.name)).all()
    args = filters.to_args(expired="1" if expired else None)
    return render("announcements/index.html", block="results", filters=filters, expired=expired, page=page,
                  territories=territories, kinds=ANNOUNCEMENT_KINDS,
                  page_url=lambda n: url_for("announcements.index", page=n, **args))


@bp.get("/announcements.atom")
def feed():
    filters = ContentFilter.from_args(request.args, ANNOUNCEMENT_KINDS)
    items = first(filters.apply(select(Announcement), Announcement, Announcement.announcement_kind)
                  .where(Announcement.open_clause())
                  .order_by(Announcement.published_at.desc(), Announcement.id.desc())
                  .options(*feed_options(Announcement)), Announcement.id, 50)
    return atom(_("Announcements"), items, url_for("announcements.feed", _external=True, **filters.to_args()),
                  page_url=url_for("announcements.index", _external=True, **filters.to_args()))


@bp.get("/announcement/<int:id>-<slug>")
@bp.get("/announcement/<int:id>")
def show(id, slug=""):
    item, redirect_to = load_content(Announcement, id, slug)
    if redirect_to:
        return redirect_to
    return render("announcements/show.html", item=item, tag_form=TagForm(formdata=None))


# --- writing ------------------------------------------------------------------------------
def _form(item=None):
    form = AnnouncementForm()
    form.current_deadline = item.deadline if item is not None else None
    form.territory.choices = territory_choices(current_user)
    if not form.territory.choices:
        fail(403, _("Confirm your e-mail address before publishing an announcement."))
    set_owner_choices(form, item)
    return form


def _apply(item, form) -> None:
    apply_common_fields(item, form)
    item.announcement_kind = form.announcement_kind.data
    item.deadline = form.deadline.data
    item.link = (form.link.data or "").strip()
    item.contact_email = (form.contact_email.data or "").strip()
    apply_owners(item, form)


def _save(item, form, creating: bool):
    _apply(item, form)
    return save_content(item, creating=creating, audit_action="announcement.updated", message=moderated_message(
        _("Thank you! The animators will review the announcement."), _("The announcement is published.")))


def _fill(form, item) -> None:
    form.owners.data = [a.id for a in item.owners]
    for name in FIELDS:
        getattr(form, name).data = getattr(item, name)


@bp.route("/announcements/new", methods=["GET", "POST"])
@login_required
def create():
    form = _form()
    if not form.is_submitted() and request.args.get("kind") in ANNOUNCEMENT_KINDS:
        form.announcement_kind.data = request.args["kind"]
    return form_page("announcements/form.html", form, None,
                     lambda: _save(Announcement(author=current_user), form, creating=True))


@bp.route("/announcement/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id):
    item, _redirect = load_content(Announcement, id, action="edit")
    form = _form(item)
    return form_page("announcements/form.html", form, item, lambda: _save(item, form, creating=False), fill=_fill)
