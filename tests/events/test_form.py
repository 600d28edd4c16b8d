"""Publishing and editing an event with its form: dates and recurrences, place, registration
settings, validation next to the field (422, nothing saved), who may edit."""
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from csti.blueprints.events.schedule import register
from csti.models import AuditLog, Event, EventOccurrence
from csti.models.events import CONFIRMED, WAITING, Registration

from .helpers import PARIS, path, refresh


def local(value):
    return value.astimezone(PARIS).replace(tzinfo=None)


def new_form(testapp):
    return testapp.get("/events/new").forms["event-form"]


def fill(form, territory, **values):
    data = {"title": "Nuit des étoiles", "event_kind": "talk", "territory": str(territory.id),
            "summary": "Observer le ciel avec les astronomes amateurs.", "body": "Apportez une **lampe rouge**.",
            "tags": "Astronomie, ciel", "starts_at": "2030-08-12T21:00", "ends_at": "2030-08-12T23:30",
            "venue_name": "Parc de la Colline", "address": "Chemin des Crêtes", "postcode": "31000", "commune": "",
            "price": "free", "registration_mode": "none"}
    data.update(values)
    for key, value in data.items():
        form[key] = value
    return form


def events(db):
    refresh(db)
    return db.session.scalars(select(Event).order_by(Event.id)).all()


def only_event(db):
    (event,) = events(db)
    return event


def field_error(page, name):
    error = page.html.find(id=f"{name}-error")
    return error.get_text(" ", strip=True) if error else None


@pytest.fixture
def member(factory, occitanie):
    return factory.user(name="Claire Martin", roles={occitanie: "member"})


def test_member_proposes_an_event_for_review(testapp_en, db, occitanie, member, log_in):
    log_in(testapp_en, member)
    form = fill(new_form(testapp_en), occitanie)
    form["audiences"] = ["families", "children"]
    form["accessibility"] = ["motor"]
    response = form.submit()
    assert response.status_int == 303
    event = only_event(db)
    assert response.headers["Location"].endswith(path(event))
    assert event.status == "pending" and event.author_id == member.id and event.territory_id == occitanie.id
    assert (event.title, event.event_kind, event.summary) == (
        "Nuit des étoiles", "talk", "Observer le ciel avec les astronomes amateurs.")
    assert [(local(o.starts_at), local(o.ends_at)) for o in event.occurrences] == [
        (datetime(2030, 8, 12, 21, 0), datetime(2030, 8, 12, 23, 30))]
    assert (event.venue_name, event.address, event.postcode, event.commune, event.department) == (
        "Parc de la Colline", "Chemin des Crêtes", "31000", "Toulouse", "31")
    assert sorted(t.slug for t in event.tags) == ["astronomie", "ciel"]
    assert sorted(event.audiences) == ["children", "families"] and event.accessibility == ["motor"]
    assert event.is_free and event.registration_mode == "none" and event.capacity is None
    page = response.follow()
    assert "The animators will review the event." in page.text and "Pending review" in page.text
    # Not in the agenda until published.
    testapp_en.reset()
    assert "Nuit des étoiles" not in testapp_en.get("/agenda?when=range&start=2030-08-12&end=2030-08-12").text


def test_contributor_publishes_directly(testapp_en, db, occitanie, factory, log_in):
    log_in(testapp_en, factory.user(roles={occitanie: "contributor"}))
    page = fill(new_form(testapp_en), occitanie).submit().follow()
    assert "The event is published." in page.text
    assert only_event(db).status == "published"
    agenda = testapp_en.get("/agenda?when=range&start=2030-08-12&end=2030-08-12")
    assert "Nuit des étoiles" in agenda.text


def test_weekly_recurrence_with_extra_and_skipped_dates(testapp_en, db, occitanie, member, log_in):
    log_in(testapp_en, member)
    form = fill(new_form(testapp_en), occitanie, starts_at="2030-10-03T18:00", ends_at="2030-10-03T20:00",
                recurrence="weekly", recurrence_until="2030-10-31", exceptions="2030-10-17\n",
                extra_dates="2030-11-08 10:00\n\n2030-11-09T10:00")
    form.submit(status=303)
    event = only_event(db)
    assert [local(o.starts_at) for o in event.occurrences] == [
        datetime(2030, 10, 3, 18), datetime(2030, 10, 10, 18), datetime(2030, 10, 24, 18), datetime(2030, 10, 31, 18),
        datetime(2030, 11, 8, 10), datetime(2030, 11, 9, 10)]
    assert event.recurrence == "weekly" and event.exceptions == ["2030-10-17"]


