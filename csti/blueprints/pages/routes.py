"""Editorial pages (about, legal notice, accessibility statement)."""
from flask import flash, redirect
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import render
from ...models import Page
from ..content.forms import TagForm
from ..content.helpers import apply_common_fields, fill_common_fields, load_content, territory_choices
from . import bp
from .forms import PageForm


@bp.get("/page/<int:id>-<slug>")
@bp.get("/page/<int:id>")
def show(id, slug=""):
    page, redirect_to = load_content(Page, id, slug)
    if redirect_to:
        return redirect_to
    return render("pages/show.html", item=page, tag_form=TagForm(formdata=None))


def _form(page=None):
    form = PageForm(obj=None)
    # Pages are editorial: only animators (for their territory) and admins write them.
    form.territory.choices = territory_choices(current_user, "moderate")
    if current_user.is_admin:
        # Admins also write the instance's own pages (legal notice, accessibility statement).
        form.territory.choices.insert(0, (0, _("The whole site")))
        form.territory.validators = []
    if not form.territory.choices:
        fail(403, _("Only animators and administrators write pages."))
    return form


@bp.route("/page/new", methods=["GET", "POST"])
@login_required
def create():
    form = _form()
    if form.validate_on_submit():
        page = Page(author=current_user)
        apply_common_fields(page, form)
        page.in_footer = form.in_footer.data
        page.publish()
        db.session.add(page)
        db.session.commit()
        flash(_("Page published."), "success")
        return redirect(page.url, code=303)
    return render("pages/form.html", form=form, item=None, status=422 if form.errors else 200)


@bp.route("/page/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id):
    page, _redirect = load_content(Page, id, action="edit")
    form = _form(page)
    if form.validate_on_submit():
        apply_common_fields(page, form)
        page.in_footer = form.in_footer.data
        db.session.commit()
        flash(_("Page saved."), "success")
        return redirect(page.url, code=303)
    if not form.is_submitted():
        fill_common_fields(form, page)
        form.territory.data = page.territory_id or 0
        form.in_footer.data = page.in_footer
    return render("pages/form.html", form=form, item=page, status=422 if form.errors else 200)
