"""Animators review the proposed structures of their territory."""
import pytest
from sqlalchemy import select

from csti.models import Actor, AuditLog
from tests.conftest import csrf_headers

from .helpers import path, refresh


@pytest.fixture
def territory(factory):
    return factory.territory(slug="bretagne", name="Bretagne")


@pytest.fixture
def animator(factory, territory):
    return factory.user(name="Anne Animatrice", roles={territory: "animator"})


@pytest.fixture
def proposer(factory):
    return factory.user(name="Paul Proposeur", email="paul@example.org", locale="en")


@pytest.fixture
def proposal(territory, proposer, make_actor):
    return make_actor(territory, "Club des marées", status="pending", author=proposer, postcode="35400")


def status_of(db, actor):
    refresh(db)
    return db.session.get(Actor, actor.id)


def audit(db, action):
    refresh(db)
    return db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def test_animators_see_their_territory_proposals_only(testapp_en, territory, animator, proposal, factory,
                                                      make_actor, log_in):
    elsewhere = make_actor(factory.territory(), "Ailleurs", status="pending")
    published = make_actor(territory, "Déjà publié")
    log_in(testapp_en, animator)
    page = testapp_en.get("/actors/moderation")
    assert page.html.find(id=f"pending-{proposal.id}") is not None
    assert "Paul Proposeur" in page.html.find(id=f"pending-{proposal.id}").get_text()
    assert page.html.find(id=f"pending-{elsewhere.id}") is None
    assert page.html.find(id=f"pending-{published.id}") is None


@pytest.mark.parametrize("role", [None, "member", "contributor"])
def test_non_animators_are_refused(testapp_en, db, territory, proposal, factory, log_in, role):
    user = factory.user(roles={territory: role} if role else None)
    log_in(testapp_en, user)
    testapp_en.get("/actors/moderation", status=403)
    headers = csrf_headers(testapp_en.get("/actors"))
    testapp_en.post(f"/actor/{proposal.id}/approve", headers=headers, status=403)
    testapp_en.post(f"/actor/{proposal.id}/reject", {"reason": "Non"}, headers=headers, status=403)
    assert status_of(db, proposal).status == "pending"
    assert audit(db, "actor.approved") == audit(db, "actor.rejected") == []


def test_animator_of_another_territory_cannot_decide(testapp_en, db, proposal, factory, log_in):
    log_in(testapp_en, factory.user(roles={factory.territory(): "animator"}))
    headers = csrf_headers(testapp_en.get("/actors/moderation"))
    testapp_en.post(f"/actor/{proposal.id}/approve", headers=headers, status=403)
    assert status_of(db, proposal).status == "pending"


def test_approve_with_htmx_publishes_and_tells_the_proposer(testapp_en, db, animator, proposal, mails, log_in):
    log_in(testapp_en, animator)
    page = testapp_en.get("/actors/moderation")
    response = testapp_en.post(f"/actor/{proposal.id}/approve", headers=csrf_headers(page))
    assert response.text.lstrip().startswith(f'<tr id="pending-{proposal.id}"')
    assert "Published" in response.text and "<html" not in response.text
    actor = status_of(db, proposal)
    assert actor.status == "published" and actor.published_at is not None
    [entry] = audit(db, "actor.approved")
    assert (entry.actor_id, entry.target_id, entry.target_type) == (animator.id, actor.id, "actor")
    [mail] = mails
    assert mail.to == ["paul@example.org"]
    assert mail.subject == "Your structure: Club des marées"  # in the proposer's language
    assert "is now published" in mail.body and f"http://localhost{path(actor)}" in mail.body
    testapp_en.reset()
    assert "Club des marées" in testapp_en.get("/actors").text


def test_reject_requires_a_reason(testapp_en, db, animator, proposal, mails, log_in):
    log_in(testapp_en, animator)
    page = testapp_en.get("/actors/moderation")
    # htmx: the row comes back with the message next to the field.
    response = testapp_en.post(f"/actor/{proposal.id}/reject", {"reason": "  "}, headers=csrf_headers(page),
                               status=422)
    assert response.text.lstrip().startswith(f'<tr id="pending-{proposal.id}"')
    error = response.html.find(id=f"reason-{proposal.id}-error")
    assert error.get_text(strip=True) == "Give a reason: it is sent to the person who proposed the structure."
    # Without JavaScript: the whole page, same message.
    form = next(f for f in page.forms.values() if f.action == f"/actor/{proposal.id}/reject")
    page = form.submit(status=422)
    assert page.html.find(id=f"reason-{proposal.id}-error") is not None
    assert "<html" in page.text
    assert status_of(db, proposal).status == "pending"
    assert mails == [] and audit(db, "actor.rejected") == []


def test_reject_with_a_reason_reaches_the_proposer(testapp_en, db, animator, proposal, mails, log_in):
    log_in(testapp_en, animator)
    page = testapp_en.get("/actors/moderation")
    form = next(f for f in page.forms.values() if f.action == f"/actor/{proposal.id}/reject")
    form["reason"] = "Cette structure existe déjà sous un autre nom."
    response = form.submit()
    assert response.status_int == 303
    assert "Structure rejected." in response.follow().text
    actor = status_of(db, proposal)
    assert actor.status == "rejected"
    assert actor.moderation_note == "Cette structure existe déjà sous un autre nom."
    [entry] = audit(db, "actor.rejected")
    assert entry.details == {"reason": "Cette structure existe déjà sous un autre nom.",
                             "before": {"status": "pending"}, "after": {"status": "rejected"}}
    [mail] = mails
    assert mail.to == ["paul@example.org"]
    assert "was not published" in mail.body
    assert "Cette structure existe déjà sous un autre nom." in mail.body
    # The proposer sees the reason on the page; others still get a 404.
    testapp_en.reset()
    testapp_en.get(path(actor), status=404)
    log_in(testapp_en, actor.author)
    assert "Cette structure existe déjà sous un autre nom." in testapp_en.get(path(actor)).text


def test_a_second_decision_changes_nothing(testapp_en, db, animator, proposal, mails, log_in):
    log_in(testapp_en, animator)
    headers = csrf_headers(testapp_en.get("/actors/moderation"))
    testapp_en.post(f"/actor/{proposal.id}/approve", headers=headers, status=200)
    testapp_en.post(f"/actor/{proposal.id}/reject", {"reason": "Trop tard"}, headers=headers, status=200)
    assert status_of(db, proposal).status == "published"
    assert len(mails) == 1 and len(audit(db, "actor.approved")) == 1 and audit(db, "actor.rejected") == []


def test_decision_needs_the_csrf_token(testapp_en, db, animator, proposal, log_in):
    log_in(testapp_en, animator)
    testapp_en.post(f"/actor/{proposal.id}/approve", status=400)
    assert status_of(db, proposal).status == "pending"


def test_review_and_import_pages_are_linked_for_those_they_serve(testapp_en, territory, animator, factory,
                                                                   make_actor, log_in):
    def links():
        page = testapp_en.get("/actors")
        return {href for href in ("/actors/moderation", "/actors/import") if page.html.find("a", href=href)}

    assert links() == set()
    log_in(testapp_en, factory.user(roles={territory: "contributor"}))
    assert links() == set()
    testapp_en.reset()
    manager = factory.user()
    make_actor(territory, managers=[manager])
    log_in(testapp_en, manager)
    assert links() == {"/actors/moderation"}
    testapp_en.reset()
    log_in(testapp_en, animator)
    assert links() == {"/actors/moderation", "/actors/import"}
