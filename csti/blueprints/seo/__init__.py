"""Search-engine visibility (docs/architecture.md §17): ``/robots.txt`` and the sitemaps —
``/sitemap.xml`` (the index), ``/sitemap-lists.xml`` (the home, the lists, the territories' and
partners' pages) and ``/sitemap-<kind>-<n>.xml`` (each content type's published public items,
``SITEMAP_URLS`` a file). Not a content type: its pages are kept by the page cache
(``pagecache.FIXED_ENDPOINTS``) and answered conditionally (``feeds.FIXED_FEED_ENDPOINTS``)."""
from flask import Blueprint

bp = Blueprint("seo", __name__)

from . import routes  # noqa: E402,F401