def test_all_day_event(testapp_en, db, occitanie, member, log_in):
    log_in(testapp_en, member)
    form = fill(new_form(testapp_en), occitanie, starts_at="2030-05-02T14:00", ends_at="2030-05-04T10:00",
                event_kind="exhibition")
    form["all_day"] = True
    form.submit(status=303)
    event = only_event(db)
    assert event.all_day
    assert [(local(o.starts_at), local(o.ends_at)) for o in event.occurrences] == [
        (datetime(2030, 5, 2, 0, 0), datetime(2030, 5, 4, 23, 59))]


@pytest.mark.parametrize("values, field, message", [
    ({"ends_at": "2030-08-12T20:00"}, "ends_at", "The end is before the start."),
    ({"recurrence": "weekly", "recurrence_until": "2040-01-01"}, "recurrence_until",
     "This recurrence gives more than 366 dates: choose an earlier end."),
    ({"recurrence": "weekly", "recurrence_until": ""}, "recurrence_until", "A recurrence needs an end date."),
    ({"recurrence": "monthly", "recurrence_until": "2030-01-01"}, "recurrence_until",
     "The recurrence ends before it starts."),
    ({"ends_at": "2031-09-01T10:00"}, "ends_at", "An event lasts a year at most: use a recurrence instead."),
    ({"exceptions": "2030-08-12"}, "exceptions", "Every date is excluded: nothing left to schedule."),
    ({"extra_dates": "le 14 juillet"}, "extra_dates", "Not a date and time: le 14 juillet (write 2026-12-05 14:00)."),
    ({"exceptions": "24/12/2030"}, "exceptions", "Not a date: 24/12/2030 (write 2026-12-24)."),
    ({"starts_at": "demain"}, "starts_at", "Give the start date and time."),
    ({"starts_at": ""}, "starts_at", "Give the start date and time."),
    ({"registration_mode": "site", "capacity": "0"}, "capacity", "At least one place."),
    ({"registration_mode": "site", "capacity": "-5"}, "capacity", "At least one place."),
    ({"registration_mode": "none", "capacity": "-5"}, "capacity", "At least one place."),
    ({"registration_mode": "site", "capacity": ""}, "capacity", "Give the number of places."),
    ({"registration_mode": "site", "capacity": "beaucoup"}, "capacity", "Not a valid integer value."),
    ({"registration_mode": "site", "capacity": "100001"}, "capacity", "At most 100,000 places."),
    ({"registration_mode": "external", "registration_url": ""}, "registration_url",
     "Give the address of the registration page."),
    ({"postcode": "99999"}, "postcode", "This postcode does not exist in France."),
    ({"postcode": "3100"}, "postcode", "A French postcode has 5 digits."),
    ({"postcode": "75OO1"}, "postcode", "A French postcode has 5 digits."),
    ({"attendance_mode": "online", "online_url": ""}, "online_url", "Give the link of the online event."),
    ({"attendance_mode": "mixed", "online_url": ""}, "online_url", "Give the link of the online event."),
    ({"online_url": "javascript:alert(1)"}, "online_url", "Give a full web address starting with https://"),
    # A JavaScript URL with a "host" passed WTForms' URL validator (the link ran script when clicked).
    ({"online_url": "javascript://example.org/%0Aalert(1)"}, "online_url",
     "Give a full web address starting with https://"),
    ({"registration_mode": "external", "registration_url": "javascript://example.org/%0Aalert(1)"},
     "registration_url", "Give a full web address starting with https://"),
    ({"age_min": "12", "age_max": "8"}, "age_max", "The maximum age is below the minimum age."),
    ({"postcode": "31000", "commune": "Marseille"}, "commune", "No commune of this name has the postcode 31000."),
    ({"postcode": "", "commune": "Toulouse"}, "commune", "Give the postcode of the commune too."),
    ({"title": ""}, "title", "Give a title."),
    ({"registration_mode": "site", "capacity": "20", "registration_deadline": "2030-08-13T09:00"},
     "registration_deadline", "The registration deadline is after the start of the event."),
])
def test_bad_input_is_refused_next_to_the_field(testapp_en, db, occitanie, member, log_in, values, field, message):
    log_in(testapp_en, member)
    page = fill(new_form(testapp_en), occitanie, **values).submit(status=422)
    assert field_error(page, field) == message
    assert page.html.find(id=field)["aria-invalid"] == "true"
    assert "Please correct the errors below." in page.text
    assert events(db) == []
    assert db.session.scalar(select(func.count(EventOccurrence.id))) == 0
    # What was typed is kept.
    assert page.forms["event-form"]["summary"].value == "Observer le ciel avec les astronomes amateurs."


