"""Sending a newsletter through a real SMTP server (aiosmtpd in the test process): the confirmed
subscribers receive it once — members and confirmed outside addresses, never pending or
unsubscribed ones —, with a text and an HTML part, absolute links, a deterministic Message-ID and
RFC 8058 one-click unsubscribe headers that work. And the proof of crash safety: the sender
(`flask csti send-newsletters`, a real subprocess) is killed with SIGKILL in the middle of a
send — before the server's "250", and just after it —, run again, and every recipient has the
issue once (see the guarantee in csti/blueprints/newsletters/operations.py)."""
import asyncio
import os
import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from csti.blueprints.newsletters import operations as ops
from csti.models import NewsletterDelivery, NewsletterIssue, NewsletterSubscription
from tests.databases import scratch_database
from tests.mailserver import Inbox
from tests.mailserver import free_port as _free_port
from tests.mailserver import point_at as _point_at
from tests.needs import ROOT

from .helpers import article, issue, subscription


@pytest.fixture
def smtp(app, monkeypatch):
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    _point_at(app, monkeypatch, port)
    yield inbox
    controller.stop()


def _received(inbox):
    by_recipient = defaultdict(list)
    for _sender, recipients, message in inbox.received:
        for recipient in recipients:
            by_recipient[recipient].append(message)
    return by_recipient


def test_the_confirmed_subscribers_receive_it_once(testapp_en, db, factory, smtp, log_in, app):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    animator = factory.user(email="anim@example.org", roles={territory: "animator"})
    member = factory.user(email="membre@example.org")
    ops.subscribe_member(territory, member)
    db.session.commit()
    subscription(db, territory, "dehors@example.org")
    subscription(db, territory, "attente@example.org", status="pending")
    subscription(db, territory, "parti@example.org", status="unsubscribed")
    subscription(db, factory.territory(), "ailleurs@example.org")
    item = article(db, territory, "Fête de la science")
    draft = issue(db, territory, editorial="Bonjour **à tous**.", items=[item])
    log_in(testapp_en, animator)
    page = testapp_en.get(f"/newsletters/{draft.id}/preview")
    form = page.forms[[k for k in page.forms if "confirm" in page.forms[k].fields][0]]
    form["confirm"] = True
    form.submit(status=303)
    # a small list: sent after the answer by the view itself; the cron command finds nothing left
    report = ops.send_pending(batch=1)
    assert (report.sent, report.failed) == (0, 0)
    received = _received(smtp)
    assert sorted(received) == ["dehors@example.org", "membre@example.org"]
    assert all(len(messages) == 1 for messages in received.values())
    db.session.rollback()
    sent = db.session.get(NewsletterIssue, draft.id)
    assert (sent.status, sent.sent_count, sent.recipient_count) == ("sent", 2, 2) and sent.sent_at
    message = received["dehors@example.org"][0]
    delivery = db.session.scalar(select(NewsletterDelivery).where(NewsletterDelivery.email == "dehors@example.org"))
    assert message["Message-ID"] == f"<newsletter-{draft.id}.{delivery.id}@localhost>" == delivery.message_id
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Fête de la science" in html and "<strong>à tous</strong>" in html and "Fête de la science" in text
    assert f'href="{unsubscribe}"' in html and unsubscribe in text
    assert f"http://localhost/t/occitanie/newsletters/{draft.id}" in html  # view in a browser
    assert "src=\"http" not in html and "<link" not in html  # no external resource
    # the one-click POST of a mail client: no CSRF token, unsubscribed
    path = unsubscribe.removeprefix("http://localhost")
    response = testapp_en.post(path, "List-Unsubscribe=One-Click",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_int == 200
    db.session.rollback()
    assert db.session.scalar(select(NewsletterSubscription.status).where(
        NewsletterSubscription.email == "dehors@example.org")) == "unsubscribed"
    # the archive shows it, with its items
    archive = testapp_en.get("/t/occitanie/newsletters")
    assert archive.html.select_one(f"a[href='/t/occitanie/newsletters/{draft.id}']")
    assert "Fête de la science" in testapp_en.get(f"/t/occitanie/newsletters/{draft.id}").text


def test_drafts_are_not_in_the_archive(testapp_en, db, factory):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    draft = issue(db, territory)
    assert "No newsletter has been sent yet" in testapp_en.get("/t/occitanie/newsletters").text
    testapp_en.get(f"/t/occitanie/newsletters/{draft.id}", status=404)
    assert testapp_en.get("/t/occitanie").html.select_one("a[href='/t/occitanie/newsletter']")


def test_the_cron_command_sends_what_is_queued(db, factory, smtp, app, runner):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    for n in range(3):
        subscription(db, territory, f"r{n}@example.org")
    draft = issue(db, territory)
    with app.test_request_context():
        ops.queue(draft)
        db.session.commit()
    result = runner.invoke(args=["csti", "send-newsletters", "--batch", "2"])
    assert result.exit_code == 0 and "3 sent" in result.output
    assert sorted(_received(smtp)) == [f"r{n}@example.org" for n in range(3)]
    db.session.rollback()
    assert db.session.get(NewsletterIssue, draft.id).status == "sent"


def test_a_mail_server_that_is_down_leaves_the_deliveries_queued(db, factory, app, monkeypatch):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    subscription(db, territory, "a@example.org")
    draft = issue(db, territory)
    with app.test_request_context():
        ops.queue(draft)
        db.session.commit()
    _point_at(app, monkeypatch, _free_port())
    report = ops.send_pending()
    assert report.sent == 0 and report.stopped
    assert db.session.scalar(select(NewsletterDelivery.status)) == "queued"


# --- crash safety ---------------------------------------------------------------------------------
RECIPIENTS = 8
KILL_AT = 5  # the 5th message (of the second batch of 3)


class KillingInbox(Inbox):
    """Receives messages; at the KILL_AT-th, kills the sender: before answering (the message is
    refused, as a server that never got the end of the data) or just after answering 250."""

    def __init__(self, after_answer: bool):
        super().__init__()
        self.after_answer = after_answer
        self.count = 0
        self.pid = None

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.count == KILL_AT and self.pid:
            if not self.after_answer:
                os.kill(self.pid, signal.SIGKILL)
                await asyncio.sleep(0.2)
                return "451 sender gone"
            answer = await super().handle_DATA(server, session, envelope)
            asyncio.get_running_loop().call_soon(os.kill, self.pid, signal.SIGKILL)
            return answer
        return await super().handle_DATA(server, session, envelope)


def _prepare(url, folder):
    os.environ["CSTI_INSTANCE_DIR"] = str(folder)
    from csti import create_app
    from csti.extensions import db

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(Path(folder) / "uploads"),
                              "SEARCH_DIR": str(Path(folder) / "search"), "SECRET_KEY": "crash-test"})
    with app.app_context():
        db.create_all()
        from csti.models import Territory

        territory = Territory(slug="occitanie", name="Occitanie")
        db.session.add(territory)
        for n in range(RECIPIENTS):
            db.session.add(NewsletterSubscription(territory=territory, email=f"r{n}@example.org", status="confirmed"))
        db.session.commit()
        row = issue(db, territory, editorial="Des nouvelles.")
        with app.test_request_context(base_url="http://csti.example.org"):
            assert ops.queue(row) == RECIPIENTS
        db.session.commit()
        issue_id = row.id
        db.session.remove()
        db.engine.dispose()
    return issue_id


