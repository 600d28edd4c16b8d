"""Articles and the library of mediation format sheets."""
from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models.articles import ARTICLE_KINDS, Article
from ...uploads import ImageError, save_image
from ..content.helpers import preview_requested
from ..content.views import ContentViews
from . import bp
from .forms import ArticleForm

FORMAT_FIELDS = ("format_name", "format_audience", "duration_text", "material", "steps", "what_worked")


class ArticleViews(ContentViews):
    model, kind, form_class = Article, "article", ArticleForm
    kinds, kind_column = ARTICLE_KINDS, "article_kind"
    fields = ("article_kind", *FORMAT_FIELDS)
    feed_title = _l("Articles")
    owners = True
    no_territory_message = _l("Confirm your e-mail address before writing.")
    pending_message = _l("Thank you! The animators will review the article.")
    published_message = _l("The article is published.")

    def listing(self, filters, formats=False):
        stmt = self.published(filters)
        if formats:
            stmt = stmt.where(Article.article_kind == "format")
        return stmt.order_by(Article.published_at.desc(), Article.id.desc())

    def index_context(self) -> dict:
        return {"formats": False}

    def editor_action(self, form):
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


views = ArticleViews(bp)


@bp.get("/formats")
def formats():
    """The library of mediation format sheets."""
    filters = views.filters()
    filters.kinds = []
    return views.list_page("articles.formats", filters, views.listing(filters, formats=True), formats=True)
