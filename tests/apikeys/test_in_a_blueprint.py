"""check_api_request and add_rate_headers as the API blueprint uses them (its before_request and
after_request), through real requests: the answers, their headers, and what stays written."""
import pytest
from flask import Blueprint, g, jsonify
from webtest import TestApp

from csti import create_app
from csti.apikeys import add_rate_headers, check_api_request, create_key
from csti.extensions import db as _db
from csti.models import ApiKey
from tests.conftest import isolated


@pytest.fixture
def api(app, db, database_url):
    """An app like the suite's (same database) with a small blueprint guarded like the API's."""
    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_DIR": app.config["UPLOAD_DIR"],
                                "SEARCH_DIR": app.config["SEARCH_DIR"], "API_RATE_ANON": 2, "API_RATE_KEY": 3,
                                "REDIS_URL": None})  # the database's counters: emptied between tests
    bp = Blueprint("guarded", __name__, url_prefix="/api/guarded")
    bp.before_request(check_api_request)
    bp.after_request(add_rate_headers)

    @bp.get("/ping")
    def ping():
        return jsonify(key=g.api_key.name if g.api_key is not None else None)

    other.register_blueprint(bp)
    yield TestApp(isolated(other), extra_environ={"REMOTE_ADDR": "192.0.2.7", "HTTP_ACCEPT_LANGUAGE": "en"})
    with other.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_through_real_requests(api, db, factory):
    user = factory.user()
    row, key = create_key(user, "Agenda du musée")
    db.session.commit()
    key_id = row.id

    answer = api.get("/api/guarded/ping")
    assert answer.json == {"key": None}
    assert (answer.headers["X-RateLimit-Limit"], answer.headers["X-RateLimit-Remaining"]) == ("2", "1")
    api.get("/api/guarded/ping")
    refused = api.get("/api/guarded/ping", status=429)
    assert refused.content_type == "application/json" and refused.json["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) == refused.json["error"]["retry_after"] >= 1
    assert refused.headers["X-RateLimit-Remaining"] == "0"

    answer = api.get("/api/guarded/ping", headers={"Authorization": f"Bearer {key}"})
    assert answer.json == {"key": "Agenda du musée"}
    assert (answer.headers["X-RateLimit-Limit"], answer.headers["X-RateLimit-Remaining"]) == ("3", "2")
    db.session.rollback()
    assert db.session.get(ApiKey, key_id).last_used_at is not None  # committed by the request

    bad = api.get("/api/guarded/ping", headers={"X-API-Key": key[:-1] + ("A" if key[-1] != "A" else "B")}, status=401)
    assert bad.json["error"]["code"] == "bad_api_key" and bad.headers["WWW-Authenticate"] == "Bearer"
    assert "X-RateLimit-Limit" not in bad.headers
