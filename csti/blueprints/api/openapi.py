"""The OpenAPI 3.1 document of ``/api/v1`` (``/api/v1/openapi.json``): its schemas are the
pydantic models' JSON Schemas (``schemas.py``, 2020-12, what OpenAPI 3.1 uses) — the very models
the responses are made from —, its paths and parameters those the routes read
(``collections.COLLECTIONS``, ``Collection.known``)."""
from __future__ import annotations

from flask import request
from pydantic.json_schema import models_json_schema

from ...bounds import DB_INT_MAX
from . import schemas
from .collections import COLLECTIONS
from .params import DEFAULT_LIMIT, MAX_LIMIT

REF = "#/components/schemas/{model}"
ID = {"type": "integer", "minimum": 1, "maximum": DB_INT_MAX}
PARAMETERS = {
    "territory": ({"type": "string", "minLength": 1, "maxLength": 60},
                  "A territory's slug (see /api/v1/territories): its items only."),
    "tag": ({"type": "string", "minLength": 1, "maxLength": 60},
            "A tag's slug or name (see /api/v1/tags): the items carrying it."),
    "structure": (ID, "A structure's id: the items published for it (its owners)."),
    "updated_since": ({"type": "string", "format": "date-time"},
                      "ISO 8601 date-time (UTC without an offset): the items changed since then "
                      "(territories: created since; tags: carried by an item changed since)."),
    "start": ({"type": "string", "format": "date"},
              "ISO date: events with a date ending on that day or later (site's time zone)."),
    "end": ({"type": "string", "format": "date"}, "ISO date: events with a date starting on that day or before."),
    "limit": ({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
              "Items per page."),
    "cursor": ({"type": "string", "maxLength": 500}, "The opaque cursor of the next page (the `next` field)."),
    "q": ({"type": "string", "minLength": 1, "maxLength": 200}, "The words to search."),
}


def _parameter(name: str, schema: dict | None = None, required: bool = False) -> dict:
    default_schema, description = PARAMETERS.get(name, ({"type": "string"}, ""))
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or default_schema}


def _json(ref: str, description: str, headers: dict | None = None) -> dict:
    answer = {"description": description,
              "content": {"application/json": {"schema": {"$ref": REF.format(model=ref)}}}}
    if headers:
        answer["headers"] = headers
    return answer


HEADERS = {
    "ETag": {"description": "A digest of the body: send it back in If-None-Match.", "schema": {"type": "string"}},
    "Last-Modified": {"description": "The last change to the site's data.", "schema": {"type": "string"}},
}
LINK = {"Link": {"description": "<next page>; rel=\"next\", when there is one.", "schema": {"type": "string"}}}


def _errors(*codes: int) -> dict:
    texts = {400: "A parameter is unknown, given twice or malformed (`error.parameter` names it).",
             401: "The API key sent is malformed, unknown or revoked (`bad_api_key`).",
             404: "No such published item.", 405: "Only GET, HEAD and OPTIONS.",
             429: "Too many requests in the window (`rate_limited`): wait `Retry-After` seconds.",
             500: "Server error."}
    answers = {str(code): _json("Error", texts[code]) for code in codes}
    if "429" in answers:
        answers["429"]["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}}}
    return answers


# Every counted answer says the client's limit and what is left of it (csti/apikeys.py).
RATE = {"X-RateLimit-Limit": {"description": "Requests allowed per window (higher with an API key).",
                              "schema": {"type": "string"}},
        "X-RateLimit-Remaining": {"description": "Requests left in this window.", "schema": {"type": "string"}}}


def _list_operation(name: str, summary: str, ref: str, parameters: list) -> dict:
    return {"operationId": f"list_{name}", "summary": summary, "tags": [name], "parameters": parameters,
            "responses": {"200": _json(ref, "One page of items.", HEADERS | LINK | RATE),
                          "304": {"description": "Not modified (If-None-Match, If-Modified-Since)."},
                          **_errors(400, 401, 429, 500)}}


def _item_operation(name: str, ref: str) -> dict:
    return {"operationId": f"get_{name}_item", "summary": f"One item of /api/v1/{name}", "tags": [name],
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": ID,
                            "description": "Its stable id."}],
            "responses": {"200": _json(ref, "The item.", HEADERS | RATE),
                          "304": {"description": "Not modified."}, **_errors(400, 401, 404, 429, 500)}}


def _kind_parameter(collection) -> dict:
    what = "stage" if collection.kind_column == "stage" else "kind"
    schema = {"type": "string", "enum": sorted(collection.kinds)}
    param = _parameter("kind", schema)
    param["description"] = f"Only the items of this {what}."
    return param


def models() -> list:
    found = [schemas.Error, schemas.page_of(schemas.Territory, "TerritoryPage"),
             schemas.one_of(schemas.Territory, "TerritoryResponse"), schemas.page_of(schemas.Tag, "TagPage"),
             schemas.one_of(schemas.Tag, "TagResponse"), schemas.page_of(schemas.SearchHit, "SearchPage")]
    for collection in COLLECTIONS.values():
        found += [collection.page_schema, collection.one_schema]
    return found


def document() -> dict:
    _, top = models_json_schema([(m, "serialization") for m in models()], ref_template=REF)
    paths = {}
    dated = ["updated_since", "limit", "cursor"]
    paths["/api/v1/territories"] = {"get": _list_operation(
        "territories", "Territories, by slug", "TerritoryPage", [_parameter(n) for n in dated])}
    paths["/api/v1/territories/{id}"] = {"get": _item_operation("territories", "TerritoryResponse")}
    paths["/api/v1/tags"] = {"get": _list_operation(
        "tags", "Tags carried by at least one published item, by slug", "TagPage", [_parameter(n) for n in dated])}
    paths["/api/v1/tags/{id}"] = {"get": _item_operation("tags", "TagResponse")}
    for name, collection in COLLECTIONS.items():
        parameters = [_kind_parameter(collection) if n == "kind" else _parameter(n) for n in collection.known]
        paths[f"/api/v1/{name}"] = {"get": _list_operation(name, collection.summary,
                                                           collection.page_schema.__name__, parameters)}
        paths[f"/api/v1/{name}/{{id}}"] = {"get": _item_operation(name, collection.one_schema.__name__)}
    kinds = sorted(c.model.__mapper__.polymorphic_identity for c in COLLECTIONS.values())
    paths["/api/v1/search"] = {"get": _list_operation("search", "Full-text search of published items, by relevance",
                                                      "SearchPage", [
        _parameter("q", required=True),
        {"name": "type", "in": "query", "required": False, "description": "Only items of this type.",
         "schema": {"type": "string", "enum": kinds}},
        _parameter("territory"), _parameter("tag"), _parameter("limit"), _parameter("cursor")])}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "csti open data API", "version": "1",
                 "description": "Read-only: published, public items only. Errors are "
                                "`{\"error\": {\"status\", \"code\", \"message\", \"parameter\"?}}`. "
                                "Documentation: /api"},
        "servers": [{"url": request.host_url.rstrip("/")}],
        "paths": paths,
        # A key is optional: it identifies a program and raises its rate limit (/account/api-keys).
        "security": [{}, {"bearerKey": []}, {"headerKey": []}],
        "components": {"schemas": top["$defs"], "securitySchemes": {
            "bearerKey": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <key>"},
            "headerKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
    }
