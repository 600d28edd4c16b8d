"""Server-side sessions and the confirmation link: logging out ends the session wherever its
cookies were copied; the confirmation link works once, dies with a password change or "log out
everywhere", and never switches a browser into another account; sign-ups are rate-limited."""
import re
from datetime import timedelta

from sqlalchemy import func, select
from webtest import TestApp

from csti.blueprints.discussion.operations import unread_count
from csti.models import Notification, User, UserSession
from csti.models.base import utcnow
from csti.sessions import load_session_user, open_session
from tests.conftest import isolated, login
from tests.factories import PASSWORD
from tests.statements import statements


def _client(app, ip="10.0.0.1"):
    return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": ip, "HTTP_ACCEPT_LANGUAGE": "en"})


def _logged_in(client):
    return "Account settings" in client.get("/").text


def _logout(client):
    page = client.get("/")
    [f for f in page.forms.values() if f.action == "/logout"][0].submit()


def _copy_cookies(source, target):
    for cookie in source.cookiejar:
        target.cookiejar.set_cookie(cookie)


# --- logout ends the session on the server ---------------------------------------------------
def test_a_copied_session_cookie_is_dead_after_logout(app, db, factory):
    factory.user(email="bob@example.org")
    bob = _client(app)
    login(bob, "bob@example.org")
    thief = _client(app, "203.0.113.9")
    _copy_cookies(bob, thief)
    assert _logged_in(thief)  # the copy works while the session lives…
    _logout(bob)
    assert not _logged_in(bob)
    assert not _logged_in(thief)  # …and not after the logout
    assert db.session.scalar(select(func.count(UserSession.id))) == 0


def test_a_copied_remember_cookie_is_dead_after_logout(app, db, factory):
    factory.user(email="bob@example.org")
    bob = _client(app)
    login(bob, "bob@example.org", remember=True)
    remembered = bob.cookies["remember_token"]
    _logout(bob)
    thief = _client(app, "203.0.113.9")
    thief.set_cookie("remember_token", remembered)
    assert not _logged_in(thief)


def test_the_remember_cookie_alone_logs_in_while_the_session_lives(app, factory):
    factory.user(email="bob@example.org")
    bob = _client(app)
    login(bob, "bob@example.org", remember=True)
    later = _client(app)  # the browser was closed: only the remember-me cookie is left
    later.set_cookie("remember_token", bob.cookies["remember_token"])
    assert _logged_in(later)


def test_logging_out_one_browser_keeps_the_others(app, factory):
    factory.user(email="bob@example.org")
    laptop, phone = _client(app), _client(app, "10.0.0.2")
    login(laptop, "bob@example.org")
    login(phone, "bob@example.org")
    _logout(laptop)
    assert not _logged_in(laptop) and _logged_in(phone)


def test_deleting_the_account_deletes_its_sessions(app, db, factory):
    factory.user(email="bob@example.org")
    bob, other = _client(app), _client(app, "10.0.0.2")
    login(bob, "bob@example.org")
    login(other, "bob@example.org")
    form = bob.get("/account").forms["delete-form"]
    form["password"] = PASSWORD
    form["content"] = "delete"
    form.submit()
    db.session.rollback()
    assert db.session.scalar(select(func.count(UserSession.id))) == 0
    assert not _logged_in(other)


def test_a_forged_or_huge_session_id_is_anonymous(app, db, factory, log_in):
    user = factory.user(email="bob@example.org")
    client = _client(app)
    log_in(client, user)
    assert _logged_in(client)
    for forged in (f"{user.id}:nottherealtoken", f"{2**64}:x", "1", ":", "x:y"):
        serializer = app.session_interface.get_signing_serializer(app)
        client = _client(app)
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], serializer.dumps({"_user_id": forged, "_fresh": True}))
        assert client.get("/").status_int == 200
        assert not _logged_in(client)


def test_a_member_s_session_roles_and_badge_are_read_in_one_statement(app, db, factory):
    """Every request of a member loads them: their memberships (roles, menus) and their unread
    notifications (the header's badge) come with their session's check, not after it."""
    occitanie, bretagne = factory.territory(), factory.territory()
    user = factory.user(roles={occitanie: "member", bretagne: "animator"})
    other = factory.user()
    db.session.add_all([Notification(user_id=user.id, kind="comment", actor_id=other.id),
                        Notification(user_id=user.id, kind="comment", actor_id=other.id),
                        Notification(user_id=user.id, kind="comment", actor_id=other.id, read_at=utcnow()),
                        Notification(user_id=other.id, kind="comment", actor_id=user.id)])
    session_id = open_session(user)
    db.session.commit()
    expected = {occitanie.id: "member", bretagne.id: "animator"}
    db.session.expunge_all()  # nothing of the member known beforehand
    with app.test_request_context("/"), statements(db.engine) as seen:
        loaded = load_session_user(session_id)
        roles = {m.territory_id: m.role for m in loaded.memberships}
        badge = unread_count(loaded)
    assert roles == expected and badge == 2
    assert len(seen) == 1, seen


