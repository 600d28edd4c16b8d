"""Login, rate limits, logout, logout everywhere, password reset and sessions."""
import re

import pytest
from webtest import TestApp

from csti.models import User
from tests.conftest import isolated, login
from tests.factories import PASSWORD


def _client(app):
    return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "10.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en"})


def _logged_in(client):
    return "Account settings" in client.get("/").text


def test_login_and_logout(testapp_en, factory):
    user = factory.user(email="bob@example.org", name="Bob")
    response = login(testapp_en, "BOB@example.org")
    assert response.status_int == 303
    page = response.follow()
    assert "Bob" in page.html.find("details", class_="menu-right").summary.text
    logout = [f for f in page.forms.values() if f.action == "/logout"][0]
    logout.submit()
    assert not _logged_in(testapp_en)
    assert user.id


def test_login_redirects_to_a_safe_next(testapp_en, factory):
    factory.user(email="bob@example.org")
    page = testapp_en.get("/login?next=/tags")
    form = page.forms["login-form"]
    form["email"], form["password"] = "bob@example.org", PASSWORD
    assert form.submit().location.endswith("/tags")
    testapp_en.reset()
    page = testapp_en.get("/login?next=https://evil.example/")
    form = page.forms["login-form"]
    form["email"], form["password"] = "bob@example.org", PASSWORD
    assert "evil" not in form.submit().location


def test_wrong_password_is_422_with_a_message(testapp_en, factory):
    factory.user(email="bob@example.org")
    response = login(testapp_en, "bob@example.org", "not the password")
    assert response.status_int == 422
    assert "Wrong e-mail address or password" in response.html.find(id="password-error").text
    unknown = login(testapp_en, "nobody@example.org", "not the password")
    assert unknown.status_int == 422
    assert unknown.html.find(id="password-error").text == response.html.find(id="password-error").text


def test_remember_me_sets_a_long_lived_cookie(testapp_en, factory):
    factory.user(email="bob@example.org")
    login(testapp_en, "bob@example.org", remember=True)
    assert "remember_token" in testapp_en.cookies
    other = factory.user(email="carol@example.org")
    client = TestApp(testapp_en.app, extra_environ={"REMOTE_ADDR": "10.0.0.9"})
    login(client, other.email)
    assert "remember_token" not in client.cookies


def test_failures_from_one_address_do_not_lock_the_owner_out_from_another(app, testapp_en, factory):
    factory.user(email="bob@example.org")
    attacker = TestApp(testapp_en.app, extra_environ={"REMOTE_ADDR": "10.1.0.1", "HTTP_ACCEPT_LANGUAGE": "en"})
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS_ACCOUNT"] + 1):
        login(attacker, "bob@example.org", "bad password!!")
    blocked = login(attacker, "bob@example.org", PASSWORD)  # even the right password, from there
    assert blocked.status_int == 429
    assert "Too many failed attempts" in blocked.text
    assert not _logged_in(attacker)
    # The owner, from home, logs in at once.
    owner = TestApp(testapp_en.app, extra_environ={"REMOTE_ADDR": "192.0.2.7", "HTTP_ACCEPT_LANGUAGE": "en"})
    assert login(owner, "bob@example.org", PASSWORD).status_int == 303
    assert _logged_in(owner)


def test_many_failures_on_one_account_from_everywhere_slow_down_without_locking(app, testapp_en, factory,
                                                                                monkeypatch):
    factory.user(email="bob@example.org")
    waits = []
    monkeypatch.setattr("csti.blueprints.accounts.routes.slow_down", waits.append)
    threshold = app.config["LOGIN_SLOWDOWN_ACCOUNT"]
    for i in range(threshold + 2):  # a botnet: one attempt per address
        client = TestApp(testapp_en.app, extra_environ={"REMOTE_ADDR": f"10.3.{i // 250}.{i % 250}"})
        assert login(client, "bob@example.org", "bad password!!").status_int == 422
    assert waits[:threshold] == [0] * threshold
    assert waits[threshold:] == [app.config["LOGIN_SLOWDOWN_SECONDS"]] * 2 and waits[-1] > 0
    owner = TestApp(testapp_en.app, extra_environ={"REMOTE_ADDR": "192.0.2.7", "HTTP_ACCEPT_LANGUAGE": "en"})
    assert login(owner, "bob@example.org", PASSWORD).status_int == 303  # never locked, never slowed
    assert len(waits) == threshold + 2


def test_site_wide_failures_slow_every_failure_down(app, testapp_en, factory, monkeypatch):
    waits = []
    monkeypatch.setattr("csti.blueprints.accounts.routes.slow_down", waits.append)
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN_SITE", 3)
    for i in range(5):
        client = TestApp(testapp_en.app, extra_environ={"REMOTE_ADDR": f"10.4.0.{i}"})
        login(client, f"person{i}@example.org", "bad password!!")
    assert [w > 0 for w in waits] == [False, False, False, True, True]


