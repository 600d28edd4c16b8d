"""The Host header is not trusted (issue 11): absolute URLs — in mails, feeds, cached pages — come
from the configured ``SERVER_NAME`` and ``PREFERRED_URL_SCHEME``; a Host outside
``TRUSTED_HOSTS`` gets a 400; production refuses to start without a server name; ProxyFix is
applied only when configured."""
import re

import pytest
from webtest import TestApp

from csti import create_app
from csti.extensions import db as _db
from csti.models import Article
from tests.conftest import isolated

SITE = "csti.example.org"


@pytest.fixture
def make_app(app, database_url):
    """``make_app(**config)``: another app on the test database with these settings."""
    made = []

    def make(name="test", **config):
        other = create_app(name, {"SQLALCHEMY_DATABASE_URI": database_url, "SEARCH_DIR": app.config["SEARCH_DIR"],
                                  "UPLOAD_DIR": app.config["UPLOAD_DIR"], **config})
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


def _client(app, host, **environ):
    return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en",
                                                 "HTTP_HOST": host, **environ})


def _outbox(app):
    """The messages ``app`` sent (each app has its own Flask-Mailman state)."""
    state = app.extensions["mailman"]
    if not hasattr(state, "outbox"):
        state.outbox = []
    return state.outbox


def _ask_reset(client, email):
    page = client.get("/forgot")
    page.forms["forgot-form"]["email"] = email
    page.forms["forgot-form"].submit()


# --- mails -------------------------------------------------------------------------------------
def test_reset_link_uses_the_configured_name_not_the_forged_host(make_app, db, factory):
    site = make_app(SERVER_NAME=SITE, PREFERRED_URL_SCHEME="https", TRUST_ANY_HOST=True)
    mails = _outbox(site)
    factory.user(email="alice@example.org")
    _ask_reset(_client(site, "evil.example"), "alice@example.org")
    assert len(mails) == 1
    links = re.findall(r"https?://[^\s\"<>]+", mails[0].body)
    assert links and all(link.startswith(f"https://{SITE}/") for link in links), links
    assert "evil.example" not in mails[0].body


def test_links_use_the_configured_scheme_behind_a_plain_http_proxy(make_app, db, factory):
    """TLS ends at the proxy: the request comes as http, the links are https all the same."""
    site = make_app(SERVER_NAME=SITE, PREFERRED_URL_SCHEME="https")
    mails = _outbox(site)
    factory.user(email="alice@example.org")
    _ask_reset(_client(site, SITE, **{"wsgi.url_scheme": "http"}), "alice@example.org")
    assert re.search(rf"https://{re.escape(SITE)}/reset/\S+", mails[0].body), mails[0].body


# --- trusted hosts -----------------------------------------------------------------------------
def test_a_forged_host_gets_400_when_trusted_hosts_are_set(make_app, db):
    site = make_app(SERVER_NAME=SITE, TRUSTED_HOSTS=[SITE, "www." + SITE])
    assert _client(site, SITE).get("/").status_int == 200
    assert _client(site, "www." + SITE + ":8080").get("/").status_int == 200
    assert _client(site, "evil.example").get("/", status=400).status_int == 400
    assert _client(site, "evil.example").get("/articles.atom", status=400).status_int == 400


def test_trusted_hosts_default_to_the_server_name(make_app, db):
    site = make_app(SERVER_NAME=f"{SITE}:8443")
    assert site.config["TRUSTED_HOSTS"] == [SITE]
    assert _client(site, f"{SITE}:8443").get("/").status_int == 200
    _client(site, "evil.example").get("/", status=400)


@pytest.mark.parametrize("value,expected", [
    ("csti.example.org, .csti.example.org", ["csti.example.org", ".csti.example.org"]),
    ("*", None),
])
def test_trusted_hosts_from_the_environment(monkeypatch, make_app, value, expected):
    monkeypatch.setenv("CSTI_TRUSTED_HOSTS", value)
    monkeypatch.setenv("CSTI_SERVER_NAME", SITE)
    site = make_app("default", SECRET_KEY="x")
    assert site.config["TRUSTED_HOSTS"] == expected
    assert site.config["SERVER_NAME"] == SITE


# --- the page cache ----------------------------------------------------------------------------
def test_a_cached_feed_is_not_poisoned_by_a_forged_host(make_app, db, factory):
    """Without a server name (development) links follow the Host: a page rendered for a forged
    Host is kept under that host, never served to the others."""
    site = make_app(PAGE_CACHE_MB=1)
    territory = factory.territory()
    article = Article(title="Un article", territory=territory, body="x")
    article.publish()
    db.session.add(article)
    db.session.commit()
    assert "evil.example" in _client(site, "evil.example").get("/articles.atom").text
    for path in ("/articles.atom", "/agenda.ics"):
        _client(site, "evil.example").get(path)
        assert "evil.example" not in _client(site, "localhost").get(path).text
    # Nor by a forged scheme.
    _client(site, "localhost", **{"wsgi.url_scheme": "https"}).get("/articles.atom")
    assert "https://" not in _client(site, "localhost").get("/articles.atom").text.split("<entry>")[1]


