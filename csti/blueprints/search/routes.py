"""The search page and the header's suggestions. Every state of the page is a plain GET URL
(words, facets, page); with htmx the form and the results are swapped together."""
from flask import current_app, redirect, request, url_for
from sqlalchemy import inspect, select

from ...extensions import db
from ...htmx import is_htmx, render
from ...listing import Deferred, by_keys, card_loader
from ...models import ACTOR_KINDS, PUBLISHED, Content, Tag, Territory
from ...search import Filters, clean_text, search, suggest
from . import bp

PER_PAGE = 20
MAX_PAGE = 500
MAX_TAGS = 3
SUGGESTIONS = 6


def searchable_kinds() -> dict:
    """{kind: label} of the content types that have a page."""
    return {kind: cls.kind_label for kind, cls in Content.KINDS.items()
            if cls.view_endpoint and cls.view_endpoint in current_app.view_functions}


def _filters(args) -> Filters:
    kind = args.get("kind") if args.get("kind") in searchable_kinds() else None
    territory = (args.get("territory") or "").strip()[:60] or None
    tags = tuple(dict.fromkeys(t for t in (Tag.normalize(v) for v in args.getlist("tag")[:MAX_TAGS]) if t))
    structure_kind = args.get("structure_kind") if args.get("structure_kind") in ACTOR_KINDS else None
    upcoming = (args.get("upcoming") or "").lower() in ("1", "on", "true", "yes")
    return Filters(kind=kind, territory=territory, tags=tags, structure_kind=structure_kind, upcoming=upcoming)


def _state(q: str, filters: Filters) -> dict:
    """The URL arguments that reproduce this search (without the page)."""
    state = {"q": q, "kind": filters.kind, "territory": filters.territory, "tag": list(filters.tags),
             "structure_kind": filters.structure_kind, "upcoming": "1" if filters.upcoming else None}
    return {k: v for k, v in state.items() if v}


def _current(hits) -> dict:
    """The hits' current title and URL, in one query; an item no longer published (its outbox
    row not drained yet) is left out."""
    if not hits:
        return {}
    rows = db.session.execute(select(Content.id, Content.kind, Content.title, Content.slug, Content.summary)
                              .where(Content.id.in_([h["id"] for h in hits]), Content.status == PUBLISHED,
                                     Content.public_clause()))
    items = {}
    for row in rows:
        cls = Content.KINDS.get(row.kind)
        if cls is None or cls.view_endpoint not in current_app.view_functions:
            continue
        items[row.id] = {"title": row.title, "summary": row.summary, "kind": row.kind, "kind_label": cls.kind_label,
                         "url": url_for(cls.view_endpoint, id=row.id, slug=row.slug)}
    return items


def _cards(hits) -> dict:
    """{id: Content} of the hits still published, for their cards (image, next date, place, the
    type's facts), as every list's page: stand-ins (``listing.Deferred``) while their cards are
    kept — a hit's card is kept without its summary, its excerpt drawn after it
    (``macros/card.html``) — loaded all at once if one is not; loaded, by
    ``listing.card_loader``: one query per kind present with its type's options, statements built
    once per process (their cache keys, a walk of the options, cost 3 ms a page when built each
    time), the territories from the session (``Territory.by_name``). The page keeps the hits'
    order (the template follows them)."""
    if not hits:
        return {}
    Territory.by_name()  # the cards find their territory in the session
    kinds = dict(db.session.execute(by_keys(("search: published kinds",), lambda keys: select(Content.id, Content.kind)
                                            .where(Content.id.in_(keys), Content.status == PUBLISHED,
                                                   Content.public_clause())), {"keys": [h["id"] for h in hits]}).all())
    loader = card_loader(Content)
    if Deferred.applies(loader):
        page = Deferred.page([h["id"] for h in hits], loader, kinds=kinds)
        if page is not None:
            return {item.id: item for item in page if _shown(item.__class__)}
    # Published still (the kinds were read so): not unpublished between the two statements.
    return {item.id: item for item in loader.load(db.session, [], kinds=kinds)
            if _shown(type(item)) and _whole(item) and item.status == PUBLISHED and item.members_only is not True}


def _shown(model) -> bool:
    """Whether items of ``model`` have a page here (a type whose blueprint is off has none)."""
    return bool(model.view_endpoint) and model.view_endpoint in current_app.view_functions


def _whole(item) -> bool:
    """Its type's own columns were loaded: an item deleted by another request between the two
    statements of the page's load (PostgreSQL's READ COMMITTED) is left out, not a 500. The
    columns its card does not read (its type's ``card_defers``) are not loaded, by design."""
    from ... import registry

    state = inspect(item)
    known = registry.all_kinds().get(item.kind)
    own = ({p.key for p in state.mapper.column_attrs if p.columns[0].table is state.mapper.local_table}
           - {"id", *(known.card_defers if known is not None else ())})
    return not (own & state.unloaded)


@bp.get("/search")
def index():
    q = clean_text(request.args.get("q"))
    filters = _filters(request.args)
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    results = search(q, filters, page, PER_PAGE) if (q or filters) else None
    items = _cards(results.hits) if results else {}
    territories = {t.slug: t.name for t in Territory.by_name()}
    tag_slugs = set(filters.tags) | set((results.facets.get("tags") or {}) if results else ())
    tag_names = dict(db.session.execute(select(Tag.slug, Tag.name).where(Tag.slug.in_(tag_slugs))).all()) \
        if tag_slugs else {}
    state = _state(q, filters)
    # Nothing for whole words ("plané" is not a word): offer the titles that start like it, as
    # the header's suggestions did while it was typed.
    starting = []
    if results is not None and results.total == 0 and q:
        hits = suggest(q, SUGGESTIONS)
        current = _current(hits)
        starting = [current[h["id"]] for h in hits if h["id"] in current]

    def search_url(**changes):
        args = {**state, **changes}
        return url_for("search.index", **{k: v for k, v in args.items() if v})

    return render("search/index.html", block="results", q=q, filters=filters, results=results, items=items,
                  territories=territories, tag_names=tag_names, kinds=searchable_kinds(), actor_kinds=ACTOR_KINDS,
                  state=state, search_url=search_url, starting=starting)


@bp.get("/search/suggest", endpoint="suggest")
def suggest_view():
    """The header's as-you-type suggestions (an htmx fragment); without htmx, the search page."""
    q = clean_text(request.args.get("q"))[:100]
    if not is_htmx():
        return redirect(url_for("search.index", q=q) if q else url_for("search.index"))
    hits = suggest(q, SUGGESTIONS) if len(q) >= 2 else []
    items = _current(hits)
    return render("search/_suggest.html", q=q, hits=[h for h in hits if h["id"] in items], items=items)
