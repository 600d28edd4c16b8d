"""Sanctions on accounts (csti/sanctions.py, docs/architecture.md §10): the form on a member's
profile (suspend, ban, hide their content) and the list of current sanctions with their "lift"
buttons. Who may do what: ``policy`` rules "suspend", "ban", "hide_content", "sanctions", "lift"."""
from datetime import UTC, datetime, time, timedelta

from flask import current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import render
from ...i18n import gettext as _
from ...models import AccountSanction, User
from ...models.base import utcnow
from ...policy import can
from ...sanctions import KIND_LABELS, SanctionError, check_target, current_sanctions, impose, lift, scope_territory
from . import bp
from .forms import LiftForm, SanctionForm


def _target(user_id) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        fail(404)
    return user


def _ends_at(form, kind):
    """The end the form asks for, or None with the error put next to its field."""
    if kind == "hide":
        return None, True
    choice = form.duration.data or ""
    if choice == "permanent":
        if kind == "suspend":
            form.duration.errors.append(_("A suspension needs a duration: choose one, or ban."))
            return None, False
        return None, True
    if choice in ("1", "7", "30"):
        return utcnow() + timedelta(days=int(choice)), True
    if choice != "custom":
        form.duration.errors.append(_("Choose a duration."))
        return None, False
    if form.ends_on.data is None:
        form.ends_on.errors.append(_("Give the end date (or choose a duration)."))
        return None, False
    ends = datetime.combine(form.ends_on.data, time.min, tzinfo=UTC)
    if ends <= utcnow():
        form.ends_on.errors.append(_("The end date must be in the future."))
        return None, False
    return ends, True


@bp.route("/members/<int:user_id>/sanction", methods=["GET", "POST"])
@login_required
def new(user_id):
    target = _target(user_id)
    actor = current_user._get_current_object()
    form = SanctionForm()
    may_ban = can(actor, "ban", target)
    if not may_ban:
        form.kind.choices = [c for c in form.kind.choices if c[0] != "ban"]
        form.duration.choices = [c for c in form.duration.choices if c[0] != "permanent"]
    try:
        check_target(actor, target, "suspend" if not may_ban else "ban")
    except SanctionError as error:
        fail(error.status, error.message)
    territory = scope_territory(actor, target)
    max_days = None if actor.is_admin else current_app.config["ANIMATOR_MAX_SUSPENSION_DAYS"]

    def page(status=200):
        return render("sanctions/form.html", form=form, person=target, territory=territory, max_days=max_days,
                      status=status)

    if not form.validate_on_submit():
        return page(422 if form.errors else 200)
    kind = form.kind.data
    ends_at, valid = _ends_at(form, kind)
    if valid and max_days is not None and ends_at is not None and ends_at > utcnow() + timedelta(days=max_days, hours=1):
        form.ends_on.errors.append(_("An animator may suspend for %(n)d days at most; ask an administrator.",
                                     n=max_days))
        valid = False
    if not valid:
        return page(422)
    try:
        sanction = impose(actor, target, kind, form.reason.data.strip(), ends_at, hide=bool(form.hide.data))
    except SanctionError as error:
        db.session.rollback()
        fail(error.status, error.message)
    db.session.commit()
    if kind == "hide":
        flash(_("Hidden items of %(name)s: %(n)d.", name=target.name, n=sanction.hidden_count), "success")
    else:
        flash(_("Sanction recorded for %(name)s (%(kind)s); their sessions are closed.", name=target.name,
                kind=KIND_LABELS[kind]), "success")
    return redirect(url_for("sanctions.index"), code=303)


@bp.get("/sanctions")
@login_required
def index():
    if not can(current_user, "sanctions"):
        fail(403, _("This page is for the animators."))
    return render("sanctions/index.html", sanctions=current_sanctions(current_user), kinds=KIND_LABELS,
                  lift_form=LiftForm(formdata=None), now=utcnow())


@bp.post("/sanctions/<int:sanction_id>/lift")
@login_required
def lift_sanction(sanction_id):
    sanction = db.session.get(AccountSanction, sanction_id)
    if sanction is None:
        fail(404)
    if not can(current_user, "lift", sanction):
        fail(403, _("Only an animator of its territory or an administrator can lift this sanction."))
    form = LiftForm()
    if not form.validate_on_submit():
        fail(400)
    if sanction.lifted_at is not None:
        fail(409, _("This sanction was lifted already."))
    restored = lift(sanction, current_user._get_current_object(), (form.reason.data or "").strip())
    db.session.commit()
    flash(_("Sanction of %(name)s lifted. Items shown again: %(n)d.", name=sanction.user.name, n=restored),
          "success")
    return redirect(url_for("sanctions.index"), code=303)
