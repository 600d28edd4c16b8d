"""Mail through a real SMTP server, as production sends it: the tests start one (aiosmtpd) on
a free local port and point the app's SMTP backend at it. A mail server that is down never
undoes what was saved. Production without a mail server starts, with a warning."""
import logging
import re

import pytest
from sqlalchemy import select

from csti.models import User
from tests.accounts.test_register import PASSWORD, _register
from tests.mailserver import free_port as _free_port
from tests.mailserver import point_at as _point_at
from tests.mailserver import running_inbox
from tests.test_hosts import SITE, make_app  # noqa: F401 — the fixture


@pytest.fixture
def smtp(app, monkeypatch):
    with running_inbox(app, monkeypatch) as inbox:
        yield inbox


def test_the_confirmation_mail_goes_through_smtp_in_the_readers_language(testapp, db, smtp):
    response = _register(testapp, email="lea@example.org", name="Léa")
    assert response.status_int == 200
    assert len(smtp.received) == 1
    sender, recipients, message = smtp.received[0]
    assert recipients == ["lea@example.org"] and message["To"] == "lea@example.org"
    assert "no-reply" in sender
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Bonjour Léa" in body or "Léa" in body  # French, the sign-up's language, UTF-8 intact
    link = re.search(r"http://localhost(/confirm/\S+)", body).group(1)
    assert testapp.get(link).status_int == 303
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.email == "lea@example.org")).email_confirmed_at is not None


def test_a_mail_server_that_is_down_does_not_undo_the_sign_up(testapp, db, app, monkeypatch):
    _point_at(app, monkeypatch, _free_port())  # nobody listens there
    response = _register(testapp, email="noe@example.org", name="Noé")
    assert response.status_int == 200  # was a 500 before the mails of accounts were guarded
    assert "n’a pas pu être envoyé" in response.html.select_one("[role=alert]").text
    assert response.html.select_one("[role=alert] a")["href"] == "/confirm"
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.email == "noe@example.org"))
    assert user is not None and user.check_password(PASSWORD)


def test_production_without_a_mail_server_warns_at_start_up(make_app, monkeypatch, caplog):  # noqa: F811
    monkeypatch.delenv("CSTI_MAIL_SERVER", raising=False)
    with caplog.at_level(logging.WARNING, logger="csti"):
        make_app("production", SECRET_KEY="x", SERVER_NAME=SITE)
    assert any("CSTI_MAIL_SERVER is not set" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="csti"):
        make_app("production", SECRET_KEY="x", SERVER_NAME=SITE, MAIL_BACKEND="smtp", MAIL_SERVER="mail.example.org")
    assert not any("CSTI_MAIL_SERVER" in r.getMessage() for r in caplog.records)


def test_a_reset_asked_while_the_mail_server_is_down_answers_as_usual(testapp, db, app, factory, monkeypatch):
    factory.user(email="ines@example.org")
    _point_at(app, monkeypatch, _free_port())
    page = testapp.get("/forgot")
    form = page.forms[[k for k in page.forms if "email" in page.forms[k].fields][0]]
    form["email"] = "ines@example.org"
    response = form.submit()
    assert response.status_int == 200  # the same answer as for an unknown address: nothing revealed
