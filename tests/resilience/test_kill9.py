"""kill -9 in the middle of the work (docs/architecture.md §25): nothing lost, duplicated or
half-written. On the suite's database (SQLite, or PostgreSQL with ``CSTI_TEST_DATABASE_URL``).

- Registrations and loan requests: a real gunicorn (``gunicorn.conf.py``, 2 workers) serves
  members registering to an event with few places and asking to borrow a resource, while an
  owner accepts requests; workers are SIGKILLed meanwhile (gunicorn forks new ones), at random
  moments and just after committing a registration, a request or an acceptance (written, never
  answered). Clients send again what failed by a connection error, as a person presses again. Then, in SQL: one
  registration per member, no more confirmed than places, the waiting list after the places in
  order of arrival, one request per member, no two accepted loans overlapping, no orphan row;
  and no answer was a 5xx.
- Newsletters: ``flask csti send-newsletters`` SIGKILLed in the middle of a send (by the SMTP
  server, at the k-th message), run again before the lease is over, then after it: §11's promise.
- The search outbox: a writer SIGKILLed between its commit and the drain: the item waits in the
  outbox, ``search-check`` sees it as missing before, puts it in the index, and it is found.
"""
import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from ..concurrency import crowded_event
from ..databases import scratch_database
from ..mailserver import Inbox, free_port
from ..needs import ROOT
from .server import (
    BIN,
    Answers,
    client,
    csrf_token,
    dying_config,
    gunicorn,
    make_app,
    noting_errors,
    server_env,
    session_cookie,
)

pytestmark = pytest.mark.slow

MEMBERS = 24
THREADS = 6
CAPACITY = 7
KILLS = 3
RETRIES = 12


def _prepare_site(url, folder):
    """An event with CAPACITY places and a waiting list, a lendable resource of a structure
    whose manager answers, MEMBERS confirmed members of a borrowing school; returns ids."""
    from csti.blueprints.actors.operations import add_member
    from csti.extensions import db
    from csti.models import Actor, Resource, Territory, User
    from csti.models.actors import MANAGER, MEMBER
    from csti.models.base import utcnow

    app = make_app(url, folder)
    with app.app_context():
        db.create_all()
        territory = Territory(slug="occitanie", name="Occitanie")
        event = crowded_event(territory, CAPACITY)
        owner = User(email="owner@example.org", name="Prêteuse", password_hash="!", email_confirmed_at=utcnow())
        lender = Actor(title="Muséum", territory=territory, actor_kind="association")
        add_member(lender, owner, MANAGER)
        lender.publish()
        school = Actor(title="École Jules Ferry", territory=territory, actor_kind="association")
        school.publish()
        members = [User(email=f"membre{n}@example.org", name=f"Membre {n}", password_hash="!",
                        email_confirmed_at=utcnow()) for n in range(MEMBERS)]
        db.session.add_all(members)
        db.session.flush()  # add_member tells people apart by id
        for member in members:
            add_member(school, member, MEMBER)
        resource = Resource(title="Exposition Lune", territory=territory, author=owner, lendable=True)
        resource.owners = [lender]
        resource.publish()
        db.session.add_all([event, owner, lender, school, resource, *members])
        db.session.commit()
        ids = {"event": event.id, "resource": resource.id, "school": school.id, "owner": owner.id,
               "members": [m.id for m in members]}
        db.session.remove()
        db.engine.dispose()
    return app, ids


class Journal(Answers):
    """Every answer the clients got: a status, or "conn" for a connection error; the 5xx ones are wrong."""

    def __init__(self):
        super().__init__()
        self.refused = set()  # members whose loan request met an accepted loan

    def note(self, method, path, outcome):
        self.count(outcome, f"{method} {path} → {outcome}" if isinstance(outcome, int) and outcome >= 500 else None)


def _send(journal, http, method, path, **kwargs) -> httpx.Response:
    """Send until an answer comes: a connection error (the worker killed) is sent again."""
    for attempt in range(RETRIES):
        try:
            response = http.request(method, path, follow_redirects=method == "GET", **kwargs)
        except httpx.TransportError:
            journal.note(method, path, "conn")
            time.sleep(0.1 * (attempt + 1))
            continue
        journal.note(method, path, response.status_code)
        return response
    raise AssertionError(f"{method} {path}: no answer after {RETRIES} tries")


