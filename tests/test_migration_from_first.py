"""Migrations carry a database in use from the FIRST schema to the head: a database at the base
revision, holding a row or two in each of its tables (territories, members, every kind of
content, comments, follows, registrations, reports…), upgraded to the head, loses nothing —
on SQLite and on PostgreSQL when CSTI_TEST_DATABASE_URL is set. And a backup taken at that first
schema, restored by this version (`flask csti restore` migrates it), gives the same rows."""
import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from .backup.test_backup import flask, wipe
from .databases import scratch_database
from .needs import ROOT
from .test_migrations import flask_db

NOW = dt.datetime(2025, 3, 1, 9, 30)
LATER = dt.datetime(2025, 4, 12, 18, 0)
# The rows, by table (in an order foreign keys accept); the columns not named get a plain value of
# their type (see _plain). Content rows come with their kind's own table, same id.
ROWS = {
    "territory": [dict(id=1, slug="occitanie", name="Occitanie", trusts_members=True, zoom=7, center_lat=43.6,
                       center_lng=1.44, color_primary="#1d4e89", color_secondary="#ffffff"),
                  dict(id=2, slug="bretagne", name="Bretagne", trusts_members=False, zoom=8, center_lat=48.1,
                       center_lng=-2.8, color_primary="#000000", color_secondary="#ffffff")],
    "user": [dict(id=1, email="ann@example.org", name="Ann", password_hash="x", is_admin=False, session_version=1,
                  email_confirmed_at=NOW),
             dict(id=2, email="bob@example.org", name="Bob", password_hash="y", is_admin=True, session_version=3,
                  locale="en")],
    "tag": [dict(id=1, slug="astronomie", name="Astronomie")],
    "membership": [dict(id=1, user_id=1, territory_id=1, role="member"),
                   dict(id=2, user_id=2, territory_id=1, role="animator"),
                   dict(id=3, user_id=1, territory_id=2, role="contributor")],
    "content": [dict(id=1, kind="article", title="Un article", slug="un-article", sort_key="un article",
                     status="published", territory_id=1, author_id=1, published_at=NOW),
                dict(id=2, kind="page", title="À propos", slug="a-propos", sort_key="a propos", status="published",
                     territory_id=1, author_id=2, published_at=NOW),
                dict(id=3, kind="actor", title="Muséum", slug="museum", sort_key="museum", status="published",
                     territory_id=1, author_id=2, published_at=NOW),
                dict(id=4, kind="event", title="Nuit des étoiles", slug="nuit-des-etoiles",
                     sort_key="nuit des etoiles", status="published", territory_id=1, author_id=1, published_at=NOW),
                dict(id=5, kind="article", title="Brouillon", slug="brouillon", sort_key="brouillon",
                     status="draft", territory_id=2, author_id=1)],
    "article": [dict(id=1, article_kind="news"), dict(id=5, article_kind="news")],
    "page": [dict(id=2, in_footer=True)],
    "actor": [dict(id=3, actor_kind="museum", postcode="31000", commune="Toulouse", department="31",
                   latitude=43.59, longitude=1.45, social={})],
    "event": [dict(id=4, event_kind="talk", starts_at=LATER, ends_at=LATER + dt.timedelta(hours=2),
                   recurrence="none", attendance_mode="offline", venue_id=3, schedule_status="scheduled",
                   is_free=True, registration_mode="internal", capacity=30, extra_dates=[], exceptions=[],
                   accessibility=[])],
    "event_occurrence": [dict(id=1, event_id=4, starts_at=LATER, ends_at=LATER + dt.timedelta(hours=2))],
    "content_tag": [dict(content_id=1, tag_id=1), dict(content_id=4, tag_id=1)],
    "content_audience": [dict(content_id=4, code="families")],
    "content_owner": [dict(content_id=4, actor_id=3)],
    "comment": [dict(id=1, content_id=1, author_id=2, body="Bravo", body_html="<p>Bravo</p>", status="visible")],
    "follow": [dict(id=1, follower_id=1, content_id=3), dict(id=2, follower_id=1, followed_user_id=2),
               dict(id=3, follower_id=2, tag_id=1)],
    "reaction": [dict(id=1, content_id=1, user_id=2, kind="like")],
    "actor_member": [dict(id=1, user_id=2, actor_id=3, role="manager")],
    "claim_request": [dict(id=1, user_id=1, actor_id=3, role="editor", message="C’est moi", status="pending")],
    "registration": [dict(id=1, event_id=4, user_id=1, status="confirmed", position=1),
                     dict(id=2, event_id=4, user_id=2, status="waiting", position=2)],
    "notification": [dict(id=1, user_id=1, kind="comment", actor_id=2, content_id=1, comment_id=1)],
    "report": [dict(id=1, content_id=1, reporter_id=2, reason="Doublon", status="open")],
    "audit_log": [dict(id=1, action="content.publish", target_type="content", target_id=1, actor_id=1,
                       territory_id=1, details={"from": "draft"})],
}
# What must read the same at the head: table → (key columns, ordered by the first).
KEYS = {
    "territory": ("id", "slug", "name"), "user": ("id", "email", "name", "is_admin", "session_version"),
    "tag": ("id", "slug"), "membership": ("id", "user_id", "territory_id", "role"),
    "content": ("id", "kind", "title", "slug", "status", "territory_id", "author_id"),
    "article": ("id",), "page": ("id", "in_footer"), "actor": ("id", "actor_kind", "postcode", "commune"),
    "event": ("id", "event_kind", "venue_id", "capacity"), "content_tag": ("content_id", "tag_id"),
    "content_audience": ("content_id", "code"), "content_owner": ("content_id", "actor_id"),
    "comment": ("id", "content_id", "author_id", "body"),
    "follow": ("id", "follower_id", "content_id", "followed_user_id", "tag_id"),
    "reaction": ("id", "content_id", "user_id"), "actor_member": ("id", "user_id", "actor_id", "role"),
    "claim_request": ("id", "user_id", "actor_id", "message"),
    "registration": ("id", "event_id", "user_id", "status"), "notification": ("id", "user_id", "content_id"),
    "report": ("id", "content_id", "reporter_id", "reason"),
    "audit_log": ("id", "action", "target_id", "actor_id"),
}


