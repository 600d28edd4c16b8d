"""Rendered pages for visitors who are not logged in: the lists, homes, maps' GeoJSON and feeds
that everybody sees alike are rendered once and served from memory until the data changes.

Correctness:
- every transaction that writes bumps ``DataVersion`` in the same transaction (a flush hook,
  and a hook for ORM ``update()``/``delete()`` statements), so a page cached under an older
  version is never served again, by any worker or app server — the version is read from the
  database on each cached request (one small query instead of the page's dozen);
- what changes with time alone (the agenda's "upcoming", an announcement past its deadline, the
  search index catching up after a commit) is bounded by a short lifetime (``PAGE_CACHE_SECONDS``);
- the key is the scheme, host and URL with its query string, full page or htmx fragment, and the
  language (a page rendered for a forged Host is never served to another host);
- only anonymous GET requests without pending flash messages are served or stored, and only
  200 responses; the CSRF token (in ``<body hx-headers>`` and forms) is stored as a placeholder
  and each visitor gets their own.

Each worker keeps its own entries, least recently used first out, within ``PAGE_CACHE_MB``
(0 turns the cache off; it is off in tests, see tests/test_pagecache.py).
"""
from __future__ import annotations

import time

from flask import current_app, g, request, session
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from . import registry
from .extensions import db
from .lru import SizedLRU

# The pages everybody sees alike, worth keeping: lists and their fragments, homes, maps, feeds.
# Those of the content types (their lists, feeds, maps) come from the registry (docs/architecture.md §4).
FIXED_ENDPOINTS = frozenset({
    "main.index", "territories.home",
    "tags.index", "tags.show", "tags.feed",
    "search.index",
    "partners.index", "partners.show",  # not a content type's: blueprints/partners
    "embed.agenda", "embed.news",  # the widgets (blueprints/embed, docs/architecture.md §18)
    "seo.robots", "seo.sitemap_index", "seo.sitemap_lists", "seo.sitemap",  # blueprints/seo (§17)
})
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Vary", "ETag", "Last-Modified")
PLACEHOLDER = "\x00csrf\x00"
# Writes that no cached page shows: they do not make the pages out of date.
IGNORED_TABLES = frozenset({"rate_counter", "search_outbox", "notification", "audit_log", "data_version",
                            "user_session", "visit_day", "visit_hash", "visit_salt",
                            "api_key",  # a key used (last_used_at): nothing public shows it
                            "sync_source"})  # a linked source's last run; its items are content


class PageCache:
    """Rendered pages by key, each stored with the data version it was rendered at and when it
    expires (``SizedLRU``: least recently used first out, within the worker's megabytes)."""

    def __init__(self, max_bytes: int, seconds: float):
        self.seconds = seconds
        # key -> (version, expires, body, headers); a huge export would push out every page.
        self.entries = SizedLRU(max_bytes, size=lambda entry: len(entry[2]), largest=max_bytes // 4)

    def get(self, key, version):
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry[0] != version or entry[1] < time.monotonic():
            self.entries.discard(key)
            return None
        return entry

    def put(self, key, version, body: bytes, headers: list) -> None:
        self.entries.put(key, (version, time.monotonic() + self.seconds, body, headers))


def endpoints() -> frozenset[str]:
    """The endpoints whose pages are kept: the fixed ones and the content types' (registry)."""
    return FIXED_ENDPOINTS | registry.cached_endpoints()


def init_app(app) -> None:
    megabytes = app.config.get("PAGE_CACHE_MB") or 0
    if megabytes <= 0:
        return
    app.extensions["csti_page_cache"] = PageCache(int(megabytes * 1024 * 1024), app.config["PAGE_CACHE_SECONDS"])
    app.before_request(_serve)
    app.after_request(_store)


def _cache() -> PageCache | None:
    return current_app.extensions.get("csti_page_cache")


def _key():
    """None when this request may not be served from (or stored in) the cache."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in endpoints():
        return None
    if "_user_id" in session or request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return None  # logged in (or about to be, from the remember-me cookie): pages show the person
    if session.get("_flashes"):
        return None
    from flask_babel import get_locale

    from .htmx import is_htmx

    # The host and scheme too: without SERVER_NAME a page's absolute links (feeds) follow them,
    # and a page made for one forged Host must never be served to the other visitors.
    return (request.scheme, request.host, request.full_path, is_htmx(), str(get_locale()))


def current_version() -> int:
    from .models.cache import DataVersion

    return db.session.scalar(select(DataVersion.value).where(DataVersion.id == 1)) or 0


def _serve():
    key = _key()
    if key is None:
        return None
    version = current_version()
    entry = _cache().get(key, version)
    if entry is None:
        g.csti_page_cache = (key, version)
        return None
    _version, _expires, body, headers = entry
    if PLACEHOLDER.encode() in body:
        from flask_wtf.csrf import generate_csrf

        body = body.replace(PLACEHOLDER.encode(), generate_csrf().encode())
    g.csti_page_cache_hit = True
    response = current_app.response_class(body, status=200)
    for name, value in headers:
        response.headers[name] = value
    return response


def _store(response):
    pending = g.pop("csti_page_cache", None)
    if pending is None or response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return response
    key, version = pending
    body = response.get_data()
    token = g.get("csrf_token")
    if token:
        body = body.replace(token.encode(), PLACEHOLDER.encode())
    _cache().put(key, version, body, [(n, response.headers[n]) for n in KEPT_HEADERS if n in response.headers])
    return response


# --- the data version ----------------------------------------------------------------------------
def _bump(session) -> None:
    from .models.base import utcnow
    from .models.cache import DataVersion

    conn = session.connection()
    now = utcnow()
    if conn.execute(update(DataVersion).where(DataVersion.id == 1)
                    .values(value=DataVersion.value + 1, changed_at=now)).rowcount == 0:
        conn.execute(DataVersion.__table__.insert().values(id=1, value=1, changed_at=now))


def _writes_shown(objects) -> bool:
    return any(getattr(getattr(obj, "__table__", None), "name", None) not in IGNORED_TABLES for obj in objects)


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    if _writes_shown(session.new) or _writes_shown(session.dirty) or _writes_shown(session.deleted):
        _bump(session)


@event.listens_for(Session, "do_orm_execute")
def _after_bulk(orm_execute_state):
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    table = getattr(orm_execute_state.bind_mapper, "local_table", None)
    if table is not None and table.name in IGNORED_TABLES:
        return
    _bump(orm_execute_state.session)
    from flask import has_request_context

    from .datacache import writing

    if has_request_context():  # as a flush does (datacache._writing): keep nothing until it ends
        writing()
