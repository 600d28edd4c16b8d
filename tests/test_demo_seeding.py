"""The demo (an administrator whose password is public) is never loaded in production nor by
`make serve`, and `make run` loads it only into an empty database (issue 11)."""
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from csti import create_app
from csti.cli import csti_cli
from csti.extensions import db as _db
from csti.models import User

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def production_app(app, database_url):
    prod = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x",
                                     "SERVER_NAME": "csti.example.org", "SEARCH_DIR": app.config["SEARCH_DIR"],
                                     "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    yield prod
    with prod.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.mark.parametrize("args", [["seed-demo"], ["seed-demo", "--if-empty"]])
def test_seed_demo_refuses_in_production(production_app, args):
    with production_app.app_context():
        result = production_app.test_cli_runner().invoke(csti_cli, args)
        assert result.exit_code != 0
        assert "production" in result.output and "create-admin" in result.output
        assert _db.session.scalar(select(func.count(User.id))) == 0


def test_seed_demo_if_empty_leaves_a_database_with_data_alone(runner, db, factory):
    """A database holding a territory (say, an imported census) but no account yet is not empty."""
    factory.territory(slug="ma-region")
    result = runner.invoke(csti_cli, ["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "not empty" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def _make_dry_run(target):
    env = {**os.environ, "MAKEFLAGS": ""}
    result = subprocess.run(["make", "-n", target], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_serve_never_seeds_and_make_run_seeds_only_in_development():
    assert "seed-demo" not in _make_dry_run("serve")
    assert "seed-demo --if-empty" in _make_dry_run("run")
    env = {**os.environ, "CSTI_ENV": "production"}
    result = subprocess.run(["make", "-n", "run"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0 and "seed-demo" not in result.stdout
