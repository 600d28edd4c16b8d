"""Articles and the library of mediation format sheets."""
from flask import request, url_for
from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models.articles import ARTICLE_KINDS, Article
from ...models.events import Event
from ...uploads import ImageError, save_image
from ..content.helpers import preview_requested, to_group_territory
from ..content.views import ContentViews
from . import bp
from .forms import ArticleForm

FORMAT_FIELDS = ("format_name", "format_audience", "duration_text", "material", "steps", "what_worked")


def meetings_for(user, article=None) -> list[Event]:
    """The meetings ``user`` may write minutes of: the events of the working groups they
    coordinate (the 100 latest), and the article's own meeting."""
    from ..groups.domain import coordinated_by

    groups = [g.id for g in coordinated_by(user)]
    found = []
    if groups:
        found = list(db.session.scalars(select(Event).where(Event.group_id.in_(groups))
                                        .order_by(Event.starts_at.desc()).limit(100)))
    if article is not None and article.meeting is not None and article.meeting not in found:
        found.append(article.meeting)
    return found


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

    def show_context(self, item) -> dict:
        """Where it comes from (a linked source); published public minutes: the territory's animators may
        diffuse them in a newsletter."""
        from ...policy import is_animator
        from ...sync import credit

        context = {"origin": credit(item)}  # pulled from a linked source (§19)
        if (item.is_minutes and item.is_published and not item.members_only and item.territory is not None
                and current_user.is_authenticated and is_animator(current_user, item.territory)):
            context["diffuse_url"] = url_for("newsletters.new", territory=item.territory.slug, item=item.id)
        return context

    def prepare_form(self, form, item) -> None:
        from ...dates import date_filter

        form.meeting.choices = [(0, _("None"))] + [
            (e.id, f"{e.title} — {date_filter(e.starts_at, 'medium')}" if e.starts_at else e.title)
            for e in meetings_for(current_user, item)]

    def initial(self, form) -> None:
        super().initial(form)
        meeting = request.args.get("meeting", type=int)
        if meeting and meeting in dict(form.meeting.choices):
            form.article_kind.data = "minutes"
            form.meeting.data = meeting
            form.members_only.data = bool(getattr(db.session.get(Event, meeting), "members_only", False))

    def fill(self, form, item) -> None:
        form.meeting.data = item.meeting_id or 0
        form.members_only.data = item.members_only

    def apply(self, item, form):
        """Minutes belong to their meeting's working group (kept for its members if asked);
        other articles to no meeting."""
        meeting = db.session.get(Event, form.meeting.data) if item.article_kind == "minutes" and form.meeting.data else None
        item.meeting = meeting
        item.meeting_id = meeting.id if meeting else None
        item.group_id = meeting.group_id if meeting else None
        # Minutes of a members-only meeting are for the members too: they would tell what it was.
        item.members_only = item.group_id is not None and (bool(form.members_only.data) or meeting.members_only)
        if item.members_only:  # kept for the group: in its territory, overseen by its animators
            to_group_territory(item, meeting.group.territory)
        return True

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


@bp.app_template_global()
def minutes_of(event) -> list[Article]:
    """The published minutes of a meeting that the visitor may read (its page's "Minutes")."""
    from ...policy import can

    if event.group_id is None:
        return []
    found = db.session.scalars(select(Article).where(Article.meeting_id == event.id, Article.status == "published")
                               .order_by(Article.published_at)).all()
    return [a for a in found if can(current_user, "view", a)]


@bp.app_template_global()
def may_write_minutes(event) -> bool:
    """The meeting's group's coordinators may write its minutes."""
    if event.group_id is None or not current_user.is_authenticated:
        return False
    return any(e.id == event.id for e in meetings_for(current_user))
