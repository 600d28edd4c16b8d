"""The read-only JSON API (``/api/v1``) and its documentation page (``/api``); see
docs/architecture.md §15."""
from __future__ import annotations

import json
from datetime import UTC
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from flask import current_app, render_template, request, url_for
from sqlalchemy import exists, select

from ... import search as search_service
from ...apikeys import add_rate_headers, check_api_request
from ...bounds import parse_id
from ...extensions import db
from ...feeds import last_change
from ...models import PUBLISHED, Content, EventOccurrence, Tag, Territory, content_owner, content_tag
from ...models.announcements import local_today
from ...models.redirects import TagRedirect
from ...security import without_cookies
from . import bp
from .params import CORS_HEADERS, ApiError, Args, bad, day_after, day_start, error_response, make_cursor, read_cursor
from .queries import NAMES, keyset, published

if TYPE_CHECKING:
    from .collections import Collection

MAX_SEARCH_PAGE = 500
ALLOWED_METHODS = "GET, HEAD, OPTIONS"


# --- around every request ---------------------------------------------------------------------------
@bp.before_request
def _api_limits():
    """Rate limits and API keys (csti/apikeys.py, docs/architecture.md §16): a 401 for a bad key,
    a 429 beyond the limit, else None and the request goes on."""
    return check_api_request()


@bp.after_request
def _cors(response):
    """Anybody's page may read the API (no credentials: nothing here depends on who asks)."""
    if request.path.startswith("/api/"):
        response.headers.update(CORS_HEADERS)
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since, Authorization, X-API-Key"
            response.headers["Access-Control-Max-Age"] = "86400"
        response.headers["Access-Control-Expose-Headers"] = ("ETag, Last-Modified, Link, Retry-After, "
                                                             "X-RateLimit-Limit, X-RateLimit-Remaining")
        without_cookies(response)  # an API answer sets no cookie (§15); the /api page is a site page
    return add_rate_headers(response)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_response(error.status, error.code, error.message, error.parameter)


def http_error(code: int, error) -> object:
    """Any error under ``/api/`` (an unknown path, a wrong method, a failure) as JSON
    (``csti.errors.answer_under``)."""
    codes = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
             429: "rate_limited", 500: "server_error"}
    messages = {404: "No such resource in the API.", 405: "The API answers GET, HEAD and OPTIONS only.",
                500: "Something went wrong on our side; the error has been logged."}
    headers = {"Allow": ALLOWED_METHODS} if code == 405 else None
    message = messages.get(code) or getattr(error, "description", None) or "Error."
    return error_response(code, codes.get(code, "error"), message, headers=headers)


