"""Two app servers on two loopback ports, one PostgreSQL database and one Redis between them
(docs/architecture.md §22): each server is a real gunicorn (gunicorn.conf.py, one worker: what its page cache holds is known) with
its own instance directory, so nothing passes through the local disk but the upload directory
declared shared. Through real HTTP:

(a) a member logged in on A is logged in on B (signed cookie + ``user_session`` row); logged out
    on A, the same cookie is dead on B;
(b) a list B keeps in its page cache shows, at once, an article published on A (DataVersion), and
    B's search finds it (PostgreSQL search backend);
(c) the cover uploaded on A is served by B (the shared upload directory; or, second run, an
    S3-compatible bucket, tests/scaleout/s3server.py);
(d) failed logins, and anonymous API requests, from one IP split between A and B reach the limit
    together (Redis counters).

Skipped unless CSTI_TEST_DATABASE_URL names a PostgreSQL server and Redis answers (CSTI_TEST_REDIS_URL,
else 127.0.0.1:6379/15); the Redis keys get a prefix of their own, deleted at the end. About 8 s a run, two runs."""
from __future__ import annotations

import io
import os
import re
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from tests.databases import PG_URL, scratch_database
from tests.servers import free_port, gunicorn_command, running
from tests.test_migrations import flask_db

REDIS_URL = os.environ.get("CSTI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.slow


def _redis():
    if not PG_URL or not PG_URL.startswith("postgres"):
        pytest.skip("needs CSTI_TEST_DATABASE_URL on PostgreSQL")
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


def _seed(url, instance):
    """A territory, an admin and a first published article, written through the models."""
    from csti import create_app
    from csti.extensions import db
    from csti.models import Article
    from tests.factories import Factory

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "SEARCH_BACKEND": "postgres",
                              "UPLOAD_DIR": str(instance / "uploads"), "SEARCH_DIR": str(instance / "search"),
                              "DOCUMENT_DIR": str(instance / "documents")})
    with app.app_context():
        factory = Factory(db)
        territory = factory.territory(slug="lyon", name="Lyon")
        admin = factory.user(email="admin@example.org", name="Adèle Admin", admin=True, password=PASSWORD)
        article = Article(title="Premier article", body="x", article_kind="news", territory=territory,
                          author=admin)
        article.publish()
        db.session.add(article)
        db.session.commit()
        ids = territory.id, article.id
        db.session.remove()
        db.engine.dispose()
    return ids


@contextmanager
def _server(name, tmp_path, env):
    import httpx

    port = free_port()
    instance = tmp_path / f"instance-{name}"
    instance.mkdir()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "WORKERS": "1", "CSTI_INSTANCE_DIR": str(instance)}
    with running(gunicorn_command(), f"server {name}", lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200,
                 log=tmp_path / f"{name}.log", env=env):
        yield base


