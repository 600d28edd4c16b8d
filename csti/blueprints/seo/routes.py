"""``/robots.txt`` and the sitemaps (docs/architecture.md §17): cached for anonymous visitors
and answered conditionally like the feeds (``ETag``, ``Last-Modified``, 304)."""
from ...errors import fail
from ...feeds import feed_response, last_change
from . import bp
from .sitemaps import LISTS, index_xml, kind_xml, lists_xml, robots_txt

XML = "application/xml"


@bp.get("/robots.txt")
def robots():
    return feed_response(robots_txt(), "text/plain", None)


@bp.get("/sitemap.xml")
def sitemap_index():
    body, newest = index_xml()
    return feed_response(body, XML, last_change(newest))


@bp.get(f"/sitemap-{LISTS}.xml")
def sitemap_lists():
    body, newest = lists_xml()
    return feed_response(body, XML, last_change(newest))


@bp.get("/sitemap-<kind>-<int:page>.xml")
def sitemap(kind, page):
    made = kind_xml(kind, page)
    if made is None:
        fail(404)
    body, newest = made
    return feed_response(body, XML, last_change(newest))