def _member(journal, server, cookie, ids, n):
    with client(server, cookie) as http:
        page = _send(journal, http, "GET", f"/event/{ids['event']}")
        assert page.status_code == 200, page.status_code
        token = csrf_token(page.text)
        answer = _send(journal, http, "POST", f"/event/{ids['event']}/register", data={"csrf_token": token})
        assert answer.status_code in (303, 409), (answer.status_code, answer.text[-500:])
        page = _send(journal, http, "GET", f"/resource/{ids['resource']}")
        assert page.status_code == 200, page.status_code
        first = datetime.now().date() + timedelta(days=20 + 2 * n)  # 3 days each: neighbours overlap
        form = {"csrf_token": csrf_token(page.text), "borrower": str(ids["school"]), "starts_on": first.isoformat(),
                "ends_on": (first + timedelta(days=2)).isoformat(), "message": f"Pour la classe {n}"}
        answer = _send(journal, http, "POST", f"/resource/{ids['resource']}/book", data=form)
        # 303: asked; 409: the answer to the first copy was lost, the request is there already;
        # 422: the owner accepted a neighbour's overlapping request first.
        if answer.status_code == 422:
            assert "La ressource est déjà prêtée" in answer.text, answer.text[-3000:]
            journal.refused.add(n)
        else:
            assert answer.status_code in (303, 409), (answer.status_code, answer.text[-500:])


def _owner(journal, server, app, cookie, ids, stop):
    """The owner accepts the waiting requests as they come (409 when the days are taken)."""
    from sqlalchemy import select

    from csti.extensions import db
    from csti.models.resources import Booking

    with client(server, cookie) as http:
        page = _send(journal, http, "GET", "/me/loans")
        token = csrf_token(page.text)
        done = set()
        while True:
            finished = stop.is_set()
            with app.app_context():
                waiting = db.session.scalars(select(Booking.id).where(
                    Booking.resource_id == ids["resource"], Booking.status == "requested")).all()
                db.session.remove()
            for booking_id in waiting:
                if booking_id in done:
                    continue
                answer = _send(journal, http, "POST", f"/booking/{booking_id}/accept",
                               data={"csrf_token": token, "answer": "D'accord."})
                assert answer.status_code in (303, 409), (answer.status_code, answer.text[-500:])
                done.add(booking_id)
            if finished:
                return
            time.sleep(0.05)


def test_workers_killed_during_registrations_and_loans_lose_and_double_nothing(tmp_path):
    with scratch_database(tmp_path, "kill9") as url:
        app, ids = _prepare_site(url, tmp_path)
        cookies = {user: session_cookie(app, user) for user in [ids["owner"], *ids["members"]]}
        with app.app_context():
            from csti.extensions import db

            db.engine.dispose()
        journal, errors = Journal(), []
        # Besides the kills from outside (any moment), workers die just after committing: the
        # first 3 registrations, 2 loan requests and 1 acceptance are written but never answered.
        config, deaths = dying_config(tmp_path, register=3, book=2, accept=1)
        with gunicorn(url, tmp_path, config=config) as server:
            stop = threading.Event()
            owner = threading.Thread(target=noting_errors, args=(_owner, errors, journal, server, app, cookies[ids["owner"]],
                                                        ids, stop))
            owner.start()
            groups = [ids["members"][k::THREADS] for k in range(THREADS)]
            started = time.monotonic()

            def members(group):
                for user in group:
                    _member(journal, server, cookies[user], ids, ids["members"].index(user))

            threads = [threading.Thread(target=noting_errors, args=(members, errors, group)) for group in groups]
            for thread in threads:
                thread.start()
            killed = []
            time.sleep(0.4)
            while len(killed) < KILLS and any(t.is_alive() for t in threads):
                victim = random.choice(server.wait_workers(2))
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
                time.sleep(0.5)
            for thread in threads:
                thread.join(timeout=300)
            clients_done = time.monotonic() - started
            stop.set()
            owner.join(timeout=300)
            owner_done = time.monotonic() - started
            after = server.wait_workers(2)  # gunicorn replaced each killed worker
            log = server.log_text()

        assert not errors, "\n".join(errors) + "\n" + log
        assert not journal.wrong, journal.wrong
        assert len(killed) >= 2, "the clients were done before the workers could be killed"
        assert not set(killed) & set(after)
        assert not os.listdir(deaths), f"workers did not die after these commits: {os.listdir(deaths)}"
        assert journal.answers["conn"] >= 6 and journal.answers[409] >= 3, journal.answers
        print(f"\nkill -9: {len(killed)} workers killed; answers {dict(journal.answers)}; "
              f"{len(journal.refused)} loan requests met an accepted loan; members done in {clients_done:.1f} s, "
              f"the owner in {owner_done:.1f} s")

        with app.app_context():
            rows = [tuple(r) for r in db.session.execute(text(
                "SELECT user_id, status, position FROM registration WHERE event_id = :e ORDER BY position"),
                {"e": ids["event"]})]
            bookings = [tuple(r) for r in db.session.execute(text(
                "SELECT requested_by_id, starts_on, ends_on, status FROM booking WHERE resource_id = :r"),
                {"r": ids["resource"]})]
            orphans = {
                "registration": "SELECT count(*) FROM registration r LEFT JOIN event e ON e.id = r.event_id "
                                "LEFT JOIN \"user\" u ON u.id = r.user_id WHERE e.id IS NULL OR u.id IS NULL",
                "booking": "SELECT count(*) FROM booking b LEFT JOIN resource r ON r.id = b.resource_id "
                           "LEFT JOIN actor a ON a.id = b.borrower_id WHERE r.id IS NULL OR a.id IS NULL",
                "occurrence": "SELECT count(*) FROM event_occurrence o LEFT JOIN event e ON e.id = o.event_id "
                              "WHERE e.id IS NULL",
                "notification": "SELECT count(*) FROM notification n LEFT JOIN \"user\" u ON u.id = n.user_id "
                                "WHERE u.id IS NULL",
            }
            orphans = {name: db.session.scalar(text(sql)) for name, sql in orphans.items()}
            db.session.remove()
            db.engine.dispose()

    # Registrations: every member once, the places first, then the waiting list, in order.
    assert sorted(r[0] for r in rows) == sorted(ids["members"]), "a member is missing or registered twice"
    statuses = [r[1] for r in rows]
    assert statuses == ["confirmed"] * CAPACITY + ["waiting"] * (MEMBERS - CAPACITY), statuses
    positions = [r[2] for r in rows]
    assert len(set(positions)) == len(positions), positions
    # Loan requests: one per member, and no two accepted loans share a day.
    per_member = Counter(b[0] for b in bookings)
    assert all(per_member[user] == 1 for n, user in enumerate(ids["members"]) if n not in journal.refused), bookings
    assert max(per_member.values()) == 1, bookings
    accepted = sorted((b[1], b[2]) for b in bookings if b[3] == "accepted")
    assert accepted, bookings
    for (_s1, e1), (s2, _e2) in zip(accepted, accepted[1:], strict=False):
        assert str(e1) < str(s2), f"two accepted loans overlap: {accepted}"
    assert all(b[3] in ("requested", "accepted") for b in bookings), bookings
    assert orphans == dict.fromkeys(orphans, 0), orphans


