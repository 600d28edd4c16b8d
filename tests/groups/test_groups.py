"""Working groups: joining (open, on request, by invitation), leaving, the coordinators' tools,
bad input and permissions; members-only meetings and minutes invisible to others everywhere."""
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from csti.blueprints.events.schedule import schedule
from csti.models import Article, Event, GroupMember, Membership, Notification, WorkingGroup
from csti.models.base import utcnow
from csti.search.documents import document
from tests.conftest import csrf_headers, login

SECRET_EVENT = "Réunion confidentielle zorglub"
SECRET_ARTICLE = "Compte rendu confidentiel zorglub"


def _group(db, territory, coordinator, access="open", title="Groupe médiation numérique", members=()):
    group = WorkingGroup(title=title, territory=territory, author=coordinator, access=access,
                         summary="Un groupe de travail.")
    group.memberships = [GroupMember(user=coordinator, role="coordinator")] + [GroupMember(user=u) for u in members]
    group.publish()
    db.session.add(group)
    db.session.commit()
    return group


def _status(db, group, user):
    db.session.rollback()
    row = db.session.scalar(select(GroupMember).where(GroupMember.group_id == group.id,
                                                      GroupMember.user_id == user.id))
    return None if row is None else (row.role, row.status)


@pytest.fixture
def people(factory):
    territory = factory.territory()
    return {"territory": territory,
            "coord": factory.user(email="coord@example.org", name="Camille Coord", roles={territory: "contributor"}),
            "member": factory.user(email="member@example.org", name="Maxime Membre", roles={territory: "member"}),
            "other": factory.user(email="other@example.org", name="Olivia Autre", roles={territory: "member"})}


def url(item):
    """An item's page without a request context."""
    from flask import current_app

    with current_app.test_request_context():
        return item.url


def _post(testapp, group, path, **data):
    page = testapp.get(url(group))
    form = {"csrf_token": page.html.find("input", attrs={"name": "csrf_token"})["value"], **data}
    return testapp.post(f"/group/{group.id}/{path}", form, expect_errors=True)


def test_join_an_open_group_and_leave(testapp_en, db, people):
    group = _group(db, people["territory"], people["coord"])
    login(testapp_en, "member@example.org")
    page = testapp_en.get(url(group))
    assert page.html.find("button", string="Join") is not None
    assert "Maxime Membre" not in page.html.find(id="members").text
    response = _post(testapp_en, group, "join")
    assert response.status_int == 303
    assert _status(db, group, people["member"]) == ("member", "member")
    page = response.follow()
    assert "Maxime Membre" in page.html.find(id="members").text
    response = _post(testapp_en, group, "leave")
    assert response.status_int == 303
    assert _status(db, group, people["member"]) is None


def test_ask_to_join_then_coordinator_accepts_with_htmx(testapp_en, db, people, log_in):
    group = _group(db, people["territory"], people["coord"], access="request")
    login(testapp_en, "member@example.org")
    assert testapp_en.get(url(group)).html.find("button", string="Ask to join") is not None
    assert _post(testapp_en, group, "join").status_int == 303
    assert _status(db, group, people["member"]) == ("member", "requested")
    told = db.session.scalars(select(Notification).where(Notification.kind == "group_request")).all()
    assert [n.user_id for n in told] == [people["coord"].id]
    testapp_en.reset()
    login(testapp_en, "coord@example.org")
    page = testapp_en.get(url(group))
    assert "Maxime Membre" in page.html.find(id="members").text
    notes = testapp_en.get("/notifications")
    assert "asks to join the working group" in notes.text
    response = testapp_en.post(f"/group/{group.id}/requests/{people['member'].id}", {"decision": "accept"},
                               headers=csrf_headers(page))
    assert response.status_int == 200
    assert response.text.lstrip().startswith("<section")
    assert _status(db, group, people["member"]) == ("member", "member")


def test_invitation_only_refuses_uninvited_and_forged(testapp_en, db, people):
    group = _group(db, people["territory"], people["coord"], access="invitation")
    login(testapp_en, "other@example.org")
    page = testapp_en.get(url(group))
    assert page.html.find("button", string="Join") is None
    assert "invitation only" in page.text
    response = _post(testapp_en, group, "join")
    assert response.status_int == 403
    assert "invitation only" in response.text
    response = _post(testapp_en, group, "invitation", answer="accept")
    assert response.status_int == 403
    assert _status(db, group, people["other"]) is None
    # A member may not invite, promote nor decide.
    assert _post(testapp_en, group, "invite", who="member@example.org").status_int == 403
    assert _post(testapp_en, group, f"members/{people['coord'].id}", action="remove").status_int == 403
    assert _status(db, group, people["member"]) is None


