"""Atom feeds with feedgen (imported on first use: the lists never pay for it)."""
from __future__ import annotations

from flask import Response, url_for


def atom(title: str, items, self_url: str) -> Response:
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(title)
    feed.link(href=self_url, rel="self")
    feed.link(href=url_for("main.index", _external=True), rel="alternate")
    feed.language("fr")
    feed.generator("csti")
    newest = None
    for item in items:
        entry = feed.add_entry(order="append")
        url = url_for(item.view_endpoint, id=item.id, slug=item.slug, _external=True)
        entry.id(url)
        entry.title(item.title)
        entry.link(href=url)
        entry.published(item.published_at)
        entry.updated(item.updated_at or item.published_at)
        entry.summary(item.summary or item.title)
        if item.body_html:
            entry.content(item.body_html, type="html")
        if item.author is not None:
            entry.author(name=item.author.name)
        for tag in item.tags:
            entry.category(term=tag.slug, label=tag.name)
        stamp = item.updated_at or item.published_at
        newest = stamp if newest is None or (stamp and stamp > newest) else newest
    if newest is not None:
        feed.updated(newest)
    return Response(feed.atom_str(pretty=False), mimetype="application/atom+xml; charset=utf-8")
