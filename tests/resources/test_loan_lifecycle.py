"""The loan lifecycle's rules (csti/blueprints/resources/bookings.py, routes.py, policy.py): a
lendable resource has an owner to answer; "returned" once started; who cancels until when; a
resource withdrawn from loans declines its requests and tells the requesters; a deletion tells the
borrowers; a member who left the borrowing structure no longer sees or cancels its loans; the
photo count under the resource's lock."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from csti.blueprints.resources import bookings
from csti.blueprints.resources.bookings import today
from csti.extensions import db as _db
from csti.models import Notification, Resource, ResourcePhoto
from csti.models.actors import ActorMember
from csti.models.resources import Booking
from tests.conftest import login

from .test_bookings import _answer, _ask, _booking, _fr, _page, _status


def _notes(db, kind):
    db.session.rollback()
    return db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)).all()


def _take_down(testapp, item_id, action, reason="Hors charte"):
    page = testapp.get(f"/content/{item_id}/take-down")
    form = next(f for f in page.forms.values() if f.action in ("", f"/content/{item_id}/take-down"))
    form["action"], form["reason"] = action, reason
    return form.submit(expect_errors=True)


@pytest.fixture
def editor(db, world):
    """The owner may write in the territory (a contributor): she edits her resource."""
    from csti.models import Membership

    membership = db.session.scalars(select(Membership).where(
        Membership.user_id == world["people"]["owner"].id)).one()
    membership.role = "contributor"
    db.session.commit()
    return world


def _edit(testapp, resource_id, **values):
    form = testapp.get(f"/resource/{resource_id}/edit").forms["resource-form"]
    for name, value in values.items():
        form[name] = value
    return form.submit("publish" if "publish" in form.fields else None, expect_errors=True)


# --- (a) a lendable resource has an owner structure -------------------------------------------------
def test_a_lendable_resource_without_owner_is_refused_next_to_the_owners(app, testapp_en, db, editor):
    w = editor
    login(testapp_en, "owner@example.org")
    form = testapp_en.get(f"/resource/{w['resource_id']}/edit").forms["resource-form"]
    for field in form.fields.get("owners", []):
        field.checked = False
    form["title"] = "Exposition Lune renommée"
    response = form.submit("publish" if "publish" in form.fields else None, expect_errors=True)
    assert response.status_int == 422
    error = response.html.find(id="owners-error")
    assert error is not None and _fr(app, "A resource to lend needs at least one owner structure: its managers "
                                     "answer the loan requests. Choose one, or uncheck “It can be borrowed”.") in error.text
    db.session.rollback()
    fresh = db.session.get(Resource, w["resource_id"])
    assert fresh.title == "Exposition Lune" and [o.id for o in fresh.owners] == [w["owner_structure"].id]
    # not lent: no owner needed
    form = response.forms["resource-form"]
    form["lendable"] = False
    assert form.submit("publish" if "publish" in form.fields else None).status_int == 303
    db.session.rollback()
    assert db.session.get(Resource, w["resource_id"]).owners == []


def test_a_request_for_a_resource_without_owner_is_refused(testapp_en, db, world):
    resource = db.session.get(Resource, world["resource_id"])
    resource.owners = []  # old data
    db.session.commit()
    login(testapp_en, "borrower@example.org")
    start = today() + timedelta(days=5)
    response = _ask(testapp_en, world, start.isoformat(), start.isoformat())
    assert response.status_int == 422 and "has no owner structure to answer loan requests" in response.text
    db.session.rollback()
    assert db.session.scalars(select(Booking)).all() == []


# --- (b) returned once started; who cancels until when --------------------------------------------
def test_a_loan_is_marked_returned_only_once_started(app, testapp_en, db, world):
    start = today() + timedelta(days=2)
    future = _booking(db, world, start, start + timedelta(days=1), status="accepted")
    login(testapp_en, "owner@example.org")
    card = testapp_en.get("/me/loans").html.select_one(f"#booking-{future}")
    assert card.select_one("form[action$='/return']") is None
    refused = _answer(testapp_en, future, "return")
    assert refused.status_int == 409
    assert _fr(app, "This loan starts on %(start)s: it can be marked returned from that day.").split(
        "%(start)s")[1] in refused.html.select_one("p.error").text
    assert _status(db, future) == "accepted"
    begun = _booking(db, world, today() - timedelta(days=3), today() - timedelta(days=1), status="accepted")
    assert testapp_en.get("/me/loans").html.select_one(f"#booking-{begun} form[action$='/return']")
    assert _answer(testapp_en, begun, "return").status_int == 303
    assert _status(db, begun) == "returned"


def test_the_borrowers_cannot_cancel_a_loan_that_ended(testapp_en, db, world):
    ended = _booking(db, world, today() - timedelta(days=5), today() - timedelta(days=1), status="accepted")
    under_way = _booking(db, world, today() - timedelta(days=1), today() + timedelta(days=1), status="accepted")
    login(testapp_en, "bmanager@example.org")
    page = testapp_en.get("/me/requests")
    assert page.html.select_one(f"#booking-{ended} form[action$='/cancel']") is None
    assert page.html.select_one(f"#booking-{under_way} form[action$='/cancel']")
    refused = _answer(testapp_en, ended, "cancel")
    assert refused.status_int == 409 and "it can no longer be cancelled" in refused.text
    assert _status(db, ended) == "accepted"
    assert _answer(testapp_en, under_way, "cancel").status_int == 303
    assert _status(db, under_way) == "cancelled"


def test_the_owners_cancel_an_accepted_loan_before_it_starts_and_the_borrower_is_told(testapp_en, db, world, mails):
    start = today() + timedelta(days=4)
    loan = _booking(db, world, start, start + timedelta(days=2), status="accepted")
    request = _booking(db, world, start + timedelta(days=9), start + timedelta(days=9))
    begun = _booking(db, world, today(), today() + timedelta(days=1), status="accepted")
    login(testapp_en, "outsider@example.org")
    assert _answer(testapp_en, loan, "cancel").status_int == 403
    login(testapp_en, "owner@example.org")
    page = testapp_en.get("/me/loans")
    assert page.html.select_one(f"#booking-{loan} form[action$='/cancel'] textarea#answer-{loan}")
    assert page.html.select_one(f"#booking-{begun} form[action$='/cancel']") is None
    response = _answer(testapp_en, loan, "cancel", "La salle est inondée, désolée.", htmx=True)
    assert response.status_int == 200 and "La salle est inondée" in response.text
    assert _status(db, loan) == "cancelled"
    assert db.session.get(Booking, loan).answer == "La salle est inondée, désolée."
    notes = _notes(db, "loan_cancelled")
    assert [(n.user_id, n.note) for n in notes] == [(world["people"]["borrower"].id, "La salle est inondée, désolée.")]
    assert [m.to for m in mails] == [["borrower@example.org"]]
    assert "cancelled the loan of “Exposition Lune”" in mails[0].body and "inondée" in mails[0].body
    # a started loan, and a request (declined, not cancelled, by the owners): refused
    assert _answer(testapp_en, begun, "cancel").status_int == 409
    assert _answer(testapp_en, request, "cancel").status_int == 409
    assert (_status(db, begun), _status(db, request)) == ("accepted", "requested")


# --- (c) a resource withdrawn from loans ---------------------------------------------------------------
def test_a_resource_no_longer_lent_declines_its_requests_and_tells_the_requesters(app, testapp_en, db, editor):
    w = editor
    start = today() + timedelta(days=5)
    asked = _booking(db, w, start, start)
    accepted = _booking(db, w, start + timedelta(days=3), start + timedelta(days=4), status="accepted")
    login(testapp_en, "owner@example.org")
    assert _edit(testapp_en, w["resource_id"], lendable=False).status_int == 303
    assert _status(db, asked) == "declined" and _status(db, accepted) == "accepted"
    booking = db.session.get(Booking, asked)
    assert booking.answer == _fr(app, "The resource is no longer lent.")  # in the words of who did it
    assert booking.answered_by_id == w["people"]["owner"].id
    notes = _notes(db, "loan_withdrawn")
    assert [(n.user_id, n.content_id, n.note) for n in notes] == [
        (w["people"]["borrower"].id, w["resource_id"], booking.answer)]
    login(testapp_en, "borrower@example.org")
    text = testapp_en.get("/notifications").html.select_one("ul.notifications").text
    assert "“Exposition Lune” is no longer lent (Olga Prêteuse)" in text


def test_a_resource_unpublished_by_moderation_declines_its_requests(testapp_en, db, world):
    asked = _booking(db, world, today() + timedelta(days=5), today() + timedelta(days=5))
    login(testapp_en, "animator@example.org")
    assert _take_down(testapp_en, world["resource_id"], "unpublish").status_int == 303
    assert _status(db, asked) == "declined"
    assert [n.user_id for n in _notes(db, "loan_withdrawn")] == [world["people"]["borrower"].id]


@pytest.mark.parametrize("change", ["unpublished", "not_lendable"])
def test_accepting_is_refused_when_the_resource_is_not_published_or_not_lent(change, app, db, world):
    asked = _booking(db, world, today() + timedelta(days=5), today() + timedelta(days=5))
    resource = db.session.get(Resource, world["resource_id"])
    if change == "unpublished":
        resource.status = "draft"  # as old data, or a change that declined nothing
    else:
        resource.lendable = False
    db.session.commit()
    with app.test_request_context(), pytest.raises(bookings.BookingError) as refused:
        bookings.accept(asked, world["people"]["owner"])
    db.session.rollback()
    assert refused.value.status == 409
    assert refused.value.message == _fr(app, "This resource is not published any more: its loan requests cannot be "
                                        "accepted." if change == "unpublished" else
                                        "This resource is not lent: it is only presented.")
    assert _status(db, asked) == "requested"


def test_accepting_an_unpublished_resources_request_through_the_page_is_a_409(testapp_en, db, world):
    asked = _booking(db, world, today() + timedelta(days=5), today() + timedelta(days=5))
    db.session.get(Resource, world["resource_id"]).status = "draft"
    db.session.commit()
    login(testapp_en, "owner@example.org")
    response = _answer(testapp_en, asked, "accept")
    assert response.status_int == 409 and response.html.select_one("p.error")
    assert _status(db, asked) == "requested"


# --- (d) deletions tell the borrowers ------------------------------------------------------------------
def test_deleting_a_resource_tells_the_borrowers_of_its_loans_to_come(testapp_en, db, world):
    start = today() + timedelta(days=5)
    _booking(db, world, start, start)
    _booking(db, world, start + timedelta(days=2), start + timedelta(days=3), status="accepted", by="borrower_manager")
    _booking(db, world, today() - timedelta(days=9), today() - timedelta(days=8), status="returned", by="colleague")
    login(testapp_en, "animator@example.org")
    assert _take_down(testapp_en, world["resource_id"], "delete", "Doublon").status_int == 303
    db.session.rollback()
    assert db.session.scalars(select(Booking)).all() == []
    notes = _notes(db, "loan_withdrawn")
    people = world["people"]
    assert sorted(n.user_id for n in notes) == sorted([people["borrower"].id, people["borrower_manager"].id])
    assert all(n.content_id is None and n.note.startswith("Exposition Lune\n") for n in notes)
    login(testapp_en, "borrower@example.org")
    text = testapp_en.get("/notifications").html.select_one("ul.notifications").text
    assert "“Exposition Lune” is no longer lent (Anima)" in text and "The resource was deleted." in text


def test_deleting_a_borrowing_structure_tells_the_requester_and_the_owners(testapp_en, db, world):
    start = today() + timedelta(days=5)
    _booking(db, world, start, start + timedelta(days=1), status="accepted")
    login(testapp_en, "animator@example.org")
    assert _take_down(testapp_en, world["school_id"], "delete").status_int == 303
    notes = _notes(db, "loan_cancelled")
    people = world["people"]
    assert sorted(n.user_id for n in notes) == sorted([people["borrower"].id, people["owner"].id])
    assert all(n.content_id == world["resource_id"] and "École Jean Jaurès" in n.note for n in notes)


def test_deleting_the_only_owner_withdraws_the_loans_to_come(testapp_en, db, world):
    start = today() + timedelta(days=5)
    asked = _booking(db, world, start, start)
    accepted = _booking(db, world, start + timedelta(days=2), start + timedelta(days=3), status="accepted")
    under_way = _booking(db, world, today(), today(), status="accepted")
    login(testapp_en, "animator@example.org")
    assert _take_down(testapp_en, world["owner_structure"].id, "delete").status_int == 303
    assert (_status(db, asked), _status(db, accepted), _status(db, under_way)) == ("declined", "cancelled", "accepted")
    assert [n.user_id for n in _notes(db, "loan_withdrawn")] == [world["people"]["borrower"].id]


# --- (f) a member who left the borrowing structure ---------------------------------------------------
def test_a_requester_who_left_the_structure_no_longer_sees_or_cancels_its_loan(testapp_en, db, world):
    asked = _booking(db, world, today() + timedelta(days=5), today() + timedelta(days=5))
    login(testapp_en, "borrower@example.org")
    assert testapp_en.get(f"/booking/{asked}").status_int == 200
    db.session.rollback()
    db.session.delete(db.session.scalars(select(ActorMember).where(
        ActorMember.user_id == world["people"]["borrower"].id, ActorMember.actor_id == world["school_id"])).one())
    db.session.commit()  # she left the school
    testapp_en.get(f"/booking/{asked}", status=403)
    assert _answer(testapp_en, asked, "cancel").status_int == 403
    assert _status(db, asked) == "requested"
    assert testapp_en.get("/me/requests").html.select("article.booking-card") == []
    login(testapp_en, "bmanager@example.org")  # the structure's manager still does
    assert _answer(testapp_en, asked, "cancel").status_int == 303


# --- (g) the photo count under the resource's lock ------------------------------------------------------
def test_the_photo_count_and_insert_hold_the_resources_lock(app, db, testapp_en, editor, monkeypatch):
    """Counted after the row lock and in the same transaction as the insert: two uploads at once
    cannot both see 7 photos."""
    from webtest import Upload

    from csti.blueprints.resources import photos
    from tests.images import image_bytes

    steps = []
    real_lock, real_count, real_add = bookings.lock_resource, photos.count, photos.add_photo
    real_commit = _db.session.commit
    monkeypatch.setattr(bookings, "lock_resource", lambda rid: (real_lock(rid), steps.append("lock"))[0])
    monkeypatch.setattr(photos, "count", lambda rid: (steps.append("count"), real_count(rid))[1])
    monkeypatch.setattr(photos, "add_photo", lambda *a: (steps.append("insert"), real_add(*a))[1])
    monkeypatch.setattr(_db.session, "commit", lambda: (steps.append("commit"), real_commit())[1])
    login(testapp_en, "owner@example.org")
    form = _page(testapp_en, editor).forms["photo-form"]
    form["photo-photo"] = Upload("photo.png", image_bytes(), "image/png")
    form["photo-alt"] = "Les panneaux"
    response = form.submit(expect_errors=True)
    assert response.status_int == 303
    start = steps.index("lock")
    assert steps[start:start + 4] == ["lock", "count", "insert", "commit"], steps
    db.session.rollback()
    for photo in db.session.scalars(select(ResourcePhoto)):  # the files are shared by the session's tests
        photos.remove_photo(photo)
