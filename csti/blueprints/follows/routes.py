"""Follow / unfollow: a POST form; htmx swaps the button in place."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from ...bounds import parse_id
from ...errors import fail
from ...extensions import db
from ...htmx import back, is_htmx, render
from ...i18n import gettext as _
from ...models import Content, Tag, User
from ...policy import can
from ...sessions import refuse_unconfirmed
from ...urls import safe_next
from . import bp
from .operations import display_name, follow, followed, is_following, unfollow


def _target(kind, key):
    if kind == "content":
        target = db.session.get(Content, parse_id(key)) if parse_id(key) else None
        # What one cannot see cannot be followed; what one follows can always be unfollowed.
        if target is not None and not can(current_user, "view", target) and not is_following(current_user, target):
            target = None
    elif kind == "user":
        target = db.session.get(User, parse_id(key)) if parse_id(key) else None
        if target is not None and target.id == current_user.id:
            fail(400, _("You cannot follow yourself."))
    else:
        target = db.session.scalar(select(Tag).where(Tag.slug == key))
    if target is None:
        fail(404)
    return target


@bp.post("/follow/<any(content, user, tag):kind>/<key>")
@login_required
def toggle_follow(kind, key):
    target = _target(kind, key)
    if not FlaskForm().validate_on_submit():
        fail(400)
    # The button says which state it asks for, so that a double click or a resent form
    # leaves one follow rather than flipping it back; without it, the POST toggles.
    wanted = {"1": True, "0": False}.get(request.form.get("follow", ""))
    if wanted is None:
        wanted = not is_following(current_user, target)
    if wanted:
        if not can(current_user, "follow", target):
            refuse_unconfirmed(target.url if isinstance(target, Content) else None)
        if isinstance(target, Content) and not target.is_published:
            fail(400, _("Only published content can be followed."))
        follow(current_user, target)
    else:
        unfollow(current_user, target)
    db.session.commit()
    if request.form.get("row") and not wanted and is_htmx():
        # "What I follow": htmx removes the row (and says so in the live region).
        return render_template("follows/_unfollowed.html", target=target)
    if is_htmx():
        return render("follows/_button.html", target=target)
    # Without JavaScript the page comes back whole — and may no longer show the button (the
    # welcome page drops what is followed, "What I follow" what is not): say what happened.
    if wanted:
        flash(_("You now follow %(name)s.", name=display_name(target)), "success")
    else:
        flash(_("You no longer follow %(name)s.", name=display_name(target)), "success")
    if request.form.get("row") and not wanted:
        return redirect(safe_next(request.form.get("next")) or url_for("follows.mine"), code=303)
    if safe_next(request.form.get("next")):
        return back()
    if kind == "content":
        return redirect(target.url, code=303)
    return back()


@bp.get("/me/follows")
@login_required
def mine():
    """What I follow: people, structures, tags and content items, each with "Unfollow"."""
    return render("follows/mine.html", sections=followed(current_user))
