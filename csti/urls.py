"""What the application accepts from URLs: redirect targets (no open redirects), and whole
numbers within what the database holds (ids in paths, numbers in query strings and forms)."""
import builtins
import re
from urllib.parse import urlsplit

from flask import request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from .bounds import DB_INT_MAX, bounded_int


def safe_next(target: str | None, allow_absolute_same_host: bool = False) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if not allow_absolute_same_host:
            return None
        if parts.netloc != request.host or parts.scheme not in ("http", "https"):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


class DatabaseIntConverter(IntegerConverter):
    """Flask's ``int`` converter bounded to ``DB_INT_MAX``: a larger id is a 404 on every route
    (registered in the app factory under the name ``int``, before the blueprints)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=DB_INT_MAX if max is None else builtins.min(max, DB_INT_MAX), signed=signed)


class BoundedArgs(ImmutableMultiDict):
    """The request's query-string and form values: ``get(name, type=int)`` and
    ``getlist(name, type=int)`` treat a number out of the database's range as not a number (the
    default, or left out) instead of letting it reach a query."""

    def get(self, key, default=None, type=None):
        return super().get(key, default, bounded_int if type is int else type)

    def getlist(self, key, type=None):
        return super().getlist(key, bounded_int if type is int else type)


_PLAIN_SLUG = re.compile(r"[a-z0-9-]*")


def item_urls(endpoint: str):
    """A function (id, slug) -> the URL of ``endpoint`` (a route of ``<int:id>-<slug>``) that
    calls ``url_for`` once, then writes the others after it: a map of thousands of points spent
    half its time in ``url_for``. A slug that is not plain (lower-case letters, digits and
    hyphens: what ``slugify`` makes) gets its own ``url_for``, which quotes it."""
    from flask import url_for

    url = url_for(endpoint, id=2_147_483_647, slug="slug-2147483647")
    head, found, tail = url.partition("2147483647-slug-2147483647")
    if not found:  # a route of another shape: url_for each time
        return lambda id, slug: url_for(endpoint, id=id, slug=slug)

    def build(id, slug):
        if slug and _PLAIN_SLUG.fullmatch(slug):
            return f"{head}{int(id)}-{slug}{tail}"
        return url_for(endpoint, id=id, slug=slug)
    return build


def item_url(endpoint: str, id, slug) -> str:
    """``url_for(endpoint, id=id, slug=slug)`` — an item's page (``Content.url``) — written by
    ``item_urls``' function for ``endpoint``, made once per request and kept on it: a list of
    cards built twenty URLs with ``url_for`` (half a millisecond). Kept on the request, not on
    the application context: a test's application context may outlive several requests to
    other hosts. Outside a request (a mail sent by a command), or without an id, ``url_for``."""
    from flask import url_for
    from flask.globals import _cv_request

    context = _cv_request.get(None)
    if context is None or id is None:
        return url_for(endpoint, id=id, slug=slug)
    builders = context.request.__dict__.get("_csti_item_urls")
    if builders is None:
        builders = context.request._csti_item_urls = {}
    build = builders.get(endpoint)
    if build is None:
        build = builders[endpoint] = item_urls(endpoint)
    return build(id, slug)
