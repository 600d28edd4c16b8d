"""The migration that stops SQLite from reusing outbox ids keeps the rows waiting in the outbox
and leaves a migrated database giving new ids only (see tests/search/test_outbox.py)."""
import pytest
import sqlalchemy as sa

from ..databases import scratch_database
from ..test_migrations import flask_db


@pytest.mark.slow
def test_migrated_outbox_keeps_its_rows_and_never_reuses_an_id(tmp_path):
    with scratch_database(tmp_path, "outbox_ids") as url:
        flask_db(url, tmp_path, "upgrade", "a0b1c2d3e4f5")
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO search_outbox (content_id, op) VALUES (7, 'index'), (8, 'delete')"))
            flask_db(url, tmp_path, "upgrade")
            with engine.begin() as conn:
                kept = conn.execute(sa.text("SELECT id, content_id, op FROM search_outbox ORDER BY id")).all()
                conn.execute(sa.text("DELETE FROM search_outbox"))
            with engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO search_outbox (content_id, op) VALUES (9, 'index')"))
                new = conn.execute(sa.text("SELECT id FROM search_outbox")).scalar_one()
        finally:
            engine.dispose()
    assert [(r.content_id, r.op) for r in kept] == [(7, "index"), (8, "delete")]
    assert new > max(r.id for r in kept)