def test_venue_chosen_among_my_structures(testapp_en, db, occitanie, member, log_in, make_actor):
    museum = make_actor(occitanie, "Muséum de Toulouse", postcode="31400", managers=[member], lat=43.59, lng=1.45)
    make_actor(occitanie, "Une autre structure")
    log_in(testapp_en, member)
    form = new_form(testapp_en)
    offered = [value for value, _selected, _label in form["venue"].options]
    assert offered == ["0", str(museum.id)]
    fill(form, occitanie, venue=str(museum.id), venue_name="", address="", postcode="")
    form["organisers"] = [str(museum.id)]
    form.submit(status=303)
    event = only_event(db)
    assert event.venue_id == museum.id and event.department == "31"
    assert [o.id for o in event.owners] == [museum.id]
    assert (event.place_latitude, event.place_longitude) == (43.59, 1.45)
    page = testapp_en.get(path(event))
    assert page.html.find(id="place").find("a").get_text(strip=True) == "Muséum de Toulouse"


def test_find_another_structure_as_venue(testapp_en, db, occitanie, member, log_in, make_actor):
    library = make_actor(occitanie, "Médiathèque José Cabanis")
    make_actor(occitanie, "Médiathèque fantôme", status="pending")
    log_in(testapp_en, member)
    form = fill(new_form(testapp_en), occitanie, venue_query="Médiathèque")
    page = form.submit("action", value="find_venue")
    assert page.status_int == 200 and events(db) == []
    form = page.forms["event-form"]
    labels = [label for _value, _selected, label in form["venue"].options]
    assert "Médiathèque José Cabanis — Toulouse" in labels and not any("fantôme" in x for x in labels)
    form["venue"] = str(library.id)
    form.submit(status=303)
    assert only_event(db).venue_id == library.id


def test_unpublished_structure_is_not_a_venue(testapp_en, db, occitanie, member, log_in, make_actor):
    hidden = make_actor(occitanie, "En attente", status="pending")
    log_in(testapp_en, member)
    form = fill(new_form(testapp_en), occitanie)
    form["venue"].force_value(str(hidden.id))
    page = form.submit(status=422)
    assert field_error(page, "venue") == "Not a valid choice."
    assert events(db) == []


def test_organisers_are_only_my_structures(testapp_en, db, occitanie, member, log_in, make_actor):
    mine = make_actor(occitanie, "Ma structure", managers=[member])
    other = make_actor(occitanie, "Pas la mienne")
    log_in(testapp_en, member)
    form = fill(new_form(testapp_en), occitanie)
    form["organisers"] = [str(mine.id)]
    form.submit(status=303)
    # Forcing another structure's id is refused.
    token = new_form(testapp_en)["csrf_token"].value
    fields = {k: v for k, v in fill(new_form(testapp_en), occitanie).submit_fields()}
    fields.update(csrf_token=token, organisers=str(other.id), title="Forcé")
    testapp_en.post("/events/new", fields, status=422)
    assert [[o.id for o in e.owners] for e in events(db)] == [[mine.id]]


def test_unconfirmed_member_cannot_publish(testapp_en, db, factory, occitanie, log_in):
    log_in(testapp_en, factory.user(confirmed=False))
    testapp_en.get("/events/new", status=403)
    assert events(db) == []


def test_anonymous_is_sent_to_login(testapp_en, occitanie):
    response = testapp_en.get("/events/new")
    assert response.status_int == 302 and "/login" in response.headers["Location"]


# --- editing ------------------------------------------------------------------------------------
@pytest.fixture
def organised(make_event, make_actor, factory, occitanie):
    """An event by ``author``, organised by a structure that ``manager`` manages."""
    author = factory.user(name="Autrice", roles={occitanie: "member"})
    manager = factory.user(name="Gérant", roles={occitanie: "member"})
    structure = make_actor(occitanie, "Les Petits Débrouillards", managers=[manager])
    event = make_event(occitanie, "Atelier chimie", author=author, owners=[structure], start=datetime(2030, 9, 5, 14),
                       registration_mode="site", capacity=2, waiting_list=True, postcode="31000", commune="Toulouse",
                       department="31")
    return event, author, manager, structure


