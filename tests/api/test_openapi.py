"""The OpenAPI 3.1 document is valid (openapi-spec-validator), names every route of /api/v1, and
real responses of every endpoint — on the sample site's data — match its schemas (jsonschema,
JSON Schema 2020-12 with format checks)."""
import re

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate


@pytest.fixture
def document(testapp):
    return testapp.get("/api/v1/openapi.json").json


def validator(document, ref):
    schema = {"$ref": ref, "components": document["components"]}
    return Draft202012Validator(schema, format_checker=FormatChecker())


def check(document, path, status, body):
    responses = document["paths"][path]["get"]["responses"]
    ref = responses[str(status)]["content"]["application/json"]["schema"]["$ref"]
    errors = sorted(validator(document, ref).iter_errors(body), key=str)
    assert not errors, f"{path} {status}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_document_is_valid_openapi_31(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_document_names_every_api_route(app, document):
    routes = {re.sub(r"<(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.endpoint.startswith("api.")}
    assert routes - {"/api/v1/openapi.json"} == set(document["paths"])


def test_every_endpoint_answers_what_the_document_says(site, testapp, document):
    from csti import search

    search.drain()
    checked = 0
    for path in document["paths"]:
        if "{id}" in path:
            continue
        params = {"q": "astronomie"} if path.endswith("/search") else {}
        response = testapp.get(path, params)
        assert response.json["data"], f"{path} gives nothing to check"
        check(document, path, 200, response.json)
        checked += 1
        paged = testapp.get(path, {**params, "limit": 1})
        check(document, path, 200, paged.json)
        item_path = path + "/{id}"
        if item_path in document["paths"]:
            for item in response.json["data"][:3]:
                one = testapp.get(f"{path}/{item['id']}")
                check(document, item_path, 200, one.json)
                checked += 1
            check(document, item_path, 404, testapp.get(f"{path}/2147483647", expect_errors=True).json)
            check(document, item_path, 400, testapp.get(f"{path}/x", expect_errors=True).json)
        check(document, path, 400, testapp.get(path, {"nope": "1"}, expect_errors=True).json)
    assert checked >= len(document["paths"])


def test_filtered_lists_match_too(site, testapp, document):
    for url, path in (("/api/v1/events?territory=occitanie&tag=astronomie&start=2000-01-01&kind=talk",
                       "/api/v1/events"),
                      ("/api/v1/structures?kind=museum", "/api/v1/structures"),
                      ("/api/v1/dossiers?tag=astronomie", "/api/v1/dossiers")):
        response = testapp.get(url)
        assert response.json["data"], url
        check(document, path, 200, response.json)
