"""Registrations: one click, the waiting list and its promotions, the rules that refuse, the
organiser's tools (registrants, CSV, attendance, closing, messages) and "My registrations"."""
import csv
import io
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from webtest import TestApp

from csti.blueprints.events.schedule import cancel, register
from csti.dates import to_utc
from csti.models import AuditLog, Event, Notification
from csti.models.events import CANCELLED, CONFIRMED, WAITING, Registration
from tests.conftest import csrf_headers
from tests.mailserver import running_inbox

from .helpers import in_days, local_now, path, refresh


@pytest.fixture
def workshop(make_event, occitanie, factory, make_actor):
    """A workshop with two places and a waiting list, organised by a structure; its author and
    the structure's manager are organisers."""
    author = factory.user(name="Autrice", roles={occitanie: "member"})
    manager = factory.user(name="Gérante", roles={occitanie: "member"})
    structure = make_actor(occitanie, "Fablab Artilect", managers=[manager])
    return make_event(occitanie, "Atelier robotique", author=author, owners=[structure], start=in_days(10, 14),
                      registration_mode="site", capacity=2, waiting_list=True)


def person(factory, name, **kw):
    return factory.user(name=name, locale="en", **kw)


def rows(db, event):
    """[(user name, status, position)] by order of arrival."""
    refresh(db)
    return [(r.user.name, r.status, r.position) for r in db.session.scalars(
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.position))]


def register_form(page, event):
    return page.forms[f"register-{event.id}"]


def box(page, event):
    return page.html.find(id=f"registration-{event.id}").get_text(" ", strip=True)


def test_register_in_one_click(testapp_en, db, factory, workshop, log_in, mails):
    alice = person(factory, "Alice")
    log_in(testapp_en, alice)
    page = testapp_en.get(path(workshop))
    assert "2 places left" in box(page, workshop)
    response = register_form(page, workshop).submit()
    assert response.status_int == 303 and response.headers["Location"].endswith(path(workshop))
    page = response.follow()
    assert "You are registered." in page.text and "1 place left" in box(page, workshop)
    assert f"cancel-registration-{workshop.id}" in page.forms
    assert rows(db, workshop) == [("Alice", CONFIRMED, 1)]
    (mail,) = mails
    assert mail.to == [alice.email] and mail.subject == "Registration confirmed: Atelier robotique"
    assert "is confirmed" in mail.body and path(workshop) in mail.body


def test_promotion_mail_is_in_the_language_of_the_promoted_person(app, testapp_en, db, factory, workshop, log_in,
                                                                  mails):
    """Alice (English) cancels; Amélie (French) gets the place: her mail is in French."""
    alice, bob, amelie = person(factory, "Alice"), person(factory, "Bob"), factory.user(name="Amélie", locale="fr")
    for user in (alice, bob, amelie):
        register(workshop, user)
    db.session.commit()
    log_in(testapp_en, alice)
    testapp_en.get(path(workshop)).forms[f"cancel-registration-{workshop.id}"].submit(status=303)
    (mail,) = mails
    assert mail.to == [amelie.email]
    with app.test_request_context(), force_locale("fr"):
        subject = gettext("A place freed up: you are registered for %(title)s", title="Atelier robotique")
        hello = gettext("Hello %(name)s,", name="Amélie")
    assert subject != "A place freed up: you are registered for Atelier robotique"  # the catalogue has it
    assert mail.subject == subject and mail.body.startswith(hello)


def test_register_with_htmx_returns_the_fragment(testapp_en, db, factory, workshop, log_in, mails):
    log_in(testapp_en, person(factory, "Alice"))
    page = testapp_en.get(path(workshop))
    response = testapp_en.post(f"/event/{workshop.id}/register", headers=csrf_headers(page))
    assert response.status_int == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in response.text and "<h1" not in response.text
    root = [el for el in response.html.children if getattr(el, "name", None)]
    assert len(root) == 1 and root[0]["id"] == f"registration-{workshop.id}"
    assert "You are registered." in response.text and "data-autofocus" in response.text
    assert response.html.find("form")["id"] == f"cancel-registration-{workshop.id}"
    assert len(mails) == 1


