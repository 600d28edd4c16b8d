"""Announcements: calls for projects and partners, jobs, volunteering, lending. Open ones are
listed; expired ones (deadline passed) leave the lists but keep their page."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...errors import fail
from ...extensions import db
from ...feeds import atom
from ...htmx import render
from ...listing import ContentFilter, card_options, feed_options, paginate
from ...models import AuditLog, Territory
from ...models.actors import Actor, ActorMember
from ...models.announcements import ANNOUNCEMENT_KINDS, Announcement
from ...models.base import utcnow
from ..content.forms import TagForm
from ..content.helpers import (
    apply_common_fields,
    fill_common_fields,
    load_content,
    preview_requested,
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
    items = db.session.scalars(filters.apply(select(Announcement), Announcement, Announcement.announcement_kind)
                               .where(Announcement.open_clause())
                               .order_by(Announcement.published_at.desc(), Announcement.id.desc())
                               .options(*feed_options(Announcement)).limit(50)).all()
    return atom(_("Announcements"), items, url_for("announcements.feed", _external=True, **filters.to_args()))


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
    mine = db.session.scalars(select(Actor).join(ActorMember, ActorMember.actor_id == Actor.id).where(
        ActorMember.user_id == current_user.id).order_by(Actor.title)).all()
    owners = {a.id: a for a in mine + (list(item.owners) if item else [])}
    form.owners.choices = [(a.id, a.title) for a in owners.values()]
    return form


def _apply(item, form) -> None:
    apply_common_fields(item, form)
    item.announcement_kind = form.announcement_kind.data
    item.deadline = form.deadline.data
    item.link = (form.link.data or "").strip()
    item.contact_email = (form.contact_email.data or "").strip()
    allowed = dict(form.owners.choices)
    item.owners = [db.session.get(Actor, i) for i in form.owners.data or [] if i in allowed]


def _save(item, form, creating: bool):
    _apply(item, form)
    if request.form.get("action") == "draft":
        if item.status != "published":
            item.status = "draft"
    elif item.status != "published":
        item.submit(current_user)
    if creating:
        db.session.add(item)
    else:
        item.updated_at = utcnow()
        AuditLog.record(current_user, "announcement.updated", item, item.territory)
    db.session.commit()
    if item.status == "draft":
        flash(_("Draft saved. Only you and the animators can see it."), "success")
    elif item.status == "pending":
        flash(_("Thank you! The animators will review the announcement."), "success")
    else:
        flash(_("The announcement is published."), "success")
    return redirect(item.url, code=303)


@bp.route("/announcements/new", methods=["GET", "POST"])
@login_required
def create():
    form = _form()
    if not form.is_submitted() and request.args.get("kind") in ANNOUNCEMENT_KINDS:
        form.announcement_kind.data = request.args["kind"]
    preview = preview_requested(form) if form.is_submitted() else None
    if preview is not None:
        return render("announcements/form.html", form=form, item=None, **preview)
    if form.validate_on_submit():
        return _save(Announcement(author=current_user), form, creating=True)
    return render("announcements/form.html", form=form, item=None, status=422 if form.errors else 200)


@bp.route("/announcement/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id):
    item, _redirect = load_content(Announcement, id, action="edit")
    form = _form(item)
    preview = preview_requested(form) if form.is_submitted() else None
    if preview is not None:
        return render("announcements/form.html", form=form, item=item, **preview)
    if form.validate_on_submit():
        return _save(item, form, creating=False)
    if not form.is_submitted():
        fill_common_fields(form, item)
        form.owners.data = [a.id for a in item.owners]
        for name in FIELDS:
            getattr(form, name).data = getattr(item, name)
    return render("announcements/form.html", form=form, item=item, status=422 if form.errors else 200)