@pytest.mark.parametrize("who", ["author", "manager", "animator"])
def test_author_organiser_and_animator_edit(testapp_en, db, factory, occitanie, organised, log_in, who):
    event, author, manager, _structure = organised
    user = {"author": author, "manager": manager,
            "animator": factory.user(roles={occitanie: "animator"})}[who]
    log_in(testapp_en, user)
    form = testapp_en.get(f"/event/{event.id}/edit").forms["event-form"]
    # The form shows what is saved, in local time.
    assert form["title"].value == "Atelier chimie"
    assert form["starts_at"].value == "2030-09-05T14:00" and form["capacity"].value == "2"
    form["title"] = "Atelier de chimie amusante"
    form["starts_at"] = "2030-09-06T15:00"
    form["ends_at"] = "2030-09-06T17:00"
    response = form.submit(status=303)
    assert response.headers["Location"].endswith(f"/event/{event.id}-atelier-de-chimie-amusante")
    refresh(db)
    event = db.session.get(Event, event.id)
    assert event.title == "Atelier de chimie amusante"
    assert [local(o.starts_at) for o in event.occurrences] == [datetime(2030, 9, 6, 15)]
    assert event.author_id == author.id  # the author stays
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "event.updated")) == "event.updated"


@pytest.mark.parametrize("who", ["other manager", "member", "contributor"])
def test_others_may_not_edit(testapp_en, db, factory, make_actor, occitanie, organised, log_in, who):
    event, *_rest = organised
    user = factory.user(roles={occitanie: "contributor" if who == "contributor" else "member"})
    if who == "other manager":
        make_actor(occitanie, "Autre structure", managers=[user])
    log_in(testapp_en, user)
    testapp_en.get(f"/event/{event.id}/edit", status=403)
    token = new_form(testapp_en)["csrf_token"].value
    testapp_en.post(f"/event/{event.id}/edit", {"csrf_token": token, "title": "Piraté", "territory": occitanie.id,
                                                "event_kind": "talk", "starts_at": "2030-09-05T14:00",
                                                "ends_at": "2030-09-05T16:00"}, status=403)
    refresh(db)
    assert db.session.get(Event, event.id).title == "Atelier chimie"
    assert "Edit the event" not in testapp_en.get(path(event)).text


def test_failed_edit_changes_nothing(testapp_en, db, organised, log_in):
    event, author, *_rest = organised
    log_in(testapp_en, author)
    form = testapp_en.get(f"/event/{event.id}/edit").forms["event-form"]
    form["title"] = "Nouveau titre"
    form["tags"] = "nouveau"
    form["recurrence"] = "weekly"
    form["recurrence_until"] = "2045-01-01"
    page = form.submit(status=422)
    assert field_error(page, "recurrence_until") == "This recurrence gives more than 366 dates: choose an earlier end."
    refresh(db)
    event = db.session.get(Event, event.id)
    assert event.title == "Atelier chimie" and event.tags == [] and len(event.occurrences) == 1


def test_more_places_serve_the_waiting_list(testapp_en, db, factory, organised, log_in, mails):
    event, author, *_rest = organised
    people = [factory.user(name=f"Personne {n}", locale="en") for n in range(4)]
    for person in people:
        register(event, person)
    db.session.commit()
    log_in(testapp_en, author)
    form = testapp_en.get(f"/event/{event.id}/edit").forms["event-form"]
    form["capacity"] = "3"
    form.submit(status=303)
    refresh(db)
    statuses = db.session.execute(select(Registration.user_id, Registration.status)
                                  .order_by(Registration.position)).all()
    assert statuses == [(people[0].id, CONFIRMED), (people[1].id, CONFIRMED), (people[2].id, CONFIRMED),
                        (people[3].id, WAITING)]
    assert [m.to for m in mails] == [[people[2].email]]
    assert mails[0].subject == "A place freed up: you are registered for Atelier chimie"


def test_registration_settings_are_kept_only_for_registration_on_this_site(testapp_en, db, occitanie, member,
                                                                           log_in):
    log_in(testapp_en, member)
    fill(new_form(testapp_en), occitanie, registration_mode="site", capacity="25",
         registration_deadline="2030-08-10T12:00").submit(status=303)
    event = only_event(db)
    assert event.capacity == 25 and local(event.registration_deadline) == datetime(2030, 8, 10, 12, 0)
    form = testapp_en.get(f"/event/{event.id}/edit").forms["event-form"]
    assert form["registration_deadline"].value == "2030-08-10T12:00"
    form["registration_mode"] = "external"
    form["registration_url"] = "https://billetterie.example.org/nuit"
    form.submit(status=303)
    refresh(db)
    event = db.session.get(Event, event.id)
    assert (event.registration_mode, event.capacity, event.registration_deadline) == ("external", None, None)
    assert date(2030, 8, 12) == local(event.starts_at).date()