def test_invite_by_name_accept_and_bad_input(testapp_en, db, people):
    group = _group(db, people["territory"], people["coord"], access="invitation")
    login(testapp_en, "coord@example.org")
    response = _post(testapp_en, group, "invite", who="nobody@example.org")
    assert response.status_int == 422
    assert "No member of the site" in response.html.find(id="invite-form").text
    response = _post(testapp_en, group, "invite", who="")
    assert response.status_int == 422
    response = _post(testapp_en, group, "invite", who="olivia autre")
    assert response.status_int == 303
    assert _status(db, group, people["other"]) == ("member", "invited")
    assert db.session.scalar(select(Notification.user_id).where(Notification.kind == "group_invite")) == \
        people["other"].id
    testapp_en.reset()
    login(testapp_en, "other@example.org")
    page = testapp_en.get(url(group))
    assert page.html.find("button", string="Accept the invitation") is not None
    assert "invites you to join" in testapp_en.get("/notifications").text
    assert _post(testapp_en, group, "invitation", answer="accept").status_int == 303
    assert _status(db, group, people["other"]) == ("member", "member")


def test_coordinator_promotes_removes_and_last_coordinator_stays(testapp_en, db, people):
    group = _group(db, people["territory"], people["coord"], members=[people["member"]])
    login(testapp_en, "coord@example.org")
    assert _post(testapp_en, group, "leave").status_int == 409
    assert _status(db, group, people["coord"]) == ("coordinator", "member")
    assert _post(testapp_en, group, f"members/{people['member'].id}", action="promote").status_int == 303
    assert _status(db, group, people["member"]) == ("coordinator", "member")
    assert _post(testapp_en, group, f"members/{people['member'].id}", action="bogus").status_int == 400
    assert _post(testapp_en, group, f"members/{people['member'].id}", action="remove").status_int == 303
    assert _status(db, group, people["member"]) is None
    assert _post(testapp_en, group, "members/999999", action="remove").status_int == 404


def test_create_a_group_makes_its_creator_coordinator(testapp_en, db, people):
    login(testapp_en, "coord@example.org")
    form = testapp_en.get("/groups/new").forms["group-form"]
    form["title"] = "Plénière du réseau"
    form["access"] = "request"
    form["territory"] = str(people["territory"].id)
    response = form.submit("action", value="publish")
    assert response.status_int == 303
    db.session.rollback()
    group = db.session.scalar(select(WorkingGroup))
    assert group.is_published and group.access == "request"
    assert _status(db, group, people["coord"]) == ("coordinator", "member")
    form = testapp_en.get("/groups/new").forms["group-form"]
    form["title"] = ""
    form["territory"] = str(people["territory"].id)
    assert form.submit("action", value="publish", expect_errors=True).status_int == 422


def test_comments_on_a_group_page_are_for_its_members(db, people, app):
    from csti.policy import can

    group = _group(db, people["territory"], people["coord"], members=[people["member"]])
    with app.test_request_context():
        assert can(people["member"], "comment", group)
        assert not can(people["other"], "comment", group)


def test_group_discussion_form_for_members_only(testapp_en, db, people):
    group = _group(db, people["territory"], people["coord"], members=[people["member"]])
    login(testapp_en, "other@example.org")
    page = testapp_en.get(url(group))
    assert f"comment-form-{group.id}" not in page.forms
    assert "take part in its discussion." in page.text
    response = testapp_en.post(f"/content/{group.id}/comments", {"csrf_token": page.html.find(
        "input", attrs={"name": "csrf_token"})["value"], "body": "Bonjour"}, expect_errors=True)
    assert response.status_int == 403 and "take part in its discussion" in response.text
    testapp_en.reset()
    login(testapp_en, "member@example.org")
    assert f"comment-form-{group.id}" in testapp_en.get(url(group)).forms


