"""A member's API keys (/account/api-keys, docs/architecture.md §16): the list (name, start of the
key, created, last used), a form to create one — the key shown once, in the answer to that POST,
never stored — and revoking (POST). Each member sees and revokes only their own keys."""
from flask import current_app, flash, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ...apikeys import MAX_LIVE_KEYS, TooManyKeys, create_key, live_keys, revoke_key
from ...errors import fail
from ...extensions import db
from ...htmx import render
from ...i18n import gettext as _
from ...models import ApiKey
from ...policy import can
from ...sessions import refuse_unconfirmed
from . import bp
from .forms import ApiKeyForm, EmptyForm


def _page(form=None, created=None, key=None, status=200):
    user = current_user._get_current_object()
    config = current_app.config
    response = render("accounts/api_keys.html", form=form or ApiKeyForm(formdata=None), created=created, key=key,
                      keys=live_keys(user), max_keys=MAX_LIVE_KEYS, empty_form=EmptyForm(formdata=None),
                      can_create=can(user, "create_api_key"), rate_anon=config.get("API_RATE_ANON", 60),
                      rate_key=config.get("API_RATE_KEY", 600), rate_window=config.get("API_RATE_WINDOW", 60),
                      status=status)
    if key is not None:
        response.headers["Cache-Control"] = "no-store"  # the key is on this page only, once
    return response


@bp.route("/account/api-keys", methods=["GET", "POST"])
@login_required
def api_keys():
    user = current_user._get_current_object()
    form = ApiKeyForm()
    if not form.is_submitted():
        return _page(form)
    if not can(user, "create_api_key"):
        refuse_unconfirmed(url_for("accounts.api_keys"))
    if not form.validate():
        return _page(form, status=422)
    name = form.name.data.strip()
    try:
        created, key = create_key(user, name)
    except TooManyKeys:
        db.session.rollback()
        form.name.errors.append(_("You already have %(n)d keys, the most one member may have: revoke one you "
                                  "no longer use, then create this one.", n=MAX_LIVE_KEYS))
        return _page(form, status=422)
    db.session.commit()
    return _page(created=created, key=key, status=201)


@bp.post("/account/api-keys/<int:key_id>/revoke")
@login_required
def revoke_api_key(key_id):
    if not EmptyForm().validate_on_submit():
        fail(400)
    user = current_user._get_current_object()
    row = db.session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user.id,
                                                 ApiKey.revoked_at.is_(None)))
    if row is None:  # another member's key, or one revoked already: nothing of theirs to revoke
        fail(404)
    revoke_key(row, user)
    db.session.commit()
    flash(_("The key “%(name)s” is revoked: programs using it are refused from now on.", name=row.name), "success")
    return redirect(url_for("accounts.api_keys"), code=303)
