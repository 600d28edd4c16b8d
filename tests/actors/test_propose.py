"""Proposing a structure: review or direct publication, validation, duplicates, "I work here"."""
import pytest
from sqlalchemy import func, select

from csti.models import Actor, ActorMember, AuditLog
from tests.conftest import csrf_headers

from .helpers import path, refresh


def count_actors(db):
    refresh(db)
    return db.session.scalar(select(func.count(Actor.id)))


def new_form(testapp):
    return testapp.get("/actors/new").forms["actor-form"]


def fill(form, territory, **values):
    data = {"title": "Atelier des sciences", "actor_kind": "association", "territory": str(territory.id),
            "summary": "Ateliers pour les enfants.", "body": "Du **texte**.", "tags": "robotique, Médiation",
            "address": "3 rue Pasteur", "postcode": "31000", "commune": "", "latitude": "43.6045",
            "longitude": "1.444", "website": "https://atelier.example.org", "email": "Contact@Atelier.example.org",
            "phone": "05 61 00 00 00"}
    data.update(values)
    for key, value in data.items():
        form[key] = value
    return form


def only_actor(db):
    refresh(db)
    return db.session.scalars(select(Actor)).one()


def test_member_proposal_waits_for_review(testapp_en, db, occitanie, factory, log_in):
    member = factory.user(roles={occitanie: "member"})
    log_in(testapp_en, member)
    form = new_form(testapp_en)
    form["audiences"] = ["children", "families"]
    response = fill(form, occitanie).submit()
    assert response.status_int == 303
    actor = only_actor(db)
    assert response.headers["Location"].endswith(path(actor))
    assert actor.status == "pending" and actor.published_at is None
    assert actor.author_id == member.id and actor.territory_id == occitanie.id
    assert (actor.postcode, actor.commune, actor.department, actor.insee) == ("31000", "Toulouse", "31", "31555")
    assert (actor.latitude, actor.longitude) == (43.6045, 1.444)
    assert actor.email == "contact@atelier.example.org"
    assert sorted(t.slug for t in actor.tags) == ["mediation", "robotique"]
    assert actor.audiences == ["children", "families"]
    assert actor.members == []  # "I work here" was not ticked
    page = response.follow()
    assert "will review the structure" in page.text and "Pending review" in page.text
    # Not in the directory yet.
    testapp_en.reset()
    assert "Atelier des sciences" not in testapp_en.get("/actors").text


def test_contributor_publishes_directly(testapp_en, db, occitanie, factory, log_in):
    log_in(testapp_en, factory.user(roles={occitanie: "contributor"}))
    fill(new_form(testapp_en), occitanie).submit(status=303)
    actor = only_actor(db)
    assert actor.status == "published" and actor.published_at is not None
    assert "Atelier des sciences" in testapp_en.get("/actors").text


def test_trusting_territory_publishes_members_directly(testapp_en, db, factory, log_in):
    trusting = factory.territory(publish_policy="everyone")
    log_in(testapp_en, factory.user(roles={trusting: "member"}))
    fill(new_form(testapp_en), trusting).submit(status=303)
    assert only_actor(db).status == "published"


def test_i_work_here_makes_the_proposer_a_manager(testapp_en, db, occitanie, factory, log_in):
    member = factory.user()
    log_in(testapp_en, member)
    form = fill(new_form(testapp_en), occitanie)
    form["i_manage"] = True
    form.submit(status=303)
    actor = only_actor(db)
    assert [(m.user_id, m.role) for m in actor.members] == [(member.id, "manager")]
    assert db.session.scalar(select(func.count(ActorMember.id))) == 1


def test_unconfirmed_user_cannot_propose(testapp_en, db, occitanie, factory, log_in):
    log_in(testapp_en, factory.user(confirmed=False))
    testapp_en.get("/actors/new", status=403)
    token = csrf_headers(testapp_en.get("/actors"))["X-CSRFToken"]
    testapp_en.post("/actors/new", {"title": "X", "csrf_token": token}, status=403)
    assert count_actors(db) == 0


