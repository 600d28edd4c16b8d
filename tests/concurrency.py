"""For the tests that run the app in several processes at once on a scratch database
(tests/databases.py): the test process's own app, logged-in test clients, an event with few
places, and worker processes started together."""
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from .needs import ROOT


def make_app(url, folder, **overrides):
    """An app on the database ``url``, with its instance, upload and search directories in ``folder``."""
    os.environ["CSTI_INSTANCE_DIR"] = str(folder)
    from csti import create_app

    return create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(Path(folder) / "uploads"),
                               "SEARCH_DIR": str(Path(folder) / "search"), **overrides})


def crowded_event(territory, capacity: int):
    """A published event in ten days, registration on the site, ``capacity`` places and a waiting list."""
    from csti.blueprints.events.schedule import schedule
    from csti.models import Event

    event = Event(title="Atelier très demandé", territory=territory, registration_mode="site",
                  capacity=capacity, waiting_list=True)
    start = datetime.now().replace(second=0, microsecond=0) + timedelta(days=10)
    schedule(event, start, start + timedelta(hours=2))
    event.publish()
    return event


def open_sessions(app, user_ids) -> dict:
    """{user id: the id of a server-side session opened for that user}, in one transaction."""
    from csti.database import write_intent
    from csti.extensions import db
    from csti.models import User
    from csti.sessions import open_session

    with app.app_context():
        with write_intent():
            session_ids = {user_id: open_session(db.session.get(User, user_id)) for user_id in user_ids}
            db.session.commit()
        db.session.remove()
    return session_ids


def logged_in_client(app, session_id):
    """A test client whose Flask session holds ``session_id`` (see ``open_sessions``)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def ready_then_wait(folder, name):
    """In a worker: say it is ready, and wait for the others (see ``run_together``)."""
    folder = Path(folder)
    (folder / f"ready-{name}").touch()
    while not (folder / "go").exists():  # start together, so that the requests interleave
        time.sleep(0.005)


def run_together(module: str, url, folder, arguments: list[tuple]) -> list:
    """Run ``module``'s ``work(url, folder, n, *arguments[n])`` in one process per item of
    ``arguments``, let them go together once all are ready, and return what each printed on its
    last line (JSON). Asserts that every worker ended well, without "database is locked" or a
    traceback."""
    folder = Path(folder)
    code = f"import sys; from {module} import work; work(*sys.argv[1:])"
    workers = [subprocess.Popen(
        [sys.executable, "-c", code, url, str(folder), str(n), *map(str, extra)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n, extra in enumerate(arguments)]
    deadline = time.monotonic() + 120
    while len(list(folder.glob("ready-*"))) < len(workers) and time.monotonic() < deadline:
        if any(w.poll() not in (None, 0) for w in workers):
            break
        time.sleep(0.01)
    (folder / "go").touch()
    outputs = [(w, *w.communicate(timeout=180)) for w in workers]

    failures = [f"worker exit {w.returncode}:\n{err[-3000:]}" for w, _out, err in outputs if w.returncode]
    assert not failures, "\n".join(failures)
    for _w, _out, err in outputs:
        assert "database is locked" not in err and "Traceback" not in err, err[-3000:]
    return [json.loads(out.strip().splitlines()[-1]) for _w, out, _err in outputs]