def test_with_a_server_name_cached_feeds_link_to_it_whatever_the_host(make_app, db, factory):
    site = make_app(PAGE_CACHE_MB=1, SERVER_NAME=SITE, PREFERRED_URL_SCHEME="https", TRUST_ANY_HOST=True)
    territory = factory.territory()
    article = Article(title="Un article", territory=territory, body="x")
    article.publish()
    db.session.add(article)
    db.session.commit()
    feed = _client(site, "evil.example").get("/articles.atom").text
    assert f'href="https://{SITE}/articles"' in feed and f"https://{SITE}/article/{article.id}-" in feed


# --- production --------------------------------------------------------------------------------
def test_production_refuses_to_start_without_a_server_name(make_app, monkeypatch):
    monkeypatch.delenv("CSTI_SERVER_NAME", raising=False)
    with pytest.raises(RuntimeError, match="CSTI_SERVER_NAME"):
        make_app("production", SECRET_KEY="x")
    site = make_app("production", SECRET_KEY="x", SERVER_NAME=SITE)
    assert site.config["PREFERRED_URL_SCHEME"] == "https"
    assert site.config["TRUSTED_HOSTS"] == [SITE]


@pytest.mark.parametrize("config,message", [
    ({"SERVER_NAME": "https://csti.example.org/"}, "CSTI_SERVER_NAME"),
    ({"SERVER_NAME": SITE, "PREFERRED_URL_SCHEME": "ftp"}, "CSTI_URL_SCHEME"),
    ({"PROXY_FIX": "x_for=one"}, "CSTI_PROXY_FIX"),
    ({"PROXY_FIX": "x_forwarded=1"}, "CSTI_PROXY_FIX"),
])
def test_bad_settings_are_refused_with_a_clear_message(make_app, config, message):
    with pytest.raises((RuntimeError, ValueError), match=message):
        make_app(**config)


def test_production_refuses_to_start_from_the_command_line(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "empty.env").write_text("")  # not a developer's own .env
    env = {**os.environ, "CSTI_ENV": "production", "CSTI_INSTANCE_DIR": str(tmp_path), "FLASK_APP": "wsgi",
           "CSTI_SECRET_KEY": "x", "CSTI_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
           "CSTI_ENV_FILE": str(tmp_path / "empty.env")}
    env.pop("CSTI_SERVER_NAME", None)
    result = subprocess.run([sys.executable, "-c", "import wsgi"], env=env, capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.dirname(__file__)))
    assert result.returncode != 0
    assert "CSTI_SERVER_NAME" in result.stderr


# --- behind a reverse proxy --------------------------------------------------------------------
def _seen_ip(app):
    """What throttling sees (``request.remote_addr``, read by the login and sign-up limits)."""
    if "test_ip" not in app.view_functions:
        from flask import request

        app.add_url_rule("/_test/ip", "test_ip", lambda: request.remote_addr or "")
    return app


def test_proxy_fix_off_by_default_ignores_x_forwarded_for(make_app):
    site = _seen_ip(make_app())
    response = _client(site, "localhost").get("/_test/ip", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.text == "127.0.0.1"


@pytest.mark.parametrize("setting", ["1", "x_for=1,x_proto=1,x_host=0"])
def test_proxy_fix_when_enabled_uses_the_proxy_headers(make_app, db, factory, setting):
    site = _seen_ip(make_app(PROXY_FIX=setting))
    mails = _outbox(site)
    client = _client(site, "localhost")
    response = client.get("/_test/ip", headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"})
    assert response.text == "203.0.113.9"  # the address the one trusted proxy saw
    # https links from X-Forwarded-Proto when no server name is set.
    factory.user(email="alice@example.org")
    page = client.get("/forgot", headers={"X-Forwarded-Proto": "https"})
    page.forms["forgot-form"]["email"] = "alice@example.org"
    page.forms["forgot-form"].submit(headers={"X-Forwarded-Proto": "https", "Referer": "https://localhost/forgot"})
    assert "https://localhost/reset/" in mails[0].body


class RecordingStore:
    """The rate-limit store, remembering the keys counted."""

    def __init__(self, inner):
        self.inner, self.keys = inner, []

    def hit(self, key, *args, **kwargs):
        self.keys.append(key)
        return self.inner.hit(key, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_throttling_counts_per_forwarded_address_only_when_proxy_fix_is_on(make_app, db):
    """Two clients behind the proxy: with ProxyFix the login limits see each one's address."""
    from csti.throttle import DatabaseStore

    for setting, distinct in (("", False), ("1", True)):
        site = make_app(PROXY_FIX=setting)
        recorder = site.extensions["csti_throttle"] = RecordingStore(DatabaseStore())
        client = _client(site, "localhost")
        for address in ("198.51.100.1", "198.51.100.2"):
            page = client.get("/login")
            page.forms["login-form"]["email"] = "nobody@example.org"
            page.forms["login-form"]["password"] = "wrong password here"
            page.forms["login-form"].submit(headers={"X-Forwarded-For": address}, status="*")
        keys = " ".join(map(str, recorder.keys))
        assert keys, "the failed logins were counted"
        assert ("198.51.100.1" in keys and "198.51.100.2" in keys) is distinct, keys
        assert ("127.0.0.1" in keys) is not distinct, keys
