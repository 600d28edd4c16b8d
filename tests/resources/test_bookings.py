"""Loans of resources (csti/blueprints/resources/bookings.py, routes.py): the calendar,
the request form and its refusals, the answers and who may give them, notifications and mails,
"My loans" and "My loan requests"."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from csti.blueprints.mailprefs.operations import SENTENCES
from csti.blueprints.resources.bookings import today
from csti.models import AuditLog, Notification
from csti.models.mailprefs import category_of
from csti.models.resources import Booking
from tests.conftest import csrf_headers, login


def _fr(app, text):
    """``text`` as the French catalogue says it: the owner reads the site in French, her language."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    with app.test_request_context(), force_locale("fr"):
        return _(text)


def _booking(db, w, start, end, status="requested", borrower=None, by="borrower"):
    booking = Booking(resource_id=w["resource_id"], borrower_id=borrower or w["school_id"],
                      requested_by_id=w["people"][by].id, starts_on=start, ends_on=end, status=status)
    db.session.add(booking)
    db.session.commit()
    return booking.id


def _page(testapp, w, **params):
    r = w["resource"]
    return testapp.get(f"/resource/{w['resource_id']}-{r.slug}", params=params)


def _count(db):
    db.session.rollback()
    return db.session.scalar(select(func.count(Booking.id)))


def _status(db, booking_id):
    db.session.rollback()
    return db.session.get(Booking, booking_id).status


def _first_of_next_month():
    return (today().replace(day=1) + timedelta(days=32)).replace(day=1)


# --- the calendar ------------------------------------------------------------------------
def test_the_calendar_marks_the_days_taken_by_accepted_and_returned_loans_in_words(testapp_en, db, world):
    first = _first_of_next_month()
    _booking(db, world, first + timedelta(days=9), first + timedelta(days=11), status="accepted")
    _booking(db, world, first + timedelta(days=20), first + timedelta(days=20), status="requested")
    _booking(db, world, first + timedelta(days=25), first + timedelta(days=26), status="declined")
    page = _page(testapp_en, world, month=first.strftime("%Y-%m"))
    table = page.html.select_one("#availability table.booking-calendar")
    assert table.caption.text.split("—")[0].strip() == f"Availability in {first.strftime('%B %Y')}"
    assert "3 days lent" in table.caption.text
    taken = [td["data-taken"] for td in table.select("td.taken")]
    assert taken == [(first + timedelta(days=n)).isoformat() for n in (9, 10, 11)]
    assert all(td.select_one(".day-state").text == "Lent" for td in table.select("td.taken"))
    assert table.select("th[scope=col]") and len(table.select("tbody tr")) >= 4
    # previous / next: the page with ?month= without JS, the calendar alone with htmx
    nav = page.html.select_one("#availability-calendar nav")
    following = (first + timedelta(days=32)).replace(day=1).strftime("%Y-%m")
    next_link = nav.find("a", rel="next")
    assert f"month={following}" in next_link["href"] and next_link["href"].startswith(f"/resource/{world['resource_id']}-")
    assert next_link["hx-get"] == f"/resource/{world['resource_id']}/calendar?month={following}"
    fragment = testapp_en.get(next_link["hx-get"], headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="availability-calendar"' in fragment.text
    full = testapp_en.get(next_link["hx-get"])
    assert "<html" in full.text and full.html.select_one("table.booking-calendar caption")
    assert not testapp_en.get(next_link["hx-get"], headers={"HX-Request": "true"}).html.select("td.taken")


def test_a_bad_month_is_this_month(testapp_en, db, world):
    page = _page(testapp_en, world, month="2025-13")
    assert today().strftime("%B %Y") in page.html.select_one("table.booking-calendar caption").text


def test_a_resource_not_lent_has_no_calendar(testapp_en, db, world):
    world["resource"].lendable = False
    db.session.commit()
    assert _page(testapp_en, world).html.select_one("#availability") is None


# --- asking ------------------------------------------------------------------------------
def test_a_visitor_is_asked_to_log_in_and_a_member_of_no_structure_is_told_why(testapp_en, db, world, factory):
    assert _page(testapp_en, world).html.select_one("#availability a[href^='/login']")
    factory.user(email="lonely@example.org", locale="en")
    login(testapp_en, "lonely@example.org")
    section = _page(testapp_en, world).html.select_one("#availability")
    assert section.select_one("#booking-form") is None
    assert "Resources are lent to structures" in section.text
    assert section.find("a", href="/actors") is not None
    token = csrf_headers(_page(testapp_en, world))["X-CSRFToken"]
    testapp_en.post(f"/resource/{world['resource_id']}/book", {"csrf_token": token}, status=403)
    assert _count(db) == 0


def test_a_member_asks_the_owners_are_notified_and_mailed_in_their_language(testapp_en, db, world, mails,
                                                                          monkeypatch):
    import csti.mails

    locales = []
    real = csti.mails.send_mail
    monkeypatch.setattr(csti.mails, "send_mail", lambda to, subject, template, locale, **kw: (
        locales.append((to, locale)), real(to, subject, template, locale, **kw))[1])
    login(testapp_en, "borrower@example.org")
    form = _page(testapp_en, world).forms["booking-form"]
    assert [label for _value, _selected, label in form["borrower"].options] == ["École Jean Jaurès"]
    start = today() + timedelta(days=10)
    form["starts_on"], form["ends_on"], form["message"] = start.isoformat(), (start + timedelta(days=4)).isoformat(), \
        "Pour la fête de la science."
    response = form.submit()
    assert response.status_int == 303 and response.headers["Location"].endswith("/me/requests")
    assert "Your request is sent to the owners" in response.follow().text
    db.session.rollback()
    booking = db.session.scalars(select(Booking)).one()
    assert (booking.status, booking.borrower_id, booking.starts_on, booking.ends_on, booking.message) == (
        "requested", world["school_id"], start, start + timedelta(days=4), "Pour la fête de la science.")
    assert booking.requested_by_id == world["people"]["borrower"].id
    notes = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind, n.content_id) for n in notes] == [
        (world["people"]["owner"].id, "loan_request", world["resource_id"])]
    assert notes[0].mailed_at is not None  # mailed at once ("loans": immediate by default)
    assert [m.to for m in mails] == [["owner@example.org"]]
    assert locales == [("owner@example.org", "fr")]
    assert "Exposition Lune" in mails[0].subject and "Pour la fête de la science." in mails[0].body
    assert "/me/loans" in mails[0].body


