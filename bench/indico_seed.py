"""Create csti's events in Indico, for the side-by-side comparison of ``bench/compare_indico.py``.

Run by that script with Indico's own Python (its virtualenv, ``INDICO_CONFIG`` set): reads a JSON
list of events on standard input (title, description as sanitised HTML, start and end in UTC,
venue, address) and creates each as an Indico event of type ``event_type`` in one category through
Indico's own ``create_event``, as its event-creation form does; then one local account with a
password (the member of the logged-in pass). Prints a JSON object: the created events' ids in
input order and the account's login.
"""
import json
import sys
from datetime import UTC, datetime


def main():
    from flask import g, session
    from indico.core.db import db
    from indico.modules.auth import Identity
    from indico.modules.categories import Category
    from indico.modules.events.models.events import EventType
    from indico.modules.events.operations import create_event
    from indico.modules.users import User
    from indico.modules.users.operations import create_user
    from indico.web.flask.app import make_app

    events = json.load(sys.stdin)
    event_type = EventType[sys.argv[1]] if len(sys.argv) > 1 else EventType.lecture
    app = make_app(testing=False)
    with app.test_request_context():
        g.static_site = False
        creator = User.get_system_user()
        session.set_session_user(creator)
        category = Category(title="CSTI", parent=Category.get_root())
        db.session.add(category)
        db.session.flush()
        ids = []
        for item in events:
            start = datetime.fromisoformat(item["start"]).replace(tzinfo=UTC)
            end = datetime.fromisoformat(item["end"]).replace(tzinfo=UTC)
            event = create_event(category, event_type, {
                "title": item["title"][:250], "description": item["description"], "start_dt": start,
                "end_dt": max(end, start), "timezone": "Europe/Paris", "creator": creator,
                "location_data": {"venue_name": item["venue"][:250], "room_name": "",
                                  "address": item["address"], "inheriting": False},
            })
            ids.append(event.id)
        identity = Identity(provider="indico", identifier="camille", password="bench-password-1")
        member = create_user("camille.membre@example.org", {"first_name": "Camille", "last_name": "Membre",
                                                            "affiliation": ""}, identity)
        db.session.add(member)
        db.session.commit()
        print(json.dumps({"events": ids, "login": {"identifier": "camille", "password": "bench-password-1"}}))


if __name__ == "__main__":
    main()