# --- newsletters ------------------------------------------------------------------------------
RECIPIENTS = 10
KILL_AT = 6


class KillingInbox(Inbox):
    """Receives messages; at the KILL_AT-th, answers 250 and kills the sender at once: the one
    message whose "sent" the sender could not commit."""

    def __init__(self):
        super().__init__()
        self.count = 0
        self.pid = None

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        answer = await super().handle_DATA(server, session, envelope)
        if self.count == KILL_AT and self.pid:
            asyncio.get_running_loop().call_soon(os.kill, self.pid, signal.SIGKILL)
            await asyncio.sleep(0.5)  # the sender dies before it reads the answer
        return answer


def _prepare_newsletter(url, folder):
    from csti.blueprints.newsletters import operations as ops
    from csti.extensions import db
    from csti.models import Territory
    from csti.models.newsletters import NewsletterIssue, NewsletterSubscription

    app = make_app(url, folder)
    with app.app_context():
        db.create_all()
        territory = Territory(slug="occitanie", name="Occitanie")
        db.session.add(territory)
        for n in range(RECIPIENTS):
            db.session.add(NewsletterSubscription(territory=territory, email=f"r{n}@example.org", status="confirmed"))
        row = NewsletterIssue(territory=territory)
        ops.set_editorial(row, "Les nouvelles", "Des nouvelles.")
        db.session.add(row)
        db.session.commit()
        with app.test_request_context(base_url="http://csti.example.org"):
            assert ops.queue(row) == RECIPIENTS
        db.session.commit()
        issue_id = row.id
        db.session.remove()
        db.engine.dispose()
    return app, issue_id


