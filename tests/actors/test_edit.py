"""Who may edit a structure, and what an edit changes."""
import pytest
from sqlalchemy import select

from csti.models import Actor, AuditLog

from .helpers import path, refresh


@pytest.fixture
def territory(factory):
    return factory.territory(slug="bretagne", name="Bretagne")


def edit_form(testapp, actor):
    return testapp.get(f"/actor/{actor.id}/edit").forms["actor-form"]


def reload(db, actor):
    refresh(db)
    return db.session.get(Actor, actor.id)


def test_manager_edits_their_structure(testapp_en, db, territory, factory, make_actor, log_in):
    manager = factory.user()
    actor = make_actor(territory, "Océanopolis", kind="museum", postcode="29200", lat=48.39, lng=-4.49,
                       managers=[manager], audiences=["families"], tags=["mer"], website="https://old.example.org",
                       social={"mastodon": "https://mastodon.example/@ocean"})
    log_in(testapp_en, manager)
    form = edit_form(testapp_en, actor)
    # The form comes filled with the structure's current values.
    assert form["title"].value == "Océanopolis" and form["postcode"].value == "29200"
    assert form["latitude"].value == "48.39" and form["tags"].value == "mer"
    assert form["social_mastodon"].value == "https://mastodon.example/@ocean"
    assert [box._value for box in form.fields["audiences"] if box.checked] == ["families"]
    form["summary"] = "Aquariums et ateliers."
    form["website"] = "https://www.oceanopolis.example"
    form["postcode"] = "35000"
    form["social_mastodon"] = ""
    response = form.submit()
    assert response.status_int == 303 and response.headers["Location"].endswith(path(actor))
    actor = reload(db, actor)
    assert actor.summary == "Aquariums et ateliers."
    assert actor.website == "https://www.oceanopolis.example"
    assert (actor.commune, actor.department) == ("Rennes", "35")
    assert actor.social == {}
    assert actor.status == "published"
    assert db.session.scalars(select(AuditLog.action).where(AuditLog.target_id == actor.id)).all() == [
        "actor.updated"]


def test_manager_of_another_structure_cannot_edit(testapp_en, db, territory, factory, make_actor, log_in):
    manager_a = factory.user()
    make_actor(territory, "Structure A", managers=[manager_a])
    b = make_actor(territory, "Structure B", summary="Intact")
    log_in(testapp_en, manager_a)
    testapp_en.get(f"/actor/{b.id}/edit", status=403)
    # A forged POST with a valid token changes nothing either.
    token = testapp_en.get(path(b)).html.find("input", attrs={"name": "csrf_token"})["value"]
    testapp_en.post(f"/actor/{b.id}/edit", {"csrf_token": token, "title": "Volée", "actor_kind": "other",
                                             "territory": str(territory.id), "summary": "Changé"}, status=403)
    b = reload(db, b)
    assert (b.title, b.summary) == ("Structure B", "Intact")
    assert db.session.scalars(select(AuditLog)).all() == []


def test_members_who_are_not_managers_cannot_edit(testapp_en, territory, factory, make_actor, log_in):
    member = factory.user()
    actor = make_actor(territory, members=[member])
    log_in(testapp_en, member)
    testapp_en.get(f"/actor/{actor.id}/edit", status=403)


def test_anonymous_cannot_edit(testapp_en, territory, make_actor):
    actor = make_actor(territory)
    response = testapp_en.get(f"/actor/{actor.id}/edit")
    assert response.status_int == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["animator", "admin"])
def test_animators_and_admins_edit(testapp_en, db, territory, factory, make_actor, log_in, who):
    actor = make_actor(territory, "Avant")
    user = factory.user(roles={territory: "animator"}) if who == "animator" else factory.user(admin=True)
    log_in(testapp_en, user)
    form = edit_form(testapp_en, actor)
    form["title"] = "Après"
    form.submit(status=303)
    assert reload(db, actor).title == "Après"


def test_animator_of_another_territory_cannot_edit(testapp_en, territory, factory, make_actor, log_in):
    actor = make_actor(territory)
    log_in(testapp_en, factory.user(roles={factory.territory(): "animator"}))
    testapp_en.get(f"/actor/{actor.id}/edit", status=403)


def test_proposer_edits_until_published(testapp_en, db, territory, factory, make_actor, log_in):
    proposer = factory.user()
    actor = make_actor(territory, "Mon club", status="pending", author=proposer)
    log_in(testapp_en, proposer)
    form = edit_form(testapp_en, actor)
    form["summary"] = "Mieux décrit"
    form.submit(status=303)
    actor = reload(db, actor)
    assert actor.summary == "Mieux décrit" and actor.status == "pending"
    actor.publish()
    db.session.commit()
    testapp_en.get(f"/actor/{actor.id}/edit", status=403)


def test_rejected_proposal_edited_by_its_author_goes_back_to_review(
        testapp_en, db, territory, factory, make_actor, log_in):
    proposer = factory.user()
    actor = make_actor(territory, "Mon club", status="rejected", author=proposer)
    log_in(testapp_en, proposer)
    form = edit_form(testapp_en, actor)
    form["summary"] = "Corrigé"
    form.submit(status=303)
    assert reload(db, actor).status == "pending"


def test_invalid_edit_changes_nothing(testapp_en, db, territory, factory, make_actor, log_in):
    manager = factory.user()
    actor = make_actor(territory, "Intacte", postcode="29200", lat=48.39, lng=-4.49, managers=[manager])
    log_in(testapp_en, manager)
    form = edit_form(testapp_en, actor)
    form["title"] = "Changée"
    form["latitude"] = "123"
    page = form.submit(status=422)
    assert page.html.find(id="latitude-error").get_text(strip=True) == "Latitude is between -90 and 90."
    actor = reload(db, actor)
    assert (actor.title, actor.latitude) == ("Intacte", 48.39)


def test_logo_upload_rejects_a_non_image(testapp_en, db, territory, factory, make_actor, log_in):
    manager = factory.user()
    actor = make_actor(territory, "Sans logo", managers=[manager])
    log_in(testapp_en, manager)
    form = edit_form(testapp_en, actor)
    form["title"] = "Nouveau nom"
    form["logo"] = ("logo.gif", b"GIF89a<script>alert(1)</script>", "image/gif")
    page = form.submit(status=422)
    assert "not an image we can read" in page.html.find(id="logo-error").get_text()
    actor = reload(db, actor)
    assert actor.logo is None and actor.title == "Sans logo"  # nothing half-saved


def test_an_edit_stores_the_phone_as_e164_and_placing_the_point_ends_approximate(testapp_en, db, territory, factory,
                                                                                 make_actor, log_in):
    manager = factory.user()
    actor = make_actor(territory, "Océanopolis", kind="museum", postcode="29200", lat=48.39169, lng=-4.48454,
                       managers=[manager])
    actor.location_approximate = True
    db.session.commit()
    log_in(testapp_en, manager)
    form = edit_form(testapp_en, actor)
    form["phone"] = "02.98.34.40.40"
    form.submit(status=303)
    actor = reload(db, actor)
    assert actor.phone == "+33298344040" and actor.location_approximate  # the point did not move
    assert "02 98 34 40 40" in testapp_en.get(path(actor)).text
    form = edit_form(testapp_en, actor)
    form["latitude"], form["longitude"] = "48.3903", "-4.4358"
    form.submit(status=303)
    actor = reload(db, actor)
    assert (actor.latitude, actor.longitude, actor.location_approximate) == (48.3903, -4.4358, False)