def json_response(model) -> object:
    """``model`` as JSON with a strong ``ETag`` (a digest of the body) and ``Last-Modified`` (the
    last write to the site's data); a conditional request the client is up to date for gets 304."""
    body = json.dumps(model.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    response = current_app.response_class(body, mimetype="application/json")
    response.add_etag()
    modified = last_change()
    if modified is not None:
        response.last_modified = modified
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


def page_response(schema, items: list, limit: int, next_cursor: str | None):
    next_url = None
    if next_cursor is not None:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        args["cursor"] = next_cursor
        next_url = url_for(request.endpoint, _external=True, **(request.view_args or {})) + "?" + urlencode(args)
    response = json_response(schema(data=items, next=next_url, limit=limit))
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


# --- territories and tags ---------------------------------------------------------------------------
def _read(parts: tuple, count: int) -> list:
    """The first ``count`` rows of the selects ``parts`` (``keyset``'s), read in turn."""
    rows: list = []
    for part in parts:
        rows += db.session.scalars(part.limit(count - len(rows)))
        if len(rows) >= count:
            break
    return rows


def _page(parts: tuple, limit: int, sort_value, list_name: str):
    """The rows of one page and the next page's cursor (one more row read tells there is one)."""
    rows = _read(parts, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = make_cursor(list_name, [*sort_value(rows[-1])]) if more and rows else None
    return rows, cursor


@bp.get("/api/v1/territories")
def territories():
    from . import schemas, serialize  # pydantic: with the first answer (queries.py)

    args = Args(("updated_since", "limit", "cursor"))
    limit, since = args.limit(), args.datetime("updated_since")
    stmt = select(Territory)
    if since is not None:  # a territory keeps no date of change: its creation
        stmt = stmt.where(Territory.created_at >= since)
    after = read_cursor("territories", ("str", "int"))
    rows, cursor = _page(keyset(stmt, Territory.slug, Territory.id, True, after), limit, lambda t: (t.slug, t.id),
                         "territories")
    return page_response(schemas.page_of(schemas.Territory, "TerritoryPage"),
                         [serialize.territory(t) for t in rows], limit, cursor)


@bp.get("/api/v1/territories/<id>")
def territories_item(id):
    from . import schemas, serialize

    Args(())
    row = db.session.get(Territory, _id(id))
    if row is None:
        raise ApiError(404, "not_found", "No such territory.")
    return json_response(schemas.one_of(schemas.Territory, "TerritoryResponse")(data=serialize.territory(row)))


def _used_tags(since=None):
    """Tags of at least one published, public item (updated since ``since``)."""
    used = (select(content_tag.c.tag_id).join(Content, Content.id == content_tag.c.content_id)
            .where(content_tag.c.tag_id == Tag.id, Content.status == PUBLISHED, Content.public_clause()))
    if since is not None:
        used = used.where(Content.updated_at >= since)
    return select(Tag).where(exists(used))


@bp.get("/api/v1/tags")
def tags():
    from . import schemas, serialize

    args = Args(("updated_since", "limit", "cursor"))
    limit = args.limit()
    stmt = _used_tags(args.datetime("updated_since"))
    after = read_cursor("tags", ("str", "int"))
    rows, cursor = _page(keyset(stmt, Tag.slug, Tag.id, True, after), limit, lambda t: (t.slug, t.id), "tags")
    return page_response(schemas.page_of(schemas.Tag, "TagPage"), [serialize.tag(t) for t in rows], limit, cursor)


@bp.get("/api/v1/tags/<id>")
def tags_item(id):
    from . import schemas, serialize

    Args(())
    row = db.session.scalar(_used_tags().where(Tag.id == _id(id)))
    if row is None:
        raise ApiError(404, "not_found", "No such tag (or no published item carries it).")
    return json_response(schemas.one_of(schemas.Tag, "TagResponse")(data=serialize.tag(row)))


# --- the content collections ------------------------------------------------------------------------
def _id(value) -> int:
    number = parse_id(value)
    if number is None:
        raise bad("id", "The id must be a positive whole number.")
    return number


def _territory_id(slug: str) -> int:
    found = db.session.scalar(select(Territory.id).where(Territory.slug == slug))
    if found is None:
        raise bad("territory", f"No territory {slug!r} (see /api/v1/territories).")
    return found


def _tag_id(value: str) -> int:
    slug = Tag.normalize(value)
    found = db.session.scalar(select(Tag.id).where(Tag.slug == slug)) if slug else None
    if found is None and slug:
        merged = db.session.get(TagRedirect, slug)
        found = merged.tag_id if merged is not None else None
    if found is None:
        raise bad("tag", f"No tag {value!r} (see /api/v1/tags).")
    return found


def _content_order(collection: Collection) -> bool:
    """True when the collection is listed in an order of the content table's (a publication
    date), not of its type's own table (an event's start)."""
    return collection.sort_column.property.columns[0].table is Content.__table__


def filtered(collection: Collection, args: Args):
    model = collection.model
    stmt = published(model, kind_said=_content_order(collection))
    if (slug := args.text("territory", 60)) is not None:
        stmt = stmt.where(model.territory_id == _territory_id(slug))
    if (value := args.text("tag", 60)) is not None:
        tag_id = _tag_id(value)
        stmt = stmt.where(exists().where(content_tag.c.content_id == model.id, content_tag.c.tag_id == tag_id))
    if collection.kind_column and (kind := args.choice("kind", collection.kinds)) is not None:
        stmt = stmt.where(getattr(model, collection.kind_column) == kind)
    if collection.owned and (structure := args.id("structure")) is not None:
        stmt = stmt.where(exists().where(content_owner.c.content_id == model.id, content_owner.c.actor_id == structure))
    if (since := args.datetime("updated_since")) is not None:
        stmt = stmt.where(model.updated_at >= since)
    if "start" in collection.filters:
        start, end = args.date("start"), args.date("end")
        if start is not None and end is not None and end < start:
            raise bad("end", "Parameter 'end' is before 'start'.")
        if start is not None or end is not None:
            dates = select(EventOccurrence.id).where(EventOccurrence.event_id == model.id)
            if start is not None:
                dates = dates.where(EventOccurrence.ends_at >= day_start(start))
            if end is not None:
                dates = dates.where(EventOccurrence.starts_at < day_after(end))
            stmt = stmt.where(exists(dates))
    return stmt


def items_of(collection: Collection, rows: list, detail: bool = False) -> list:
    from . import serialize

    context = collection.prepare(rows) or {}
    schema = collection.detail_schema if detail else collection.schema
    out = []
    for item in rows:
        fields = serialize.common(item, collection.name) | collection.fields(item, context)
        if detail:
            fields["body_html"] = item.body_html or ""
            fields |= collection.detail_fields(item)
        out.append(schema(**fields))
    return out


def list_view(name: str):
    from .collections import COLLECTIONS, load_options

    collection = COLLECTIONS[name]
    args = Args(collection.known)
    limit = args.limit()
    stmt = filtered(collection, args).options(*load_options(collection))
    after = read_cursor(collection.name, ("datetime?", "int"))
    # Ties in the order by the id of the sort column's table (the same value in both): the order
    # its index holds — (kind, status, date, id) for the content table's dates.
    parts = keyset(stmt, collection.sort_column, Content.id if _content_order(collection) else collection.model.id,
                   collection.ascending, after)
    rows = _read(parts, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = None
    if more and rows:
        value = getattr(rows[-1], collection.sort_column.key)
        cursor = make_cursor(collection.name, [value.astimezone(UTC).isoformat() if value else None, rows[-1].id])
    return page_response(collection.page_schema, items_of(collection, rows), limit, cursor)


def item_view(name: str, id):
    from .collections import COLLECTIONS, load_options

    collection = COLLECTIONS[name]
    Args(())
    number = _id(id)
    row = db.session.scalar(published(collection.model).where(collection.model.id == number)
                            .options(*load_options(collection)))
    if row is None:
        raise ApiError(404, "not_found", f"No published {collection.model.__mapper__.polymorphic_identity} "
                                         f"with id {number}.")
    return json_response(collection.one_schema(data=items_of(collection, [row], detail=True)[0]))


def _register(name: str):
    bp.add_url_rule(f"/api/v1/{name}", name, lambda: list_view(name))
    bp.add_url_rule(f"/api/v1/{name}/<id>", f"{name}_item", lambda id: item_view(name, id))


for _name in NAMES:
    _register(_name)


# --- search ------------------------------------------------------------------------------------------
@bp.get("/api/v1/search")
def search():
    from . import schemas
    from .collections import COLLECTIONS

    args = Args(("q", "type", "territory", "tag", "limit", "cursor"))
    q = args.text("q", 200)
    if q is None:
        raise bad("q", "Parameter 'q' (the words to search) is required.")
    kinds = {c.model.__mapper__.polymorphic_identity for c in COLLECTIONS.values()}
    kind = args.choice("type", kinds)
    territory = args.text("territory", 60)
    if territory is not None:
        _territory_id(territory)
    tag = args.text("tag", 60)
    limit = args.limit()
    after = read_cursor("search", ("int",))
    page = after[0] if after else 1
    if page > MAX_SEARCH_PAGE:
        raise bad("cursor", "Parameter 'cursor' is past the last page the search gives.")
    filters = search_service.Filters(kind=kind, territory=territory, tags=(Tag.normalize(tag),) if tag else ())
    results = search_service.search(q, filters, page=page, pagelen=limit)
    hits = _current_hits(results.hits)
    cursor = make_cursor("search", [page + 1]) if results.pages > page and page < MAX_SEARCH_PAGE else None
    return page_response(schemas.page_of(schemas.SearchHit, "SearchPage"), hits, limit, cursor)


def _current_hits(hits) -> list:
    """The hits still published and public, with their current title, in the search's order."""
    from . import schemas, serialize
    from .collections import by_kind

    if not hits:
        return []
    rows = {row.id: row for row in db.session.execute(
        select(Content.id, Content.kind, Content.title, Content.slug, Content.summary)
        .where(Content.id.in_([h["id"] for h in hits]), Content.status == PUBLISHED, Content.public_clause()))}
    out = []
    for hit in hits:
        row = rows.get(hit["id"])
        model = Content.KINDS.get(row.kind) if row is not None else None
        if model is None or not model.view_endpoint or model.view_endpoint not in current_app.view_functions:
            continue
        collection = by_kind(row.kind)
        out.append(schemas.SearchHit(
            id=row.id, type=row.kind, title=row.title, summary=row.summary or "",
            url=serialize.absolute(model.view_endpoint, id=row.id, slug=row.slug),
            api_url=serialize.absolute(f"api.{collection.name}_item", id=row.id) if collection else None))
    return out


# --- the documentation ---------------------------------------------------------------------------
@bp.get("/api/v1/openapi.json")
def openapi():
    Args(())
    from .openapi import document

    response = current_app.response_class(json.dumps(document(), ensure_ascii=False, indent=1) + "\n",
                                          mimetype="application/json")
    response.add_etag()
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


@bp.get("/api")
def index():
    """The documentation page, with live examples on this site's own data."""
    from ...i18n import gettext as _

    first_territory = db.session.scalar(select(Territory.slug).order_by(Territory.id).limit(1))
    first_tag = db.session.scalar(_used_tags().with_only_columns(Tag.slug).order_by(Tag.slug).limit(1))
    examples = [(_("the next two events"), url_for("api.events", limit=2, start=local_today().isoformat())),
                (_("the museums and science centres"), url_for("api.structures", kind="museum", limit=5)),
                (_("the latest articles"), url_for("api.articles", limit=2)),
                (_("the territories"), url_for("api.territories"))]
    if first_territory:
        examples.append((_("the events of a territory"), url_for("api.events", territory=first_territory, limit=5)))
    if first_tag:
        examples.append((_("the items found by a search"), url_for("api.search", q=first_tag, limit=5)))
    newest, title, first_date = _("newest first"), _("by slug"), _("by first date")
    endpoints = [
        (url_for("api.events"), _("Events"), first_date),
        (url_for("api.structures"), _("Structures (the directory)"), newest),
        (url_for("api.articles"), _("Articles"), newest),
        (url_for("api.announcements"), _("Announcements"), newest),
        (url_for("api.projects"), _("Projects"), newest),
        (url_for("api.dossiers"), _("Public dossiers"), newest),
        (url_for("api.resources"), _("Resources to borrow"), newest),
        (url_for("api.territories"), _("Territories"), title),
        (url_for("api.tags"), _("Tags in use"), title),
        (url_for("api.search", q="science"), _("Search"), _("by relevance")),
    ]
    return render_template("api/index.html", examples=examples, endpoints=endpoints)