def test_anonymous_is_sent_to_login(testapp_en, occitanie):
    response = testapp_en.get("/actors/new")
    assert response.status_int == 302 and "/login" in response.headers["Location"]


def field_error(page, name):
    error = page.html.find(id=f"{name}-error")
    return error.get_text(" ", strip=True) if error else None


@pytest.mark.parametrize("values, field, message", [
    ({"latitude": "91", "longitude": "2"}, "latitude", "Latitude is between -90 and 90."),
    ({"latitude": "45", "longitude": "-181"}, "longitude", "Longitude is between -180 and 180."),
    ({"latitude": "nan", "longitude": "2"}, "latitude", "Give a number."),
    ({"latitude": "abc", "longitude": "2"}, "latitude", "Not a valid float value."),
    ({"latitude": "45.1", "longitude": ""}, "longitude", "Give both the latitude and the longitude, or neither."),
    ({"latitude": "", "longitude": "5.7"}, "latitude", "Give both the latitude and the longitude, or neither."),
    ({"postcode": "99999"}, "postcode", "This postcode does not exist in France."),
    ({"postcode": "3100"}, "postcode", "A French postcode has 5 digits."),
    ({"title": ""}, "title", "Give a title."),
    ({"actor_kind": "spaceship"}, "actor_kind", "Not a valid choice."),
    ({"website": "javascript://example.org/%0Aalert(1)"}, "website", "Give a full web address starting with https://"),
    ({"email": "not-an-address"}, "email", "Invalid email address."),
    ({"phone": "call me"}, "phone", "Use digits, spaces and + only."),
    ({"siret": "12345678901234"}, "siret", "This SIRET number is not valid (check digit)."),
    ({"rna": "X123"}, "rna", "An RNA number looks like W123456789."),
])
def test_bad_input_is_refused_next_to_the_field(testapp_en, db, occitanie, factory, log_in, values, field, message):
    log_in(testapp_en, factory.user())
    form = new_form(testapp_en)
    fill(form, occitanie)
    for key, value in values.items():
        if key == "actor_kind":
            form[key].force_value(value)
        else:
            form[key] = value
    page = form.submit(status=422)
    assert field_error(page, field) == message
    assert page.html.find(id=field)["aria-invalid"] == "true"
    assert "Please correct the errors below." in page.text
    assert count_actors(db) == 0


def test_territory_must_be_one_offered(testapp_en, db, occitanie, factory, log_in):
    log_in(testapp_en, factory.user())
    form = fill(new_form(testapp_en), occitanie)
    form["territory"].force_value("987654")
    page = form.submit(status=422)
    assert field_error(page, "territory") == "Not a valid choice."
    assert count_actors(db) == 0


def test_department_and_commune_come_from_the_postcode(testapp_en, db, factory, log_in):
    bretagne = factory.territory()
    log_in(testapp_en, factory.user(roles={bretagne: "contributor"}))
    # 29200 is Brest; a commune typed for another postcode is replaced by the postcode's own.
    fill(new_form(testapp_en), bretagne, postcode=" 29200 ", commune="Paris",
         latitude="48.39", longitude="-4.48").submit(status=303)
    actor = only_actor(db)
    assert (actor.postcode, actor.commune, actor.department) == ("29200", "Brest", "29")
    assert actor.longitude == -4.48


def test_commune_picks_among_the_communes_of_a_postcode(testapp_en, db, occitanie, factory, log_in):
    log_in(testapp_en, factory.user(roles={occitanie: "contributor"}))
    # 31320 covers several communes: the typed one is kept when it is one of them.
    fill(new_form(testapp_en), occitanie, postcode="31320", commune="castanet tolosan").submit(status=303)
    assert only_actor(db).commune == "Castanet-Tolosan"