def _plain(column):
    kind = column.type
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return NOW
    if isinstance(kind, sa.Integer):
        return 0
    if isinstance(kind, sa.Float | sa.Numeric):
        return 0.0
    return ""


def _fill(conn):
    meta = sa.MetaData()
    meta.reflect(conn)
    assert set(ROWS) <= set(meta.tables), f"not in the first schema: {set(ROWS) - set(meta.tables)}"
    for name, rows in ROWS.items():
        table = meta.tables[name]
        required = [c for c in table.columns if not c.nullable and c.server_default is None
                    and not (c.primary_key and c.autoincrement is True and len(table.primary_key.columns) == 1)]
        for row in rows:  # one by one: the rows name different columns
            plain = {c.name: _plain(c) for c in required}
            if "created_at" in table.columns:
                plain["created_at"] = NOW
            conn.execute(table.insert(), {**plain, **row})


def _read(conn):
    found = {}
    for name, keys in KEYS.items():
        columns = ", ".join(f'"{key}"' for key in keys)
        found[name] = [tuple(row) for row in conn.execute(sa.text(f'SELECT {columns} FROM "{name}" ORDER BY {columns}'))]
    return found


@pytest.mark.slow
def test_first_schema_to_head_keeps_the_data(tmp_path):
    script = ScriptDirectory(str(ROOT / "migrations"))
    (base,) = script.get_bases()
    with scratch_database(tmp_path, "migration_first") as url:
        flask_db(url, tmp_path, "upgrade", base)
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                _fill(conn)
                before = _read(conn)
            assert all(before[name] for name in KEYS)
            archive = flask(url, tmp_path, "csti", "backup").stdout.strip().splitlines()[-1]

            flask_db(url, tmp_path, "upgrade")
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() \
                    == script.get_current_head()
                after = _read(conn)
            for name in KEYS:
                assert after[name] == before[name], f"{name}: {before[name]} became {after[name]}"

            engine.dispose()
            wipe(url, tmp_path)
            restored = flask(url, tmp_path, "csti", "restore", archive)
            assert f"upgraded from revision {base}" in restored.stdout
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() \
                    == script.get_current_head()
                assert _read(conn) == before
        finally:
            engine.dispose()
