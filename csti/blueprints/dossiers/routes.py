"""Dossiers: members' collections of any content from any territory, public or private — the list
of public ones, "my dossiers", the page with its ordered items and the curators' tools, and
"Add to a dossier" on every content page (the picker). (CSRFProtect checks every POST.)"""
from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models import PENDING, AuditLog, Content, Territory, User
from ...models.dossiers import Dossier
from ...policy import can
from ..content.helpers import territory_choices
from ..content.views import ContentViews
from . import bp
from . import operations as ops
from .forms import CollaboratorForm, DossierForm, ItemForm, NoteForm, QuickDossierForm
from .operations import DossierError, containing, curated_by, entries_for, set_visibility

PICKER_MAX = 200  # dossiers listed in "Add to a dossier"


# --- reading and writing: the shared content views ---------------------------------------
def _visible(id) -> Dossier:
    """The dossier, or 404 — a private dossier does not exist for those who may not see it."""
    dossier = db.session.get(Dossier, id)
    if dossier is None or not can(current_user, "view", dossier):
        fail(404, _("This dossier does not exist, or it is private."))
    return dossier


class DossierViews(ContentViews):
    """Public dossiers are listed, most recently changed first; dossiers have no drafts: their
    visibility decides their status."""

    model, kind, form_class = Dossier, "dossier", DossierForm
    feed_title = _l("Dossiers")
    card_author = True
    drafts = False
    no_territory_message = _l("Confirm your e-mail address before creating a dossier.")

    def listing(self, filters):
        return (self.published(filters).where(Dossier.is_private.is_(False))
                .order_by(Dossier.updated_at.desc(), Dossier.id.desc()))

    def show_context(self, dossier) -> dict:
        return {"entries": entries_for(dossier, current_user),
                "collaborator_form": CollaboratorForm(formdata=None), "note_form": None, "note_for": None}

    def prepare_form(self, form, dossier) -> None:
        if dossier is not None and not can(current_user, "set_visibility", dossier):
            del form.visibility  # a collaborator edits the text, the owner decides who sees it

    def load_for_edit(self, id):
        dossier = _visible(id)
        if not can(current_user, "edit", dossier):
            fail(403, _("Only the owner and the collaborators of this dossier may change it."))
        return dossier

    def fill(self, form, dossier) -> None:
        if "visibility" in form:
            form.visibility.data = "private" if dossier.is_private else "public"

    def apply(self, dossier, form) -> None:
        if "visibility" in form:
            set_visibility(dossier, form.visibility.data == "private", current_user)

    def saved_message(self, dossier) -> str:
        if dossier.is_private:
            return _("The dossier is saved. It is private: only you and the collaborators see it.")
        if dossier.status == PENDING:
            return _("Thank you! The animators will review the dossier before it is public.")
        return _("The dossier is published.")


views = DossierViews(bp)


@bp.get("/me/dossiers")
@login_required
def mine():
    return render("dossiers/mine.html", dossiers=db.session.scalars(curated_by(current_user).limit(500)).all())


@bp.route("/dossier/<int:id>/delete", methods=["GET", "POST"])
@login_required
def delete(id):
    dossier = _visible(id)
    if not can(current_user, "delete", dossier):
        fail(403, _("Only the owner of the dossier may delete it."))
    if request.method == "GET":
        return render("dossiers/delete.html", item=dossier)
    title = dossier.title
    AuditLog.record(current_user, "dossier.deleted", dossier, dossier.territory, title=title)
    db.session.delete(dossier)
    db.session.commit()
    flash(_("The dossier “%(title)s” is deleted.", title=title), "success")
    return redirect(url_for("dossiers.mine"), code=303)


# --- items --------------------------------------------------------------------------------
def _curated(id) -> Dossier:
    dossier = _visible(id)
    if not can(current_user, "add_items", dossier):
        fail(403, _("Only the owner and the collaborators of this dossier may change its items."))
    return dossier


def _content(content_id) -> Content:
    item = db.session.get(Content, content_id)
    if item is None or not can(current_user, "view", item):
        fail(404)
    return item


def _refuse(error: DossierError):
    db.session.rollback()
    fail(error.status, str(error))


def _after_item_change(dossier, content_id, message, focus=None):
    """The picker (from a content page) or the dossier's list of items, swapped by htmx;
    without JavaScript, back to the page the form was on."""
    if request.form.get("view") == "picker":
        content = db.session.get(Content, content_id)
        if content is not None and can(current_user, "view", content):
            if is_htmx():
                return _picker(content, message=message, focus=dossier.id)
            if message:
                flash(message, "success")
            return redirect(content.url, code=303)
    if is_htmx():
        return render("dossiers/_items.html", item=dossier, entries=entries_for(dossier, current_user),
                      focus=focus, message=message)
    if message:
        flash(message, "success")
    return redirect(f"{dossier.url}#items", code=303)


@bp.post("/dossier/<int:id>/items")
@login_required
def add_item(id):
    dossier = _curated(id)
    form = ItemForm()
    if not form.validate_on_submit():
        fail(422 if form.note.errors else 400, " ".join(form.note.errors) or None)
    content = _content(form.content_id.data)
    try:
        ops.add_item(dossier, content, current_user, form.note.data or "")
    except DossierError as error:
        _refuse(error)
    db.session.commit()
    return _after_item_change(dossier, content.id, _("Added to “%(dossier)s”.", dossier=dossier.title))