def test_registering_twice_is_a_conflict(testapp_en, db, factory, workshop, log_in, mails):
    log_in(testapp_en, person(factory, "Alice"))
    page = testapp_en.get(path(workshop))
    form = register_form(page, workshop)
    form.submit(status=303)
    again = form.submit(status=409)  # the same form, sent again (a double click, a second tab)
    assert "You are already registered." in again.text
    fragment = testapp_en.post(f"/event/{workshop.id}/register", headers=csrf_headers(page), status=409)
    assert "You are already registered." in fragment.text and "<html" not in fragment.text
    assert rows(db, workshop) == [("Alice", CONFIRMED, 1)]
    assert len(mails) == 1


def test_full_event_puts_people_on_the_waiting_list(testapp_en, db, factory, workshop, log_in, mails):
    for name in ("Alice", "Bob"):
        register(workshop, person(factory, name))
    db.session.commit()
    chloe = person(factory, "Chloé")
    log_in(testapp_en, chloe)
    page = testapp_en.get(path(workshop))
    assert "Full — waiting list open" in box(page, workshop)
    form = register_form(page, workshop)
    assert form.html.find("button").get_text(strip=True) == "Join the waiting list"
    page = form.submit().follow()
    assert "The event is full: you are on the waiting list." in page.text
    assert "You are on the waiting list." in box(page, workshop)
    assert rows(db, workshop) == [("Alice", CONFIRMED, 1), ("Bob", CONFIRMED, 2), ("Chloé", WAITING, 3)]
    assert [m.subject for m in mails] == ["Waiting list: Atelier robotique"]
    assert mails[0].to == [chloe.email]


def test_full_event_without_waiting_list_refuses(testapp_en, db, factory, workshop, log_in):
    workshop.waiting_list = False
    db.session.commit()
    for name in ("Alice", "Bob"):
        register(workshop, person(factory, name))
    db.session.commit()
    log_in(testapp_en, person(factory, "Chloé"))
    page = testapp_en.get(path(workshop))
    assert f"register-{workshop.id}" not in page.forms and "Full" in box(page, workshop)
    response = testapp_en.post(f"/event/{workshop.id}/register", headers=csrf_headers(page), status=409)
    assert "This event is full." in response.text
    assert len(rows(db, workshop)) == 2


@pytest.mark.parametrize("change, message", [
    ({"registration_deadline": -1}, "The registration deadline has passed."),
    ({"schedule_status": "cancelled"}, "This event is cancelled."),
    ({"registration_closed": True}, "Registration is closed."),
    ({"registration_mode": "external"}, "This event takes no registration here."),
    ({"registration_mode": "none"}, "This event takes no registration here."),
    ({"status": "pending"}, "Registration opens when the event is published."),
])
def test_registration_refused(testapp_en, db, factory, workshop, log_in, mails, change, message):
    alice = person(factory, "Alice")
    log_in(testapp_en, alice)
    page_before = testapp_en.get(path(workshop))
    form = register_form(page_before, workshop)
    for key, value in change.items():
        if key == "registration_deadline":
            value = to_utc(local_now() + timedelta(hours=value))
        setattr(workshop, key, value)
    if change.get("status") == "pending":
        workshop.author = alice  # who may still see the event
    db.session.commit()
    response = form.submit(status=409)
    assert message in response.text
    if change.get("registration_mode") not in ("external", "none"):
        assert message in box(response, workshop)  # the reason is shown where the button was
    assert f"register-{workshop.id}" not in response.forms
    assert rows(db, workshop) == [] and mails == []


def test_registration_refused_once_the_event_is_over(testapp_en, db, factory, make_event, occitanie, log_in):
    past = make_event(occitanie, "Atelier passé", start=in_days(-3), registration_mode="site", capacity=5)
    log_in(testapp_en, person(factory, "Alice"))
    page = testapp_en.get(path(past))
    assert f"register-{past.id}" not in page.forms and "This event is over." in box(page, past)
    response = testapp_en.post(f"/event/{past.id}/register", headers=csrf_headers(page), status=409)
    assert "This event is over." in response.text
    assert rows(db, past) == []


