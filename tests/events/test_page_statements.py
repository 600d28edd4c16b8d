"""An event's page reads what it shows and no more (issue #20): its author's, organisers' and
commenters' territory roles and its venue's tags, audiences and author are not loaded; the
comment count comes from the comments read; and the question "was it pulled from a linked
instance?" is not asked item by item on an instance that links none. The statements are
those the engine runs for one anonymous request."""
from datetime import timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import inspect, select

from csti.blueprints.actors.operations import add_member
from csti.blueprints.content.helpers import load_content
from csti.blueprints.discussion.operations import add_comment, set_like
from csti.models import Event, User
from csti.models.base import utcnow
from csti.models.discussion import HIDDEN
from csti.models.sync import CSTI, SyncedItem, SyncSource

from ..conftest import login
from .helpers import path


def _statements(db, testapp, url):
    seen = []

    def listen(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    db.session.expunge_all()  # the request reads as a worker does, nothing loaded beforehand
    sa_event.listen(db.engine, "before_cursor_execute", listen)
    try:
        response = testapp.get(url)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listen)
    return response, seen


def _event(db, factory, make_event, make_actor, occitanie):
    author = factory.user(email="orga@example.org", name="Orga", roles={occitanie: "animator"})
    museum = make_actor(occitanie, "Muséum de Toulouse", postcode="31400")
    museum.audiences = ["families"]
    museum.add_tag("muséum")
    lab = make_actor(occitanie, "Labo des étoiles")
    lab.add_tag("laboratoire")
    add_member(lab, factory.user(email="dora@example.org", name="Dora", roles={occitanie: "member"}))  # managers
    add_member(museum, factory.user(email="claire@example.org", name="Claire", roles={occitanie: "member"}))
    db.session.commit()
    club = make_event(occitanie, "Club d'astronomie", venue=museum, owners=[lab], author=author, tags=["astronomie"])
    ada = factory.user(email="ada@example.org", name="Ada", roles={occitanie: "member"})
    bob = factory.user(email="bob@example.org", name="Bob", roles={occitanie: "member"})
    first = add_comment(club, ada, "Super club")
    add_comment(club, bob, "Je viendrai", parent=first)
    add_comment(club, bob, "Et moi aussi")
    hidden = add_comment(club, ada, "Hors sujet")
    hidden.status = HIDDEN
    db.session.commit()
    return club, museum


def test_an_event_page_reads_no_roles_nor_its_venue_s_tags(db, testapp_en, factory, make_event, make_actor,
                                                            occitanie):
    club, museum = _event(db, factory, make_event, make_actor, occitanie)
    response, seen = _statements(db, testapp_en, path(club))
    assert response.status_int == 200
    text = response.text
    assert "Muséum de Toulouse" in text and "Labo des étoiles" in text  # the venue and the organiser
    assert "Ada" in text and "Bob" in text and "Je viendrai" in text
    assert "3 comments" in text  # two visible comments and a reply; the hidden one not counted
    assert [s for s in seen if "FROM membership" in s] == []
    assert [s for s in seen if "count(comment.id)" in s] == []
    # The event's own tags and audiences, once each: not the venue's nor the organiser's.
    assert len([s for s in seen if "FROM content_audience" in s]) == 1
    assert len([s for s in seen if "content_tag" in s]) == 1  # read when its tags are drawn


def test_a_local_item_s_page_asks_linked_instances_nothing_until_one_is_linked(db, testapp_en, factory,
                                                                                make_event, make_actor, occitanie):
    club, _museum = _event(db, factory, make_event, make_actor, occitanie)
    testapp_en.get(path(club))  # whether any item came from elsewhere: read once, kept until the data changes
    response, seen = _statements(db, testapp_en, path(club))
    assert [s for s in seen if "synced_item" in s] == []
    assert "item-origin" not in response.text
    source = SyncSource(url="https://autre.example.org/api/v1", kind=CSTI, territory_id=occitanie.id,
                        name="Échosciences voisines", last_ok_at=utcnow() - timedelta(hours=1))
    db.session.add(source)
    db.session.flush()
    db.session.add(SyncedItem(source_id=source.id, remote_id="42", content_id=club.id,
                              remote_url="https://autre.example.org/event/42"))
    db.session.commit()  # bumps the data version: the question is asked again, and the item answers
    response, seen = _statements(db, testapp_en, path(club))
    assert "Published on Échosciences voisines" in response.text
    assert "https://autre.example.org/event/42" in response.text
    assert [s for s in seen if "FROM synced_item" in s]


