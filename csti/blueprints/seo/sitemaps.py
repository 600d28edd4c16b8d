"""The sitemaps (sitemaps.org protocol 0.9) and robots.txt, built from the registry
(docs/architecture.md §17).

- The index lists ``sitemap-lists.xml`` and, for each content type with published public items
  (``Content.status == PUBLISHED`` and ``Content.public_clause()``: what anybody may see), one
  ``sitemap-<kind>-<n>.xml`` per ``SITEMAP_URLS`` items (50 000, the protocol's limit), by id;
  each with its ``lastmod`` (the newest change of its items) — found by one grouped query.
- A kind's file: one query of the page's ids, slugs and dates (no rows loaded), its canonical URLs.
- The lists' file: the home, every type's list and the menu's other pages, the tags' index, each
  territory's home and each partner's page.
Every URL is absolute, from the configured server name (``url_for(..., _external=True)``).
"""
from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape

from flask import current_app, url_for
from sqlalchemy import Integer, func, literal, select

from ... import registry
from ...extensions import db
from ...models import Content, Territory
from ...models.content import PUBLISHED

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000  # per file (sitemaps.org)
LISTS = "lists"


def page_size() -> int:
    return max(1, min(int(current_app.config.get("SITEMAP_URLS") or MAX_URLS), MAX_URLS))


def kinds() -> list[str]:
    """The content kinds whose items have a public page, in registration order."""
    return [t.kind for t in registry.all() if t.model.view_endpoint in current_app.view_functions]


def _public(stmt):
    return stmt.where(Content.status == PUBLISHED, Content.public_clause())


def _stamp(*values) -> datetime | None:
    values = [v if v.tzinfo else v.replace(tzinfo=UTC) for v in values if v is not None]
    return max(values, default=None)


def _lastmod(value: datetime | None) -> str:
    return f"<lastmod>{value.astimezone(UTC).isoformat(timespec='seconds')}</lastmod>" if value else ""


def index_entries() -> list[tuple[str, int, datetime | None]]:
    """(kind, file number, lastmod) of every kind's file: one grouped query, by kind and
    ``SITEMAP_URLS`` items by id."""
    size = page_size()
    rank = func.row_number().over(partition_by=Content.kind, order_by=Content.id)
    # Integer division on both databases (SQLAlchemy's own "/" and "//" would write a float
    # division and FLOOR, which SQLite may lack).
    page = (rank - 1).self_group().op("/")(literal(size, Integer))
    ranked = _public(select(Content.kind.label("kind"), page.label("page"),
                            func.coalesce(Content.updated_at, Content.published_at).label("stamp"))
                     .where(Content.kind.in_(kinds()))).subquery()
    rows = db.session.execute(select(ranked.c.kind, ranked.c.page, func.max(ranked.c.stamp))
                              .group_by(ranked.c.kind, ranked.c.page)).all()
    order = {kind: i for i, kind in enumerate(kinds())}
    return sorted(((kind, int(page) + 1, _stamp(stamp)) for kind, page, stamp in rows),
                  key=lambda entry: (order[entry[0]], entry[1]))


def index_xml() -> tuple[bytes, datetime | None]:
    entries = index_entries()
    newest = _stamp(*(stamp for _kind, _page, stamp in entries))
    files = [(url_for("seo.sitemap_lists", _external=True), newest)]
    files += [(url_for("seo.sitemap", kind=kind, page=page, _external=True), stamp)
              for kind, page, stamp in entries]
    body = "".join(f"<sitemap><loc>{escape(loc)}</loc>{_lastmod(stamp)}</sitemap>" for loc, stamp in files)
    return _document("sitemapindex", body), newest


def kind_xml(kind: str, page: int) -> tuple[bytes, datetime | None] | None:
    """The ``page``-th file of ``kind``'s items; None when there is no such file."""
    if kind not in kinds() or page < 1:
        return None
    size = page_size()
    if page > 10**9 // size:
        return None
    rows = db.session.execute(_public(
        select(Content.id, Content.slug, Content.updated_at, Content.published_at).where(Content.kind == kind))
        .order_by(Content.id).offset((page - 1) * size).limit(size)).all()
    if not rows:
        return None
    endpoint = registry.get(kind).model.view_endpoint
    parts, newest = [], None
    for id_, slug, updated_at, published_at in rows:
        stamp = _stamp(updated_at, published_at)
        newest = _stamp(newest, stamp)
        loc = (url_for(endpoint, id=id_, slug=slug, _external=True) if slug
               else url_for(endpoint, id=id_, _external=True))
        parts.append(f"<url><loc>{escape(loc)}</loc>{_lastmod(stamp)}</url>")
    return _document("urlset", "".join(parts)), newest


def lists_xml() -> tuple[bytes, datetime | None]:
    """The home, the lists, the menu's other pages, the tags, the territories' and partners' pages."""
    from ...models.audiences import PARTNERS

    by_kind = dict(db.session.execute(_public(
        select(Content.kind, func.max(func.coalesce(Content.updated_at, Content.published_at))))
        .group_by(Content.kind)).all())
    by_territory = dict(db.session.execute(_public(
        select(Content.territory_id, func.max(func.coalesce(Content.updated_at, Content.published_at))))
        .group_by(Content.territory_id)).all())
    newest = _stamp(*by_kind.values())
    pages = [(url_for("main.index", _external=True), newest)]
    seen = set()
    for entry in [*registry.all(), *registry.nav_extras()]:
        endpoint = entry.list_endpoint
        if endpoint and endpoint in current_app.view_functions and endpoint not in seen:
            seen.add(endpoint)
            kind = entry.kind if isinstance(entry, registry.ContentType) else None
            pages.append((url_for(endpoint, _external=True), _stamp(by_kind.get(kind)) if kind else None))
    pages.append((url_for("tags.index", _external=True), None))
    for territory_id, slug in db.session.execute(select(Territory.id, Territory.slug).order_by(Territory.name)):
        pages.append((url_for("territories.home", slug=slug, _external=True), _stamp(by_territory.get(territory_id))))
    pages += [(url_for("partners.show", code=code, _external=True), None) for code in PARTNERS]
    body = "".join(f"<url><loc>{escape(loc)}</loc>{_lastmod(stamp)}</url>" for loc, stamp in pages)
    return _document("urlset", body), newest


def _document(root: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NAMESPACE}">{body}</{root}>\n').encode()


# --- robots.txt ------------------------------------------------------------------------------------
# What no search engine should crawl: accounts and personal pages, administration, moderation,
# search results (endless combinations of words and filters), links carrying a token (mails,
# surveys, newsletters), forms and the pages of a territory's team. Everything else is public.
DISALLOWED = (
    "/account",  # the member's settings, export and API keys
    "/me/", "/notifications", "/welcome",
    "/login", "/register", "/forgot", "/reset/", "/confirm",
    "/admin", "/moderation", "/actors/moderation", "/actors/import", "/actors/merge", "/tags/merge",
    "/sanctions", "/members/*/sanction",
    "/search",  # search results and suggestions
    "/lang/",  # the language switch: a redirect
    "/mail/", "/newsletter/", "/newsletters/", "/s/", "/surveys/",
    "/content/", "/comments/", "/booking/",
    "/t/*/settings", "/t/*/roles", "/t/*/audit", "/t/*/stats", "/t/*/newsletters/manage",
    "/*/edit$", "/*/registrants",
)


def robots_txt() -> bytes:
    # "Allow: /" last: RFC 9309 readers take the longest match, older ones the first.
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "Allow: /", "",
             f"Sitemap: {url_for('seo.sitemap_index', _external=True)}", ""]
    return "\n".join(lines).encode()