def _ask(testapp, w, start, end, borrower=None, message=""):
    page = _page(testapp, w)
    token = page.forms["booking-form"]["csrf_token"].value
    data = {"csrf_token": token, "borrower": str(borrower or w["school_id"]), "starts_on": start, "ends_on": end,
            "message": message}
    return testapp.post(f"/resource/{w['resource_id']}/book", data, expect_errors=True)


@pytest.mark.parametrize("case", ["end_before_start", "start_past", "overlap", "not_lendable", "not_theirs",
                                  "missing_end", "too_long"])
def test_a_bad_request_is_refused_next_to_its_field_and_nothing_saved(case, testapp_en, db, world):
    in10 = today() + timedelta(days=10)
    _booking(db, world, in10 + timedelta(days=2), in10 + timedelta(days=3), status="accepted")
    login(testapp_en, "borrower@example.org")
    start, end, borrower, field = in10 + timedelta(days=20), in10 + timedelta(days=21), None, None
    if case == "end_before_start":
        end, field = start - timedelta(days=1), "ends_on"
    elif case == "start_past":
        start, field = today() - timedelta(days=1), "starts_on"
    elif case == "overlap":
        start, end, field = in10, in10 + timedelta(days=2), "starts_on"
    elif case == "not_theirs":
        borrower, field = world["other_id"], "borrower"
    elif case == "missing_end":
        end, field = "", "ends_on"
    elif case == "too_long":
        end, field = start + timedelta(days=400), "ends_on"
    before = _count(db)
    if case == "not_lendable":  # the form was loaded, then the owners stopped lending it
        world["resource"].lendable = False
        db.session.commit()
        response = _post_not_lendable(testapp_en, world, start, end)
    else:
        response = _ask(testapp_en, world, start.isoformat(), end if isinstance(end, str) else end.isoformat(),
                        borrower=borrower)
    assert response.status_int == 422, case
    assert _count(db) == before
    if case == "not_theirs":
        assert response.html.select_one("#borrower-error").text.strip() == "Choose one of your structures."
    if field:
        error = response.html.select_one(f"#{field}-error")
        assert error is not None and error.text.strip(), (case, response.text[:2000])
        assert response.html.select_one(f"#{field}")["aria-invalid"] == "true"
    else:
        assert "This resource is not lent" in response.html.select_one("#booking-form-error").text
    assert response.html.select_one(".form-errors")
    assert not db.session.scalars(select(Notification)).all()