@bp.post("/dossier/<int:id>/items/<int:content_id>/remove")
@login_required
def remove_item(id, content_id):
    dossier = _curated(id)
    try:
        ops.remove_item(dossier, content_id)
    except DossierError as error:
        _refuse(error)
    db.session.commit()
    return _after_item_change(dossier, content_id, _("Removed from “%(dossier)s”.", dossier=dossier.title),
                              focus=("removed",))


@bp.post("/dossier/<int:id>/items/<int:content_id>/<any(up, down):direction>")
@login_required
def move_item(id, content_id, direction):
    dossier = _curated(id)
    try:
        moved = ops.move_item(dossier, content_id, -1 if direction == "up" else 1)
    except DossierError as error:
        _refuse(error)
    db.session.commit()
    message = (_("The item moved up.") if direction == "up" else _("The item moved down.")) if moved else None
    return _after_item_change(dossier, content_id, message, focus=(content_id, direction))


@bp.post("/dossier/<int:id>/items/<int:content_id>/note")
@login_required
def note(id, content_id):
    dossier = _curated(id)
    form = NoteForm()
    if not form.validate_on_submit():
        if dossier.item_for(content_id) is None:
            fail(404)
        if is_htmx():
            return render("dossiers/_items.html", status=422, item=dossier, entries=entries_for(dossier, current_user),
                          note_form=form, note_for=content_id)
        return views.render_show(dossier, 422, note_form=form, note_for=content_id)
    try:
        ops.set_note(dossier, content_id, form.note.data)
    except DossierError as error:
        _refuse(error)
    db.session.commit()
    return _after_item_change(dossier, content_id, _("The note is saved."), focus=(content_id, "note"))


# --- collaborators ------------------------------------------------------------------------
@bp.post("/dossier/<int:id>/collaborators")
@login_required
def add_collaborator(id):
    dossier = _visible(id)
    if not can(current_user, "manage_collaborators", dossier):
        fail(403, _("Only the owner of the dossier chooses its collaborators."))
    form = CollaboratorForm()
    if not form.validate_on_submit():
        return views.render_show(dossier, 422, collaborator_form=form)
    user = User.by_email(form.email.data)
    if user is None:
        form.email.errors.append(_("No member of the site has this address."))
        return views.render_show(dossier, 422, collaborator_form=form)
    try:
        ops.add_collaborator(dossier, user)
    except DossierError as error:
        form.email.errors.append(str(error))
        return views.render_show(dossier, 422, collaborator_form=form)
    AuditLog.record(current_user, "dossier.collaborator_added", dossier, dossier.territory, user_id=user.id)
    db.session.commit()
    flash(_("%(name)s can now add items to the dossier.", name=user.name), "success")
    return redirect(f"{dossier.url}#collaborators", code=303)


@bp.post("/dossier/<int:id>/collaborators/<int:user_id>/remove")
@login_required
def remove_collaborator(id, user_id):
    dossier = _visible(id)
    leaving = user_id == current_user.id
    if not leaving and not can(current_user, "manage_collaborators", dossier):
        fail(403, _("Only the owner of the dossier chooses its collaborators."))
    try:
        collaborator = ops.remove_collaborator(dossier, user_id)
    except DossierError as error:
        _refuse(error)
    name = collaborator.user.name
    db.session.commit()
    if leaving:
        flash(_("You no longer collaborate on “%(title)s”.", title=dossier.title), "success")
        return redirect(url_for("dossiers.mine"), code=303)
    flash(_("%(name)s no longer collaborates on the dossier.", name=name), "success")
    return redirect(f"{dossier.url}#collaborators", code=303)


# --- "Add to a dossier" on every content page ----------------------------------------------
def _quick_form(content, formdata=...):
    form = QuickDossierForm() if formdata is ... else QuickDossierForm(formdata=formdata)
    form.territory.choices = territory_choices(current_user)
    if formdata is not ...:
        # The member's own territory if they have one, else the item's.
        ids = [tid for tid, _name in form.territory.choices]
        mine = [m.territory_id for m in current_user.memberships if m.territory_id in ids]
        form.territory.data = mine[0] if mine else (content.territory_id if content.territory_id in ids else None)
    return form


def _picker(content, form=None, message=None, status=200, focus=None):
    mine = db.session.scalars(curated_by(current_user).limit(PICKER_MAX)).all()
    return render("dossiers/picker.html", fragment="dossiers/_picker.html", status=status, item=content,
                  dossiers=mine, inside=containing(mine, content.id),
                  form=form or _quick_form(content, formdata=None), message=message, focus=focus)


@bp.get("/content/<int:content_id>/dossiers")
@login_required
def picker(content_id):
    return _picker(_content(content_id))


@bp.post("/content/<int:content_id>/dossiers")
@login_required
def quick_create(content_id):
    """A new dossier with this item in it, from the picker."""
    content = _content(content_id)
    form = _quick_form(content)
    if not form.territory.choices:
        fail(403, _("Confirm your e-mail address before creating a dossier."))
    if not form.validate_on_submit():
        return _picker(content, form=form, status=422)
    dossier = Dossier(author=current_user, title=form.title.data, territory=db.session.get(Territory, form.territory.data))
    db.session.add(dossier)
    set_visibility(dossier, bool(form.private.data), current_user)
    try:
        ops.add_item(dossier, content, current_user)
    except DossierError as error:
        _refuse(error)
    db.session.commit()
    message = _("The dossier “%(title)s” is created, with this item in it.", title=dossier.title)
    if dossier.status == PENDING:
        message += " " + _("The animators will review it before it is public.")
    if is_htmx():
        return _picker(content, message=message, focus=dossier.id)
    flash(message, "success")
    return redirect(content.url, code=303)
