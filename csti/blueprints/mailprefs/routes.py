"""/me/mail (a member's mail choices) and /mail/unsubscribe/<token> (the link of every
notification mail: a page with a button, and RFC 8058's one-click POST)."""
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from ...extensions import csrf, db
from ...htmx import render
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models.mailprefs import CATEGORIES, NONE
from ..accounts.forms import EmptyForm
from . import bp
from .forms import MailPreferencesForm
from .operations import CATEGORY_LABELS, SpentToken, preferences, read_unsubscribe_token, set_preferences, unsubscribe

HINTS = {
    "follows": _l("New publications of the people, structures and tags you follow, news of the projects and "
                 "dossiers you follow."),
    "comments": _l("Comments on your publications, replies to your comments, offers to help your projects."),
    "registrations": _l("Who registers for the events you organise, joins their waiting list or cancels; an event "
                        "you registered for withdrawn by its organisers. Your own registrations are always confirmed "
                        "by mail."),
    "groups": _l("The life of the groups you belong to."),
    "loans": _l("Requests to borrow the resources your structures lend; the answers to your structures' requests, "
                "and cancelled loans."),
}


@bp.route("/me/mail", methods=["GET", "POST"], endpoint="settings")
@login_required
def settings():
    user = current_user._get_current_object()
    if request.method == "POST":
        form = MailPreferencesForm()
        if form.validate_on_submit():
            set_preferences(user, form.choices())
            db.session.commit()
            flash(_("Your mail settings are saved."), "success")
            return redirect(url_for("mailprefs.settings"), code=303)
        return render("mailprefs/settings.html", form=form, hints=HINTS, status=422)
    form = MailPreferencesForm(formdata=None, data=preferences(user))
    return render("mailprefs/settings.html", form=form, hints=HINTS)


def _invalid():
    return render("mailprefs/unsubscribe_invalid.html", status=400)


def _spent(spent: SpentToken):
    """410 Gone: the link was used already, or the member chose again since it was mailed."""
    chosen = preferences(spent.user)
    return render("mailprefs/unsubscribe_spent.html", status=410,
                  labels=[CATEGORY_LABELS[c] for c in spent.categories],
                  stopped=all(chosen[c] == NONE for c in spent.categories))


@bp.get("/mail/unsubscribe/<token>", endpoint="unsubscribe")
def unsubscribe_page(token):
    try:
        found = read_unsubscribe_token(token)
    except SpentToken as spent:
        return _spent(spent)
    if found is None:
        return _invalid()
    user, categories = found
    chosen = preferences(user)
    return render("mailprefs/unsubscribe.html", form=EmptyForm(), token=token,
                  labels=[CATEGORY_LABELS[c] for c in categories],
                  done=all(chosen[c] == NONE for c in categories))


@bp.post("/mail/unsubscribe/<token>")
@csrf.exempt  # RFC 8058: the mail client posts "List-Unsubscribe=One-Click" without a token
def unsubscribe_post(token):
    try:
        found = read_unsubscribe_token(token)
    except SpentToken as spent:
        return _spent(spent)
    if found is None:
        return _invalid()
    user, categories = found
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if not one_click and not EmptyForm().validate_on_submit():  # the page's own button: its CSRF token
        return render("mailprefs/unsubscribe.html", form=EmptyForm(), token=token, expired=True,
                      labels=[CATEGORY_LABELS[c] for c in categories], done=False, status=400)
    unsubscribe(user, [c for c in categories if c in CATEGORIES])
    db.session.commit()
    return render("mailprefs/unsubscribed.html", labels=[CATEGORY_LABELS[c] for c in categories])
