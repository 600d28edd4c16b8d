"""Registrations sent at the same time by several processes (as gunicorn workers would serve
them) for an event with fewer places than candidates: exactly ``capacity`` people get a place,
the others wait with distinct positions in order of arrival, nobody sees an error. Through the
real view (POST /event/<id>/register with its CSRF token); on SQLite and on PostgreSQL."""
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ..databases import scratch_database
from ..needs import ROOT

PROCESSES = 5
PER_PROCESS = 4
CAPACITY = 7


def _app(url, folder):
    os.environ["CSTI_INSTANCE_DIR"] = str(folder)
    from csti import create_app

    return create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(Path(folder) / "uploads"),
                               "SEARCH_DIR": str(Path(folder) / "search")})


def work(url, folder, name, event_id, user_ids):
    """One worker: a logged-in browser per candidate gets the event's page (its CSRF token),
    then, once every worker is ready, each candidate registers."""
    from csti.extensions import db
    from csti.models import User

    app = _app(url, folder)
    folder = Path(folder)
    with app.app_context():
        from csti.database import write_intent
        from csti.sessions import open_session

        with write_intent():  # the workers open their sessions at the same time
            session_ids = {user_id: open_session(db.session.get(User, user_id))
                           for user_id in map(int, user_ids.split(","))}
            db.session.commit()
        db.session.remove()
    clients = []  # each request in a context of its own, as on a server (g holds the CSRF token)
    for user_id, session_id in session_ids.items():
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        page = client.get(f"/event/{event_id}", follow_redirects=True)
        assert page.status_code == 200, page.status_code
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        clients.append((user_id, client, token))
    (folder / f"ready-{name}").touch()
    while not (folder / "go").exists():  # start together, so that the requests interleave
        time.sleep(0.005)
    results = []
    for user_id, client, token in clients:
        response = client.post(f"/event/{event_id}/register", data={"csrf_token": token})
        results.append({"user": user_id, "status": response.status_code})
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    print(json.dumps(results))


@pytest.mark.slow
def test_parallel_registrations_fill_the_places_then_the_waiting_list(tmp_path):
    from sqlalchemy import select

    from csti.blueprints.events.schedule import schedule
    from csti.extensions import db
    from csti.models import Event, Territory, User
    from csti.models.base import utcnow
    from csti.models.events import CONFIRMED, WAITING, Registration

    with scratch_database(tmp_path, "registrations") as url:
        app = _app(url, tmp_path)
        with app.app_context():
            db.create_all()
            territory = Territory(slug="occitanie", name="Occitanie")
            event = Event(title="Atelier très demandé", territory=territory, registration_mode="site",
                          capacity=CAPACITY, waiting_list=True)
            start = datetime.now().replace(second=0, microsecond=0) + timedelta(days=10)
            schedule(event, start, start + timedelta(hours=2))
            event.publish()
            users = [User(email=f"candidat{n}@example.org", name=f"Candidat {n}", password_hash="!",
                          email_confirmed_at=utcnow())
                     for n in range(PROCESSES * PER_PROCESS)]
            db.session.add_all([event, *users])
            db.session.commit()
            event_id, user_ids = event.id, [u.id for u in users]
            db.session.remove()
            db.engine.dispose()  # no connection inherited or held while the workers run

        code = "import sys; from tests.events.test_concurrency import work; work(*sys.argv[1:])"
        workers = [subprocess.Popen(
            [sys.executable, "-c", code, url, str(tmp_path), str(n), str(event_id),
             ",".join(str(i) for i in user_ids[n::PROCESSES])],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(PROCESSES)]
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
            if any(w.poll() not in (None, 0) for w in workers):
                break
            time.sleep(0.01)
        (tmp_path / "go").touch()
        outputs = [(w, *w.communicate(timeout=180)) for w in workers]

        failures = [f"worker exit {w.returncode}:\n{err[-3000:]}" for w, _out, err in outputs if w.returncode]
        assert not failures, "\n".join(failures)
        for _w, _out, err in outputs:
            assert "database is locked" not in err and "Traceback" not in err, err[-3000:]
        answers = [a for _w, out, _err in outputs for a in json.loads(out.strip().splitlines()[-1])]
        # Every candidate was answered "registered" or "on the waiting list" (303 to the page).
        assert sorted(a["user"] for a in answers) == sorted(user_ids)
        assert {a["status"] for a in answers} == {303}, answers

        with app.app_context():
            db.session.remove()
            rows = db.session.scalars(select(Registration).where(Registration.event_id == event_id)
                                      .order_by(Registration.position)).all()
            registrations = [(r.user_id, r.status, r.position, r.created_at) for r in rows]
            db.session.remove()
            db.engine.dispose()

    assert len(registrations) == len(user_ids) and {r[0] for r in registrations} == set(user_ids)
    # Positions: distinct and gap-free; the first CAPACITY arrivals have the places.
    assert [r[2] for r in registrations] == list(range(1, len(user_ids) + 1))
    assert [r[1] for r in registrations] == [CONFIRMED] * CAPACITY + [WAITING] * (len(user_ids) - CAPACITY)
    # In order of arrival: each registration was written after the one before it.
    times = [r[3] for r in registrations]
    assert times == sorted(times)
