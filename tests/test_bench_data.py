"""The benchmark's dataset (csti/demo/bench.py, ``flask csti seed-bench``): the same rows for the
same seed and day, a schema the site reads (every page answers), a search index that matches the
database, and never a database it did not make."""
import hashlib
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from csti import create_app
from csti.demo.bench import CONTENT_KINDS, SMALL, Generator, bench_engine
from csti.extensions import db as _db

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 3, 10)
SEARCH_TABLES = ("search_document", "search_word")  # PostgreSQL only


def _generate(path, seed):
    engine = bench_engine(f"sqlite:///{path}")
    _db.metadata.create_all(engine, tables=[t for t in _db.metadata.sorted_tables if t.name not in SEARCH_TABLES])
    counts = Generator(engine, SMALL, seed, today=TODAY).run(log=lambda line: None)
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in ("content", "event_occurrence", "content_tag", "follow", "comment", "registration",
                      "booking"):
            for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2")):
                digest.update(repr(tuple(row)).encode())
    engine.dispose()
    return counts, digest.hexdigest()


def test_same_seed_same_rows(tmp_path):
    counts, first = _generate(tmp_path / "a.db", 7)
    assert _generate(tmp_path / "b.db", 7) == (counts, first)
    assert _generate(tmp_path / "c.db", 8)[1] != first
    assert counts["content"] == sum(getattr(SMALL, kind) for kind in CONTENT_KINDS) + 3  # + the pages
    assert counts["resource"] == SMALL.resources and counts["booking"] == SMALL.bookings
    assert counts["follow"] == SMALL.follows and counts["comment"] == SMALL.comments


@pytest.fixture
def bench_app(app, tmp_path):
    bench = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'bench.db'}",
                                "SEARCH_DIR": str(tmp_path / "search"), "UPLOAD_DIR": str(tmp_path / "uploads")})
    yield bench
    with bench.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _flask(tmp_path, *args):
    """``flask …`` in a process of its own (Alembic's logging set-up stays out of the test run)."""
    env = {**os.environ, "FLASK_APP": "wsgi", "CSTI_ENV": "default", "CSTI_INSTANCE_DIR": str(tmp_path),
           "CSTI_DATABASE_URL": f"sqlite:///{tmp_path / 'bench.db'}", "CSTI_SEARCH_DIR": str(tmp_path / "search"),
           "CSTI_UPLOAD_DIR": str(tmp_path / "uploads")}
    return subprocess.run([str(Path(sys.executable).parent / "flask"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_seed_bench_makes_a_site_that_answers(bench_app, tmp_path):
    result = _flask(tmp_path, "csti", "seed-bench", "--scale", "small")
    assert result.returncode == 0, result.stderr
    assert "search index" in result.stdout
    # The index was rebuilt from the bulk-inserted rows: nothing missing, extra or out of date.
    check = _flask(tmp_path, "csti", "search-check")
    assert check.returncode == 0, check.stdout + check.stderr
    client = bench_app.test_client()
    for url in ("/", "/t/occitanie", "/agenda?territory=bretagne", "/actors?territory=normandie&kind=fablab",
                "/actors.geojson?territory=occitanie", "/articles", "/projects", "/dossiers", "/tags/astronomie",
                "/search?q=astronomie", "/articles.atom", "/t/occitanie/agenda.ics", "/resources",
                "/resources?kind=kit&audience=libraries"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert b"astronomie" in client.get("/search?q=astronomie").data.lower()
    # A second run would mix two datasets: refused, unless asked to replace it.
    again = _flask(tmp_path, "csti", "seed-bench", "--scale", "small")
    assert again.returncode != 0 and "--force" in again.stderr


def test_seed_bench_never_touches_a_database_it_did_not_make(app, db, factory, runner):
    factory.user(email="vraie.personne@example.org")
    result = runner.invoke(args=["csti", "seed-bench", "--scale", "small", "--force"])
    assert result.exit_code != 0 and "did not make" in result.output
    assert db.session.execute(text('SELECT count(*) FROM "user"')).scalar() == 1


def test_loans_never_overlap_and_cover_every_state(tmp_path):
    """The resource centre's share of the dataset at a tiny scale: every booking asked for, in
    each state, over about a year either side; accepted (and returned) loans of one resource never
    meet — dates are whole days, both ends included — and a lent resource was lendable."""
    tiny = replace(SMALL, structures=60, events=40, articles=20, announcements=10, projects=10, dossiers=200,
                   members=100, follows=50, comments=30, reactions=30, registrations=10, notifications=10,
                   resources=60, bookings=400)
    engine = bench_engine(f"sqlite:///{tmp_path / 'tiny.db'}")
    _db.metadata.create_all(engine, tables=[t for t in _db.metadata.sorted_tables if t.name not in SEARCH_TABLES])
    counts = Generator(engine, tiny, 3, today=TODAY).run(log=lambda line: None)
    assert counts["resource"] == 60 and counts["booking"] == 400
    with engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT status, count(*) FROM booking GROUP BY status")).all())
        assert set(statuses) == {"requested", "accepted", "declined", "cancelled", "returned"}
        overlaps = conn.execute(text(
            "SELECT count(*) FROM booking a JOIN booking b ON a.resource_id = b.resource_id AND a.id < b.id "
            "WHERE a.status IN ('accepted', 'returned') AND b.status IN ('accepted', 'returned') "
            "AND a.starts_on <= b.ends_on AND b.starts_on <= a.ends_on")).scalar()
        assert overlaps == 0
        first, last = conn.execute(text("SELECT min(starts_on), max(ends_on) FROM booking")).one()
        assert str(first) < str(TODAY - timedelta(days=300)) and str(last) > str(TODAY + timedelta(days=250))
        assert conn.execute(text("SELECT count(*) FROM booking WHERE ends_on < starts_on")).scalar() == 0
        assert conn.execute(text(
            "SELECT count(*) FROM booking b JOIN resource r ON r.id = b.resource_id WHERE NOT r.lendable")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM booking WHERE status = 'returned' AND ends_on >= :d"),
                            {"d": TODAY}).scalar() == 0
        partners = dict(conn.execute(text("SELECT code, count(*) FROM dossier_partner GROUP BY code")).all())
        assert set(partners) == {"libraries", "tourism"}
        assert conn.execute(text(
            "SELECT count(*) FROM dossier_partner p JOIN dossier_item i ON i.dossier_id = p.dossier_id "
            "JOIN content_audience a ON a.content_id = i.content_id AND a.code = p.code")).scalar() > 0
    engine.dispose()