# --- members-only items ---------------------------------------------------------------------------
def _secret_items(db, territory, group, coordinator, structure, tag="mediation"):
    start = datetime.combine(utcnow().date() + timedelta(days=2), time(14, 0))
    event = Event(title=SECRET_EVENT, event_kind="talk", territory=territory, author=coordinator,
                  group_id=group.id, members_only=True, summary="zorglub")
    schedule(event, start, start + timedelta(hours=2))
    article = Article(title=SECRET_ARTICLE, territory=territory, author=coordinator, group_id=group.id,
                      members_only=True, summary="zorglub", body="zorglub")
    for item in (event, article):
        item.owners = [structure]
        item.add_tag(tag)
        item.publish()
        item.featured_rank = 1
        db.session.add(item)
    db.session.commit()
    return event, article


def test_members_only_items_never_show_to_others(testapp_en, db, people, make_actor):
    territory, coord = people["territory"], people["coord"]
    structure = make_actor(territory=territory, title="Fablab zorglub")
    group = _group(db, territory, coord, members=[people["member"]])
    event, article = _secret_items(db, territory, group, coord, structure)
    from csti.models import Follow, Tag

    tag = db.session.scalar(select(Tag).where(Tag.slug == "mediation"))
    db.session.add_all([Follow(follower_id=people["other"].id, followed_user_id=coord.id),
                        Follow(follower_id=people["other"].id, content_id=structure.id),
                        Follow(follower_id=people["other"].id, tag_id=tag.id)])
    db.session.commit()
    urls = ["/", f"/t/{territory.slug}", "/articles", "/articles.atom", "/formats", "/agenda", "/agenda?when=all",
            "/agenda.ics", "/agenda.geojson", f"/t/{territory.slug}/agenda.ics", "/trainings", "/tags",
            "/tags/mediation", "/tags/mediation.atom", "/tags/mediation/agenda.ics", url(structure), f"/actor/{structure.id}/agenda.ics", "/search?q=zorglub",
            "/search/suggest?q=zorg", "/groups", "/groups.atom", f"/members/{coord.id}", "/announcements",
            "/projects", "/dossiers", "/actors"]
    for who in (None, "other@example.org"):
        testapp_en.reset()
        if who:
            login(testapp_en, who)
            urls_now = urls + ["/me/feed", "/welcome", "/notifications"]
        else:
            urls_now = urls
        for address in urls_now:
            response = testapp_en.get(address, expect_errors=True)
            assert response.status_int in (200, 302), (address, response.status_int)
            assert "confidentiel" not in response.text, (who, address)
        assert testapp_en.get(url(event), expect_errors=True).status_int == 404
        assert testapp_en.get(url(article), expect_errors=True).status_int == 404
        page = testapp_en.get(url(group))
        assert SECRET_EVENT not in page.text and SECRET_ARTICLE not in page.text
    assert document(event) is None and document(article) is None
    # The group's member sees them on the group's page and on their own pages.
    testapp_en.reset()
    login(testapp_en, "member@example.org")
    page = testapp_en.get(url(group))
    assert SECRET_EVENT in page.html.find(id="meetings").text
    assert SECRET_ARTICLE in page.html.find(id="minutes").text
    assert testapp_en.get(url(event)).status_int == 200
    assert testapp_en.get(url(article)).status_int == 200


def test_a_published_meeting_tells_the_members_not_other_followers(db, people, factory):
    from csti.models import Follow

    territory, coord = people["territory"], people["coord"]
    group = _group(db, territory, coord, members=[people["member"]])
    db.session.add_all([Follow(follower_id=people["other"].id, followed_user_id=coord.id),
                        Follow(follower_id=people["member"].id, followed_user_id=coord.id)])
    db.session.commit()
    from csti import moderation

    start = datetime.combine(utcnow().date() + timedelta(days=2), time(14, 0))
    event = Event(title=SECRET_EVENT, event_kind="talk", territory=territory, author=coord,
                  group_id=group.id, members_only=True)
    schedule(event, start, start + timedelta(hours=2))
    db.session.add(event)
    moderation.submit(event, coord)
    db.session.commit()
    rows = db.session.execute(select(Notification.user_id, Notification.kind)
                              .where(Notification.content_id == event.id)).all()
    assert people["other"].id not in {uid for uid, _kind in rows}
    assert (people["member"].id, "group_meeting") in rows