def _run_sender(url, folder, port, inbox=None):
    env_file = Path(folder) / "empty.env"
    env_file.touch()
    env = {**os.environ, "FLASK_APP": "wsgi", "CSTI_ENV": "default", "CSTI_ENV_FILE": str(env_file),
           "CSTI_DATABASE_URL": url, "CSTI_INSTANCE_DIR": str(folder), "CSTI_SECRET_KEY": "crash-test",
           "CSTI_MAIL_SERVER": "127.0.0.1", "CSTI_MAIL_PORT": str(port), "CSTI_MAIL_BACKEND": "smtp"}
    process = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "csti", "send-newsletters",
                                "--batch", "3", "--stale-after", "0"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if inbox is not None:
        inbox.pid = process.pid
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


@pytest.mark.slow
@pytest.mark.parametrize("after_answer", [False, True], ids=["killed-before-250", "killed-after-250"])
def test_a_sender_killed_mid_way_resumes_and_nobody_gets_it_twice(tmp_path, after_answer):
    from csti import create_app
    from csti.extensions import db

    with scratch_database(tmp_path, "newsletter") as url:
        issue_id = _prepare(url, tmp_path)
        inbox, port = KillingInbox(after_answer), _free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            code, out, err = _run_sender(url, tmp_path, port, inbox)
            assert code == -signal.SIGKILL, f"the sender was not killed: {code}\n{out}\n{err[-3000:]}"
            before = len(inbox.received)
            assert before == (KILL_AT if after_answer else KILL_AT - 1)
            inbox.pid = None
            code, out, err = _run_sender(url, tmp_path, port)
            assert code == 0, err[-3000:]
        finally:
            controller.stop()

        received = _received(inbox)
        assert sorted(received) == sorted(f"r{n}@example.org" for n in range(RECIPIENTS))
        for recipient, messages in received.items():
            ids = {m["Message-ID"] for m in messages}
            assert len(ids) == 1, f"{recipient} got different mails: {ids}"  # one mail of the issue
            assert ids.pop().startswith(f"<newsletter-{issue_id}.") and messages[0]["Subject"] == "Les nouvelles de novembre"
        copies = sorted(len(m) for m in received.values())
        if after_answer:
            # The only possible second copy: the message accepted in the instant between the
            # server's 250 and the sender's commit — the same Message-ID, which clients merge.
            assert copies[:-1] == [1] * (RECIPIENTS - 1) and copies[-1] in (1, 2)
        else:
            assert copies == [1] * RECIPIENTS  # exactly once each

        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp_path / "uploads"),
                                  "SEARCH_DIR": str(tmp_path / "search")})
        with app.app_context():
            sent = db.session.get(NewsletterIssue, issue_id)
            assert (sent.status, sent.sent_count, sent.failed_count) == ("sent", RECIPIENTS, 0)
            statuses = db.session.scalars(select(NewsletterDelivery.status)).all()
            assert statuses == ["sent"] * RECIPIENTS
            db.session.remove()
            db.engine.dispose()


def test_one_delivery_row_per_recipient_even_if_queued_twice(db, factory, app):
    """The INSERT … SELECT meets UNIQUE (issue_id, email): a second queueing of the same issue is
    refused (409) and adds no row."""
    territory = factory.territory()
    subscription(db, territory, "a@example.org")
    draft = issue(db, territory)
    with app.test_request_context():
        assert ops.queue(draft) == 1
        db.session.commit()
        with pytest.raises(ops.NewsletterError) as error:
            ops.queue(db.session.get(NewsletterIssue, draft.id))
        assert error.value.status == 409
    db.session.rollback()
    assert len(db.session.scalars(select(NewsletterDelivery)).all()) == 1
