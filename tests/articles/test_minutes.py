"""Minutes ("compte rendu"): an article of kind "minutes" tied to a meeting of a working group —
written from the meeting's page by its coordinators, telling the group's members when published,
shown on the meeting's page, and offered to the territory's animators for the newsletter."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from csti.blueprints.events.schedule import schedule
from csti.models import Article, Event, GroupMember, Notification, User, WorkingGroup
from csti.models.base import utcnow
from tests.conftest import login


@pytest.fixture
def meeting(db, factory):
    territory = factory.territory()
    coord = factory.user(email="coord@example.org", name="Camille Coord", roles={territory: "animator"})
    member = factory.user(email="member@example.org", name="Maxime Membre", roles={territory: "member"})
    factory.user(email="other@example.org", name="Olivia Autre", roles={territory: "contributor"})
    group = WorkingGroup(title="Groupe médiation numérique", territory=territory, author=coord, access="open",
                         summary="Un groupe.")
    group.memberships = [GroupMember(user=coord, role="coordinator"), GroupMember(user=member)]
    group.publish()
    db.session.add(group)
    db.session.flush()
    event = Event(title="Réunion de novembre", event_kind="meeting", territory=territory, author=coord,
                  summary="La réunion.", group_id=group.id)
    start = utcnow().replace(microsecond=0) - timedelta(days=3)
    schedule(event, start, start + timedelta(hours=2))
    event.publish()
    db.session.add(event)
    db.session.commit()
    return {"territory": territory, "coord": coord, "member": member, "group": group, "event": event}


def _minutes_form(testapp, event_id):
    page = testapp.get(f"/event/{event_id}").maybe_follow()
    link = page.html.find("a", string="Write the minutes")
    assert link is not None
    return testapp.get(link["href"]).forms["article-form"]


def test_coordinator_writes_minutes_the_group_is_told_and_the_meeting_shows_them(testapp_en, db, meeting):
    login(testapp_en, "coord@example.org")
    form = _minutes_form(testapp_en, meeting["event"].id)
    assert form["article_kind"].value == "minutes"
    assert form["meeting"].value == str(meeting["event"].id)
    form["title"], form["body"] = "Compte rendu de novembre", "Nous avons décidé **trois** choses."
    response = form.submit("action", value="publish")
    assert response.status_int == 303
    db.session.rollback()
    minutes = db.session.scalar(select(Article).where(Article.title == "Compte rendu de novembre"))
    assert (minutes.article_kind, minutes.meeting_id, minutes.group_id, minutes.status) == \
        ("minutes", meeting["event"].id, meeting["group"].id, "published")
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "group_minutes",
                                                                 Notification.content_id == minutes.id)).all()
    assert told == [meeting["member"].id]  # the group's members, not the author
    page = response.follow()
    assert "Minutes of the meeting" in page.text
    assert page.html.find("a", string="Réunion de novembre") is not None
    # An animator of the territory is offered to diffuse it in the newsletter, preselected.
    diffuse = page.html.find("a", string="Diffuse to the territory in a newsletter")
    assert diffuse is not None and f"item={minutes.id}" in diffuse["href"]
    compose = testapp_en.get(diffuse["href"])
    assert "Compte rendu de novembre" in compose.text
    # The meeting's page lists its minutes, for everybody.
    testapp_en.reset()
    event_page = testapp_en.get(f"/event/{meeting['event'].id}").maybe_follow()
    assert event_page.html.find(id="meeting-title") is not None
    assert event_page.html.find("a", string="Compte rendu de novembre") is not None
    assert event_page.html.find("a", string="Write the minutes") is None
    login(testapp_en, "member@example.org")
    assert "published the minutes of a meeting" in testapp_en.get("/notifications").text


def test_minutes_need_a_meeting_the_author_coordinates(testapp_en, db, meeting):
    login(testapp_en, "other@example.org")  # a contributor outside the group
    page = testapp_en.get(f"/event/{meeting['event'].id}").maybe_follow()
    assert page.html.find("a", string="Write the minutes") is None
    form = testapp_en.get("/articles/new").forms["article-form"]
    form["title"], form["body"], form["territory"] = "Faux compte rendu", "x", str(meeting["territory"].id)
    form["article_kind"] = "minutes"
    response = form.submit("action", value="publish", expect_errors=True)
    assert response.status_int == 422
    assert "Minutes report on a meeting" in response.text
    # A forged meeting id is refused too, nothing saved.
    fields = dict(form.submit_fields())
    fields.update({"meeting": str(meeting["event"].id), "action": "publish"})
    response = testapp_en.post("/articles/new", fields, expect_errors=True)
    assert response.status_int == 422
    assert "Choose a meeting of a working group you coordinate" in response.text
    db.session.rollback()
    assert db.session.scalar(select(Article).where(Article.title == "Faux compte rendu")) is None


def test_members_only_minutes_are_not_offered_to_the_newsletter(testapp_en, db, meeting):
    login(testapp_en, "coord@example.org")
    form = _minutes_form(testapp_en, meeting["event"].id)
    form["title"], form["body"], form["members_only"] = "Compte rendu interne", "Entre nous.", True
    page = form.submit("action", value="publish").follow()
    assert "for the group's members only" in page.text
    assert page.html.find("a", string="Diffuse to the territory in a newsletter") is None
    db.session.rollback()
    minutes = db.session.scalar(select(Article).where(Article.title == "Compte rendu interne"))
    assert minutes.members_only and minutes.group_id == meeting["group"].id
    testapp_en.reset()
    assert testapp_en.get(f"/article/{minutes.id}", expect_errors=True).maybe_follow().status_int in (403, 404)
    assert "Compte rendu interne" not in testapp_en.get(f"/event/{meeting['event'].id}").maybe_follow().text


def test_minutes_of_a_members_only_meeting_are_for_the_members_and_its_editors_too(testapp_en, db, meeting, app,
                                                                                  factory):
    from csti.policy import can

    meeting["event"].members_only = True
    db.session.commit()
    login(testapp_en, "coord@example.org")
    form = _minutes_form(testapp_en, meeting["event"].id)
    assert form["members_only"].checked
    form["title"], form["body"], form["members_only"] = "Compte rendu caché", "Entre nous.", False
    form.submit("action", value="publish")
    db.session.rollback()
    minutes = db.session.scalar(select(Article).where(Article.title == "Compte rendu caché"))
    assert minutes.members_only  # the meeting is for the members: so are its minutes
    # A structure manager organising the meeting but outside the group may neither see nor edit it.
    from tests.sample_site import make_actor

    outsider = db.session.scalar(select(User).where(User.email == "other@example.org"))
    structure = make_actor(db, meeting["territory"], "Fablab organisateur", managers=[outsider])
    event = db.session.get(Event, meeting["event"].id)
    event.owners = [structure]
    db.session.commit()
    with app.test_request_context():
        assert not can(outsider, "view", meeting["event"]) and not can(outsider, "edit", meeting["event"])
        assert can(meeting["coord"], "edit", meeting["event"])