def _form(html: str, form_id: str | None = None, action: str | None = None) -> dict:
    """The fields of a form of the page, with their values (hidden CSRF token included)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    if form_id:
        form = soup.find("form", id=form_id)
    else:
        form = next(f for f in soup.find_all("form") if (f.get("action") or "").split("?")[0] == action)
    assert form is not None, f"no form {form_id or action}"
    values = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "file", "checkbox", "radio"):
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            values[name] = chosen.get("value", "") if chosen else ""
        elif field.name == "textarea":
            values[name] = field.text
        else:
            values[name] = field.get("value", "")
    return values


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1200, 800), (200, 60, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("storage", ["shared-dir", "s3"])
def test_two_app_servers_share_sessions_pages_search_uploads_and_limits(tmp_path, storage):
    import httpx

    redis_client = _redis()
    prefix = f"csti-scaletest-{uuid.uuid4().hex[:8]}:"
    shared_uploads = tmp_path / "shared-uploads"
    shared_uploads.mkdir()
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database(tmp_path, "scaleout"))
        stack.callback(lambda: [redis_client.delete(k) for k in redis_client.scan_iter(f"{prefix}*")])
        flask_db(url, tmp_path / "migrate", "upgrade")
        territory_id, first_id = _seed(url, tmp_path / "seed")

        env = {k: v for k, v in os.environ.items() if not k.startswith("CSTI_")}
        env.update({
            "CSTI_ENV": "default", "CSTI_DATABASE_URL": url, "CSTI_SECRET_KEY": "two-servers-" + prefix,
            "CSTI_SEARCH_BACKEND": "postgres", "CSTI_REDIS_URL": REDIS_URL, "CSTI_REDIS_PREFIX": prefix,
            "CSTI_PAGE_CACHE_MB": "4", "CSTI_PAGE_CACHE_SECONDS": "600",  # only a write makes a page new
            "CSTI_MAIL_BACKEND": "locmem",
            "CSTI_LOGIN_MAX_ATTEMPTS_IP": "3", "CSTI_LOGIN_SLOWDOWN_MS": "0",
            "CSTI_API_RATE_ANON": "5", "CSTI_API_RATE_WINDOW": "600",
        })
        if storage == "s3":  # each server's UPLOAD_DIR stays its own (and empty)
            from .s3server import ACCESS_KEY, SECRET_KEY, S3Server

            s3 = stack.enter_context(S3Server())
            env.update({"CSTI_STORAGE": "s3", "CSTI_S3_BUCKET": "csti", "CSTI_S3_ENDPOINT_URL": s3.url,
                        "CSTI_S3_REGION": "us-east-1", "CSTI_S3_ACCESS_KEY": ACCESS_KEY,
                        "CSTI_S3_SECRET_KEY": SECRET_KEY})
        else:
            env["CSTI_UPLOAD_DIR"] = str(shared_uploads)
        a = stack.enter_context(_server("a", tmp_path, env))
        b = stack.enter_context(_server("b", tmp_path, env))
        assert a != b
        anon = stack.enter_context(httpx.Client(timeout=20))
        member = stack.enter_context(httpx.Client(timeout=20))

        # B keeps the list and a search in its page cache (asked twice: stored, then served).
        for _ in range(2):
            listing = anon.get(f"{b}/articles")
            assert listing.status_code == 200 and "Premier article" in listing.text
            assert "Nouvelles du quartier" not in anon.get(f"{b}/search", params={"q": "quartier"}).text
        # A write that does not go through the application (no DataVersion bump) stays unseen on
        # B's cached page: the cache is on and serves the stored page.
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute("UPDATE content SET title = 'Titre changé en douce' WHERE id = %s", (first_id,))
        assert "Titre changé en douce" not in anon.get(f"{b}/articles").text

        # (a) Logged in on A, logged in on B.
        assert member.get(f"{b}/account").status_code in (302, 303)
        page = member.get(f"{a}/login")
        fields = _form(page.text, action="/login")
        fields.update(email="admin@example.org", password=PASSWORD)
        response = member.post(f"{a}/login", data=fields)
        assert response.status_code == 303, response.text[:2000]
        assert member.get(f"{b}/account").status_code == 200

        # (b) + (c) Published on A, with a cover.
        fields = _form(member.get(f"{a}/articles/new").text, form_id="article-form")
        fields.update(title="Nouvelles du quartier", body="Une fête de quartier au parc.",
                      territory=str(territory_id), article_kind="news", cover_alt="Une affiche rouge",
                      action="publish")
        response = member.post(f"{a}/articles/new", data=fields,
                               files={"cover": ("affiche.png", _png(), "image/png")})
        assert response.status_code == 303, response.text[:3000]
        article_url = response.headers["Location"]

        listing = anon.get(f"{b}/articles").text
        assert "Nouvelles du quartier" in listing
        assert "Titre changé en douce" in listing  # the whole page rendered again
        found = anon.get(f"{b}/search", params={"q": "quartier"}).text
        assert "Nouvelles du quartier" in found

        shown = anon.get(f"{b}{article_url}" if article_url.startswith("/") else article_url.replace(a, b))
        assert shown.status_code == 200 and "Nouvelles du quartier" in shown.text
        images = re.findall(r'src="(/media/[^"]+)"', shown.text)
        assert images, "no cover on the article's page"
        image = anon.get(f"{b}{images[0]}")
        assert image.status_code == 200 and image.content[:4] == b"RIFF"  # WebP, written by A
        assert not list((tmp_path / "instance-b").rglob("*.webp"))  # nothing of it in B's own instance
        if storage == "s3":
            assert f"{images[0].removeprefix('/media/')}" in s3.keys() and image.content == \
                s3.objects[("csti", images[0].removeprefix("/media/"))][0]
            assert not list((tmp_path / "instance-a").rglob("*.webp"))
        else:
            assert (shared_uploads / images[0].removeprefix("/media/")).is_file()

        # (a) Logged out on A: the cookie copied before is dead on B too.
        kept = dict(member.cookies)
        fields = _form(member.get(f"{a}/account").text, action="/logout")
        assert member.post(f"{a}/logout", data=fields).status_code == 303
        with httpx.Client(timeout=20, cookies=kept) as replay:
            assert replay.get(f"{b}/account").status_code in (302, 303)

        # (d) Failed logins from one IP, alternately on A and B: the limit (3) is reached together.
        statuses = []
        for n, base in enumerate((a, b, a, b, a)):
            fields = _form(anon.get(f"{base}/login").text, action="/login")
            fields.update(email=f"nobody{n}@example.org", password="wrong password")
            statuses.append(anon.post(f"{base}/login", data=fields).status_code)
        assert statuses == [422, 422, 422, 429, 429]

        # (d) Anonymous API requests (limit 5): counted together.
        statuses = [anon.get(f"{base}/api/v1/territories").status_code for base in (a, b, a, b, a, b, a)]
        assert statuses == [200] * 5 + [429] * 2
        # Counted in Redis, not in the (also shared) database's rate_counter table.
        assert int(redis_client.get(f"{prefix}rl:login:ip:127.0.0.1")) >= 3
        assert any(redis_client.scan_iter(f"{prefix}rl:api*"))
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            assert conn.execute("SELECT count(*) FROM rate_counter").fetchone()[0] == 0
        logs = "".join(Path(tmp_path, f"{n}.log").read_text() for n in "ab")
        assert "Traceback" not in logs, logs[-3000:]
