"""The backend is chosen by CSTI_SEARCH_BACKEND: Whoosh by default, PostgreSQL on request (and
only with a PostgreSQL database); anything else stops the app at start with a clear message."""
import pytest

from config import Config
from csti import create_app
from csti.search import backend, make_backend
from csti.search.postgres_backend import PostgresBackend
from csti.search.whoosh_backend import WhooshBackend


def test_whoosh_is_the_default(monkeypatch):
    monkeypatch.delenv("CSTI_SEARCH_BACKEND", raising=False)
    assert Config().SEARCH_BACKEND == "whoosh"
    monkeypatch.setenv("CSTI_SEARCH_BACKEND", " Postgres ")
    assert Config().SEARCH_BACKEND == "postgres"


def test_the_app_uses_the_configured_backend(app, search_backend):
    assert backend() is search_backend
    assert isinstance(search_backend, {"whoosh": WhooshBackend, "postgres": PostgresBackend}[search_backend.name])


def test_an_unknown_backend_stops_the_app(database_url, tmp_path):
    with pytest.raises(ValueError, match="CSTI_SEARCH_BACKEND='elastic'"):
        create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "SEARCH_DIR": str(tmp_path),
                            "SEARCH_BACKEND": "elastic"})


def test_the_postgres_backend_needs_postgresql(app, db, tmp_path):
    if db.engine.dialect.name == "postgresql":
        assert isinstance(make_backend(app, "postgres"), PostgresBackend)
        return
    with pytest.raises(RuntimeError, match="needs a PostgreSQL database"):
        create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                            "SEARCH_DIR": str(tmp_path), "SEARCH_BACKEND": "postgres"})
