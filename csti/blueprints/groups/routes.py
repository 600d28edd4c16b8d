"""Working groups: list, page, writing (ContentViews), and membership — join, ask to join,
invite, accept or decline, leave, coordinators' tools. Each answer is the page again (303) or,
for htmx, the page's ``members`` block. Queries and writes are in ``domain``."""
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models.groups import COORDINATOR, GROUP_ACCESS, MEMBER, WorkingGroup
from ...policy import can
from ..content.forms import TagForm
from ..content.helpers import load_content
from ..content.views import ContentViews
from . import bp, domain
from .forms import GroupForm, InviteForm


class GroupViews(ContentViews):
    model, kind, form_class = WorkingGroup, "group", GroupForm
    kinds, kind_column = GROUP_ACCESS, "access"
    fields = ("access",)
    feed_title = _l("Working groups")
    no_territory_message = _l("Confirm your e-mail address before creating a working group.")
    pending_message = _l("Thank you! The animators will review the working group.")
    published_message = _l("The working group is published.")

    def listing(self, filters, **params):
        return self.published(filters).order_by(WorkingGroup.sort_key, WorkingGroup.id)

    def show_context(self, group) -> dict:
        return show_context(group)

    def save(self, item, form, creating: bool):
        if creating:
            domain.create_with_coordinator(item, current_user)
        return super().save(item, form, creating)


def show_context(group, invite_form=None) -> dict:
    return {"membership": group.membership_of(current_user),
            "invite_form": invite_form or InviteForm(formdata=None),
            "meetings": domain.meetings(group, current_user),
            "minutes": domain.minutes(group, current_user)}


views = GroupViews(bp)


def _group(id) -> WorkingGroup:
    group, _redirect = load_content(WorkingGroup, id)
    return group


def _answer(group, status: int = 200, invite_form=None):
    """The members block for htmx (the messages out of band), else back to the page."""
    if is_htmx() or status >= 400:
        return render("groups/show.html", block="members" if is_htmx() else None, status=status,
                      item=group, tag_form=TagForm(formdata=None), **show_context(group, invite_form))
    return redirect(f"{url_for('groups.show', id=group.id, slug=group.slug)}#members", code=303)


def _refuse(group, error):
    if error.status in (403, 404) and not is_htmx():
        fail(error.status, error.message)
    flash(error.message, "error")
    db.session.rollback()
    # htmx swaps a 422 (the message out of band, where the action happened), not a 403 or 409:
    # a refusal answered with those would leave the page unchanged and the message for later.
    status = 422 if is_htmx() else error.status
    return _answer(db.session.get(WorkingGroup, group.id), status=status)


def _manager_group(id) -> WorkingGroup:
    group = _group(id)
    if not can(current_user, "manage_members", group):
        fail(403, _("Only the group's coordinators manage its members."))
    return group


@bp.post("/group/<int:id>/join")
@login_required
def join(id):
    group = _group(id)
    if not current_user.is_confirmed:
        fail(403, _("Confirm your e-mail address to join a working group."))
    try:
        row = domain.join(group, current_user)
    except domain.GroupError as error:
        return _refuse(group, error)
    db.session.commit()
    flash(_("Welcome to the group!") if row.status == "member"
          else _("Your request is sent: the coordinators will answer it."), "success")
    return _answer(group)


@bp.post("/group/<int:id>/invitation")
@login_required
def answer_invitation(id):
    group = _group(id)
    accept = request.form.get("answer") == "accept"
    try:
        if accept:
            domain.accept_invitation(group, current_user)
        else:
            domain.decline_invitation(group, current_user)
    except domain.GroupError as error:
        return _refuse(group, error)
    db.session.commit()
    flash(_("Welcome to the group!") if accept else _("Invitation declined."), "success")
    return _answer(group)


@bp.post("/group/<int:id>/leave")
@login_required
def leave(id):
    group = _group(id)
    try:
        domain.leave(group, current_user)
    except domain.GroupError as error:
        return _refuse(group, error)
    db.session.commit()
    flash(_("You have left the group."), "success")
    return _answer(group)


@bp.post("/group/<int:id>/invite")
@login_required
def invite(id):
    group = _manager_group(id)
    form = InviteForm()
    if not form.validate_on_submit():
        return _answer(group, status=422, invite_form=form)
    try:
        row = domain.invite(group, form.who.data, by=current_user)
    except domain.GroupError as error:
        db.session.rollback()
        group = db.session.get(WorkingGroup, id)
        form.who.errors = [error.message]
        return _answer(group, status=422, invite_form=form)
    db.session.commit()
    flash(_("%(name)s is invited.", name=row.user.name) if row.status == "invited"
          else _("%(name)s joins the group.", name=row.user.name), "success")
    return _answer(group)


@bp.post("/group/<int:id>/requests/<int:user_id>")
@login_required
def decide(id, user_id):
    group = _manager_group(id)
    accept = request.form.get("decision") == "accept"
    try:
        row = domain.decide_request(group, user_id, accept, by=current_user)
    except domain.GroupError as error:
        return _refuse(group, error)
    name = row.user.name
    db.session.commit()
    flash(_("%(name)s joins the group.", name=name) if accept else _("The request of %(name)s is refused.", name=name),
          "success")
    return _answer(group)


@bp.post("/group/<int:id>/members/<int:user_id>")
@login_required
def manage(id, user_id):
    group = _manager_group(id)
    action = request.form.get("action")
    try:
        if action == "remove":
            row = domain.remove(group, user_id, by=current_user)
            message = _("%(name)s is no longer in the group.", name=row.user.name)
        elif action in ("promote", "demote"):
            row = domain.set_role(group, user_id, COORDINATOR if action == "promote" else MEMBER, by=current_user)
            message = _("%(name)s is now a coordinator.", name=row.user.name) if action == "promote" else \
                _("%(name)s is now a member.", name=row.user.name)
        else:
            fail(400, _("Unknown action."))
    except domain.GroupError as error:
        return _refuse(group, error)
    db.session.commit()
    flash(message, "success")
    return _answer(group)