def _send_newsletters(url, folder, port, stale_after, inbox=None):
    env = server_env(url, folder, CSTI_MAIL_SERVER="127.0.0.1", CSTI_MAIL_PORT=str(port), CSTI_MAIL_BACKEND="smtp")
    process = subprocess.Popen([str(BIN / "flask"), "csti", "send-newsletters", "--batch", "4",
                                "--stale-after", str(stale_after)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if inbox is not None:
        inbox.pid = process.pid
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def _statuses(app, issue_id):
    from csti.extensions import db

    with app.app_context():
        issue = db.session.execute(text("SELECT status, sent_count FROM newsletter_issue WHERE id = :i"),
                                   {"i": issue_id}).one()
        rows = dict(db.session.execute(text("SELECT email, status FROM newsletter_delivery WHERE issue_id = :i"),
                                       {"i": issue_id}).all())
        db.session.remove()
        db.engine.dispose()
    return tuple(issue), rows


def test_a_killed_newsletter_sender_leaves_one_message_in_doubt_and_no_other(tmp_path):
    with scratch_database(tmp_path, "newsletter") as url:
        app, issue_id = _prepare_newsletter(url, tmp_path)
        inbox, port = KillingInbox(), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            code, out, err = _send_newsletters(url, tmp_path, port, 600, inbox)
            assert code == -signal.SIGKILL, f"the sender was not killed: {code}\n{out}\n{err[-3000:]}"
            inbox.pid = None
            assert len(inbox.received) == KILL_AT
            _issue, rows = _statuses(app, issue_id)
            in_flight = [email for email, status in rows.items() if status == "sending"]
            assert len(in_flight) == 1, rows  # the one message in doubt
            assert Counter(rows.values()) == {"sent": KILL_AT - 1, "sending": 1, "queued": RECIPIENTS - KILL_AT}

            # A run within the lease (cron again a minute later): the rest, not the one in doubt.
            code, out, err = _send_newsletters(url, tmp_path, port, 600)
            assert code == 0, err[-3000:]
            issue, rows = _statuses(app, issue_id)
            assert Counter(rows.values()) == {"sent": RECIPIENTS - 1, "sending": 1}, rows
            assert issue[0] == "sending"
            assert len(inbox.to(in_flight[0])) == 1

            # After the lease: the one in doubt is sent again (the same Message-ID), the issue is sent.
            code, out, err = _send_newsletters(url, tmp_path, port, 0)
            assert code == 0, err[-3000:]
        finally:
            controller.stop()
        issue, rows = _statuses(app, issue_id)

    assert issue == ("sent", RECIPIENTS)
    assert set(rows.values()) == {"sent"}
    copies = {f"r{n}@example.org": inbox.to(f"r{n}@example.org") for n in range(RECIPIENTS)}
    assert {email: len(m) for email, m in copies.items() if email != in_flight[0]} == \
        {f"r{n}@example.org": 1 for n in range(RECIPIENTS) if f"r{n}@example.org" != in_flight[0]}
    doubt = copies[in_flight[0]]
    assert len(doubt) == 2 and len({m["Message-ID"] for m in doubt}) == 1, [m["Message-ID"] for m in doubt]


# --- the search outbox ------------------------------------------------------------------------
WRITER = """
import os, signal, sys
import csti.search as search
from tests.resilience.server import make_app

def killed(*args, **kwargs):  # the commit is done; the process dies before the index hears of it
    os.kill(os.getpid(), signal.SIGKILL)

search.drain = killed
app = make_app(sys.argv[1], sys.argv[2])
with app.app_context():
    from csti.extensions import db
    from csti.models import Article, Territory
    article = Article(title="Les comètes de Noël", body="Une comète passe en décembre.",
                      territory=db.session.query(Territory).one())
    article.publish()
    db.session.add(article)
    db.session.commit()
print("not killed")
"""


def test_a_writer_killed_between_commit_and_drain_loses_nothing(tmp_path):
    from csti.extensions import db
    from csti.models import Territory

    with scratch_database(tmp_path, "outbox") as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            db.create_all()
            db.session.add(Territory(slug="occitanie", name="Occitanie"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        writer = subprocess.run([sys.executable, "-c", WRITER, url, str(tmp_path)], cwd=ROOT,
                                env={**os.environ, "CSTI_INSTANCE_DIR": str(tmp_path)},
                                capture_output=True, text=True, timeout=120)
        assert writer.returncode == -signal.SIGKILL, writer.stdout + writer.stderr[-3000:]

        from csti import search

        with app.app_context():
            article_id = db.session.scalar(text("SELECT id FROM content WHERE title = 'Les comètes de Noël'"))
            assert article_id, "the commit was lost"
            waiting = db.session.scalars(text("SELECT content_id FROM search_outbox")).all()
            assert article_id in waiting
            assert article_id in search.check()["missing"]
            db.session.remove()
            db.engine.dispose()

        env = server_env(url, tmp_path)
        check = subprocess.run([str(BIN / "flask"), "csti", "search-check"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr[-3000:]
        assert "missing 0" in check.stdout, check.stdout

        with app.app_context():
            assert not db.session.scalars(text("SELECT content_id FROM search_outbox")).all()
            assert search.check() == {"missing": [], "extra": [], "stale": []}
            hits = search.search("comètes")
            assert article_id in [hit["id"] for hit in hits.hits], hits
            db.session.remove()
            db.engine.dispose()

