"""Atom feeds with feedgen (imported on first use: the lists never pay for it), and what every
feed shares — Atom and iCalendar: conditional GET.

Feeds stay valid (RFC 4287) whatever was stored: every text goes through ``clean_text`` (old
rows may hold control characters, which XML refuses), and an entry whose author deleted their
account is signed "Former member" (Atom wants an author for every entry; the feed itself is
signed by the site).

Conditional GET: each feed carries a strong ``ETag`` (a digest of its bytes) and a
``Last-Modified`` (the last write to the site's data, ``DataVersion.changed_at``, or the
newest item if later), and a request whose ``If-None-Match`` or ``If-Modified-Since`` says the
client has this version gets ``304 Not Modified`` — from the page cache too (``init_app``).
``If-None-Match`` wins over ``If-Modified-Since`` (RFC 9110): what time alone changes (a date
that has passed) is seen by the ETag.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, current_app, request, url_for
from sqlalchemy import select

from .i18n import gettext as _
from .text import clean_text

FIXED_FEED_ENDPOINTS = frozenset({"tags.feed",
                                  "seo.robots", "seo.sitemap_index", "seo.sitemap_lists", "seo.sitemap"})


def feed_endpoints() -> frozenset[str]:
    """The feeds answered to conditional requests: the fixed ones and the content types'
    (registry, docs/architecture.md §4)."""
    from . import registry

    return FIXED_FEED_ENDPOINTS | registry.feed_endpoints()


def init_app(app) -> None:
    """Answer conditional requests for feeds, whether the view or the page cache made the
    response (register before the page cache, so that it stores the full response)."""
    app.after_request(_conditional)


def _conditional(response: Response) -> Response:
    if (request.endpoint in feed_endpoints() and request.method in ("GET", "HEAD") and response.status_code == 200
            and not response.is_streamed):
        response.add_etag(overwrite=False)
        response.make_conditional(request)
    return response


def last_change(*stamps) -> datetime | None:
    """The newest of ``stamps`` and the last write to the site's data: a feed's
    ``Last-Modified`` (a removed item or a deleted account changes no item's date, but they are
    writes)."""
    from .extensions import db
    from .models.cache import DataVersion

    stamps = [s for s in stamps if s is not None]
    changed = db.session.scalar(select(DataVersion.changed_at).where(DataVersion.id == 1))
    if changed is not None:
        stamps.append(changed)
    stamps = [s if s.tzinfo else s.replace(tzinfo=UTC) for s in stamps]
    return max(stamps, default=None)


def feed_response(body: bytes, mimetype: str, modified: datetime | None, headers=None) -> Response:
    """A feed's response: one ``charset``, ``ETag``, ``Last-Modified`` (``_conditional`` answers
    the conditional requests)."""
    response = Response(body, headers=headers)
    response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"  # as is: werkzeug would add a second one
    response.add_etag()
    if modified is not None:
        response.last_modified = modified
    return response


def atom(title: str, items, self_url: str, page_url: str | None = None) -> Response:
    from feedgen.feed import FeedGenerator

    site = clean_text(current_app.config.get("SITE_NAME") or "csti")
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(clean_text(title) or site)
    feed.link(href=self_url, rel="self")
    feed.link(href=page_url or url_for("main.index", _external=True), rel="alternate")
    feed.author(name=site)  # RFC 4287: the feed's author stands for entries without one
    feed.language("fr")
    feed.generator("csti")
    former = _("Former member")
    newest = None
    for item in items:
        entry = feed.add_entry(order="append")
        url = url_for(item.view_endpoint, id=item.id, slug=item.slug, _external=True)
        entry.id(url)
        entry.title(clean_text(item.title) or url)
        entry.link(href=url)
        entry.published(item.published_at)
        stamp = max(s for s in (item.updated_at, item.published_at) if s is not None)
        entry.updated(stamp)
        entry.summary(clean_text(item.summary or item.title) or url)
        if item.body_html:
            entry.content(clean_text(item.body_html), type="html")
        author = clean_text(item.author.name) if item.author is not None else ""
        entry.author(name=author or former)
        for tag in item.tags:
            entry.category(term=tag.slug, label=clean_text(tag.name))
        newest = stamp if newest is None or stamp > newest else newest
    # Atom wants a date for the feed: the newest entry's, or a fixed one when there is none (the
    # same bytes until something is published).
    feed.updated(newest or datetime(2000, 1, 1, tzinfo=UTC))
    return feed_response(feed.atom_str(pretty=False), "application/atom+xml", last_change(newest))