def _post_not_lendable(testapp, w, start, end):
    token = csrf_headers(testapp.get("/"))["X-CSRFToken"]
    return testapp.post(f"/resource/{w['resource_id']}/book", {
        "csrf_token": token, "borrower": str(w["school_id"]), "starts_on": start.isoformat(),
        "ends_on": end.isoformat()}, expect_errors=True)


def test_the_overlap_message_names_the_dates_taken(testapp_en, db, world):
    in10 = today() + timedelta(days=10)
    _booking(db, world, in10, in10 + timedelta(days=5), status="accepted")
    login(testapp_en, "borrower@example.org")
    response = _ask(testapp_en, world, (in10 + timedelta(days=5)).isoformat(), (in10 + timedelta(days=8)).isoformat())
    assert response.status_int == 422
    assert "already lent from" in response.html.select_one("#starts_on-error").text
    # the day after the loan's last day is free: both ends are included, no more
    ok = _ask(testapp_en, world, (in10 + timedelta(days=6)).isoformat(), (in10 + timedelta(days=8)).isoformat())
    assert ok.status_int == 303


# --- answering ---------------------------------------------------------------------------
def _answer(testapp, booking_id, action, message="", htmx=False, next_url=None):
    page = testapp.get("/me/loans")
    headers = csrf_headers(page)
    data = {"csrf_token": headers["X-CSRFToken"], "answer": message}
    if next_url:
        data["next"] = next_url
    if not htmx:
        headers.pop("HX-Request")
    return testapp.post(f"/booking/{booking_id}/{action}", data, headers=headers, expect_errors=True)


def test_the_owner_accepts_from_my_loans_without_js_and_the_requester_is_told(testapp_en, db, world, mails):
    start = today() + timedelta(days=3)
    booking_id = _booking(db, world, start, start + timedelta(days=2))
    login(testapp_en, "owner@example.org")
    page = testapp_en.get("/me/loans")
    card = page.html.select_one(f"#booking-{booking_id}")
    assert card is not None and "École Jean Jaurès" in card.text
    response = _answer(testapp_en, booking_id, "accept", "Venez le chercher lundi.", next_url="/me/loans")
    assert response.status_int == 303 and response.headers["Location"].endswith("/me/loans")
    assert _status(db, booking_id) == "accepted"
    booking = db.session.get(Booking, booking_id)
    assert booking.answer == "Venez le chercher lundi." and booking.answered_by_id == world["people"]["owner"].id
    notes = db.session.scalars(select(Notification).where(Notification.kind == "loan_accepted")).all()
    assert [n.user_id for n in notes] == [world["people"]["borrower"].id]
    assert [m.to for m in mails] == [["borrower@example.org"]]
    assert "accepted your request to borrow “Exposition Lune”" in mails[0].body
    assert "Venez le chercher lundi." in mails[0].body
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "booking.accepted"))
    # the calendar now shows the days taken
    month = start.strftime("%Y-%m")
    taken = _page(testapp_en, world, month=month).html.select("td.taken")
    assert start.isoformat() in [td["data-taken"] for td in taken]


def test_the_owner_answers_inline_with_htmx(app, testapp_en, db, world):
    start = today() + timedelta(days=3)
    booking_id = _booking(db, world, start, start)
    login(testapp_en, "owner@example.org")
    response = _answer(testapp_en, booking_id, "decline", "Déjà réservée pour nous.", htmx=True)
    assert response.status_int == 200 and "<html" not in response.text
    card = response.html.select_one(f"#booking-{booking_id}")
    assert card.select_one(".booking-status").text == _fr(app, "Declined")
    assert _fr(app, "The request is declined.") in card.text
    assert _status(db, booking_id) == "declined"
    note = db.session.scalars(select(Notification).where(Notification.kind == "loan_declined")).one()
    assert note.user_id == world["people"]["borrower"].id and note.note == "Déjà réservée pour nous."


def test_accepting_over_an_accepted_loan_is_refused_and_changes_nothing(app, testapp_en, db, world):
    start = today() + timedelta(days=3)
    first = _booking(db, world, start, start + timedelta(days=3))
    second = _booking(db, world, start + timedelta(days=3), start + timedelta(days=6), borrower=world["other_id"],
                      by="outsider")
    login(testapp_en, "owner@example.org")
    assert _answer(testapp_en, first, "accept").status_int == 303
    refused = _answer(testapp_en, second, "accept")
    assert refused.status_int == 409
    taken = _fr(app, "Another loan was accepted for these dates (%(start)s – %(end)s): this request cannot be "
                "accepted.").split(" (")[0]
    assert taken in refused.text
    assert _status(db, second) == "requested"
    inline = _answer(testapp_en, second, "accept", htmx=True)
    assert inline.status_int == 422 and taken in inline.text
    assert _status(db, second) == "requested"
    assert not db.session.scalars(select(Notification).where(Notification.user_id == world["people"]["outsider"].id,
                                                             Notification.kind == "loan_accepted")).all()