def test_event_form_offers_the_groups_one_coordinates(testapp_en, db, people):
    group = _group(db, people["territory"], people["coord"])
    other_group = _group(db, people["territory"], people["member"], title="Autre groupe")
    login(testapp_en, "coord@example.org")
    form = testapp_en.get(f"/events/new?group={group.id}").forms["event-form"]
    assert form["working_group"].value == str(group.id)
    assert str(other_group.id) not in [v for v, *_ in form["working_group"].options]


def test_htmx_refusal_is_swapped_with_its_message(testapp_en, db, people):
    group = _group(db, people["territory"], people["coord"])
    login(testapp_en, "coord@example.org")
    page = testapp_en.get(url(group))
    response = testapp_en.post(f"/group/{group.id}/leave", {}, headers=csrf_headers(page), expect_errors=True)
    assert response.status_int == 422
    assert response.text.lstrip().startswith("<section")
    assert "only coordinator" in response.text
    assert _status(db, group, people["coord"]) == ("coordinator", "member")


def test_an_htmx_refusal_is_swapped_with_its_message(testapp_en, db, people):
    group = _group(db, people["territory"], people["coord"], access="invitation")
    login(testapp_en, "other@example.org")
    page = testapp_en.get(url(group))
    response = testapp_en.post(f"/group/{group.id}/join", headers={**csrf_headers(page), "HX-Request": "true"},
                               status=422)
    assert "ask one of its coordinators" in response.text  # swapped now, not flashed for the next page
    assert "ask one of its coordinators" not in testapp_en.get("/groups").text
    assert _status(db, group, people["other"]) is None


def _meeting_values(territory, when):
    return {"title": "Réunion du groupe", "event_kind": "meeting", "territory": str(territory.id),
            "summary": "Réunion interne.", "body": "Ordre du jour.",
            "starts_at": when.strftime("%Y-%m-%dT%H:%M"), "ends_at": (when + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "venue": "0", "venue_name": "Salle du réseau", "address": "1 rue des Arts", "postcode": "31000",
            "price": "free", "registration_mode": "none"}


def test_a_members_only_item_sits_in_its_groups_territory_and_only_its_animators_see_it(
        testapp_en, db, people, factory, app):
    """A coordinator who may publish in two territories picks the other one for a members-only
    meeting: it is kept in the group's territory; the other territory's animators do not see it."""
    home, elsewhere = people["territory"], factory.territory(slug="ailleurs", name="Ailleurs")
    coord = people["coord"]
    db.session.add(Membership(user=coord, territory=elsewhere, role="contributor"))
    factory.user(email="anim.home@example.org", roles={home: "animator"})
    factory.user(email="anim.else@example.org", roles={elsewhere: "animator"})
    group = _group(db, home, coord)
    login(testapp_en, "coord@example.org")
    form = testapp_en.get(f"/events/new?group={group.id}").forms["event-form"]
    for key, value in _meeting_values(elsewhere, datetime.combine(utcnow().date() + timedelta(days=3), time(14))).items():
        form[key] = value
    form["members_only"] = True
    assert form.submit().status_int == 303
    db.session.rollback()
    meeting = db.session.scalar(select(Event).where(Event.title == "Réunion du groupe"))
    assert meeting.members_only and meeting.territory_id == home.id
    # An item that names another territory (made before this rule, or by a script): that
    # territory's animators still do not see it — the group's territory's do.
    meeting.territory = elsewhere
    db.session.commit()
    login(testapp_en, "anim.else@example.org")
    assert testapp_en.get(url(meeting), expect_errors=True).status_int in (403, 404)
    login(testapp_en, "anim.home@example.org")
    assert testapp_en.get(url(meeting)).maybe_follow().status_int == 200


def test_a_forged_working_group_is_refused_next_to_its_field(testapp_en, db, people):
    group = _group(db, people["territory"], people["member"], title="Pas le mien")  # not coordinated by coord
    login(testapp_en, "coord@example.org")
    form = testapp_en.get("/events/new").forms["event-form"]
    for key, value in _meeting_values(people["territory"], datetime.combine(utcnow().date() + timedelta(days=3),
                                                                              time(14))).items():
        form[key] = value
    fields = dict(form.submit_fields())
    fields["working_group"] = str(group.id)
    response = testapp_en.post("/events/new", fields, status=422)
    message = response.html.select_one("#working_group-error, [id^=working_group][id$=error]")
    assert message is not None and "Not a valid choice" in message.get_text(), response.text[:3000]
    db.session.rollback()
    assert db.session.scalar(select(Event).where(Event.title == "Réunion du groupe")) is None
