"""Overlapping loan requests accepted at the same moment by several processes (as gunicorn
workers would serve them), each with its own app and engine on the same database: exactly one
acceptance wins, the others answer 409 and change nothing — on SQLite and on PostgreSQL
(``CSTI_TEST_DATABASE_URL``). Through the real view (POST /booking/<id>/accept with its CSRF
token). Each worker widens the window between the overlap check and the write (a pause after the
check): without the resource's lock every one of them would see no accepted loan and accept."""
import json
import re
import time
from datetime import timedelta

import pytest

from ..concurrency import logged_in_client, make_app, open_sessions, ready_then_wait, run_together
from ..databases import scratch_database

WORKERS = 4


def work(url, folder, name, user_id, booking_id):
    """One worker: the owner's logged-in browser reads "My loans" (its CSRF token), then, once
    every worker is ready, accepts its own request."""
    from csti.blueprints.resources import bookings
    from csti.extensions import db

    real = bookings.overlapping

    def slow_overlapping(*args, **kwargs):  # the check done, the others have time to do theirs
        found = real(*args, **kwargs)
        time.sleep(0.3)
        return found

    bookings.overlapping = slow_overlapping
    app = make_app(url, folder)
    [session_id] = open_sessions(app, [int(user_id)]).values()
    client = logged_in_client(app, session_id)
    page = client.get("/me/loans")
    assert page.status_code == 200, page.status_code
    token = json.loads(re.search(r"hx-headers='([^']+)'", page.get_data(as_text=True)).group(1))["X-CSRFToken"]
    ready_then_wait(folder, name)
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
        app = make_app(url, tmp_path)
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

        answers = run_together("tests.resources.test_bookings_concurrency", url, tmp_path,
                               [(owner_id, booking_id) for booking_id in booking_ids])

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