def test_an_answered_request_cannot_be_answered_again(testapp_en, db, world):
    booking_id = _booking(db, world, today() + timedelta(days=3), today() + timedelta(days=4), status="declined")
    login(testapp_en, "owner@example.org")
    assert _answer(testapp_en, booking_id, "accept").status_int == 409
    assert _answer(testapp_en, booking_id, "return").status_int == 409
    assert _status(db, booking_id) == "declined"


def test_the_requester_and_their_structures_managers_cancel_and_the_owners_are_told(testapp_en, db, world):
    start = today() + timedelta(days=3)
    mine = _booking(db, world, start, start)
    accepted = _booking(db, world, start + timedelta(days=5), start + timedelta(days=6), status="accepted")
    login(testapp_en, "colleague@example.org")  # a member of the school, neither the requester nor a manager
    assert _answer(testapp_en, mine, "cancel").status_int == 403
    assert _status(db, mine) == "requested"
    login(testapp_en, "borrower@example.org")
    assert _answer(testapp_en, mine, "cancel").status_int == 303
    assert _status(db, mine) == "cancelled"
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "loan_cancelled")).all()
    assert told == [world["people"]["owner"].id]
    login(testapp_en, "bmanager@example.org")
    assert _answer(testapp_en, accepted, "cancel", htmx=True).status_int == 200
    assert _status(db, accepted) == "cancelled"
    assert _answer(testapp_en, accepted, "cancel").status_int == 409


def test_the_owner_marks_an_accepted_loan_returned_and_its_days_stay_taken(testapp_en, db, world):
    start = today()  # started today: it may be marked returned (before, see test_loan_lifecycle.py)
    booking_id = _booking(db, world, start, start + timedelta(days=1), status="accepted")
    login(testapp_en, "borrower@example.org")
    assert _answer(testapp_en, booking_id, "return").status_int == 403
    login(testapp_en, "owner@example.org")
    assert _answer(testapp_en, booking_id, "return").status_int == 303
    assert _status(db, booking_id) == "returned"
    taken = _page(testapp_en, world, month=start.strftime("%Y-%m")).html.select("td.taken")
    assert start.isoformat() in [td["data-taken"] for td in taken]


@pytest.mark.parametrize("who, allowed", [("owner", True), ("admin", True), ("animator", False),
                                          ("borrower", False), ("borrower_manager", False), ("outsider", False)])
def test_who_may_accept(who, allowed, testapp_en, db, world):
    booking_id = _booking(db, world, today() + timedelta(days=3), today() + timedelta(days=4))
    login(testapp_en, world["people"][who].email)
    response = _answer(testapp_en, booking_id, "accept")
    assert response.status_int == (303 if allowed else 403), who
    assert _status(db, booking_id) == ("accepted" if allowed else "requested")


def test_a_visitor_is_sent_to_log_in(testapp_en, db, world):
    booking_id = _booking(db, world, today() + timedelta(days=3), today() + timedelta(days=4))
    response = testapp_en.post(f"/booking/{booking_id}/accept", {}, expect_errors=True)
    assert response.status_int in (302, 303, 400) and _status(db, booking_id) == "requested"
    assert testapp_en.get("/me/loans").status_int == 302


def test_the_booking_page_is_for_those_concerned(testapp_en, db, world):
    booking_id = _booking(db, world, today() + timedelta(days=3), today() + timedelta(days=4))
    login(testapp_en, "outsider@example.org")
    testapp_en.get(f"/booking/{booking_id}", status=403)
    login(testapp_en, "colleague@example.org")  # the borrowing structure's team sees it, without answers
    page = testapp_en.get(f"/booking/{booking_id}")
    assert page.html.select_one("form") is None or "Accept" not in page.html.select_one("main").text