def test_similar_name_in_the_same_commune_warns_until_confirmed(testapp_en, db, occitanie, factory, make_actor,
                                                               log_in):
    make_actor(occitanie, "Atelier des Sciences", postcode="31000")
    make_actor(occitanie, "Atelier des sciences", postcode="34000")  # same name, another commune: no warning
    log_in(testapp_en, factory.user())
    form = fill(new_form(testapp_en), occitanie, title="atelier des sciences")
    page = form.submit(status=422)
    warning = page.html.find(id="duplicates")
    assert "A structure with a similar name already exists in this commune" in warning.get_text()
    assert [a.get_text(strip=True) for a in warning.find_all("a")] == ["Atelier des Sciences"]
    assert count_actors(db) == 2
    # The form came back filled; tick "create anyway".
    form = page.forms["actor-form"]
    assert form["title"].value == "atelier des sciences"
    form["confirm_duplicate"] = True
    form.submit(status=303)
    assert count_actors(db) == 3


def test_similar_name_ignores_accents_case_and_dashes(testapp_en, db, occitanie, factory, make_actor, log_in):
    make_actor(occitanie, "Musée de l'Espace", postcode="31000")
    log_in(testapp_en, factory.user())
    page = fill(new_form(testapp_en), occitanie, title="MUSEE  de l'espace").submit(status=422)
    assert page.html.find(id="duplicates") is not None


def test_logo_must_be_an_image(testapp_en, db, occitanie, factory, log_in):
    log_in(testapp_en, factory.user())
    form = fill(new_form(testapp_en), occitanie)
    form["logo"] = ("logo.png", b"#!/bin/sh\necho not an image\n", "image/png")
    page = form.submit(status=422)
    assert "This file is not an image we can read" in field_error(page, "logo")
    assert count_actors(db) == 0


def test_logo_is_stored(testapp_en, db, occitanie, factory, log_in, app):
    import io
    from pathlib import Path

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "navy").save(buffer, "PNG")
    log_in(testapp_en, factory.user(roles={occitanie: "contributor"}))
    form = fill(new_form(testapp_en), occitanie)
    form["logo"] = ("logo.png", buffer.getvalue(), "image/png")
    form.submit(status=303)
    actor = only_actor(db)
    assert actor.logo.startswith("logos/") and actor.logo.endswith(".webp")
    stored = Image.open(Path(app.config["UPLOAD_DIR"]) / actor.logo)
    assert max(stored.size) <= 480


def test_proposal_is_audited(testapp_en, db, occitanie, factory, log_in):
    member = factory.user()
    log_in(testapp_en, member)
    fill(new_form(testapp_en), occitanie).submit(status=303)
    actor = only_actor(db)
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "actor.proposed")).one()
    assert (entry.actor_id, entry.target_id, entry.territory_id) == (member.id, actor.id, occitanie.id)


def test_find_the_address_on_the_map(testapp_en, db, occitanie, factory, log_in, app, monkeypatch):
    """With a geocoder configured, the button fills the coordinates and saves nothing (the
    geocoder itself is never called in tests)."""
    import csti.blueprints.actors.geocoding

    calls = []
    monkeypatch.setitem(app.config, "GEOCODER_URL", "https://geocoder.invalid/search")
    monkeypatch.setattr(csti.blueprints.actors.geocoding, "geocode", lambda *args: calls.append(args) or (43.6044622, 1.4442469))
    log_in(testapp_en, factory.user())
    form = fill(new_form(testapp_en), occitanie, latitude="", longitude="")
    page = form.submit("action", value="geocode")
    assert calls == [("3 rue Pasteur", "31000", "")]
    form = page.forms["actor-form"]
    assert (form["latitude"].value, form["longitude"].value) == ("43.604462", "1.444247")
    assert "Location found" in page.text
    assert count_actors(db) == 0
    form.submit(status=303)
    assert (only_actor(db).latitude, only_actor(db).longitude) == (43.604462, 1.444247)
