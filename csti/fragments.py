"""HTML fragments that every visitor sees alike — a list's card, an agenda's line — rendered once
per item, language and site root, and kept until the data changes (docs/architecture.md §26).

A page of 20 to 30 cards spent a fifth of its time rendering them (dates, pictures, places
through filters and macros), for members too, whom the page cache never serves, and on every
first visit of a URL; the same cards show on many pages (a list's pages and filters, the homes,
tag pages, search results). Correctness is the page cache's (csti/pagecache.py): every
transaction that writes bumps ``DataVersion``, read once per request, and a fragment rendered at
another version is rendered again. What a fragment shows depends only on its item's data, the
language, the site's root (its links) and — for an event's card — the date it shows, which the
clock moves (its next date, "past"): that date is part of the key. Nothing in a kept fragment
depends on who looks: a card's caller's own content (``{% call card(…) %}``: a feed's reasons, a
dossier's note and tools) is drawn each time at the kept card's end (``card(…, extra=)``); a
card with a search excerpt or a curator's view is rendered each time.

Each worker keeps its fragments within ``FRAGMENT_CACHE_MB`` (least recently used out first);
0 — or ``DATA_CACHE`` off, as when tests count SQL statements — renders every one.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from .datacache import WRITING, data_version
from .extensions import db
from .i18n import current_locale
from .listing import loaded_item
from .lru import SizedLRU
from .pagecache import PLACEHOLDER

LIFETIME = 3600.0  # seconds: a bound for what no key foresaw; writes make fragments stale first
ENTRY_OVERHEAD = 600  # bytes a kept entry costs besides its text (its key, tuples, floats, string header)


def init_app(app) -> None:
    megabytes = app.config.get("FRAGMENT_CACHE_MB") or 0
    if megabytes > 0:
        size = int(megabytes * 1024 * 1024)
        # A str of accented or typographic text takes 2 or 4 bytes a character: its UTF-8 length
        # is a closer measure than its length.
        app.extensions["csti_fragments"] = SizedLRU(
            size, size=lambda entry: len(entry[2].encode()) + ENTRY_OVERHEAD, largest=size // 16)
        app.before_request(_version_first)
    else:
        app.extensions.pop("csti_fragments", None)


def _fresh_statements() -> bool:
    """Whether each statement of a transaction sees what was committed when it runs."""
    return db.engine.dialect.name == "postgresql"


def _version_first() -> None:
    """On PostgreSQL, the data version read before the page reads its items. Each of its
    statements sees what is committed when it runs (READ COMMITTED): read after the items, the
    version could be one a write made since, and their older HTML kept under it for everyone.
    SQLite reads a request's transaction from one snapshot: the version read later matches.
    A member's page reads it with their session's row (``sessions.load_session_user``), loaded
    here for that: one statement, not two."""
    if (request.method not in ("GET", "HEAD") or request.endpoint is None  # a 404 needs no data
            or request.endpoint in ("static", "main.media", "main.healthz")
            or not current_app.config.get("DATA_CACHE", True) or not _fresh_statements()):
        return
    try:
        if "_user_id" in session:  # a member's session (Flask-Login's key): the version comes with them
            current_user._get_current_object()
        request._csti_first_version = data_version()
    except SQLAlchemyError:  # the database does not answer: the page says so if it needs it
        db.session.rollback()
        request._csti_data_version = None


def kept(key: Hashable, render: Callable[[], str]) -> Markup:
    """``render()``'s HTML under ``key`` (with the language and the site's root), rendered again
    once the data changed; rendered each time outside a request, within a request that has
    written (what it renders may still be rolled back), or with the cache off."""
    if not _keeping():
        return Markup(render())
    cache = current_app.extensions["csti_fragments"]
    version = data_version()
    if version is WRITING:
        return Markup(render())
    full_key = (key, str(current_locale()), request.script_root)
    now = time.monotonic()
    entry = cache.get(full_key)
    if entry is not None and entry[0] == version and entry[1] > now:
        return _with_token(entry[2])
    html = str(render())
    if _keepable(version):
        tokenless = _without_token(html)
        if tokenless is not None:
            cache.put(full_key, (version, now + LIFETIME, tokenless))
    return Markup(html)


_TOKEN_FIELD = 'name="csrf_token" value="'


def _without_token(html: str) -> str | None:
    """``html`` to keep: the request's CSRF token (a form's, its visitor's) as a placeholder;
    None — not kept — when it holds the placeholder already (text that would get each
    visitor's token) or a token field that is not the request's."""
    if PLACEHOLDER in html:
        return None
    token = g.get("csrf_token")
    if token:
        html = html.replace(token, PLACEHOLDER)
    if html.count(_TOKEN_FIELD) != html.count(_TOKEN_FIELD + PLACEHOLDER):
        return None
    return html


def _with_token(html: str) -> Markup:
    """Kept HTML with this visitor's CSRF token where the HTML it was kept from had its
    visitor's (a form in a kept part: an anonymous visitor's like button), as the page cache
    does (csti/pagecache.py)."""
    if PLACEHOLDER in html:
        html = html.replace(PLACEHOLDER, generate_csrf())
    return Markup(html)


def _keeping() -> bool:
    """Whether fragments are kept here: in a request, with the cache on."""
    return (current_app.extensions.get("csti_fragments") is not None and has_request_context()
            and current_app.config.get("DATA_CACHE", True))


def _keepable(version) -> bool:
    """Whether HTML just rendered may be kept under ``version``: not when an image's size went
    unread (uploads.image_info); not when the request wrote, committed or rolled back while it
    was rendered (an autoflush: what it showed may be undone; the version read before is then
    no longer the request's); on PostgreSQL, only under the version read before the page read
    anything (``_version_first``) — not on a page that skipped it (a form's post, a 404) nor
    once a write committed since: what it read before could be older than the version."""
    current = getattr(request, "_csti_data_version", None)  # None: committed, not read again since
    if getattr(request, "_csti_no_keep", False) or current is None or current is WRITING or current != version:
        return False
    return not _fresh_statements() or getattr(request, "_csti_first_version", None) == version


def _span_key(span) -> tuple | None:
    """What of a card's date its HTML shows: when it starts and ends, and whether it is past."""
    if span is None or getattr(span, "starts_at", None) is None:
        return None
    return span.starts_at, span.ends_at, bool(getattr(span, "is_past", False))


def card(render, item, occurrence=None, heading=3, compact=False, tag="li", id=None, class_="", extra=None) -> Markup:
    """``macros/card.html``'s card of ``item`` (``render``: the macro drawing it), kept. ``item``
    may be a stand-in (``listing.Deferred``): drawn from the item it stands for. ``extra``: what
    the caller adds at the card's end (``{% call card(…) %}``: why a feed's item is there, an
    author's tools), drawn for this request each time, never kept — the card around it is, and
    its end (``\n</li>``) is where the macro draws ``extra``, so the page is the same."""
    if extra is not None:
        if not _keeping():  # nothing is kept: drawn whole, as the macro draws it
            loaded = loaded_item(item)
            return Markup("") if loaded is None else Markup(
                render(loaded, occurrence, heading, compact, None, False, tag, id, class_, extra))
        html = card(render, item, occurrence, heading, compact, tag, id, class_)
        end = f"\n</{tag}>"
        if not html.endswith(end):  # left out (gone since its key was read)
            return html
        return Markup(html[:-len(end)]) + extra() + Markup(end)
    if item.id is None:  # not saved (a preview): nothing to key it by
        return Markup(render(item, occurrence, heading, compact, None, False, tag, id, class_))
    key = ("card", item.kind, item.id, _span_key(occurrence or item.card_span), heading, bool(compact), tag, id,
           class_)

    def draw():
        loaded = loaded_item(item)
        if loaded is None:
            return _gone()
        return render(loaded, occurrence, heading, compact, None, False, tag, id, class_)

    return kept(key, draw)


def excerpt_paragraph(excerpt) -> Callable[[], Markup]:
    """A search hit's highlighted excerpt as what a caller adds to a kept card (``card``'s
    ``extra``): ``macros/card.html`` draws the hit's card kept without its summary and this at
    its end, where the summary was — the card is then kept like any list's."""
    html = Markup('<p class="excerpt">{}</p>').format(excerpt)
    return lambda: html


def occurrence_line(render, occurrence, event, ongoing=False) -> Markup:
    """``macros/events.html``'s agenda line of one of ``event``'s dates (``render``: the macro),
    kept; ``occurrence`` and ``event`` may be stand-ins (``listing.Deferred``)."""
    key = ("line", event.id, occurrence.id, occurrence.starts_at, occurrence.ends_at, bool(ongoing))

    def draw():
        loaded = loaded_item(occurrence)
        if loaded is None:
            return _gone()
        return render(loaded, loaded.event if loaded is not occurrence else event, ongoing)

    return kept(key, draw)


def _gone() -> str:
    """A stand-in's item gone since its key was read (on PostgreSQL, deleted meanwhile): left
    out, as a page loaded at once leaves it out; nothing this request renders is kept."""
    request._csti_no_keep = True
    return ""


def layout(name: str, render, *depends) -> Markup:
    """A part of every page's layout that each of its visitors sees alike (``base.html``: the
    menus and the search form, the footer), kept per page endpoint — which menu entry says
    "current" — and ``depends`` (the territory shown); ``render``: its macro."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        # A form's post shown again (a 422) may read what the layout shows before the data
        # version — on PostgreSQL a later write's could then keep it (``_version_first``).
        return Markup(render())
    return kept(("layout", name, request.endpoint, *depends), render)


def page_part(name: str, item, *depends, caller, keep: bool = True) -> Markup:
    """A part of ``item``'s own page that each of its visitors sees alike (an event's dates and
    practical facts, a page's JSON-LD), kept per item and ``depends`` (what else of the request
    it shows: whether registration is open, the places left) and the site's address (its
    absolute links: the JSON-LD, a calendar link); ``caller``: the template's
    ``{% call kept_part(…) %}`` body; ``keep`` false draws it for this request only (a part
    the same for every anonymous visitor, not for members: a discussion). Drawn each time for
    an item not saved (a preview) and for a form's post shown again (an item the form changed,
    not saved: what it shows is not the data's), as the layout is (``layout``)."""
    if not keep or getattr(item, "id", None) is None or not has_request_context() or request.method not in ("GET", "HEAD"):
        return Markup(caller())
    return kept(("page", name, item.kind, item.id, request.host_url, *depends), caller)


def clear(app) -> None:
    """Forget every kept fragment (tests)."""
    cache = app.extensions.get("csti_fragments")
    if cache is not None:
        cache.discard_where(lambda key: True)