def test_deadline_still_ahead_lets_people_register(testapp_en, db, factory, workshop, log_in):
    workshop.registration_deadline = to_utc(local_now() + timedelta(days=1))
    db.session.commit()
    log_in(testapp_en, person(factory, "Alice"))
    register_form(testapp_en.get(path(workshop)), workshop).submit(status=303)
    assert [r[1] for r in rows(db, workshop)] == [CONFIRMED]


def test_anonymous_is_asked_to_log_in(testapp_en, db, workshop):
    page = testapp_en.get(path(workshop))
    assert "Log in to register" in box(page, workshop)
    token = csrf_headers(page)["X-CSRFToken"]
    response = testapp_en.post(f"/event/{workshop.id}/register", {"csrf_token": token})
    assert response.status_int == 302 and "/login" in response.headers["Location"]
    assert rows(db, workshop) == []


def test_register_without_csrf_token_is_refused(testapp_en, db, factory, workshop, log_in):
    log_in(testapp_en, person(factory, "Alice"))
    testapp_en.post(f"/event/{workshop.id}/register", status=400)
    assert rows(db, workshop) == []


def test_cancelling_promotes_the_first_of_the_waiting_list(testapp_en, db, factory, workshop, log_in, mails):
    alice, bob, chloe, david = (person(factory, n) for n in ("Alice", "Bob", "Chloé", "David"))
    for user in (alice, bob, chloe, david):
        register(workshop, user)
    db.session.commit()
    log_in(testapp_en, alice)
    page = testapp_en.get(path(workshop))
    response = page.forms[f"cancel-registration-{workshop.id}"].submit()
    assert response.status_int == 303
    page = response.follow()
    assert "Your registration is cancelled." in page.text and f"register-{workshop.id}" in page.forms
    assert rows(db, workshop) == [("Alice", CANCELLED, 1), ("Bob", CONFIRMED, 2), ("Chloé", CONFIRMED, 3),
                                  ("David", WAITING, 4)]
    (mail,) = mails
    assert mail.to == [chloe.email]
    assert mail.subject == "A place freed up: you are registered for Atelier robotique"
    assert "A place freed up" in mail.body


def test_cancelling_from_the_waiting_list_promotes_nobody(testapp_en, db, factory, workshop, log_in, mails):
    users = [person(factory, n) for n in ("Alice", "Bob", "Chloé", "David")]
    for user in users:
        register(workshop, user)
    db.session.commit()
    log_in(testapp_en, users[2])
    page = testapp_en.get(path(workshop))
    response = testapp_en.post(f"/event/{workshop.id}/cancel", headers=csrf_headers(page))
    assert "<html" not in response.text and f"register-{workshop.id}" in response.text
    assert [r[1] for r in rows(db, workshop)] == [CONFIRMED, CONFIRMED, CANCELLED, WAITING]
    assert mails == []
    # Cancelling what is not there.
    again = testapp_en.post(f"/event/{workshop.id}/cancel", headers=csrf_headers(page), status=409)
    assert "You are not registered." in again.text


def test_waiting_list_order_is_kept(app, db, factory, workshop):
    users = [person(factory, n) for n in ("A", "B", "C", "D", "E", "F")]
    for user in users:
        register(workshop, user)
    db.session.commit()
    # C, D, E, F wait in that order. E gives up; A and B cancel: C then D get the places.
    registration = {r.user.name: r for r in workshop.registrations}
    assert cancel(registration["E"]) is None
    assert cancel(registration["A"]).user.name == "C"
    assert cancel(registration["B"]).user.name == "D"
    db.session.commit()
    assert [(n, s) for n, s, _p in rows(db, workshop)] == [
        ("A", CANCELLED), ("B", CANCELLED), ("C", CONFIRMED), ("D", CONFIRMED), ("E", CANCELLED), ("F", WAITING)]
    # Who comes back goes to the end of the list.
    register(workshop, users[0])
    db.session.commit()
    waiting = [n for n, s, _p in sorted(rows(db, workshop), key=lambda r: r[2]) if s == WAITING]
    assert waiting == ["F", "A"]


