"""`make upgrade`'s data steps (`make upgrade-data`, shared with `make run`/`make serve`) on a
database left at an older revision: it reaches the head, and the search index is rebuilt only
when `flask csti search-check` finds it missing. Bounded: about 15 s of CPU (nine `flask` starts)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from csti.health import migration_heads

from ..databases import scratch_database
from ..needs import ROOT

OLDER = "b1c2d3e4f5a6"  # the head's parent


def _empty_env_file(instance):
    """A settings file of its own: a developer's .env must not point the test elsewhere."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance.parent / "empty.env"
    path.write_text("")
    return path


def _env(url, instance):
    env = {key: value for key, value in os.environ.items() if not key.startswith("CSTI_")}
    env.update({"FLASK_APP": "wsgi", "CSTI_ENV": "default", "CSTI_DATABASE_URL": url,
                "CSTI_INSTANCE_DIR": str(instance), "CSTI_ENV_FILE": str(_empty_env_file(instance))})
    return env


def _run(args, env):
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _revision(url):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


ADD_CONTENT = """
import wsgi
from csti.extensions import db
from tests.factories import Factory

with wsgi.app.app_context():
    factory = Factory(db)
    factory.page(territory=factory.territory(), author=factory.user(), title="Une page à indexer")
"""


@pytest.mark.slow
def test_upgrade_data_reaches_head_and_reindexes_only_when_needed(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    bin_dir = Path(sys.executable).parent
    make = ["make", "--no-print-directory", "upgrade-data", f"BIN={bin_dir}"]
    with scratch_database(tmp_path, "upgrade") as url:
        env = _env(url, tmp_path / "instance")
        _run([str(bin_dir / "flask"), "db", "upgrade", OLDER], env)
        assert _revision(url) == OLDER
        # Published content (its tables are the same at that revision), and no search index.
        _run([sys.executable, "-c", ADD_CONTENT], env)
        shutil.rmtree(tmp_path / "instance" / "search", ignore_errors=True)

        out = _run(make, env)
        assert _revision(url) == migration_heads()[0]
        assert "== database: flask db upgrade" in out and "== planner statistics" in out
        assert "== search index: missing or out of date, rebuilding" in out
        assert "search index rebuilt (whoosh): 1 documents" in out

        # Again: nothing to do; the step's `flask csti search-check` passes, so the index stays.
        out = _run(make, env)
        assert "== search index: up to date, left alone" in out and "rebuilt" not in out


def test_make_upgrade_installs_and_compiles_first():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    plan = subprocess.run(["make", "-n", "--no-print-directory", "upgrade"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60).stdout
    assert "pybabel compile" in plan and "flask db upgrade" in plan and "flask csti search-check" in plan
    assert plan.index("pybabel compile") < plan.index("flask db upgrade")
