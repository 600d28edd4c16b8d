"""Breached and common passwords are refused at sign-up, reset and change, next to the field:
the 30 000 most common passwords of real breaches (zxcvbn's list) and whatever zxcvbn estimates
guessable in fewer than 10^8 tries."""
import re

import pytest
from sqlalchemy import func, select
from webtest import TestApp

from csti.blueprints.accounts.operations import password_problem
from csti.models import User
from tests.conftest import isolated, login
from tests.factories import PASSWORD

# None of these is in the small French list the site had: "manchester" and "password123" are
# in the breached-password list, "sunshine2024" is a common word and a year.
WEAK = ["manchester", "password123", "qwerty123456", "sunshine2024"]


@pytest.mark.parametrize("password", WEAK)
def test_common_passwords_are_refused(app, password):
    with app.test_request_context():
        assert password_problem(password, "alice@example.org") is not None


@pytest.mark.parametrize("password", [PASSWORD, "une phrase assez longue", "demo-csti-2026", "velo-rouge-12"])
def test_good_passwords_pass(app, password):
    with app.test_request_context():
        assert password_problem(password, "alice@example.org") is None


def test_name_in_the_password_counts_against_it(app):
    with app.test_request_context():
        assert password_problem("Gwenaelle2026", "g@example.org", "Gwenaelle") is not None


def _client(app):
    return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "10.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en"})


def test_sign_up_refuses_a_breached_password_next_to_the_field(app, db, mails):
    client = _client(app)
    form = client.get("/register").forms["register-form"]
    form["name"], form["email"] = "Alice", "alice@example.org"
    form["password"] = form["confirm"] = "manchester"
    response = form.submit(status=422)
    assert "most common" in response.html.find(id="password-error").text
    form = response.forms["register-form"]
    form["password"] = form["confirm"] = "sunshine2024"
    response = form.submit(status=422)
    assert "too easy to guess" in response.html.find(id="password-error").text
    assert db.session.scalar(select(func.count(User.id))) == 0 and mails == []


def test_reset_refuses_a_breached_password(app, db, factory, mails):
    user = factory.user(email="bob@example.org")
    client = _client(app)
    page = client.get("/forgot")
    page.forms["forgot-form"]["email"] = "bob@example.org"
    page.forms["forgot-form"].submit()
    link = re.search(r"http://localhost(/reset/\S+)", mails[-1].body).group(1)
    form = client.get(link).forms["reset-form"]
    form["password"] = form["confirm"] = "password123"
    response = form.submit(status=422)
    assert "most common" in response.html.find(id="password-error").text
    db.session.rollback()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_change_refuses_a_breached_password(app, db, factory):
    user = factory.user(email="bob@example.org")
    client = _client(app)
    login(client, "bob@example.org")
    form = client.get("/account").forms["password-form"]
    form["current"] = PASSWORD
    form["password"] = form["confirm"] = "qwerty123456"
    response = form.submit(status=422)
    assert "most common" in response.html.find(id="password-error").text
    db.session.rollback()
    assert db.session.get(User, user.id).check_password(PASSWORD)