# --- the organiser's tools --------------------------------------------------------------------
@pytest.fixture
def crowd(db, factory, workshop):
    """Alice and Bob registered, « =cmd » and Dora waiting, Eve cancelled."""
    users = [person(factory, n, email=f"{n.strip('=+').lower()}@example.org")
             for n in ("Alice", "Bob", "=cmd|' /C calc'!A0", "Dora", "Eve")]
    for user in users:
        register(workshop, user)
    db.session.commit()
    cancel(workshop.registrations[-1])
    db.session.commit()
    return users


def manager_of(event):
    """The manager of the event's organising structure."""
    return event.owners[0].managers()[0]


def organiser(factory, occitanie, workshop, who):
    if who == "author":
        return workshop.author
    if who == "manager":
        return manager_of(workshop)
    return factory.user(name="Animatrice", roles={occitanie: "animator"})


@pytest.mark.parametrize("who", ["manager", "animator", "author"])
def test_organisers_see_the_registrants(testapp_en, db, factory, occitanie, workshop, crowd, log_in, who):
    log_in(testapp_en, organiser(factory, occitanie, workshop, who))
    event_page = testapp_en.get(path(workshop))
    page = event_page.click("Registrations", href="/registrants")
    table = [[c.get_text(" ", strip=True) for c in tr.select("th, td")][:3] for tr in page.html.select("tbody tr")]
    assert table == [["Alice", "alice@example.org", "registered"], ["Bob", "bob@example.org", "registered"],
                     ["=cmd|' /C calc'!A0", "cmd|' /c calc'!a0@example.org", "waiting list (1)"],
                     ["Dora", "dora@example.org", "waiting list (2)"]]
    assert "2 registered out of 2 places." in page.text and "2 on the waiting list." in page.text


def test_csv_export_neutralises_formulas(testapp_en, db, factory, occitanie, workshop, crowd, log_in):
    log_in(testapp_en, manager_of(workshop))
    response = testapp_en.get(f"/event/{workshop.id}/registrants.csv")
    assert response.content_type == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    assert f'filename="registrants-{workshop.id}.csv"' in response.headers["Content-Disposition"]
    data = list(csv.reader(io.StringIO(response.text)))
    assert data[0] == ["name", "email", "status", "registered_at", "attended"]
    assert [(r[0], r[2]) for r in data[1:]] == [("Alice", "confirmed"), ("Bob", "confirmed"),
                                                ("'=cmd|' /C calc'!A0", "waiting"), ("Dora", "waiting")]
    assert not any(cell[:1] in "=+-@" for row in data[1:] for cell in row if cell)


def test_attendance_is_marked(testapp_en, db, factory, occitanie, workshop, crowd, log_in):
    log_in(testapp_en, manager_of(workshop))
    page = testapp_en.get(f"/event/{workshop.id}/registrants")
    alice = db.session.scalar(select(Registration).where(Registration.user_id == crowd[0].id))
    form = page.forms[f"attendance-{alice.id}"]
    form["attended"] = "yes"
    response = form.submit()
    assert response.status_int == 303
    bob = db.session.scalar(select(Registration).where(Registration.user_id == crowd[1].id))
    form = response.follow().forms[f"attendance-{bob.id}"]
    form["attended"] = "no"
    fragment = testapp_en.post(form.action, dict(form.submit_fields()), headers=csrf_headers(page))
    assert "<html" not in fragment.text and fragment.html.find("tr")["id"] == f"registrant-{bob.id}"
    assert "Saved." in fragment.text
    refresh(db)
    assert (db.session.get(Registration, alice.id).attended, db.session.get(Registration, bob.id).attended) == (
        True, False)
    csv_rows = list(csv.reader(io.StringIO(testapp_en.get(f"/event/{workshop.id}/registrants.csv").text)))
    assert [r[4] for r in csv_rows[1:3]] == ["yes", "no"]
    testapp_en.post(form.action, {"attended": "maybe"}, headers=csrf_headers(page), status=400)


