"""Several processes (as gunicorn workers would be) publish, edit, archive and delete content at
the same time, each draining the outbox after its commits and searching in between: no worker
sees an error, and after the next drain the index is exactly the database — no update lost,
nothing left behind. Same approach and scratch database as tests/test_sqlite_concurrency.py."""
import contextvars
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..databases import scratch_database
from ..needs import ROOT

PROCESSES = 3
ITEMS = 8
VERSIONS = 3


def _app(url, folder, backend):
    os.environ["CSTI_INSTANCE_DIR"] = str(folder)
    from csti import create_app

    return create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(Path(folder) / "uploads"),
                               "SEARCH_DIR": str(Path(folder) / "search"), "SEARCH_BACKEND": backend})


def work(url, folder, backend, name):
    """One worker: wait for the start signal, then write (each commit drains) and search."""
    from csti.database import set_write_intent
    from csti.extensions import db
    from csti.models import Article, Territory

    app = _app(url, folder, backend)
    folder = Path(folder)
    (folder / f"ready-{name}").touch()
    while not (folder / "go").exists():  # start together, so that the drains interleave
        time.sleep(0.005)
    searches = 0
    client = app.test_client()
    set_write_intent(True)  # as in an unsafe request: transactions begin IMMEDIATE on SQLite
    with app.app_context():
        territory = db.session.query(Territory).one()
        articles = []
        for i in range(ITEMS):
            article = Article(title=f"Article w{name} n{i} version0", territory=territory, body="Texte commun")
            article.publish()
            db.session.add(article)
            db.session.commit()
            articles.append(article)
        for version in range(1, VERSIONS + 1):
            for i, article in enumerate(articles):
                article.title = f"Article w{name} n{i} version{version}"
                if version == VERSIONS and i % 2:
                    article.add_tag(f"etiquette {name}")
                db.session.commit()
            # A request of its own, as from another client (not inside this worker's context).
            response = contextvars.Context().run(client.get, "/search?q=article+commun")
            assert response.status_code == 200, response.status_code
            searches += 1
        for i, article in enumerate(articles):
            if i % 4 == 2:
                db.session.delete(article)
            elif i % 4 == 3:
                article.archive()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    print(json.dumps({"worker": name, "searches": searches}))


@pytest.mark.slow
def test_concurrent_writers_lose_no_update(tmp_path, search_backend):
    from csti.extensions import db
    from csti.models import Territory
    from csti.search import check, drain, search

    backend = search_backend.name
    with scratch_database(tmp_path, "search_concurrency") as url:
        app = _app(url, tmp_path, backend)
        with app.app_context():
            db.create_all()
            db.session.add(Territory(slug="occitanie", name="Occitanie"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()  # no connection inherited or held while the workers run

        code = "import sys; from tests.search.test_concurrency import work; work(*sys.argv[1:])"
        workers = [subprocess.Popen([sys.executable, "-c", code, url, str(tmp_path), backend, str(n)], cwd=ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for n in range(PROCESSES)]
        deadline = time.monotonic() + 90
        while len(list(tmp_path.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
            if any(w.poll() not in (None, 0) for w in workers):
                break
            time.sleep(0.01)
        (tmp_path / "go").touch()
        results = [(w, *w.communicate(timeout=300)) for w in workers]

        failures = [f"worker exit {w.returncode}:\n{err[-3000:]}" for w, _out, err in results if w.returncode]
        assert not failures, "\n".join(failures)
        for _w, out, err in results:
            assert "Traceback" not in err, err[-3000:]
            assert "search drain failed" not in err, err[-3000:]
            assert "database is locked" not in err, err[-3000:]
            assert json.loads(out.strip().splitlines()[-1])["searches"] == VERSIONS

        with app.app_context():
            drain(timeout=10, rounds=1000)  # the next drain takes whatever still waits
            difference = check()
            published = search("article", pagelen=100)
            db.session.remove()
            db.engine.dispose()
    assert difference == {"missing": [], "extra": [], "stale": []}
    kept = [i for i in range(ITEMS) if i % 4 not in (2, 3)]
    assert sorted(h["title"] for h in published.hits) == sorted(
        f"Article w{w} n{i} version{VERSIONS}" for w in range(PROCESSES) for i in kept)
    assert published.facets["tags"] == {f"etiquette-{w}": len([i for i in kept if i % 2]) for w in range(PROCESSES)}
