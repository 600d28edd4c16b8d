"""Registrations sent at the same time by several processes (as gunicorn workers would serve
them) for an event with fewer places than candidates: exactly ``capacity`` people get a place,
the others wait with distinct positions in order of arrival, nobody sees an error. Through the
real view (POST /event/<id>/register with its CSRF token); on SQLite and on PostgreSQL."""
import json
import re

import pytest

from ..concurrency import crowded_event, logged_in_client, make_app, open_sessions, ready_then_wait, run_together
from ..databases import scratch_database

PROCESSES = 5
PER_PROCESS = 4
CAPACITY = 7


def work(url, folder, name, event_id, user_ids):
    """One worker: a logged-in browser per candidate gets the event's page (its CSRF token),
    then, once every worker is ready, each candidate registers."""
    from csti.extensions import db

    app = make_app(url, folder)
    session_ids = open_sessions(app, map(int, user_ids.split(",")))  # the workers open theirs at the same time
    clients = []  # each request in a context of its own, as on a server (g holds the CSRF token)
    for user_id, session_id in session_ids.items():
        client = logged_in_client(app, session_id)
        page = client.get(f"/event/{event_id}", follow_redirects=True)
        assert page.status_code == 200, page.status_code
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        clients.append((user_id, client, token))
    ready_then_wait(folder, name)
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

    from csti.extensions import db
    from csti.models import Territory, User
    from csti.models.base import utcnow
    from csti.models.events import CONFIRMED, WAITING, Registration

    with scratch_database(tmp_path, "registrations") as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            db.create_all()
            event = crowded_event(Territory(slug="occitanie", name="Occitanie"), CAPACITY)
            users = [User(email=f"candidat{n}@example.org", name=f"Candidat {n}", password_hash="!",
                          email_confirmed_at=utcnow())
                     for n in range(PROCESSES * PER_PROCESS)]
            db.session.add_all([event, *users])
            db.session.commit()
            event_id, user_ids = event.id, [u.id for u in users]
            db.session.remove()
            db.engine.dispose()  # no connection inherited or held while the workers run

        outputs = run_together("tests.events.test_concurrency", url, tmp_path,
                               [(event_id, ",".join(str(i) for i in user_ids[n::PROCESSES])) for n in range(PROCESSES)])
        answers = [a for output in outputs for a in output]
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
