"""Merging a duplicate structure into the one kept: pick, confirm (what moves, counted), merge.

Who: the animators of both structures' territories (policy "merge" on each) and the admins;
the page itself is for animators ("merge_actors"). The work is csti/merges.py's."""
import re

from flask import flash, redirect, request
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import render
from ...i18n import gettext as _
from ...merges import MergeError, actor_counts, check_actor_merge, merge_actors
from ...models.actors import Actor
from ...policy import can
from . import bp
from .forms import MergeForm
from .operations import similar_actors

_NUMBER = re.compile(r"^\s*(?:.*/actor/)?#?(\d{1,12})(?:[-/?#].*)?\s*$")


def _actor(text: str | None) -> Actor | None:
    """The structure of a number ("42") or an address (".../actor/42-name")."""
    match = _NUMBER.match(text or "")
    return db.session.get(Actor, int(match.group(1))) if match else None


def _field_error(form, name, message):
    field = getattr(form, name)
    field.errors = [*field.errors, message]


@bp.route("/actors/merge", methods=["GET", "POST"])
@login_required
def merge():
    if not can(current_user, "merge_actors"):
        fail(403, _("Only the animators merge duplicate structures."))
    form = MergeForm()
    if not form.is_submitted():
        form.duplicate.data = request.args.get("duplicate", "")[:300]
        form.keep.data = request.args.get("keep", "")[:300]
    dup = _actor(form.duplicate.data)
    keep = _actor(form.keep.data)
    counts = None
    if form.validate_on_submit():
        try:
            if dup is None:
                raise MergeError(_("No structure has this number or address: check the duplicate."), "duplicate")
            check_actor_merge(dup, keep)
        except MergeError as error:
            _field_error(form, error.field, error.message)
        else:
            if not (can(current_user, "merge", dup) and can(current_user, "merge", keep)):
                fail(403, _("Only the animators of both structures’ territories merge them."))
            if request.form.get("confirm") == "1":
                try:
                    done = merge_actors(dup, keep, current_user, (form.reason.data or "").strip())
                except MergeError as error:
                    db.session.rollback()
                    _field_error(form, error.field, error.message)
                else:
                    db.session.commit()
                    kept = db.session.get(Actor, done["kept"])
                    flash(_("The duplicate was merged into %(name)s; its address now leads here.",
                            name=kept.title), "success")
                    return redirect(kept.url, code=303)
            else:
                counts = actor_counts(dup)
    suggestions = []
    if dup is not None and keep is None and can(current_user, "merge", dup):
        suggestions = [a for a in similar_actors(dup.title, dup.postcode, dup.commune, exclude_id=dup.id)
                       if can(current_user, "merge", a)][:10]
    return render("actors/merge.html", form=form, dup=dup, keep=keep if counts is not None else None,
                  counts=counts, suggestions=suggestions, status=422 if form.errors else 200)
