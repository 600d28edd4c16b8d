"""What every content blueprint's views share: loading with permission and canonical URL,
applying the common form fields."""
from flask import redirect, request
from flask_login import current_user
from sqlalchemy import select

from ...errors import fail
from ...extensions import db
from ...models import Territory
from ...policy import can
from .forms import split_tags


def load_content(model, content_id: int, slug: str | None = None, action: str = "view"):
    """The ``model`` row or 404; 403 unless the current user may ``action`` it. Returns
    ``(item, redirect_response_or_None)`` — a wrong or missing slug redirects (301) to the
    canonical URL."""
    item = db.session.get(model, content_id)
    if item is None:
        fail(404)
    if not can(current_user, action, item):
        # Hide unpublished content's existence from those who may not see it.
        fail(404 if action == "view" else 403)
    if request.method == "GET" and slug is not None and slug != item.slug:
        return item, redirect(item.url, code=301)
    return item, None


def territory_choices(user, action: str = "create_content"):
    territories = db.session.scalars(select(Territory).order_by(Territory.name)).all()
    return [(t.id, t.name) for t in territories if can(user, action, t)]


def apply_common_fields(item, form) -> None:
    """Copy the ContentForm fields onto ``item`` (tags replaced by the form's list)."""
    item.title = form.title.data
    item.summary = (form.summary.data or "").strip()
    item.body = form.body.data or ""
    item.territory = db.session.get(Territory, form.territory.data) if form.territory.data else None
    wanted = split_tags(form.tags.data)
    item.tags = []
    for name in wanted:
        item.add_tag(name)


def preview_requested(form) -> dict | None:
    """The editor's "Preview" button (without JavaScript): re-render the form with the
    sanitised rendering of the text, saving nothing."""
    if request.form.get("action") == "preview":
        from ...markdown import render_markdown

        return {"preview": render_markdown(form.body.data or "")}
    return None


def fill_common_fields(form, item) -> None:
    form.title.data = item.title
    form.summary.data = item.summary
    form.body.data = item.body
    form.territory.data = item.territory_id
    form.tags.data = ", ".join(t.name for t in item.tags)
