from flask import request, url_for
from sqlalchemy import func, select

from ...errors import fail
from ...extensions import db
from ...feeds import atom
from ...htmx import render
from ...listing import card_options, feed_options, first, paginate
from ...models import PUBLISHED, Content, Tag, content_tag
from . import bp

PER_PAGE = 20


@bp.get("/tags")
def index():
    rows = db.session.execute(
        select(Tag, func.count(content_tag.c.content_id).label("n"))
        .join(content_tag, content_tag.c.tag_id == Tag.id)
        .join(Content, Content.id == content_tag.c.content_id)
        .where(Content.status == PUBLISHED, Content.public_clause())
        .group_by(Tag.id).order_by(func.count(content_tag.c.content_id).desc(), Tag.slug).limit(200)
    ).all()
    return render("tags/index.html", rows=rows)


def _tagged(slug):
    tag = db.session.scalar(select(Tag).where(Tag.slug == Tag.normalize(slug)))
    if tag is None:
        fail(404)
    query = (
        select(Content).join(content_tag, content_tag.c.content_id == Content.id)
        # Published implies a date; said, PostgreSQL's backward scan of the date index starts
        # after the undated drafts (NULLs come first there) instead of reading them all.
        .where(content_tag.c.tag_id == tag.id, Content.status == PUBLISHED, Content.public_clause(),
               Content.published_at.is_not(None))
        .order_by(Content.published_at.desc(), Content.id.desc())
    )
    return tag, query


@bp.get("/tags/<slug>.atom")
def feed(slug):
    """Everything published with the tag, every kind, newest first."""
    tag, query = _tagged(slug)
    return atom(f"#{tag.name}", first(query.options(*feed_options(Content)), Content.id, 50),
                url_for("tags.feed", slug=tag.slug, _external=True),
                page_url=url_for("tags.show", slug=tag.slug, _external=True))


@bp.get("/tags/<slug>")
def show(slug):
    tag, query = _tagged(slug)
    page = paginate(query.options(*card_options(Content)), Content.id,
                    min(max(request.args.get("page", 1, type=int), 1), 10_000), PER_PAGE)
    return render("tags/show.html", block="results", tag=tag, page=page,
                  page_url=lambda n: url_for("tags.show", slug=tag.slug, page=n))
