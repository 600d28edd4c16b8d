from typing import NamedTuple

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ...datacache import remember
from ...errors import fail
from ...extensions import db
from ...htmx import back, is_htmx, render
from ...i18n import gettext as _
from ...models import AuditLog, Membership, Territory, User
from ...models.territories import ROLE_ANIMATOR, ROLE_MEMBER, ROLES
from ...policy import can
from ...sessions import refuse_unconfirmed
from ...templating import elide_filter
from ...urls import safe_next
from . import bp
from .forms import AppointForm, RoleForm, role_choices


def get_territory(slug) -> Territory:
    territory = db.session.scalar(select(Territory).where(Territory.slug == slug))
    if territory is None:
        fail(404)
    return territory


@bp.get("/t/<slug>/theme.css")
def theme(slug):
    """The territory's accent colour, made AA-safe (``csti/theming.py``), for its pages. Its URL
    carries ``?v=`` the colours' version: cached for a day."""
    from flask import Response

    from ...theming import theme_css

    response = Response(theme_css(get_territory(slug)), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 24 * 3600
    return response


@bp.get("/territories/accents.css")
def accents():
    """Every territory's accent colour, AA-safe, as one class each (the home's cards); cached
    for a day: its URL carries ``?v=`` the colours' version."""
    from flask import Response

    from ...theming import accents_css

    territories = db.session.scalars(select(Territory).order_by(Territory.slug)).all()
    response = Response(accents_css(territories), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 24 * 3600
    return response


@bp.get("/t/<slug>")
def home(slug):
    from ...homes import sections_html

    territory = get_territory(slug)
    member_count, animators = remember(("territory people", territory.id), lambda: _people(territory.id))
    membership = current_user.membership_in(territory) if current_user.is_authenticated else None
    return render("territories/home.html", territory=territory, member_count=member_count,
                  animators=[Animator(*row) for row in animators], membership=membership,
                  home_sections_html=sections_html(territory))


class Animator(NamedTuple):
    id: int
    name: str


def _people(territory_id: int) -> tuple[int, tuple]:
    """A territory's member count and its animators' (id, name), by name: alike for every
    visitor, kept until the data changes (csti/datacache.py) — the animators are found among
    every membership of the territory (6 000 at national scale: 1.5 ms of SQL a home page)."""
    count = db.session.scalar(select(func.count(Membership.id)).where(Membership.territory_id == territory_id))
    animators = db.session.execute(
        select(User.id, User.name).join(Membership).where(
            Membership.territory_id == territory_id, Membership.role == ROLE_ANIMATOR
        ).order_by(User.name)
    ).all()
    return count, tuple(tuple(row) for row in animators)


@bp.post("/t/<slug>/join")
@login_required
def join(slug):
    territory = get_territory(slug)
    if not can(current_user, "join", territory):
        refuse_unconfirmed(url_for("territories.home", slug=territory.slug))
    if current_user.membership_in(territory) is None:
        db.session.add(Membership(user=current_user, territory=territory, role=ROLE_MEMBER))
        db.session.commit()
        flash(_("You joined %(name)s.", name=territory.name), "success")
    return _membership_response(territory)


@bp.post("/t/<slug>/leave")
@login_required
def leave(slug):
    territory = get_territory(slug)
    membership = current_user.membership_in(territory)
    if membership is not None:
        db.session.delete(membership)
        db.session.commit()
        flash(_("You left %(name)s.", name=territory.name), "success")
    return _membership_response(territory)


def _membership_response(territory):
    if is_htmx():
        db.session.refresh(current_user)
        return render("territories/_membership.html", territory=territory,
                      membership=current_user.membership_in(territory))
    # Without JavaScript, back to the page of the button (the welcome page), else the territory's.
    target = safe_next(request.form.get("next")) or url_for("territories.home", slug=territory.slug)
    return redirect(target, code=303)


# --- roles -----------------------------------------------------------------------------
def _require_manage(territory):
    if not current_user.is_authenticated:
        fail(403)
    if not can(current_user, "manage_roles", territory):
        fail(403, elide_filter(_("Only the animators of %(name)s and administrators can manage its roles.",
                                 name=territory.name), territory.name))


def _may_grant(territory, role) -> bool:
    return role != ROLE_ANIMATOR or can(current_user, "appoint_animator", territory)


def _roles_context(territory, appoint_form=None):
    memberships = db.session.scalars(
        select(Membership).join(User).where(Membership.territory_id == territory.id)
        .order_by(Membership.role.desc(), User.name)
    ).all()
    may_animator = can(current_user, "appoint_animator", territory)
    appoint_form = appoint_form or AppointForm()
    appoint_form.role.choices = role_choices(may_animator)
    return dict(territory=territory, memberships=memberships, appoint_form=appoint_form,
                may_animator=may_animator, role_choices=role_choices(may_animator))


@bp.get("/t/<slug>/roles")
@login_required
def roles(slug):
    territory = get_territory(slug)
    _require_manage(territory)
    return render("territories/roles.html", **_roles_context(territory))


@bp.post("/t/<slug>/roles")
@login_required
def appoint(slug):
    territory = get_territory(slug)
    _require_manage(territory)
    form = AppointForm()
    form.role.choices = role_choices(can(current_user, "appoint_animator", territory))
    if not form.validate_on_submit():
        return render("territories/roles.html", status=422, **_roles_context(territory, form))
    user = User.by_email(form.email.data)
    if user is None:
        form.email.errors.append(_("No account uses this address. Ask the person to sign up first."))
        return render("territories/roles.html", status=422, **_roles_context(territory, form))
    membership = user.membership_in(territory)
    if membership is None:
        membership = Membership(user=user, territory=territory)
        db.session.add(membership)
    elif membership.role == ROLE_ANIMATOR and not can(current_user, "appoint_animator", territory):
        fail(403, _("Only administrators can change an animator's role."))
    old = membership.role
    membership.role = form.role.data
    AuditLog.record(current_user, "role.set", user, territory, before={"role": old}, after={"role": form.role.data})
    db.session.commit()
    flash(_("%(name)s is now %(role)s of %(territory)s.", name=user.name,
            role=dict(role_choices(True))[form.role.data], territory=territory.name), "success")
    return redirect(url_for("territories.roles", slug=territory.slug), code=303)


@bp.post("/t/<slug>/roles/<int:membership_id>")
@login_required
def change_role(slug, membership_id):
    territory = get_territory(slug)
    _require_manage(territory)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.territory_id != territory.id:
        fail(404)
    form = RoleForm()
    if not form.validate_on_submit() or form.role.data not in ROLES:
        fail(400, _("Choose a valid role."))
    if not _may_grant(territory, form.role.data) or (
        membership.role == ROLE_ANIMATOR and not can(current_user, "appoint_animator", territory)
    ):
        fail(403, _("Only administrators can appoint or demote animators."))
    old = membership.role
    membership.role = form.role.data
    AuditLog.record(current_user, "role.set", membership.user, territory, before={"role": old}, after={"role": form.role.data})
    db.session.commit()
    if is_htmx():
        ctx = _roles_context(territory)
        return render("territories/_role_row.html", m=membership, saved=True, **{
            k: v for k, v in ctx.items() if k in ("territory", "may_animator", "role_choices")})
    flash(_("Role updated."), "success")
    return back("territories.roles", slug=territory.slug)


# --- settings (animators) --------------------------------------------------------------------
@bp.route("/t/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug):
    """Name, description, logo, colours, map, moderation policy — for the territory's animators
    and the admins (only admins change the address, /admin/territories/<slug>). Bad input: the
    message next to the field, 422, nothing saved."""
    from .forms import TerritorySettingsForm
    from .settings import save_territory

    territory = get_territory(slug)
    if not can(current_user, "edit_settings", territory):
        fail(403, elide_filter(_("Only the animators of %(name)s and administrators can change its settings.",
                                 name=territory.name), territory.name))
    form = TerritorySettingsForm(obj=territory if request.method == "GET" else None)
    if form.validate_on_submit():
        if save_territory(form, territory):
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("territories.home", slug=territory.slug), code=303)
        db.session.rollback()
    return render("territories/settings.html", form=form, territory=territory,
                  status=422 if form.errors else 200)


# --- audit log (animators) -------------------------------------------------------------------
@bp.get("/t/<slug>/audit")
@bp.get("/t/<slug>/audit.csv", endpoint="audit_csv")
@login_required
def audit(slug):
    """Who did what in the territory: its animators (and the admins), filtered, paginated, as CSV."""
    from ...auditlog import audit_response

    territory = get_territory(slug)
    if not can(current_user, "view_audit", territory):
        fail(403, elide_filter(_("Only the animators of %(name)s and administrators can read its audit log.",
                                 name=territory.name), territory.name))
    return audit_response(territory, "territories.audit", current_user,
                          csv_export=request.path.endswith(".csv"), slug=territory.slug)
