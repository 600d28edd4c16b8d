"""Administration: territories and the audit log. Admins only."""
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ...errors import fail
from ...extensions import db
from ...htmx import render
from ...i18n import gettext as _
from ...models import PUBLISH_CONTRIBUTORS, AuditLog, Territory, User
from ...policy import can
from ..territories.forms import TerritoryForm
from ..territories.settings import save_territory
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
    from ...auditlog import action_label

    log = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(10)).all()
    return render("admin/index.html", block="users", territories=territories, users=users, q=q, log=log,
                  action_label=action_label)


@bp.route("/admin/territories/new", methods=["GET", "POST"])
def new_territory():
    form = TerritoryForm()
    if not form.is_submitted():
        form.center_lat.data, form.center_lng.data, form.zoom.data = 46.6, 2.4, 8
        form.color_primary.data, form.color_secondary.data = "#1d4e89", "#f2a900"
        form.publish_policy.data, form.trusted_after.data = PUBLISH_CONTRIBUTORS, 5
    if form.validate_on_submit():
        territory = Territory()
        if save_territory(form, territory, creating=True):
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
        if save_territory(form, territory):
            db.session.commit()
            flash(_("Territory saved."), "success")
            return redirect(url_for("territories.home", slug=territory.slug), code=303)
        db.session.rollback()
    return render("admin/territory_form.html", form=form, territory=territory,
                  status=422 if form.errors else 200)


@bp.get("/admin/audit")
@bp.get("/admin/audit.csv", endpoint="audit_csv")
def audit():
    """Every territory's audit log (and the instance-wide entries), filtered, paginated, as CSV."""
    from ...auditlog import audit_response

    return audit_response(None, "admin.audit", current_user, csv_export=request.path.endswith(".csv"))
