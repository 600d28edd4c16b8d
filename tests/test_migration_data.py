"""Migrations keep the data of a database in use: upgrading a database holding territories,
members, content and audit rows (from the revision before issue 15's migrations) to the head,
then downgrading it again, loses nothing — on SQLite (foreign keys ON, where rebuilding a
referenced table in batch mode cascades deletes or fails) and on PostgreSQL when
CSTI_TEST_DATABASE_URL is set."""
import datetime as dt

import pytest
import sqlalchemy as sa

from .databases import scratch_database
from .test_migrations import flask_db

BEFORE = "e5f6a7b8c9d0"


def _fill(conn):
    now = dt.datetime(2026, 11, 1, 10, 0)
    common = dict(description="", center_lat=45.0, center_lng=5.0, zoom=9, color_primary="#000000",
                  color_secondary="#ffffff")
    meta = sa.MetaData()
    meta.reflect(conn, only=["territory", "user", "membership", "content", "audit_log"])
    t = meta.tables
    conn.execute(t["territory"].insert(), [
        dict(id=1, slug="open", name="Open", trusts_members=True, **common),
        dict(id=2, slug="closed", name="Closed", trusts_members=False, **common)])
    conn.execute(t["user"].insert(), [dict(id=1, email="a@example.org", password_hash="x", name="Ann", bio="",
                                           website="", is_admin=False, session_version=1)])
    conn.execute(t["membership"].insert(), [dict(id=1, user_id=1, territory_id=1, role="member"),
                                            dict(id=2, user_id=1, territory_id=2, role="animator")])
    conn.execute(t["content"].insert(), [dict(
        id=1, kind="article", title="An article", slug="an-article", sort_key="an article", summary="",
        body="", body_html="", status="published", moderation_note="", cover_alt="", members_only=False,
        author_id=1, territory_id=1, created_at=now, updated_at=now, published_at=now)])
    conn.execute(t["audit_log"].insert(), [dict(id=1, action="content.publish", target_type="content",
                                                target_id=1, details={}, actor_id=1, territory_id=1,
                                                created_at=now)])


def _counts(conn):
    return {name: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar()
            for name in ("territory", "user", "membership", "content", "audit_log")}


@pytest.mark.slow
def test_issue_15_migrations_keep_the_data(tmp_path):
    with scratch_database(tmp_path, "migration_data") as url:
        flask_db(url, tmp_path, "upgrade", BEFORE)
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                _fill(conn)
            expected = {"territory": 2, "user": 1, "membership": 2, "content": 1, "audit_log": 1}

            flask_db(url, tmp_path, "upgrade")
            with engine.connect() as conn:
                assert _counts(conn) == expected
                policies = dict(conn.execute(sa.text(
                    "SELECT slug, publish_policy FROM territory")).all())
                assert policies == {"open": "everyone", "closed": "contributors"}
                assert set(conn.execute(sa.text("SELECT trusted_after FROM territory")).scalars()) == {5}
                columns = {c["name"] for c in sa.inspect(conn).get_columns("territory")}
                assert "trusts_members" not in columns

            flask_db(url, tmp_path, "downgrade", BEFORE)
            with engine.connect() as conn:
                assert _counts(conn) == expected
                trusts = dict(conn.execute(sa.text("SELECT slug, trusts_members FROM territory")).all())
                assert {slug: bool(value) for slug, value in trusts.items()} == {"open": True, "closed": False}
                columns = {c["name"] for c in sa.inspect(conn).get_columns("territory")}
                assert not {"publish_policy", "trusted_after"} & columns
        finally:
            engine.dispose()