def test_closing_and_reopening_registration(testapp_en, db, factory, occitanie, workshop, log_in):
    log_in(testapp_en, manager_of(workshop))
    page = testapp_en.get(f"/event/{workshop.id}/registrants")
    page = page.forms["registration-toggle"].submit().follow()
    assert "Registration closed." in page.text and "Reopen registration" in page.text
    refresh(db)
    assert db.session.get(Event, workshop.id).registration_closed is True
    log_in(testapp_en, person(factory, "Alice"))
    event_page = testapp_en.get(path(workshop))
    assert "Registration is closed." in box(event_page, workshop)
    testapp_en.post(f"/event/{workshop.id}/register", headers=csrf_headers(event_page), status=409)
    log_in(testapp_en, manager_of(workshop))
    testapp_en.get(f"/event/{workshop.id}/registrants").forms["registration-toggle"].submit(status=303)
    refresh(db)
    assert db.session.get(Event, workshop.id).registration_closed is False
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["event.registration_close", "event.registration_open"]


def test_message_to_the_registrants(testapp_en, db, factory, occitanie, workshop, crowd, log_in, mails):
    manager = manager_of(workshop)
    log_in(testapp_en, manager)
    form = testapp_en.get(f"/event/{workshop.id}/registrants").forms["message-form"]
    form["subject"] = "Changement de salle"
    form["body"] = "Rendez-vous salle B."
    page = form.submit().follow()
    assert "Message sent to 4 people." in page.text
    assert sorted(m.to[0] for m in mails) == sorted(u.email for u in crowd[:4])  # not Eve, who cancelled
    assert {m.subject for m in mails} == {"Changement de salle"}
    assert all("Rendez-vous salle B." in m.body and "Gérante" in m.body for m in mails)
    refresh(db)
    assert db.session.scalar(select(AuditLog.action)) == "event.message"


def test_message_subject_stays_on_one_line(testapp_en, db, workshop, crowd, log_in, mails):
    log_in(testapp_en, manager_of(workshop))
    token = testapp_en.get(f"/event/{workshop.id}/registrants").forms["message-form"]["csrf_token"].value
    testapp_en.post(f"/event/{workshop.id}/message", {"csrf_token": token, "subject": "Salle B\r\nBcc: x@example.com",
                                                      "body": "Texte"}, status=303)
    assert {m.subject for m in mails} == {"Salle B Bcc: x@example.com"} and len(mails) == 4


def test_empty_message_is_refused(testapp_en, db, workshop, crowd, log_in, mails):
    log_in(testapp_en, manager_of(workshop))
    form = testapp_en.get(f"/event/{workshop.id}/registrants").forms["message-form"]
    form["body"] = "Rendez-vous salle B."
    page = form.submit(status=422)
    assert page.html.find(id="subject-error") is not None
    assert mails == []


@pytest.mark.parametrize("who", ["other manager", "member", "registrant", "anonymous"])
def test_others_may_not_use_the_organiser_tools(testapp_en, db, factory, make_actor, occitanie, workshop, crowd,
                                               log_in, mails, who):
    token_page = testapp_en.get(path(workshop))
    if who != "anonymous":
        user = crowd[0] if who == "registrant" else factory.user(roles={occitanie: "member"})
        if who == "other manager":
            make_actor(occitanie, "Autre structure", managers=[user])
        log_in(testapp_en, user)
        token_page = testapp_en.get(path(workshop))
        assert "/registrants" not in token_page.text
    token = csrf_headers(token_page)["X-CSRFToken"]
    expected = 302 if who == "anonymous" else 403
    alice = db.session.scalar(select(Registration).where(Registration.user_id == crowd[0].id))
    testapp_en.get(f"/event/{workshop.id}/registrants", status=expected)
    testapp_en.get(f"/event/{workshop.id}/registrants.csv", status=expected)
    testapp_en.post(f"/event/{workshop.id}/registrants/{alice.id}/attendance", {"csrf_token": token,
                                                                              "attended": "no"}, status=expected)
    testapp_en.post(f"/event/{workshop.id}/registration/close", {"csrf_token": token}, status=expected)
    testapp_en.post(f"/event/{workshop.id}/message", {"csrf_token": token, "subject": "Spam", "body": "Spam"},
                    status=expected)
    refresh(db)
    assert db.session.get(Registration, alice.id).attended is None
    assert db.session.get(Event, workshop.id).registration_closed is False
    assert mails == [] and db.session.scalar(select(func.count(AuditLog.id))) == 0


