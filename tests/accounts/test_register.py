"""Sign-up, e-mail confirmation and its tokens."""
import re

from sqlalchemy import func, select

from csti.models import Membership, User

PASSWORD = "une phrase assez longue"


def _link(message):
    return re.search(r"http://localhost(/\S+)", message.body).group(1)


def _register(testapp, email="alice@example.org", password=PASSWORD, confirm=None, name="Alice", territory=None):
    page = testapp.get("/register")
    form = page.forms["register-form"]
    form["name"] = name
    form["email"] = email
    form["password"] = password
    form["confirm"] = confirm if confirm is not None else password
    if territory is not None:
        form["territory"] = str(territory.id)
    return form.submit(expect_errors=True)


def test_register_sends_a_confirmation_link_that_confirms_and_logs_in(testapp_en, db, mails, factory):
    territory = factory.territory(name="Occitanie")
    response = _register(testapp_en, territory=territory)
    assert response.status_int == 200
    assert "Check your mailbox" in response.text
    db.session.rollback()  # end the test's read transaction to see what the request wrote
    user = db.session.scalar(select(User).where(User.email == "alice@example.org"))
    assert user is not None and user.email_confirmed_at is None
    assert user.check_password(PASSWORD)
    assert db.session.scalar(select(Membership).where(Membership.user_id == user.id)).territory_id == territory.id
    assert len(mails) == 1 and mails[0].to == ["alice@example.org"]
    response = testapp_en.get(_link(mails[0]))
    assert response.status_int == 303 and response.location.endswith("/welcome")
    db.session.rollback()
    assert db.session.get(User, user.id).email_confirmed_at is not None
    page = response.follow()
    assert "Welcome, Alice!" in page.text and "Account settings" in page.text  # logged in


def test_taken_email_gets_the_same_answer_and_changes_nothing(testapp_en, db, mails, factory):
    owner = factory.user(email="taken@example.org", name="Owner")
    old_hash = owner.password_hash
    fresh = _register(testapp_en, email="fresh@example.org")
    taken = _register(testapp_en, email="Taken@Example.org", name="Intruder")
    assert taken.status_int == fresh.status_int == 200
    assert taken.html.find("h1").text == fresh.html.find("h1").text
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "taken@example.org")) == 1
    owner = db.session.get(User, owner.id)
    assert owner.name == "Owner" and owner.password_hash == old_hash
    assert "un compte existe" in mails[-1].body
    assert mails[-1].to == ["taken@example.org"]


def test_weak_password_is_refused_next_to_the_field(testapp_en, db, mails):
    response = _register(testapp_en, password="azertyuiop")
    assert response.status_int == 422
    error = response.html.find(id="password-error")
    assert error is not None and "most common" in error.text
    assert response.html.find(id="password")["aria-invalid"] == "true"
    short = _register(testapp_en, password="court")
    assert short.status_int == 422 and "at least 10" in short.html.find(id="password-error").text
    mismatch = _register(testapp_en, confirm="something else entirely")
    assert mismatch.status_int == 422 and mismatch.html.find(id="confirm-error") is not None
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert mails == []


def test_invalid_email_is_refused(testapp_en, db):
    response = _register(testapp_en, email="not-an-address")
    assert response.status_int == 422
    assert response.html.find(id="email-error") is not None
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_tampered_confirmation_token_is_refused(testapp_en, db, mails):
    _register(testapp_en)
    link = _link(mails[0])
    response = testapp_en.get(link[:-3] + "abc", status=400)
    assert "not valid" in response.text
    db.session.rollback()
    assert db.session.scalar(select(User)).email_confirmed_at is None


def test_expired_confirmation_token_is_refused(testapp_en, app, db, mails):
    _register(testapp_en)
    link = _link(mails[0])
    app.config["CONFIRM_TOKEN_MAX_AGE"] = -1
    try:
        response = testapp_en.get(link, status=400)
    finally:
        app.config["CONFIRM_TOKEN_MAX_AGE"] = 3 * 24 * 3600
    assert "expired" in response.text
    assert response.html.find("a", href="/confirm") is not None  # a way to get a new link
    db.session.rollback()
    assert db.session.scalar(select(User)).email_confirmed_at is None


def test_forged_csrf_token_is_refused_and_nothing_saved(testapp_en, db):
    page = testapp_en.get("/register")
    form = page.forms["register-form"]
    form["name"], form["email"] = "Mallory", "mallory@example.org"
    form["password"] = form["confirm"] = PASSWORD
    form["csrf_token"] = "forged"
    response = form.submit(status=400)
    assert "expired" in response.text or "not sent by this site" in response.text
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_unconfirmed_user_may_ask_for_a_new_link(testapp_en, db, mails, factory):
    _register(testapp_en)
    page = testapp_en.get("/confirm")
    form = page.forms["resend-form"]
    form["email"] = "alice@example.org"
    response = form.submit()
    assert "Check your mailbox" in response.text
    assert len(mails) == 2
    # An unknown address gets the same answer and no mail.
    form["email"] = "nobody@example.org"
    response = form.submit()
    assert "Check your mailbox" in response.text and len(mails) == 2
