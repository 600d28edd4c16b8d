"""Editorial pages (about, legal notice, accessibility statement): no list, no feed, no review."""
from flask import flash, redirect
from flask_login import current_user
from sqlalchemy import select

from ...errors import fail
from ...extensions import db
from ...i18n import gettext as _
from ...models import Page
from ..content.helpers import apply_common_fields, territory_choices
from ..content.views import ContentViews
from . import bp
from .forms import PageForm


class PageViews(ContentViews):
    model, kind, form_class = Page, "page", PageForm
    endpoints = ("show", "create", "edit")

    def create_rule(self) -> str:
        return "/page/new"

    def build_form(self, page=None):
        form = PageForm(obj=None)
        # Pages are editorial: only animators (for their territory) and admins write them.
        form.territory.choices = territory_choices(current_user, "moderate")
        if current_user.is_admin:
            # Admins also write the instance's own pages (legal notice, accessibility statement).
            form.territory.choices.insert(0, (0, _("The whole site")))
            form.territory.validators = []
        if not form.territory.choices:
            fail(403, _("Only animators and administrators write pages."))
        # The page it translates: an original (a page that translates none), never itself.
        originals = db.session.scalars(select(Page).where(Page.translation_of_id.is_(None))
                                       .order_by(Page.sort_key)).all()
        form.translation_of.choices = [(0, _("None: an original page"))] + [
            (p.id, f"{p.title} ({p.language})" if p.language else p.title)
            for p in originals if page is None or p.id != page.id]
        return form

    def fill(self, form, page) -> None:
        form.territory.data = page.territory_id or 0
        form.in_footer.data = page.in_footer
        form.language.data = page.language
        form.translation_of.data = page.translation_of_id or 0

    def save(self, page, form, creating: bool):
        """Published at once, edited in place. A page translated by others stays an original
        (translations hang on one page)."""
        if form.translation_of.data and not creating and page.translations:
            form.translation_of.errors = [_("Other pages translate this one: it stays an original.")]
            return None
        apply_common_fields(page, form)
        page.in_footer = form.in_footer.data
        page.language = form.language.data or ""
        page.translation_of_id = form.translation_of.data or None
        if creating:
            page.publish()
            db.session.add(page)
        db.session.commit()
        flash(_("Page published.") if creating else _("Page saved."), "success")
        return redirect(page.url, code=303)


views = PageViews(bp)