def test_a_member_s_event_page_reads_the_organisers_roles_not_their_people(db, testapp_en, factory, make_event,
                                                                           make_actor, occitanie):
    club, museum = _event(db, factory, make_event, make_actor, occitanie)
    set_like(db.session.scalar(select(User).where(User.email == "bob@example.org")), club, True)
    db.session.commit()
    login(testapp_en, "ada@example.org")
    response, seen = _statements(db, testapp_en, path(club))
    assert response.status_int == 200 and "Log out" in response.text
    # Bob's like counted, not taken for Ada's: the count and hers in one statement.
    assert "1 like" in response.text and 'aria-pressed="false"' in response.text
    assert len([s for s in seen if "FROM reaction" in s]) == 1
    login(testapp_en, "bob@example.org")
    response, seen = _statements(db, testapp_en, path(club))
    assert "1 like" in response.text and 'aria-pressed="true"' in response.text
    assert [s for s in seen if "FROM membership" in s] == []  # the member's own roles come with her session
    assert len([s for s in seen if "FROM actor_member" in s]) >= 1  # may she edit it? asked of the organisers


def test_only_a_page_read_leaves_out_what_the_page_does_not_show(app, db, factory, make_event, make_actor,
                                                                occitanie):
    """A POST may go on to what the page does not show (a loan request mails the owners'
    managers): it loads the item as the models say."""
    club, _museum = _event(db, factory, make_event, make_actor, occitanie)
    url, club_id = path(club), club.id
    for method, left_out in (("GET", True), ("POST", False)):
        db.session.expunge_all()
        with app.test_request_context(url, method=method):
            item, _redirect = load_content(Event, club_id)
            assert ("memberships" in inspect(item.author).unloaded) is left_out
            assert ("tags" in inspect(item.venue).unloaded) is left_out


def test_a_member_s_registration_is_read_only_when_they_have_one(db, testapp_en, factory, make_event, occitanie):
    """Whether the member is registered comes with the rest of their part of the page
    (``memberpage``); their registration is read only when they have one — shown right, waiting
    list included; a cancelled one is none. The event's dates: one statement."""
    from csti.blueprints.events.schedule import cancel, register

    club = make_event(occitanie, "Atelier robotique", registration_mode="site", capacity=1, waiting_list=True)
    ada = factory.user(email="ada@example.org", name="Ada", roles={occitanie: "member"})
    bob = factory.user(email="bob@example.org", name="Bob", roles={occitanie: "member"})
    cyd = factory.user(email="cyd@example.org", name="Cyd", roles={occitanie: "member"})
    register(club, ada)
    register(club, bob)  # full: on the waiting list
    cancel(register(club, cyd))
    db.session.commit()
    for email, shown, reads in (("ada@example.org", "You are registered.", 1),
                                ("bob@example.org", "You are on the waiting list.", 1),
                                ("cyd@example.org", "Join the waiting list", 0)):
        login(testapp_en, email)
        testapp_en.get(path(club))
        response, seen = _statements(db, testapp_en, path(club))
        assert shown in response.text
        asked = [s for s in seen if "FROM registration" in s and "count(registration.id)" not in s]
        assert len(asked) == 1 + reads, asked  # the member's part of the page, then theirs if any
        assert "FROM reaction" in asked[0] and all("FROM reaction" not in s for s in asked[1:]), asked
        assert len([s for s in seen if "event_occurrence" in s]) == 1, seen


def test_a_registration_cancelled_after_the_member_s_part_was_asked_is_none(app, db, factory, make_event,
                                                                             occitanie):
    """On PostgreSQL each statement sees what is committed when it runs: a registration
    cancelled between the member's part of the page and its own read is shown as none."""
    from flask import request

    from csti.blueprints.events.routes import _registration_context
    from csti.blueprints.events.schedule import cancel, register
    from csti.memberpage import MemberPage
    from csti.sessions import log_in

    club = make_event(occitanie, "Atelier robotique", registration_mode="site", capacity=5)
    ada = factory.user(email="ada@example.org", name="Ada", roles={occitanie: "member"})
    registration = register(club, ada)
    db.session.commit()
    for cancelled in (False, True):
        if cancelled:
            cancel(registration)
            db.session.commit()
        with app.test_request_context(path(club)):
            log_in(ada)
            asked = MemberPage(False, 0, False, False, registration.id)  # asked before the cancellation
            request._csti_member_page = {(ada.id, club.id): asked}
            mine = _registration_context(club)["registration"]
            assert (mine is None) is cancelled and (cancelled or mine.id == registration.id)
