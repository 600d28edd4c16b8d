"""The search page and the header's suggestions."""
from flask import request, url_for
from sqlalchemy import select

from ...extensions import db
from ...htmx import render
from ...models import Content, Tag, Territory
from ...search import search
from . import bp

PER_PAGE = 20
KINDS = ("actor", "event", "article", "page")


def _filters(args):
    filters = {}
    if args.get("kind") in KINDS:
        filters["kind"] = args["kind"]
    territory = (args.get("territory") or "")[:60]
    if territory:
        filters["territory"] = territory
    tag = Tag.normalize(args.get("tag") or "")
    if tag:
        filters["tags"] = [tag]
    return filters


@bp.get("/search")
def index():
    q = " ".join((request.args.get("q") or "").split())[:200]
    filters = _filters(request.args)
    page = min(max(request.args.get("page", 1, type=int), 1), 500)
    results = search(q, filters, page, PER_PAGE) if (q or filters) else None
    items = {}
    if results and results.hits:
        ids = [h["id"] for h in results.hits]
        items = {c.id: c for c in db.session.scalars(select(Content).where(Content.id.in_(ids)))}
    territories = {t.slug: t.name for t in db.session.scalars(select(Territory))}
    args = {k: v for k, v in {"q": q, "kind": filters.get("kind"), "territory": filters.get("territory"),
                              "tag": request.args.get("tag")}.items() if v}
    return render("search/index.html", block="results", q=q, filters=filters, results=results, items=items,
                  territories=territories, args=args,
                  page_url=lambda n: url_for("search.index", page=n, **args))


@bp.get("/search/suggest")
def suggest():
    q = " ".join((request.args.get("q") or "").split())[:100]
    hits = search(q, {}, 1, 6).hits if len(q) >= 2 else []
    items = {}
    if hits:
        items = {c.id: c for c in db.session.scalars(select(Content).where(Content.id.in_([h["id"] for h in hits])))}
    return render("search/_suggest.html", q=q, hits=[h for h in hits if h["id"] in items], items=items)