# --- the confirmation link -------------------------------------------------------------------
def _register(client, email="alice@example.org", name="Alice", password="une phrase assez longue"):
    form = client.get("/register").forms["register-form"]
    form["name"], form["email"] = name, email
    form["password"] = form["confirm"] = password
    return form.submit(expect_errors=True)


def _link(message):
    return re.search(r"http://localhost(/confirm/\S+)", message.body).group(1)


def test_the_confirmation_link_works_once(app, db, mails):
    alice = _client(app)
    _register(alice)
    link = _link(mails[-1])
    assert alice.get(link).status_int == 303
    assert _logged_in(alice)
    # A second use, by anyone: no login, a clear message.
    other = _client(app, "203.0.113.9")
    again = other.get(link, status=400)
    assert "used already" in again.text
    assert not _logged_in(other)
    again = alice.get(link, status=400)
    assert "used already" in again.text


def test_the_confirmation_link_does_not_log_in_after_a_password_change(app, db, mails, factory):
    user = factory.user(email="alice@example.org", name="Alice", confirmed=False)
    client = _client(app)
    login(client, "alice@example.org")
    client.post("/confirm", {"csrf_token": client.get("/account").forms["profile-form"]["csrf_token"].value})
    link = _link(mails[-1])
    form = client.get("/account").forms["password-form"]
    form["current"] = PASSWORD
    form["password"] = form["confirm"] = "a brand new long password"
    assert form.submit().status_int == 303
    stranger = _client(app, "203.0.113.9")
    response = stranger.get(link, status=400)
    assert "expired" in response.text
    assert not _logged_in(stranger)
    db.session.rollback()
    assert db.session.get(User, user.id).email_confirmed_at is None


def test_the_confirmation_link_does_not_log_in_after_logging_out_everywhere(app, db, mails, factory):
    factory.user(email="alice@example.org", name="Alice", confirmed=False)
    client = _client(app)
    login(client, "alice@example.org")
    page = client.get("/account")
    client.post("/confirm", {"csrf_token": page.forms["profile-form"]["csrf_token"].value})
    link = _link(mails[-1])
    page = client.get("/account")
    [f for f in page.forms.values() if f.action == "/account/logout-everywhere"][0].submit()
    stranger = _client(app, "203.0.113.9")
    stranger.get(link, status=400)
    assert not _logged_in(stranger)


def test_the_confirmation_link_never_switches_to_another_account(app, db, mails, factory):
    factory.user(email="xavier@example.org", name="Xavier")
    _register(_client(app, "10.9.9.9"), email="yvonne@example.org", name="Yvonne")
    link = _link(mails[-1])
    xavier = _client(app)
    login(xavier, "xavier@example.org")
    response = xavier.get(link, status=409)
    assert "Log out, then open the link again" in response.text
    page = xavier.get("/")
    assert "Xavier" in page.html.find("details", class_="menu-right").summary.text
    db.session.rollback()
    assert db.session.scalar(select(User.email_confirmed_at).where(User.email == "yvonne@example.org")) is None
    # Once logged out, the link works (it was not spent).
    _logout(xavier)
    assert xavier.get(link).status_int == 303
    assert "Yvonne" in xavier.get("/").html.find("details", class_="menu-right").summary.text


# --- sign-up rate limit --------------------------------------------------------------------------
def test_sign_ups_are_rate_limited_per_address(app, db, mails):
    limit = app.config["SIGNUP_MAX_PER_IP"]
    client = _client(app, "198.51.100.4")
    for n in range(limit):
        assert _register(client, email=f"person{n}@example.org").status_int == 200
    refused = _register(client, email="one-more@example.org")
    assert refused.status_int == 429
    assert "Too many sign-ups" in refused.html.find(id="email-error").text
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == limit
    # Another address still signs up.
    assert _register(_client(app, "198.51.100.5"), email="other@example.org").status_int == 200


def test_sessions_expire_on_the_server(app, db, factory, monkeypatch):
    factory.user(email="bob@example.org")
    factory.user(email="carol@example.org")
    bob = _client(app)
    login(bob, "bob@example.org", remember=True)
    db.session.rollback()
    db.session.execute(UserSession.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert not _logged_in(bob)  # neither its session cookie nor its remember-me cookie work
    login(_client(app, "10.0.0.2"), "carol@example.org")  # any login clears the expired rows
    db.session.rollback()
    assert db.session.scalar(select(func.count(UserSession.id))) == 1
