"""check_api_request(), what the API blueprint's before_request calls, and add_rate_headers(): a
key read from Authorization: Bearer or X-API-Key; bad keys refused (401 JSON); requests counted per
key or per IP (429 JSON with Retry-After beyond); the limit and what is left on every answer."""
from datetime import timedelta

import pytest
from flask import Response, g

from csti.apikeys import add_rate_headers, check_api_request, create_key, new_key, revoke_key
from csti.models import AccountSanction, ApiKey
from csti.models.base import utcnow


@pytest.fixture(autouse=True)
def database_counters(app):
    """The database's counters, even when the suite is given a Redis (CSTI_TEST_REDIS_URL), which
    keeps counts between tests: the Redis test below sets its own store."""
    from csti.throttle import DatabaseStore

    app.extensions["csti_throttle"] = DatabaseStore()  # the suite's fixture drops it afterwards


@pytest.fixture
def limits(app, monkeypatch):
    """Small limits: 2 requests a minute from one IP without a key, 3 with one."""
    monkeypatch.setitem(app.config, "API_RATE_ANON", 2)
    monkeypatch.setitem(app.config, "API_RATE_KEY", 3)
    monkeypatch.setitem(app.config, "API_RATE_WINDOW", 60)


class Answer:
    def __init__(self, response, key_id, rate):
        self.response, self.key_id, self.rate = response, key_id, rate
        self.headers = response.headers
        self.status = response.status_code
        self.json = response.get_json() if response.is_json else None


def check(app, headers=None, ip="10.0.0.1", method="GET"):
    """check_api_request() in a request to the API with ``headers`` from ``ip``; then
    add_rate_headers() on its answer, or on the view's (a 200) when it let the request through."""
    with app.test_request_context("/api/v1/events", method=method, headers={"Accept-Language": "en", **(headers or {})},
                                  environ_base={"REMOTE_ADDR": ip}):
        refused = check_api_request()
        response = add_rate_headers(refused if refused is not None else Response("{}", mimetype="application/json"))
        return Answer(response, g.api_key.id if g.api_key is not None else None, g.api_rate)


def _key(db, factory, name="Clé", user=None):
    row, key = create_key(user or factory.user(), name)
    db.session.commit()
    return row.id, key


def _assert_refused(answer, words):
    assert answer.status == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert answer.json["error"]["status"] == 401 and answer.json["error"]["code"] == "bad_api_key"
    assert words in answer.json["error"]["message"]
    assert "X-RateLimit-Limit" not in answer.headers and answer.rate is None  # not counted
    assert answer.key_id is None


def test_without_a_key_the_request_goes_on_counted_per_ip(app, db, limits):
    answer = check(app)
    assert answer.status == 200 and answer.key_id is None
    assert (answer.headers["X-RateLimit-Limit"], answer.headers["X-RateLimit-Remaining"]) == ("2", "1")


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key", "both"])
def test_a_good_key_is_g_api_key_and_its_use_is_recorded(app, db, factory, limits, header):
    key_id, key = _key(db, factory)
    headers = {"Authorization": f"Bearer {key}"} if header == "Authorization" else {"X-API-Key": key}
    if header == "both":
        headers["Authorization"] = f"bearer {key}"  # the scheme is case-insensitive
    answer = check(app, headers)
    assert answer.status == 200 and answer.key_id == key_id
    assert (answer.headers["X-RateLimit-Limit"], answer.headers["X-RateLimit-Remaining"]) == ("3", "2")
    db.session.rollback()
    used = db.session.get(ApiKey, key_id).last_used_at
    assert used is not None and utcnow() - used < timedelta(minutes=1)


def test_last_used_is_written_at_most_once_a_minute(app, db, factory):
    key_id, key = _key(db, factory)
    row = db.session.get(ApiKey, key_id)
    recent = utcnow() - timedelta(seconds=30)
    row.last_used_at = recent
    db.session.commit()
    check(app, {"X-API-Key": key})
    db.session.rollback()
    assert db.session.get(ApiKey, key_id).last_used_at == recent
    old = utcnow() - timedelta(minutes=2)
    db.session.get(ApiKey, key_id).last_used_at = old
    db.session.commit()
    check(app, {"X-API-Key": key})
    db.session.rollback()
    assert db.session.get(ApiKey, key_id).last_used_at > old + timedelta(minutes=1)


def test_a_revoked_key_stops_working_at_once(app, db, factory):
    user = factory.user()
    key_id, key = _key(db, factory, user=user)
    assert check(app, {"X-API-Key": key}).status == 200
    revoke_key(db.session.get(ApiKey, key_id), user)
    db.session.commit()
    _assert_refused(check(app, {"Authorization": f"Bearer {key}"}), "revoked")


