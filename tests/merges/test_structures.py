"""Merging a duplicate structure into the one kept: everything moves once, the old page
redirects (301), permissions by territory, bad input and failures change nothing."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from csti.blueprints.events.schedule import schedule
from csti.models import (
    Actor,
    ActorMember,
    AuditLog,
    ClaimRequest,
    ContentRedirect,
    Dossier,
    DossierItem,
    Event,
    Follow,
    content_owner,
)
from csti.models.base import utcnow
from csti.models.resources import Booking, Resource
from csti.search import search


def _event(db, territory, title, *, venue=None, owners=()):
    event = Event(title=title, event_kind="talk", territory=territory, venue=venue)
    start = utcnow().replace(tzinfo=None) + timedelta(days=10)
    schedule(event, start, start + timedelta(hours=2))
    event.owners = list(owners)
    event.publish()
    db.session.add(event)
    db.session.commit()
    return event


def _count(db, stmt):
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def _ask(testapp, duplicate, keep, status=200):
    page = testapp.get("/actors/merge", params={"duplicate": duplicate})
    form = page.forms["actor-merge-form"]
    form["keep"] = keep
    return form.submit(status=status)


@pytest.fixture
def duplicates(db, factory, make_actor, occitanie):
    """Two records of one structure, each with its events, followers, dossier entries and team."""
    manager, member, both, fan, fan_of_both, claimer = (factory.user(name=n) for n in (
        "Manager Doublon", "Membre Doublon", "Membre Des Deux", "Fan", "Fan Des Deux", "Demandeur"))
    keep = make_actor(occitanie, "Quai des Savoirs", managers=[both], tags=["Sciences"], website="")
    dup = make_actor(occitanie, "Quai des savoirs (doublon)", managers=[manager], members=[member, both],
                     tags=["Sciences", "Musée"], website="https://quai.example", phone="05 61 00 00 00")
    venue_event = _event(db, occitanie, "Nuit au quai", venue=dup)
    organised = _event(db, occitanie, "Atelier co-organisé", owners=[dup, keep])
    organised_dup_only = _event(db, occitanie, "Atelier du doublon", owners=[dup])
    dossier = Dossier(title="Lieux", territory=occitanie, author=manager)
    dossier.publish()
    db.session.add(dossier)
    db.session.flush()
    other = Dossier(title="Lieux bis", territory=occitanie, author=manager)
    other.publish()
    db.session.add(other)
    db.session.flush()
    db.session.add_all([
        DossierItem(dossier_id=dossier.id, content_id=dup.id),
        DossierItem(dossier_id=dossier.id, content_id=keep.id),
        DossierItem(dossier_id=other.id, content_id=dup.id),
        Follow(follower_id=fan.id, content_id=dup.id),
        Follow(follower_id=fan_of_both.id, content_id=dup.id),
        Follow(follower_id=fan_of_both.id, content_id=keep.id),
        ClaimRequest(user_id=claimer.id, actor_id=dup.id, role="member"),
    ])
    # A loan the duplicate borrows: deleting the duplicate must not delete it (nor free its dates).
    lender = make_actor(occitanie, "Ludothèque prêteuse")
    kit = Resource(title="Malle lunaire", territory=occitanie, lendable=True)
    kit.owners = [lender]
    kit.publish()
    db.session.add(kit)
    db.session.flush()
    start = utcnow().date() + timedelta(days=20)
    db.session.add(Booking(resource_id=kit.id, borrower_id=dup.id, requested_by_id=manager.id, starts_on=start,
                           ends_on=start + timedelta(days=3), status="accepted"))
    db.session.commit()
    return dict(keep=keep, dup=dup, venue_event=venue_event, organised=organised,
                organised_dup_only=organised_dup_only, dossier=dossier, other=other, manager=manager,
                member=member, both=both, fan=fan, fan_of_both=fan_of_both, claimer=claimer)


def test_merge_moves_everything_once_and_redirects(testapp_en, log_in, db, animator, duplicates):
    d = duplicates
    keep_id, dup_id = d["keep"].id, d["dup"].id
    log_in(testapp_en, animator)
    # The structure's page offers the action to its territory's animators.
    page = testapp_en.get(f"/actor/{dup_id}").follow()
    assert f"/actors/merge?duplicate={dup_id}" in page.text

    confirm = _ask(testapp_en, dup_id, f"https://csti.example/actor/{keep_id}-quai-des-savoirs")
    counts = {row.select_one("th").get_text(): row.select_one("td").get_text()
              for row in confirm.html.select("table.merge-counts tbody tr")}
    assert counts["Events held there (venue)"] == "1"
    assert counts["Events it organises"] == "2"
    assert counts["Followers"] == "2" and counts["Dossier entries"] == "2"
    assert counts["Managers"] == "1" and counts["Members"] == "2" and counts["Membership requests"] == "1"
    assert counts["Loans requested"] == "1"
    assert db.session.get(Actor, dup_id) is not None  # nothing done before the confirmation

    done = confirm.forms["actor-merge-confirm"].submit(status=303)
    assert done.location.endswith(f"/actor/{keep_id}-quai-des-savoirs")

    db.session.rollback()  # end the test's read transaction: see what the request committed
    assert db.session.get(Actor, dup_id) is None
    assert db.session.get(Event, d["venue_event"].id).venue_id == keep_id
    owners = db.session.execute(select(content_owner.c.content_id, content_owner.c.actor_id)
                                .where(content_owner.c.actor_id.in_([keep_id, dup_id]))).all()
    assert sorted(owners) == sorted([(d["organised"].id, keep_id), (d["organised_dup_only"].id, keep_id)])
    assert sorted(db.session.scalars(select(Follow.follower_id).where(Follow.content_id == keep_id))) == sorted(
        [d["fan"].id, d["fan_of_both"].id])
    items = db.session.execute(select(DossierItem.dossier_id, DossierItem.content_id)).all()
    assert sorted(items) == sorted([(d["dossier"].id, keep_id), (d["other"].id, keep_id)])
    team = dict(db.session.execute(select(ActorMember.user_id, ActorMember.role)
                                   .where(ActorMember.actor_id == keep_id)).all())
    assert team == {d["both"].id: "manager", d["manager"].id: "manager", d["member"].id: "member"}
    assert _count(db, select(ActorMember.id)) == 3
    assert db.session.scalar(select(ClaimRequest.actor_id)) == keep_id
    assert db.session.execute(select(Booking.borrower_id, Booking.status)).all() == [(keep_id, "accepted")]
    keep = db.session.get(Actor, keep_id)
    assert keep.website == "https://quai.example" and keep.phone == "05 61 00 00 00"  # empty ones filled
    assert keep.title == "Quai des Savoirs"  # never overwritten
    assert sorted(t.slug for t in keep.tags) == ["musee", "sciences"]
    # The old page redirects, with or without its slug.
    assert testapp_en.get(f"/actor/{dup_id}-quai-des-savoirs-doublon", status=301).location.endswith(
        f"/actor/{keep_id}-quai-des-savoirs")
    assert testapp_en.get(f"/actor/{dup_id}", status=301).location.endswith(f"/actor/{keep_id}-quai-des-savoirs")
    assert db.session.get(ContentRedirect, dup_id).content_id == keep_id
    # Its calendar feed leads to the kept one's.
    assert testapp_en.get(f"/actor/{dup_id}/agenda.ics", status=301).location.endswith(
        f"/actor/{keep_id}/agenda.ics")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "actor.merge"))
    assert entry.actor_id == animator.id and entry.target_id == keep_id
    assert entry.details["before"]["duplicate"]["id"] == dup_id
    assert entry.details["after"]["moved"]["followers"] == 1 and entry.details["after"]["moved"]["team"] == 2
    # The kept structure's page shows the moved event.
    assert "Atelier du doublon" in testapp_en.get(f"/actor/{keep_id}").follow().text


def test_search_shows_only_the_kept_structure(testapp_en, log_in, db, make_actor, occitanie, animator):
    keep = make_actor(occitanie, "Xylothèque Pyrénéenne")
    dup = make_actor(occitanie, "Xylothèque pyrénéenne du Comminges")
    assert search("xylothèque").total == 2
    log_in(testapp_en, animator)
    _ask(testapp_en, dup.id, str(keep.id)).forms["actor-merge-confirm"].submit(status=303)
    assert [h["id"] for h in search("xylothèque").hits] == [keep.id]


def test_a_second_merge_keeps_the_redirect_chain_flat(testapp_en, log_in, db, make_actor, occitanie, animator):
    a, b, c = (make_actor(occitanie, f"Fablab {n}") for n in "ABC")
    a_id, c_id = a.id, c.id
    log_in(testapp_en, animator)
    _ask(testapp_en, a.id, str(b.id)).forms["actor-merge-confirm"].submit(status=303)
    _ask(testapp_en, b.id, str(c.id)).forms["actor-merge-confirm"].submit(status=303)
    assert testapp_en.get(f"/actor/{a_id}", status=301).location.endswith(f"/actor/{c_id}-fablab-c")


def test_bad_input_is_refused_next_to_the_field(testapp_en, log_in, db, make_actor, occitanie, animator):
    actor = make_actor(occitanie, "Seule structure")
    log_in(testapp_en, animator)
    page = _ask(testapp_en, actor.id, str(actor.id), status=422)
    assert "cannot be merged into itself" in page.html.select_one("#keep-error").get_text()
    page = _ask(testapp_en, actor.id, "999999", status=422)
    assert "No structure has this number" in page.html.select_one("#keep-error").get_text()
    page = _ask(testapp_en, actor.id, "pas un numéro", status=422)
    assert page.html.select_one("#keep-error") is not None
    assert db.session.get(Actor, actor.id) is not None
    assert _count(db, select(AuditLog.id).where(AuditLog.action == "actor.merge")) == 0


def test_another_territory_is_forbidden(testapp_en, log_in, db, make_actor, occitanie, bretagne, animator):
    mine = make_actor(occitanie, "Chez nous")
    theirs = make_actor(bretagne, "Chez eux")
    log_in(testapp_en, animator)
    _ask(testapp_en, mine.id, str(theirs.id), status=403)
    _ask(testapp_en, theirs.id, str(mine.id), status=403)
    assert "This is a duplicate of" not in testapp_en.get(f"/actor/{theirs.id}").follow().text
    db.session.rollback()  # end the test's read transaction: see what the request committed
    assert db.session.get(Actor, mine.id) and db.session.get(Actor, theirs.id)


def test_members_may_not_merge(testapp_en, log_in, factory, make_actor, occitanie):
    manager = factory.user()
    actor = make_actor(occitanie, "Gérée", managers=[manager])
    log_in(testapp_en, manager)
    testapp_en.get("/actors/merge", status=403)
    assert "This is a duplicate of" not in testapp_en.get(f"/actor/{actor.id}").follow().text


def test_a_failure_in_the_middle_changes_nothing(testapp_en, log_in, db, animator, duplicates, monkeypatch):
    import csti.merges

    d = duplicates
    keep_id, dup_id = d["keep"].id, d["dup"].id
    steps = csti.merges._steps

    def failing_steps():
        found = steps()

        def boom(dup, keep):
            raise RuntimeError("forced failure")

        # Fail after the owners, venue, follows and dossier entries have moved.
        return found[:4] + [("team", boom)] + found[5:]

    monkeypatch.setattr(csti.merges, "_steps", failing_steps)
    log_in(testapp_en, animator)
    confirm = _ask(testapp_en, dup_id, str(keep_id))
    confirm.forms["actor-merge-confirm"].submit(status=500)

    db.session.rollback()  # end the test's read transaction: see what the request committed
    assert db.session.get(Actor, dup_id) is not None
    assert db.session.get(Event, d["venue_event"].id).venue_id == dup_id
    assert _count(db, select(Follow.id).where(Follow.content_id == dup_id)) == 2
    assert _count(db, select(DossierItem.id).where(DossierItem.content_id == dup_id)) == 2
    assert _count(db, select(content_owner.c.content_id).where(content_owner.c.actor_id == dup_id)) == 2
    assert db.session.get(Actor, keep_id).website == ""
    assert db.session.get(ContentRedirect, dup_id) is None
    assert _count(db, select(AuditLog.id).where(AuditLog.action == "actor.merge")) == 0


def test_likely_duplicates_are_suggested(testapp_en, log_in, db, make_actor, occitanie, bretagne, animator):
    dup = make_actor(occitanie, "Planétarium de Toulouse", postcode="31000")
    twin = make_actor(occitanie, "Planetarium de Toulouse", postcode="31000")
    make_actor(bretagne, "Planétarium de Toulouse", postcode="31000")  # not hers to merge
    log_in(testapp_en, animator)
    page = testapp_en.get("/actors/merge", params={"duplicate": dup.id})
    links = [a["href"] for a in page.html.select(".merge-suggestions a") if "keep=" in a["href"]]
    assert links == [f"/actors/merge?duplicate={dup.id}&keep={twin.id}"]
    confirm = testapp_en.get(links[0]).forms["actor-merge-form"].submit()
    assert confirm.forms["actor-merge-confirm"]["keep"].value == str(twin.id)
    # Linked from the moderation pages.
    assert "/actors/merge" in testapp_en.get("/moderation").text
    assert "/tags/merge" in testapp_en.get("/moderation").text


def test_the_same_words_in_another_order_are_suggested(testapp_en, log_in, make_actor, occitanie, animator):
    """"Artilect FabLab" and "Fablab Artilect" in one commune: the same structure, likely."""
    dup = make_actor(occitanie, "Artilect FabLab", postcode="31000")
    twin = make_actor(occitanie, "Fablab Artilect", postcode="31000")
    make_actor(occitanie, "Fablab Artilect Nord", postcode="31000")  # another word: not suggested
    make_actor(occitanie, "Fablab Artilect", postcode="34000")  # another commune
    log_in(testapp_en, animator)
    page = testapp_en.get("/actors/merge", params={"duplicate": dup.id})
    links = [a["href"] for a in page.html.select(".merge-suggestions a") if "keep=" in a["href"]]
    assert links == [f"/actors/merge?duplicate={dup.id}&keep={twin.id}"]


def test_an_old_address_with_a_query_string_naming_a_path_argument(testapp_en, db, occitanie, make_actor):
    """``?id=1`` on a merged structure's old feed address: the path's id wins (no 500)."""
    from csti.models.redirects import ContentRedirect

    keep = make_actor(occitanie, title="Quai des Savoirs")
    db.session.add(ContentRedirect(old_id=keep.id + 1000, content_id=keep.id))
    db.session.commit()
    response = testapp_en.get(f"/actor/{keep.id + 1000}/agenda.ics?id=1&page=2", status=301)
    assert f"/actor/{keep.id}/agenda.ics?" in response.location and "page=2" in response.location
    assert "id=1" not in response.location