# --- the lists ---------------------------------------------------------------------------
def test_my_loans_and_my_requests_list_by_status(testapp_en, db, world):
    start = today() + timedelta(days=3)
    asked = _booking(db, world, start, start)
    accepted = _booking(db, world, start + timedelta(days=2), start + timedelta(days=3), status="accepted")
    elsewhere = _booking(db, world, start + timedelta(days=9), start + timedelta(days=9), borrower=world["other_id"],
                         by="outsider")
    login(testapp_en, "bmanager@example.org")
    page = testapp_en.get("/me/requests")
    assert {a["id"] for a in page.html.select("article.booking-card")} == {f"booking-{asked}", f"booking-{accepted}"}
    assert page.html.select_one("nav.view-switch a[aria-current=page]").text == "All bookings"
    filtered = testapp_en.get("/me/requests", params={"status": "accepted"})
    assert [a["id"] for a in filtered.html.select("article.booking-card")] == [f"booking-{accepted}"]
    assert testapp_en.get("/me/loans").html.select("article.booking-card") == []
    assert "No loan here." in testapp_en.get("/me/loans").html.text
    login(testapp_en, "colleague@example.org")
    assert "You manage no structure" in testapp_en.get("/me/loans").html.text
    login(testapp_en, "bmanager@example.org")
    menu = page.html.select_one("details.menu-right")
    assert menu.find("a", href="/me/loans") and menu.find("a", href="/me/requests")
    login(testapp_en, "owner@example.org")
    loans = testapp_en.get("/me/loans", params={"status": "requested"})
    assert {a["id"] for a in loans.html.select("article.booking-card")} == {f"booking-{asked}",
                                                                          f"booking-{elsewhere}"}
    assert loans.html.select_one(f"#booking-{asked} button[formaction$='/decline']")


def test_the_resource_page_links_the_lists(testapp_en, db, world):
    login(testapp_en, "owner@example.org")
    section = _page(testapp_en, world).html.select_one("#availability")
    assert section.find("a", href="/me/loans") and section.find("a", href="/me/requests")


def test_the_lists_in_french(testapp, db, world):
    login(testapp, "borrower@example.org")
    assert testapp.get("/me/requests").status_int == 200


# --- notification kinds ------------------------------------------------------------------
def test_the_loan_kinds_have_their_sentence_fit_and_mail_as_loans():
    from csti.models import Notification as N

    for kind in ("loan_request", "loan_accepted", "loan_declined", "loan_cancelled"):
        assert kind in SENTENCES and len(kind) <= N.__table__.c.kind.type.length
        assert category_of(kind) == "loans"


def test_the_notifications_page_says_each_loan_sentence(testapp_en, db, world):
    borrower = world["people"]["borrower"]
    for kind in ("loan_accepted", "loan_declined", "loan_cancelled"):
        db.session.add(Notification(user_id=borrower.id, kind=kind, actor_id=world["people"]["owner"].id,
                                    content_id=world["resource_id"]))
    db.session.commit()
    login(testapp_en, "borrower@example.org")
    text = testapp_en.get("/notifications").html.select_one("ul.notifications").text
    assert "Olga Prêteuse accepted your request to borrow “Exposition Lune”." in text
    assert "Olga Prêteuse declined your request to borrow “Exposition Lune”." in text
    assert "Olga Prêteuse cancelled the loan of “Exposition Lune”." in text


def test_today_is_a_date():
    assert isinstance(today(), date)


def test_answering_a_loan_deleted_meanwhile_is_a_404_not_a_500(app, db, world):
    """The booking vanished (its resource or structure deleted) between the page and the answer."""
    from csti.blueprints.resources import bookings
    from csti.models.resources import DECLINED

    owner = world["people"]["owner"]
    for answer in (lambda: bookings.accept(999_999, owner), lambda: bookings.change(999_999, owner, DECLINED)):
        with app.test_request_context(), pytest.raises(bookings.BookingError) as refused:
            answer()
        assert refused.value.status == 404
        db.session.rollback()


def test_a_request_sent_again_is_recorded_once(testapp_en, db, world):
    """The form sent a second time — a second click, or pressed again after a worker died before
    answering (tests/resilience/test_kill9.py) — finds the first copy: 409, one request, one
    notification. Other days, or after an answer, are a new request."""
    login(testapp_en, "borrower@example.org")
    start, end = today() + timedelta(days=30), today() + timedelta(days=32)
    assert _ask(testapp_en, world, start.isoformat(), end.isoformat()).status_int == 303
    again = _ask(testapp_en, world, start.isoformat(), end.isoformat())
    assert again.status_int == 409
    assert "already asked for these days" in again.html.select_one("#starts_on-error").text
    assert _count(db) == 1
    assert len(db.session.scalars(select(Notification)).all()) == 1
    assert _ask(testapp_en, world, start.isoformat(), (end + timedelta(days=1)).isoformat()).status_int == 303
    assert _count(db) == 2
