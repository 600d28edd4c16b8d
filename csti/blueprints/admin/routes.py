"""Administration: territories and the audit log. Admins only."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ...errors import fail
from ...extensions import db
from ...htmx import render
from ...models import AuditLog, Territory, User
from ...policy import can
from ...uploads import ImageError, save_image
from ..territories.forms import TerritoryForm
from . import bp


@bp.before_request
@login_required
def _admins_only():
    if not can(current_user, "admin"):
        fail(403, _("This page is for administrators."))


@bp.get("/admin")
def index():
    territories = db.session.scalars(select(Territory).order_by(Territory.name)).all()
    q = (request.args.get("q") or "").strip()[:100]
    users_query = select(User).order_by(User.created_at.desc()).limit(50)
    if q:
        like = f"%{q.lower()}%"
        users_query = users_query.where(or_(User.email.like(like), User.name.ilike(like)))
    users = db.session.scalars(users_query).all()
    log = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(30)).all()
    return render("admin/index.html", block="users", territories=territories, users=users, q=q, log=log)


def _save_territory(form, territory):
    slug_taken = db.session.scalar(
        select(Territory).where(Territory.slug == form.slug.data, Territory.id != (territory.id or 0))
    )
    if slug_taken:
        form.slug.errors.append(_("Another territory uses this address."))
        return False
    if form.logo.data and getattr(form.logo.data, "filename", ""):
        try:
            territory.logo = save_image(form.logo.data, "territories", max_size=(400, 400), widths=(160,))
        except ImageError as error:
            form.logo.errors.append(str(error))
            return False
    for name in ("name", "slug", "description", "center_lat", "center_lng", "zoom",
                 "color_primary", "color_secondary", "trusts_members"):
        setattr(territory, name, getattr(form, name).data)
    return True


@bp.route("/admin/territories/new", methods=["GET", "POST"])
def new_territory():
    form = TerritoryForm()
    if not form.is_submitted():
        form.center_lat.data, form.center_lng.data, form.zoom.data = 46.6, 2.4, 8
        form.color_primary.data, form.color_secondary.data = "#1d4e89", "#f2a900"
    if form.validate_on_submit():
        territory = Territory()
        if _save_territory(form, territory):
            db.session.add(territory)
            AuditLog.record(current_user, "territory.created", territory, territory)
            db.session.commit()
            flash(_("Territory created."), "success")
            return redirect(url_for("territories.home", slug=territory.slug), code=303)
    return render("admin/territory_form.html", form=form, territory=None,
                  status=422 if form.errors else 200)


@bp.route("/admin/territories/<slug>", methods=["GET", "POST"])
def edit_territory(slug):
    territory = db.session.scalar(select(Territory).where(Territory.slug == slug))
    if territory is None:
        fail(404)
    form = TerritoryForm(obj=territory if request.method == "GET" else None)
    if form.validate_on_submit():
        if _save_territory(form, territory):
            AuditLog.record(current_user, "territory.updated", territory, territory)
            db.session.commit()
            flash(_("Territory saved."), "success")
            return redirect(url_for("territories.home", slug=territory.slug), code=303)
        db.session.rollback()
    return render("admin/territory_form.html", form=form, territory=territory,
                  status=422 if form.errors else 200)