# --- "My registrations" -------------------------------------------------------------------------
def test_my_registrations(testapp_en, db, factory, make_event, occitanie, log_in):
    me = person(factory, "Alice")
    soon = make_event(occitanie, "Bientôt", start=in_days(3), registration_mode="site", capacity=1)
    later = make_event(occitanie, "Plus tard", start=in_days(20), registration_mode="site", capacity=5)
    # A weekly club whose first date is past: it is still upcoming (next date: tomorrow).
    club = make_event(occitanie, "Club hebdomadaire", start=in_days(-13), registration_mode="site", capacity=5,
                      recurrence="weekly", until=in_days(30).date())
    dropped = make_event(occitanie, "Abandonné", start=in_days(5), registration_mode="site", capacity=5)
    register(soon, factory.user())
    for event in (soon, later, club, dropped):
        register(event, me)
    cancel(db.session.scalar(select(Registration).where(Registration.event_id == dropped.id)))
    db.session.commit()
    past = make_event(occitanie, "Passé", start=in_days(-30), registration_mode="site", capacity=5)
    db.session.add(Registration(event_id=past.id, user_id=me.id, status=CONFIRMED, position=1))
    db.session.commit()

    log_in(testapp_en, me)
    page = testapp_en.get("/me/registrations")
    upcoming, old = page.html.select("section")
    assert [li.find("a").get_text() for li in upcoming.select("li")] == ["Club hebdomadaire", "Bientôt", "Plus tard"]
    assert "waiting list" in upcoming.select("li")[1].get_text() and "registered" in upcoming.select("li")[2].get_text()
    assert [li.find("a").get_text() for li in old.select("li")] == ["Passé"]
    assert "Abandonné" not in page.text
    # The club shows its next date, not its first one.
    club_time = upcoming.select_one("li time")["datetime"]
    assert club_time > to_utc(local_now()).isoformat(timespec="seconds")


def test_my_registrations_needs_a_login(testapp_en):
    response = testapp_en.get("/me/registrations")
    assert response.status_int == 302 and "/login" in response.headers["Location"]


def test_a_postponed_event_takes_no_registration(testapp_en, db, factory, workshop, log_in):
    workshop.schedule_status = "postponed"
    db.session.commit()
    alice = person(factory, "Alice")
    log_in(testapp_en, alice)
    page = testapp_en.get(path(workshop))
    assert f"register-{workshop.id}" not in page.forms
    assert "registration reopens with its new dates" in box(page, workshop)
    response = testapp_en.post(f"/event/{workshop.id}/register", headers=csrf_headers(page), expect_errors=True)
    assert response.status_int == 409
    assert rows(db, workshop) == []


def test_an_event_marked_full_sends_newcomers_to_the_waiting_list(testapp_en, db, factory, workshop, log_in):
    workshop.schedule_status = "full"  # the organiser filled it by other means
    db.session.commit()
    alice = person(factory, "Alice")
    log_in(testapp_en, alice)
    page = testapp_en.get(path(workshop))
    assert "Join the waiting list" in page.text
    register_form(page, workshop).submit()
    assert rows(db, workshop) == [("Alice", WAITING, 1)]


@pytest.mark.parametrize("status, days, shown", [
    ("scheduled", 10, True), ("cancelled", 10, False), ("postponed", 10, False), ("scheduled", -10, False)])
def test_the_link_to_an_external_registration_only_while_it_makes_sense(testapp_en, make_event, occitanie,
                                                                        status, days, shown):
    event = make_event(occitanie, "Conférence", start=in_days(days, 18), registration_mode="external",
                       registration_url="https://billetterie.example.org/conf", schedule_status=status)
    page = testapp_en.get(path(event))
    assert (page.html.find("a", href="https://billetterie.example.org/conf") is not None) is shown


