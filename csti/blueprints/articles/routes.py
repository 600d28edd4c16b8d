"""Articles and the library of mediation format sheets."""
from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...errors import fail
from ...extensions import db
from ...feeds import atom
from ...htmx import render
from ...listing import ContentFilter, card_options, feed_options, first, paginate
from ...models import Territory
from ...models.articles import ARTICLE_KINDS, Article
from ...uploads import ImageError, save_image
from ..content.forms import TagForm
from ..content.helpers import (
    apply_common_fields,
    apply_owners,
    form_page,
    load_content,
    moderated_message,
    preview_requested,
    save_content,
    set_owner_choices,
    territory_choices,
)
from . import bp
from .forms import ArticleForm

PER_PAGE = 20
FORMAT_FIELDS = ("format_name", "format_audience", "duration_text", "material", "steps", "what_worked")


def _listing(filters, formats=False):
    stmt = filters.apply(select(Article), Article, Article.article_kind)
    if formats:
        stmt = stmt.where(Article.article_kind == "format")
    return stmt.order_by(Article.published_at.desc(), Article.id.desc())


@bp.get("/articles")
def index():
    filters = ContentFilter.from_args(request.args, ARTICLE_KINDS)
    page = paginate(_listing(filters).options(*card_options(Article)), Article.id,
                    min(max(request.args.get("page", 1, type=int), 1), 10_000), PER_PAGE)
    territories = db.session.scalars(select(Territory).order_by(Territory.name)).all()
    return render("articles/index.html", block="results", filters=filters, page=page, territories=territories,
                  formats=False, page_url=lambda n: url_for("articles.index", page=n, **filters.to_args()))


@bp.get("/formats")
def formats():
    """The library of mediation format sheets."""
    filters = ContentFilter.from_args(request.args, ARTICLE_KINDS)
    filters.kinds = []
    page = paginate(_listing(filters, formats=True).options(*card_options(Article)), Article.id,
                    min(max(request.args.get("page", 1, type=int), 1), 10_000), PER_PAGE)
    territories = db.session.scalars(select(Territory).order_by(Territory.name)).all()
    return render("articles/index.html", block="results", filters=filters, page=page, territories=territories,
                  formats=True, page_url=lambda n: url_for("articles.formats", page=n, **filters.to_args()))


@bp.get("/articles.atom")
def feed():
    filters = ContentFilter.from_args(request.args, ARTICLE_KINDS)
    items = first(_listing(filters).options(*feed_options(Article)), Article.id, 50)
    return atom(_("Articles"), items, url_for("articles.feed", _external=True, **filters.to_args()),
                page_url=url_for("articles.index", _external=True, **filters.to_args()))


@bp.get("/article/<int:id>-<slug>")
@bp.get("/article/<int:id>")
def show(id, slug=""):
    article, redirect_to = load_content(Article, id, slug)
    if redirect_to:
        return redirect_to
    return render("articles/show.html", item=article, tag_form=TagForm(formdata=None))


# --- writing ------------------------------------------------------------------------------
def _form(article=None):
    form = ArticleForm()
    form.territory.choices = territory_choices(current_user)
    if not form.territory.choices:
        fail(403, _("Confirm your e-mail address before writing."))
    set_owner_choices(form, article)
    return form


def _apply(article, form) -> bool:
    apply_common_fields(article, form)
    article.article_kind = form.article_kind.data
    for name in FORMAT_FIELDS:
        setattr(article, name, (getattr(form, name).data or "").strip())
    apply_owners(article, form)
    upload = form.cover.data
    if upload is not None and getattr(upload, "filename", ""):
        try:
            article.cover_image = save_image(upload, "covers", max_size=(1600, 900))
        except ImageError as error:
            form.cover.errors.append(str(error))
            return False
    return True


def _editor_action(form):
    """Buttons that re-render the form without saving: a preview, an image inserted in the text."""
    preview = preview_requested(form)
    if preview is not None:
        return preview
    if request.form.get("action") == "image":
        upload = form.image.data
        if upload is None or not getattr(upload, "filename", ""):
            form.image.errors = [_("Choose an image to insert.")]  # not validated yet: errors is a tuple
            return {"status": 422}
        try:
            path = save_image(upload, "images")
        except ImageError as error:
            form.image.errors = [str(error)]
            return {"status": 422}
        alt = (form.image_alt.data or "").replace("]", "").strip() or _("image")
        form.body.data = (form.body.data or "").rstrip() + f"\n\n![{alt}]({url_for('main.media', path=path)})\n"
        form.image_alt.data = ""
        return {"inserted": True}
    return None


def _save(article, form, creating: bool):
    """None when the form is refused (a cover that is not an image)."""
    if not _apply(article, form):
        return None
    return save_content(article, creating=creating, audit_action="article.updated", message=moderated_message(
        _("Thank you! The animators will review the article."), _("The article is published.")))


def _fill(form, article) -> None:
    form.article_kind.data = article.article_kind
    form.owners.data = [a.id for a in article.owners]
    for name in FORMAT_FIELDS:
        getattr(form, name).data = getattr(article, name)


@bp.route("/articles/new", methods=["GET", "POST"])
@login_required
def create():
    form = _form()
    if not form.is_submitted() and request.args.get("kind") in ARTICLE_KINDS:
        form.article_kind.data = request.args["kind"]
    return form_page("articles/form.html", form, None, lambda: _save(Article(author=current_user), form, creating=True),
                     editor_action=_editor_action)


@bp.route("/article/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id):
    article, _redirect = load_content(Article, id, action="edit")
    form = _form(article)
    return form_page("articles/form.html", form, article, lambda: _save(article, form, creating=False),
                     fill=_fill, editor_action=_editor_action)
