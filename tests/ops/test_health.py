"""``/healthz?deep=1`` (docs/architecture.md §20): 200 and ``ok`` when every dependency is fine,
503 and the failing check named otherwise; never a path."""
import pytest
import sqlalchemy as sa
from webtest import TestApp

from csti.extensions import db as _db
from csti.health import migration_heads
from csti.search.whoosh_backend import WhooshBackend
from tests.conftest import isolated
from tests.test_hosts import make_app  # noqa: F401 — the fixture


@pytest.fixture
def stamped(app, db):
    """The test database (made by create_all) stamped at a revision like a migrated one."""
    head = migration_heads()[0]

    def stamp(revision=head):
        with _db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM alembic_version"))
            conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": revision})

    with _db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)"))
    stamp()
    yield stamp
    with _db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))


@pytest.fixture
def search_index(app, monkeypatch, tmp_path):
    """A Whoosh index of the test's own, created (empty)."""
    backend = WhooshBackend(str(tmp_path / "search"))
    backend.current_dir()
    monkeypatch.setitem(app.extensions, "csti_search", backend)
    return backend


def _deep(testapp, status):
    page = testapp.get("/healthz?deep=1", status=status)
    assert page.content_type == "application/json"
    assert page.headers["Cache-Control"] == "no-store"
    return page.json


def test_plain_healthz_is_unchanged(testapp):
    page = testapp.get("/healthz")
    assert page.text == "ok" and page.headers["Cache-Control"] == "no-store"


def test_deep_health_ok(app, testapp, stamped, search_index, factory):
    report = _deep(testapp, 200)
    assert report["status"] == "ok"
    checks = report["checks"]
    assert checks["database"] == {"ok": True, "revision": migration_heads()[0], "at_head": True}
    assert checks["search"]["ok"] and checks["search"]["backend"] == "whoosh"
    assert checks["search"]["documents"] == 0 and checks["search"]["outbox"] == 0
    assert checks["disk"]["ok"] and checks["disk"]["uploads"]["free_mb"] > 0
    assert set(checks) <= {"database", "search", "disk", "redis", "storage"}
    assert ("redis" in checks) == bool(app.config.get("REDIS_URL"))
    # Nothing of the machine: no directory, no host.
    text = testapp.get("/healthz?deep=1").text
    for secret in (app.instance_path, app.config["UPLOAD_DIR"], str(search_index.root), "127.0.0.1"):
        assert secret not in text


def test_a_database_behind_head_fails(testapp, stamped, search_index):
    stamped("27739d42ad8a")
    report = _deep(testapp, 503)
    assert report["status"] == "fail"
    assert report["checks"]["database"] == {"ok": False, "revision": "27739d42ad8a", "at_head": False}
    assert report["checks"]["search"]["ok"]


def test_a_database_never_migrated_fails(testapp, db, search_index):
    report = _deep(testapp, 503)
    assert report["checks"]["database"]["ok"] is False and "revision" not in report["checks"]["database"]


def test_a_missing_search_index_fails(app, testapp, stamped, monkeypatch, tmp_path):
    monkeypatch.setitem(app.extensions, "csti_search", WhooshBackend(str(tmp_path / "none")))
    report = _deep(testapp, 503)
    assert report["checks"]["search"] == {"ok": False, "backend": "whoosh", "error": "index missing",
                                         "outbox": 0}
    assert report["checks"]["database"]["ok"]
    assert not list((tmp_path / "none").iterdir())  # the check never creates one


def test_low_disk_fails_under_the_threshold(app, testapp, stamped, search_index, monkeypatch):
    monkeypatch.setitem(app.config, "HEALTH_MIN_FREE_MB", 10 ** 12)
    report = _deep(testapp, 503)
    disk = report["checks"]["disk"]
    assert disk["ok"] is False and disk["min_free_mb"] == 10 ** 12
    assert disk["instance"]["ok"] is False and disk["documents"]["ok"] is False


def test_an_unreachable_redis_fails(app, testapp, stamped, search_index, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:9/0")  # discard port: refused
    monkeypatch.delitem(app.extensions, "csti_throttle", raising=False)
    report = _deep(testapp, 503)
    assert report["checks"]["redis"]["ok"] is False


def test_deep_health_is_never_page_cached(make_app, stamped, search_index, monkeypatch):  # noqa: F811
    """With the page cache on (as in production), the second answer is computed again."""
    other = make_app(PAGE_CACHE_MB=1)
    assert "csti_page_cache" in other.extensions
    monkeypatch.setitem(other.extensions, "csti_search", search_index)
    client = TestApp(isolated(other), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    assert _deep(client, 200)["status"] == "ok"
    monkeypatch.setitem(other.config, "HEALTH_MIN_FREE_MB", 10 ** 12)
    assert _deep(client, 503)["status"] == "fail"
    # A cached page still gets its own request id.
    first, second = client.get("/"), client.get("/")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_migration_heads_reads_the_line(tmp_path):
    (tmp_path / "a.py").write_text("revision = 'aaa'\ndown_revision = None\n")
    (tmp_path / "b.py").write_text('revision = "bbb"\ndown_revision = "aaa"\n')
    (tmp_path / "c.py").write_text("revision = 'ccc'\ndown_revision = ('bbb', 'ddd')\n")
    (tmp_path / "d.py").write_text("revision = 'ddd'\ndown_revision = 'aaa'\n")
    assert migration_heads(tmp_path) == ("ccc",)


def test_the_postgres_backend_counts_its_table(app, testapp, stamped, monkeypatch):
    from csti.search import make_backend

    if _db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL search backend needs PostgreSQL")
    monkeypatch.setitem(app.extensions, "csti_search", make_backend(app, "postgres"))
    report = _deep(testapp, 200)
    assert report["checks"]["search"] == {"ok": True, "backend": "postgres", "documents": 0, "outbox": 0}


def test_the_s3_bucket_is_checked(app, testapp, stamped, search_index, monkeypatch):
    """CSTI_STORAGE=s3: the bucket answers (ok), is missing or does not answer (fail, 503)."""
    from tests.scaleout.s3server import ACCESS_KEY, SECRET_KEY, S3Server

    def use(url, bucket="csti"):
        for key, value in (("STORAGE", "s3"), ("S3_BUCKET", bucket), ("S3_ENDPOINT_URL", url),
                           ("S3_REGION", "us-east-1"), ("S3_ACCESS_KEY", ACCESS_KEY),
                           ("S3_SECRET_KEY", SECRET_KEY), ("S3_TIMEOUT", "1")):
            monkeypatch.setitem(app.config, key, value)
        app.extensions.pop("csti_storage", None)

    try:
        with S3Server() as server:
            use(server.url)
            report = _deep(testapp, 200)
            assert report["checks"]["storage"] == {"ok": True}
            assert server.url.split("//")[1] not in testapp.get("/healthz?deep=1").text
            use(server.url, bucket="missing")
            assert _deep(testapp, 503)["checks"]["storage"] == {"ok": False}
        use("http://127.0.0.1:9")  # nothing listens
        report = _deep(testapp, 503)
        assert report["status"] == "fail" and report["checks"]["storage"]["ok"] is False
        assert report["checks"]["storage"]["error"] == "OSError"
    finally:
        app.extensions.pop("csti_storage", None)