def test_an_unknown_key_is_refused(app, db, factory):
    _key(db, factory)
    _assert_refused(check(app, {"X-API-Key": new_key()}), "unknown")


@pytest.mark.parametrize("headers", [
    {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer csti_short"},
    {"Authorization": "Token csti_" + "a" * 43},
    {"X-API-Key": ""},
    {"X-API-Key": "csti_" + "a" * 42 + "!"},
    {"X-API-Key": "csti_" + "a" * 44},
    {"X-API-Key": "key_" + "a" * 44},
    {"X-API-Key": "csti_" + "a" * 43, "Authorization": "Bearer csti_" + "b" * 43},  # two different keys
])
def test_a_malformed_header_is_refused(app, db, headers):
    _assert_refused(check(app, headers), "malformed")


def test_the_key_of_a_suspended_account_is_refused_while_it_lasts(app, db, factory):
    user = factory.user()
    key_id, key = _key(db, factory, user=user)
    sanction = AccountSanction(user_id=user.id, kind="suspend", reason="Spam", starts_at=utcnow(),
                               ends_at=utcnow() + timedelta(days=3), hidden_content=[], hidden_comments=[],
                               hidden_surveys=[], lift_reason="")
    db.session.add(sanction)
    db.session.commit()
    _assert_refused(check(app, {"X-API-Key": key}), "suspended")
    sanction.lifted_at = utcnow()
    db.session.commit()
    assert check(app, {"X-API-Key": key}).key_id == key_id


def test_the_limits_without_and_with_a_key(app, db, factory, limits):
    # Without a key: 2 requests a minute from one address, then 429 with Retry-After.
    answers = [check(app, ip="10.0.0.1") for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    refused = answers[-1]
    retry = int(refused.headers["Retry-After"])
    assert 1 <= retry <= 60
    assert refused.json["error"] == {"status": 429, "code": "rate_limited", "retry_after": retry,
                                     "message": refused.json["error"]["message"]}
    message = refused.json["error"]["message"]
    assert "2 requests every 60 seconds" in message and "API key" in message
    assert refused.headers["X-RateLimit-Limit"] == "2"
    # Another address has its own count.
    assert check(app, ip="10.0.0.2").status == 200
    # With a key, from the address that is over its limit: the key's own count, 3 requests.
    key_id, key = _key(db, factory)
    answers = [check(app, {"X-API-Key": key}, ip="10.0.0.1") for _ in range(4)]
    assert [a.status for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Limit"] for a in answers] == ["3"] * 4
    assert all(a.key_id == key_id for a in answers)
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert answers[-1].json["error"]["code"] == "rate_limited"
    assert "API key" not in answers[-1].json["error"]["message"]
    # Another key of the same member has its own count too.
    _other_id, other = _key(db, factory, name="Autre", user=db.session.get(ApiKey, key_id).user)
    assert check(app, {"Authorization": f"Bearer {other}"}, ip="10.0.0.1").status == 200


def test_the_limit_starts_again_with_the_next_window(app, db, limits):
    from sqlalchemy import update

    from csti.models import RateCounter

    assert [check(app).status for _ in range(3)] == [200, 200, 429]
    # The window is over (as if a minute had passed).
    db.session.execute(update(RateCounter).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    answer = check(app)
    assert answer.status == 200 and answer.headers["X-RateLimit-Remaining"] == "1"


def test_a_cors_preflight_is_neither_checked_nor_counted(app, db, limits):
    answer = check(app, {"X-API-Key": "not a key"}, method="OPTIONS")
    assert answer.status == 200 and answer.rate is None and "X-RateLimit-Limit" not in answer.headers
    assert check(app).headers["X-RateLimit-Remaining"] == "1"  # the first counted request



def test_the_limits_with_redis(app, db, factory, limits):
    """The same counts in Redis (CSTI_TEST_REDIS_URL, else the local one; skipped without Redis): no write to the database for a
    request without a key, nor for a key used less than a minute ago."""
    import os
    import secrets

    import redis

    from csti.throttle import RedisStore

    url = os.environ.get("CSTI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")  # as tests/accounts/test_login.py
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url}")
    redis_store = app.extensions["csti_throttle"] = RedisStore(url)  # the suite's fixture drops it afterwards
    ip = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    answers = [check(app, ip=ip) for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    key_id, key = _key(db, factory)
    redis_store.reset(f"api-key:{key_id}")  # ids start again in each test: a count left by an earlier run
    assert [check(app, {"X-API-Key": key}, ip=ip).status for _ in range(4)] == [200, 200, 200, 429]
    from sqlalchemy import func, select

    from csti.models import RateCounter

    assert db.session.scalar(select(func.count()).select_from(RateCounter)) == 0
    assert db.session.get(ApiKey, key_id).last_used_at is not None
