"""Several processes (as gunicorn workers would be) do read-modify-write on one row at the same
time: no update is lost and none fails with "database is locked". On SQLite this holds thanks to
the recipe of csti/database.py (BEGIN IMMEDIATE for writing transactions, busy timeout, WAL); on
PostgreSQL thanks to SELECT … FOR UPDATE. The same test runs on both."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .databases import scratch_database
from .needs import ROOT

PROCESSES = 4
INCREMENTS = 50
KEY = "concurrency-test"


def _app(url, folder):
    os.environ["CSTI_INSTANCE_DIR"] = str(folder)
    from csti import create_app

    return create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(Path(folder) / "uploads"),
                               "SEARCH_DIR": str(Path(folder) / "search")})


def work(url, folder, name):
    """One worker: wait for the start signal, then INCREMENTS transactions of +1."""
    from csti.database import write_intent
    from csti.extensions import db
    from csti.models import RateCounter

    app = _app(url, folder)
    folder = Path(folder)
    (folder / f"ready-{name}").touch()
    while not (folder / "go").exists():  # start together, so that the transactions interleave
        time.sleep(0.005)
    with app.app_context():
        for _ in range(INCREMENTS):
            with write_intent():
                counter = db.session.get(RateCounter, KEY, with_for_update=True)
                counter.count += 1
                db.session.commit()
        db.session.remove()
        db.engine.dispose()
    print(json.dumps({"worker": name, "done": INCREMENTS}))


@pytest.mark.slow
def test_concurrent_increments_lose_nothing(tmp_path):
    from csti.extensions import db
    from csti.models import RateCounter
    from csti.models.base import utcnow

    with scratch_database(tmp_path, "concurrency") as url:
        app = _app(url, tmp_path)
        with app.app_context():
            db.create_all()
            db.session.add(RateCounter(key=KEY, count=0, expires_at=utcnow()))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()  # no connection inherited or held while the workers run

        code = "import sys; from tests.test_sqlite_concurrency import work; work(*sys.argv[1:])"
        workers = [subprocess.Popen([sys.executable, "-c", code, url, str(tmp_path), str(n)], cwd=ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for n in range(PROCESSES)]
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
            if any(w.poll() not in (None, 0) for w in workers):
                break
            time.sleep(0.01)
        (tmp_path / "go").touch()
        results = [(w, *w.communicate(timeout=120)) for w in workers]

        failures = [f"worker exit {w.returncode}:\n{err[-3000:]}" for w, _out, err in results if w.returncode]
        assert not failures, "\n".join(failures)
        for _w, _out, err in results:
            assert "database is locked" not in err, err

        with app.app_context():
            db.session.remove()
            count = db.session.get(RateCounter, KEY).count
            db.session.remove()
            db.engine.dispose()
        assert count == PROCESSES * INCREMENTS, f"{PROCESSES * INCREMENTS - count} updates lost"