@pytest.mark.parametrize("fields", [
    {"registration_mode": "none"},
    {"registration_mode": "external", "registration_url": ""},
])
def test_no_empty_registration_box_without_registration(testapp_en, make_event, occitanie, fields):
    """Issue #13: an event without registration has no (empty, bordered) registration box."""
    event = make_event(occitanie, "Conférence libre", start=in_days(10, 14), **fields)
    page = testapp_en.get(path(event))
    assert page.html.select(".registration-box") == []
    assert page.html.select_one(".actor-aside dl.facts") is not None  # the practical information stays


def test_registration_box_when_registration_is_on_the_site(testapp_en, workshop):
    box = testapp_en.get(path(workshop)).html.select_one(f"#registration-{workshop.id}.registration-box")
    assert box is not None and "2 places left" in box.text


# --- a mail server that is down (tests/test_smtp.py points the SMTP backend at a dead port) ----
def test_a_registration_stands_when_the_mail_server_is_down(testapp_en, db, app, factory, workshop, log_in,
                                                            monkeypatch):
    from tests.mailserver import free_port as _free_port
    from tests.mailserver import point_at as _point_at

    _point_at(app, monkeypatch, _free_port())
    log_in(testapp_en, person(factory, "Alice"))
    response = register_form(testapp_en.get(path(workshop)), workshop).submit()
    assert response.status_int == 303  # was a 500 after the registration was committed
    assert "You are registered." in response.follow().text
    assert rows(db, workshop) == [("Alice", CONFIRMED, 1)]


def test_a_message_to_registrants_counts_what_the_mail_server_refused(testapp_en, db, app, workshop, crowd,
                                                                      log_in, monkeypatch):
    from tests.mailserver import free_port as _free_port
    from tests.mailserver import point_at as _point_at

    log_in(testapp_en, manager_of(workshop))
    form = testapp_en.get(f"/event/{workshop.id}/registrants").forms["message-form"]
    _point_at(app, monkeypatch, _free_port())
    form["subject"], form["body"] = "Changement de salle", "Salle B."
    page = form.submit().follow()
    assert "Message sent to 0 of 4 people: the mail server refused the others." in page.text


# --- the organiser told (the "registrations" mail category) ----------------------------------------
def test_the_organiser_is_told_of_registrations_and_cancellations(app, monkeypatch, testapp_en, db, factory,
                                                                   workshop, log_in):
    workshop.capacity = 1
    organiser = workshop.author
    organiser.locale = "en"
    db.session.commit()
    from csti.blueprints.mailprefs.operations import set_preferences

    set_preferences(organiser, {"registrations": "immediate"})  # the default is a daily digest
    db.session.commit()
    first = factory.user(email="premiere@example.org", name="Première Personne")
    second = factory.user(email="seconde@example.org", name="Seconde Personne")
    browsers = {}
    for someone in (first, second):  # both logged in first: the fixture writes with the test's session
        browsers[someone] = log_in(TestApp(testapp_en.app, extra_environ=testapp_en.extra_environ), someone)
    with running_inbox(app, monkeypatch) as inbox:
        for browser in browsers.values():
            page = browser.get(f"/event/{workshop.id}").maybe_follow()
            browser.post(f"/event/{workshop.id}/register", headers=csrf_headers(page), status=200)
        db.session.rollback()
        kinds = db.session.execute(select(Notification.kind, Notification.actor_id).where(
            Notification.user_id == organiser.id).order_by(Notification.id)).all()
        assert kinds == [("registration_new", first.id), ("registration_waiting", second.id)]
        subjects = [m["Subject"].strip() for m in inbox.to(organiser.email)]
        assert f"Première Personne registered for your event “{workshop.title}”." in subjects
        assert f"Seconde Personne is on the waiting list of your event “{workshop.title}”." in subjects
    # Nobody is told of their own registration.
    assert not db.session.scalars(select(Notification).where(Notification.user_id.in_([first.id, second.id]),
                                                             Notification.kind.like("registration%"))).all()