def test_rate_limit_per_ip(app, testapp_en, factory):
    limit = app.config["LOGIN_MAX_ATTEMPTS_IP"]
    factory.user(email="bob@example.org")
    for i in range(limit):
        assert login(testapp_en, f"someone{i}@example.org", "bad password!!").status_int == 422
    blocked = login(testapp_en, "bob@example.org", PASSWORD)
    assert blocked.status_int == 429
    other_ip = _client(testapp_en.app)
    assert login(other_ip, "bob@example.org", PASSWORD).status_int == 303


def test_rate_limit_counts_are_shared_through_redis(app, factory):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    client.flushdb()
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    app.extensions.pop("csti_throttle", None)
    try:
        factory.user(email="bob@example.org")
        limit = app.config["LOGIN_MAX_ATTEMPTS_ACCOUNT"]
        for _ in range(limit):  # each attempt through another worker's app, the same address
            other = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "10.2.0.1"})
            login(other, "bob@example.org", "bad password!!")
        assert [int(client.get(key)) for key in client.keys("csti:rl:login:pair:10.2.0.1:*")] == [limit]
        again = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "10.2.0.1"})
        assert login(again, "bob@example.org", PASSWORD).status_int == 429
        fresh = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "10.2.9.9"})
        assert login(fresh, "bob@example.org", PASSWORD).status_int == 303
    finally:
        app.config["REDIS_URL"] = None
        app.extensions.pop("csti_throttle", None)
        client.flushdb()


def test_logout_everywhere_ends_other_sessions_and_remember_cookies(app, factory):
    factory.user(email="bob@example.org")
    laptop, phone = _client(app), _client(app)
    login(laptop, "bob@example.org")
    login(phone, "bob@example.org", remember=True)
    remembered = phone.cookies["remember_token"]
    assert _logged_in(laptop) and _logged_in(phone)
    page = laptop.get("/account")
    form = [f for f in page.forms.values() if f.action == "/account/logout-everywhere"][0]
    form.submit()
    assert _logged_in(laptop)
    assert not _logged_in(phone)
    # A remember-me cookie from before does not log in either.
    thief = _client(app)
    thief.set_cookie("remember_token", remembered)
    assert not _logged_in(thief)


def test_logout_requires_post_with_csrf(testapp_en, factory):
    factory.user(email="bob@example.org")
    login(testapp_en, "bob@example.org")
    testapp_en.get("/logout", status=405)
    testapp_en.post("/logout", status=400)
    assert _logged_in(testapp_en)


def _reset_link(mails):
    return re.search(r"http://localhost(/reset/\S+)", mails[-1].body).group(1)


def test_forgot_password_same_answer_whether_or_not_the_account_exists(testapp_en, factory, mails):
    factory.user(email="bob@example.org")
    answers = []
    for email in ("bob@example.org", "nobody@example.org"):
        page = testapp_en.get("/forgot")
        form = page.forms["forgot-form"]
        form["email"] = email
        response = form.submit()
        answers.append((response.status_int, response.html.find("h1").text))
    assert answers[0] == answers[1]
    assert len(mails) == 1 and mails[0].to == ["bob@example.org"]


def test_reset_changes_password_ends_other_sessions_and_is_single_use(app, db, factory, mails):
    user = factory.user(email="bob@example.org")
    other_session = _client(app)
    login(other_session, "bob@example.org")
    client = _client(app)
    page = client.get("/forgot")
    page.forms["forgot-form"]["email"] = "bob@example.org"
    page.forms["forgot-form"].submit()
    link = _reset_link(mails)
    page = client.get(link)
    form = page.forms["reset-form"]
    form["password"] = form["confirm"] = "a brand new long password"
    response = form.submit()
    assert response.status_int == 303
    assert _logged_in(client)
    assert not _logged_in(other_session)
    db.session.rollback()
    assert db.session.get(User, user.id).check_password("a brand new long password")
    # The link works once.
    again = _client(app).get(link, status=400)
    assert "not valid" in again.text


def test_reset_with_a_weak_password_keeps_the_old_one(app, db, factory, mails):
    user = factory.user(email="bob@example.org")
    client = _client(app)
    page = client.get("/forgot")
    page.forms["forgot-form"]["email"] = "bob@example.org"
    page.forms["forgot-form"].submit()
    page = client.get(_reset_link(mails))
    form = page.forms["reset-form"]
    form["password"] = form["confirm"] = "password"
    assert form.submit(expect_errors=True).status_int == 422
    db.session.rollback()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_expired_reset_token(app, factory, mails):
    factory.user(email="bob@example.org")
    client = _client(app)
    page = client.get("/forgot")
    page.forms["forgot-form"]["email"] = "bob@example.org"
    page.forms["forgot-form"].submit()
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    try:
        response = client.get(_reset_link(mails), status=400)
    finally:
        app.config["RESET_TOKEN_MAX_AGE"] = 3600
    assert "expired" in response.text
