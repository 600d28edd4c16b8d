"""`flask db upgrade` from an empty database builds exactly the schema the models describe (on
SQLite, and on PostgreSQL when CSTI_TEST_DATABASE_URL is set), and `flask db downgrade base`
takes it all down again. A model changed without its migration fails here.

The commands run as a person runs them (`flask db …` in a subprocess): Alembic's env.py also
reconfigures logging, which must not leak into the rest of the suite."""
import os
import pprint
import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from .databases import scratch_database
from .needs import ROOT


def flask_db(url, instance, *args):
    env = {**os.environ, "FLASK_APP": "wsgi", "CSTI_ENV": "default", "CSTI_DATABASE_URL": url,
           "CSTI_INSTANCE_DIR": str(instance)}
    result = subprocess.run([sys.executable, "-m", "flask", "db", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"flask db {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_one_line_of_migrations():
    script = ScriptDirectory(str(ROOT / "migrations"))
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()} (merge them)"


@pytest.mark.slow
def test_upgrade_from_empty_matches_the_models_and_downgrades(tmp_path):
    from csti import create_app
    from csti.extensions import db

    with scratch_database(tmp_path, "migrations") as url:
        flask_db(url, tmp_path, "upgrade")

        os.environ.setdefault("CSTI_INSTANCE_DIR", str(tmp_path))
        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp_path / "uploads"),
                                  "SEARCH_DIR": str(tmp_path / "search")})
        with app.app_context():
            try:
                with db.engine.connect() as conn:
                    context = MigrationContext.configure(
                        conn, opts={"compare_type": True, "render_as_batch": True})
                    diff = compare_metadata(context, db.metadata)
                    tables = set(sa.inspect(conn).get_table_names())
            finally:
                db.session.remove()
                db.engine.dispose()
        assert not diff, "the models and the migrations disagree (regenerate the migration):\n" + pprint.pformat(diff)
        assert set(db.metadata.tables) <= tables

        flask_db(url, tmp_path, "downgrade", "base")
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        finally:
            engine.dispose()
        assert not left, f"tables left after downgrade to base: {sorted(left)}"
