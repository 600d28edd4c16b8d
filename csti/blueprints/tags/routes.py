from collections import namedtuple

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ...datacache import remember
from ...errors import fail
from ...extensions import db
from ...feeds import atom
from ...htmx import render
from ...i18n import gettext as _
from ...listing import card_loader, feed_options, first, paginate, rows_of, walked
from ...merges import MergeError, merge_tags, tag_by_slug, tag_counts, tag_redirect
from ...models import PUBLISHED, Content, Tag, content_tag
from ...policy import can
from . import bp
from .forms import TagMergeForm

PER_PAGE = 20
TagName = namedtuple("TagName", "slug name")


@bp.get("/tags")
def index():
    """The 200 most used tags: a count over every tagged item (seconds at national scale), kept
    until the data changes (csti/datacache.py)."""
    rows = rows_of(
        select(Tag.slug, Tag.name, func.count(content_tag.c.content_id).label("n"))
        .join(content_tag, content_tag.c.tag_id == Tag.id)
        .join(Content, Content.id == content_tag.c.content_id)
        .where(Content.status == PUBLISHED, Content.public_clause())
        .group_by(Tag.id, Tag.slug, Tag.name).order_by(func.count(content_tag.c.content_id).desc(), Tag.slug).limit(200)
    )
    return render("tags/index.html", rows=[(TagName(slug, name), n) for slug, name, n in rows])


def _tagged(slug, rows: int = PER_PAGE):
    """The tag and a select of its public published items, newest first, for reading the first
    ``rows`` of them; the number of such items (kept until the data changes, csti/datacache.py)."""
    tag = db.session.scalar(select(Tag).where(Tag.slug == Tag.normalize(slug)))
    if tag is None:
        merged_into = tag_redirect(slug)  # a merged tag: its address leads to the one kept
        if merged_into is None:
            fail(404)
        abort(redirect(url_for(request.endpoint, **{**request.args.to_dict(), "slug": merged_into.slug}), code=301))
    # Published implies a date; said, PostgreSQL's backward scan of the date index starts after
    # the undated drafts (NULLs come first there) instead of reading them all.
    shown = (Content.status == PUBLISHED, Content.public_clause(), Content.published_at.is_not(None))
    tagged = select(Content).join(content_tag, content_tag.c.content_id == Content.id).where(
        content_tag.c.tag_id == tag.id, *shown)
    total = remember(("tag-items", tag.id), lambda: db.session.scalar(
        select(func.count()).select_from(tagged.with_only_columns(Content.id).subquery())))
    everything = remember("public-items", lambda: db.session.scalar(select(func.count(Content.id)).where(*shown)))
    # Two ways to the page: read all the tag's items and sort them (costs its ``total``), or walk
    # every item newest first and keep the tagged ones (costs ``rows`` / the tag's share of all
    # items). A common tag's first pages: the walk (56 000 items of 205 000: 0.6 ms instead of
    # 270 ms at national scale); a rare tag, or deep pages: the sort.
    if total and rows * everything < total * total:
        query = select(Content).where(
            walked(select(content_tag.c.content_id).where(content_tag.c.content_id == Content.id,
                                                          content_tag.c.tag_id == tag.id)), *shown)
    else:
        query = tagged
    return tag, query.order_by(Content.published_at.desc(), Content.id.desc()), total


@bp.get("/tags/<slug>.atom")
def feed(slug):
    """Everything published with the tag, every kind, newest first."""
    tag, query, _total = _tagged(slug, rows=50)
    return atom(f"#{tag.name}", first(query.options(*feed_options(Content)), Content.id, 50),
                url_for("tags.feed", slug=tag.slug, _external=True),
                page_url=url_for("tags.show", slug=tag.slug, _external=True))


@bp.get("/tags/<slug>")
def show(slug):
    number = min(max(request.args.get("page", 1, type=int), 1), 10_000)
    tag, query, total = _tagged(slug, rows=number * PER_PAGE)
    page = paginate(query, Content.id, number, PER_PAGE, count=False, loader=card_loader(Content), kept_cards=True,
                    kept_keys=True)
    page.total = total
    return render("tags/show.html", block="results", tag=tag, page=page,
                  page_url=lambda n: url_for("tags.show", slug=tag.slug, page=n))


# --- merging duplicates (csti/merges.py) ---------------------------------------------------------
@bp.route("/tags/merge", methods=["GET", "POST"])
@login_required
def merge():
    """Merge a tag into another: its items and followers move, its address redirects. Tags are
    instance-wide: the animators of any territory and the admins merge them."""
    if not can(current_user, "merge_tags"):
        fail(403, _("Only the animators merge tags."))
    form = TagMergeForm()
    if not form.is_submitted():
        form.source.data = request.args.get("source", "")[:200]
    source = tag_by_slug(form.source.data) if form.source.data else None
    if form.validate_on_submit():
        target = tag_by_slug(form.target.data)
        try:
            if source is None:
                raise MergeError(_("No tag “%(name)s”: check its name.", name=form.source.data), "source")
            if target is None:
                raise MergeError(_("No tag “%(name)s”: check its name.", name=form.target.data), "target")
            done = merge_tags(source, target, current_user, (form.reason.data or "").strip())
        except MergeError as error:
            db.session.rollback()
            getattr(form, error.field).errors = [*getattr(form, error.field).errors, error.message]
        else:
            db.session.commit()
            flash(_("#%(source)s merged into #%(target)s.", source=done["source"], target=done["tag"]), "success")
            return redirect(url_for("tags.show", slug=done["tag"]), code=303)
    counts = tag_counts(source) if source is not None else None
    return render("tags/merge.html", form=form, source=source, counts=counts,
                  status=422 if form.errors else 200)
