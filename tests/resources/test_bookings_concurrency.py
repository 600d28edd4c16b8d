"""Overlapping loan requests accepted at the same moment by several processes (as gunicorn
workers would serve them), each with its own app and engine on the same database: exactly one
acceptance wins, the others answer 409 and change nothing — on SQLite and on PostgreSQL
(``CSTI_TEST_DATABASE_URL``). Through the real view (POST /booking/<id>/accept with its CSRF
token). Each worker widens the window between the overlap check and the write (a pause after the
check): without the resource's lock every one of them would see no accepted loan and accept."""
import json
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from ..databases import scratch_database
from ..needs import ROOT

WORKERS = 4


def _app(url, folder):
    os.environ["CSTI_INSTANCE_DIR"] = str(folder)
    from csti import create_app

    return create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(Path(folder) / "uploads"),
                               "SEARCH_DIR": str(Path(folder) / "search")})


def work(url, folder, name, user_id, booking_id):
    """One worker: the owner's logged-in browser reads "My loans" (its CSRF token), then, once
    every worker is ready, accepts its own request."""
    from csti.blueprints.resources import bookings
    from csti.extensions import db
    from csti.models import User

    real = bookings.overlapping

    def slow_overlapping(*args, **kwargs):  # the check done, the others have time to do theirs
        found = real(*args, **kwargs)
        time.sleep(0.3)
        return found

    bookings.overlapping = slow_overlapping
    app = _app(url, folder)
    folder = Path(folder)
    with app.app_context():
        from csti.database import write_intent
        from csti.sessions import open_session

        with write_intent():
            session_id = open_session(db.session.get(User, int(user_id)))
            db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    page = client.get("/me/loans")
    assert page.status_code == 200, page.status_code
    token = json.loads(re.search(r"hx-headers='([^']+)'", page.get_data(as_text=True)).group(1))["X-CSRFToken"]
    (folder / f"ready-{name}").touch()
    while not (folder / "go").exists():
        time.sleep(0.005)
    response = client.post(f"/booking/{booking_id}/accept", data={"csrf_token": token, "answer": "D'accord."})
    text = response.get_data(as_text=True)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    print(json.dumps({"booking": int(booking_id), "status": response.status_code,
                      "refused": "Another loan was accepted for these dates" in text}))


@pytest.mark.slow
def test_overlapping_acceptances_at_the_same_time_exactly_one_wins(tmp_path):
    from sqlalchemy import select

    from csti.blueprints.actors.operations import add_member
    from csti.blueprints.resources.bookings import today
    from csti.extensions import db
    from csti.models import Actor, Resource, Territory, User
    from csti.models.actors import MANAGER
    from csti.models.base import utcnow
    from csti.models.resources import Booking

    with scratch_database(tmp_path, "bookings") as url:
        app = _app(url, tmp_path)
        with app.app_context():
            db.create_all()
            territory = Territory(slug="occitanie", name="Occitanie")
            owner = User(email="owner@example.org", name="Prêteuse", password_hash="!", email_confirmed_at=utcnow(),
                         locale="en")
            lender = Actor(title="Muséum", territory=territory, actor_kind="association")
            add_member(lender, owner, MANAGER)
            lender.publish()
            schools = [Actor(title=f"École {n}", territory=territory, actor_kind="association") for n in range(WORKERS)]
            for school in schools:
                school.publish()
            resource = Resource(title="Exposition Lune", territory=territory, author=owner, lendable=True)
            resource.owners = [lender]
            resource.publish()
            db.session.add_all([owner, lender, *schools, resource])
            db.session.flush()
            start = today() + timedelta(days=10)
            requests = [Booking(resource_id=resource.id, borrower_id=school.id, requested_by_id=owner.id,
                                starts_on=start + timedelta(days=n), ends_on=start + timedelta(days=n + WORKERS),
                                status="requested") for n, school in enumerate(schools)]
            db.session.add_all(requests)
            db.session.commit()
            owner_id, booking_ids, resource_id = owner.id, [b.id for b in requests], resource.id
            db.session.remove()
            db.engine.dispose()

        code = "import sys; from tests.resources.test_bookings_concurrency import work; work(*sys.argv[1:])"
        workers = [subprocess.Popen(
            [sys.executable, "-c", code, url, str(tmp_path), str(n), str(owner_id), str(booking_id)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for n, booking_id in enumerate(booking_ids)]
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("ready-*"))) < WORKERS and time.monotonic() < deadline:
            if any(w.poll() not in (None, 0) for w in workers):
                break
            time.sleep(0.01)
        (tmp_path / "go").touch()
        outputs = [(w, *w.communicate(timeout=180)) for w in workers]

        failures = [f"worker exit {w.returncode}:\n{err[-3000:]}" for w, _out, err in outputs if w.returncode]
        assert not failures, "\n".join(failures)
        for _w, _out, err in outputs:
            assert "database is locked" not in err and "Traceback" not in err, err[-3000:]
        answers = [json.loads(out.strip().splitlines()[-1]) for _w, out, _err in outputs]

        with app.app_context():
            db.session.remove()
            rows = dict(db.session.execute(select(Booking.id, Booking.status).where(
                Booking.resource_id == resource_id)).all())
            db.session.remove()
            db.engine.dispose()

    winners = [a for a in answers if a["status"] == 303]
    losers = [a for a in answers if a["status"] != 303]
    assert len(winners) == 1, answers
    assert all(a["status"] == 409 and a["refused"] for a in losers), answers
    assert [b for b, status in rows.items() if status == "accepted"] == [winners[0]["booking"]]
    assert sorted(b for b, status in rows.items() if status == "requested") == sorted(a["booking"] for a in losers)
