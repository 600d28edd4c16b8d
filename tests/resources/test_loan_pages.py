""""My loans" and "My loan requests" paged (one template, the status kept), the calendar's
month links named, the loan request form's errors tied to their fields or announced with the
form, and the database refusing a booking that ends before it starts."""
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy.exc import IntegrityError

from csti.blueprints.resources.bookings import PER_PAGE, today
from csti.models.resources import Booking
from tests.conftest import login

from .test_bookings import _ask, _booking, _fr, _page, _post_not_lendable

HTMX = {"HX-Request": "true"}


def _cards(page):
    return [a["id"] for a in page.html.select("article.booking-card")]


# --- the lists, paged ----------------------------------------------------------------------
@pytest.mark.parametrize("url, who", [("/me/requests", "bmanager@example.org"), ("/me/loans", "owner@example.org")])
def test_the_lists_are_paged_and_keep_their_status(url, who, testapp_en, db, world):
    start = today() + timedelta(days=3)
    asked = [_booking(db, world, start + timedelta(days=n), start + timedelta(days=n)) for n in range(PER_PAGE + 3)]
    accepted = _booking(db, world, start + timedelta(days=90), start + timedelta(days=91), status="accepted")
    login(testapp_en, who)
    first = testapp_en.get(url)
    assert first.html.select_one(".results-count").text.split()[0] == str(PER_PAGE + 4)  # the owner reads French
    assert _cards(first) == [f"booking-{n}" for n in asked[:PER_PAGE]]
    following = first.html.select_one("nav.pagination a[rel=next]")["href"]
    second = testapp_en.get(following)
    assert _cards(second) == [f"booking-{n}" for n in asked[PER_PAGE:]] + [f"booking-{accepted}"]
    assert second.html.select_one("nav.pagination [aria-current=page]").text.split()[1] == "2"
    # the status filter goes with the pages
    requested = testapp_en.get(url, params={"status": "requested"})
    assert requested.html.select_one(".results-count").text.split()[0] == str(PER_PAGE + 3)
    link = requested.html.select_one("nav.pagination a[rel=next]")["href"]
    assert "status=requested" in link and "page=2" in link
    assert _cards(testapp_en.get(link)) == [f"booking-{n}" for n in asked[PER_PAGE:]]
    # htmx: the results alone, with their pages
    fragment = testapp_en.get(link, headers=HTMX)
    assert "<html" not in fragment.text and fragment.html.select_one("#booking-results nav.pagination")
    assert len(fragment.html.select("article.booking-card")) == 3
    # a page past the end is empty, not an error; a page that is no number is the first
    assert _cards(testapp_en.get(url, params={"page": 9})) == []
    assert _cards(testapp_en.get(url, params={"page": "x"}))[:1] == [f"booking-{asked[0]}"]


def test_both_lists_are_one_template_with_their_own_words(testapp_en, db, world):
    login(testapp_en, "bmanager@example.org")
    requests = testapp_en.get("/me/requests").html
    loans = testapp_en.get("/me/loans").html
    assert requests.h1.text == "My loan requests" and loans.h1.text == "My loans"
    assert requests.select_one("main p a[href='/me/loans']") and loans.select_one("main p a[href='/me/requests']")
    assert requests.select_one("nav.view-switch a[href='/me/requests?status=accepted']")
    assert loans.select_one("nav.view-switch a[href='/me/loans?status=accepted']")
    assert "No request here." in requests.text and "No loan here." in loans.text
    login(testapp_en, "colleague@example.org")  # a member, who manages no structure
    assert "You manage no structure" in testapp_en.get("/me/loans").html.text
    login(testapp_en, "animator@example.org")  # a member of no structure
    assert "You belong to no structure" in testapp_en.get("/me/requests").html.text


# --- the calendar's month links ------------------------------------------------------------
def test_the_month_links_name_their_month(app, testapp_en, testapp, db, world):
    month = today().replace(day=1) + timedelta(days=40)
    month = month.replace(day=1)
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    nav = _page(testapp_en, world, month=month.strftime("%Y-%m")).html.select_one("#availability-calendar nav")
    assert nav.find("a", rel="prev").text.strip() == f"Previous month: {previous.strftime('%B %Y')}"
    assert nav.find("a", rel="next").text.strip() == f"Next month: {following.strftime('%B %Y')}"
    # the htmx fragment says them too
    fragment = testapp_en.get(f"/resource/{world['resource_id']}/calendar", params={"month": month.strftime("%Y-%m")},
                              headers=HTMX)
    assert fragment.html.find("a", rel="next").text.strip() == f"Next month: {following.strftime('%B %Y')}"
    # in French, the month as French writes it in a sentence
    login(testapp, "owner@example.org")
    nav = _page(testapp, world, month=month.strftime("%Y-%m")).html.select_one("#availability-calendar nav")
    named = format_date(previous, "LLLL y", locale="fr")
    assert named.islower()
    assert nav.find("a", rel="prev").text.strip() == _fr(app, "Previous month: %(month)s") % {"month": named}


# --- the request form's errors -------------------------------------------------------------
def test_an_error_about_a_field_is_tied_to_it(testapp_en, db, world):
    login(testapp_en, "borrower@example.org")
    start = today() + timedelta(days=20)
    response = _ask(testapp_en, world, start.isoformat(), (start - timedelta(days=1)).isoformat())
    assert response.status_int == 422
    form = response.html.select_one("#booking-form")
    field = form.select_one("#ends_on")
    assert field["aria-invalid"] == "true" and "ends_on-error" in field["aria-describedby"].split()
    error = field.find_parent(class_="field").select_one("#ends_on-error")
    assert error.text.strip() == "The last day comes before the first day."
    assert form.select_one("#starts_on").get("aria-invalid") is None
    summary = form.select_one(".form-errors[role=alert]")
    assert "Please correct the errors below." in summary.text and form.select_one("#booking-form-error") is None


def test_an_error_about_no_field_is_announced_and_describes_the_form(testapp_en, db, world):
    login(testapp_en, "borrower@example.org")
    start = today() + timedelta(days=20)
    db.session.rollback()
    world["resource"].lendable = False
    db.session.commit()
    response = _post_not_lendable(testapp_en, world, start, start + timedelta(days=1))
    assert response.status_int == 422
    form = response.html.select_one("#booking-form")
    message = form.select_one(".form-errors[role=alert] #booking-form-error")
    assert message.text.strip() == "This resource is not lent: it is only presented."
    assert form["aria-describedby"] == "booking-form-error"
    assert "Please correct the errors below." not in form.text  # no field is wrong
    assert not form.select("[aria-invalid]")


# --- the database ---------------------------------------------------------------------------
def test_the_database_refuses_a_booking_that_ends_before_it_starts(db, world):
    start = today() + timedelta(days=5)
    db.session.add(Booking(resource_id=world["resource_id"], borrower_id=world["school_id"], starts_on=start,
                           ends_on=start - timedelta(days=1), status="requested"))
    with pytest.raises(IntegrityError) as refused:
        db.session.commit()
    assert "dates_in_order" in str(refused.value)
    db.session.rollback()
    db.session.add(Booking(resource_id=world["resource_id"], borrower_id=world["school_id"], starts_on=start,
                           ends_on=start, status="requested"))  # one day: it ends the day it starts
    db.session.commit()
