"""'This is my structure': claim requests and their decision by managers or animators."""
import pytest
from sqlalchemy import func, select

from csti.models import ActorMember, AuditLog, ClaimRequest
from tests.conftest import csrf_headers

from .helpers import path, refresh


@pytest.fixture
def territory(factory):
    return factory.territory(slug="bretagne", name="Bretagne")


@pytest.fixture
def museum(territory, factory, make_actor):
    return make_actor(territory, "Océanopolis", managers=[factory.user(name="Gérante")])


def claims(db):
    refresh(db)
    return db.session.scalars(select(ClaimRequest).order_by(ClaimRequest.id)).all()


def send_claim(testapp, actor, role="manager", message="Je dirige le service éducatif."):
    form = testapp.get(f"/actor/{actor.id}/claim").forms["claim-form"]
    form["role"] = role
    form["message"] = message
    return form.submit()


@pytest.fixture
def claimant(factory):
    return factory.user(name="Claire Dupont")


def test_claim_creates_one_pending_request(testapp_en, db, museum, claimant, log_in):
    log_in(testapp_en, claimant)
    page = testapp_en.get(path(museum))
    assert page.html.find("a", href=f"/actor/{museum.id}/claim").get_text(strip=True) == "This is my structure"
    response = send_claim(testapp_en, museum)
    assert response.status_int == 303 and response.headers["Location"].endswith(path(museum))
    [claim] = claims(db)
    assert (claim.user_id, claim.actor_id, claim.role, claim.status) == (claimant.id, museum.id, "manager", "pending")
    assert claim.message == "Je dirige le service éducatif."
    page = response.follow()
    assert "Your request to join this structure is waiting for an answer." in page.text
    assert page.html.find("a", href=f"/actor/{museum.id}/claim") is None


def test_second_claim_while_pending_is_not_duplicated(testapp_en, db, museum, claimant, log_in):
    log_in(testapp_en, claimant)
    form = testapp_en.get(f"/actor/{museum.id}/claim").forms["claim-form"]
    form.submit(status=303)
    form.submit(status=303)  # the same form sent again
    response = testapp_en.get(f"/actor/{museum.id}/claim")
    assert response.status_int == 303  # nothing to fill: back to the structure
    assert len(claims(db)) == 1


def test_claim_by_a_member_of_the_structure_is_pointless(testapp_en, db, museum, log_in):
    log_in(testapp_en, museum.managers()[0])
    assert testapp_en.get(f"/actor/{museum.id}/claim").status_int == 303
    assert claims(db) == []


def test_unconfirmed_user_cannot_claim(testapp_en, db, museum, factory, log_in):
    log_in(testapp_en, factory.user(confirmed=False))
    testapp_en.get(f"/actor/{museum.id}/claim", status=403)
    assert claims(db) == []


@pytest.fixture
def pending_claim(db, museum, claimant):
    claim = ClaimRequest(actor=museum, user=claimant, role="manager", message="C'est moi.")
    db.session.add(claim)
    db.session.commit()
    return claim


def membership(db, actor, user):
    refresh(db)
    return db.session.scalar(select(ActorMember.role).where(
        ActorMember.actor_id == actor.id, ActorMember.user_id == user.id))


def test_manager_accepts_with_htmx(testapp_en, db, museum, claimant, pending_claim, log_in):
    manager = museum.managers()[0]
    log_in(testapp_en, manager)
    page = testapp_en.get("/actors/moderation")
    row = page.html.find(id=f"claim-{pending_claim.id}")
    assert "Claire Dupont" in row.get_text() and "C'est moi." in row.get_text()
    response = testapp_en.post(f"/claims/{pending_claim.id}/accept", headers=csrf_headers(page))
    assert response.status_int == 200
    assert response.text.lstrip().startswith(f'<tr id="claim-{pending_claim.id}"')
    assert "Accepted" in response.text and "<html" not in response.text
    assert membership(db, museum, claimant) == "manager"
    [claim] = claims(db)
    assert claim.status == "accepted" and claim.decided_by_id == manager.id and claim.decided_at is not None
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "claim.accepted")).one()
    assert entry.actor_id == manager.id and entry.details["user_id"] == claimant.id
    # The new manager may now edit the page.
    testapp_en.reset()
    log_in(testapp_en, claimant)
    testapp_en.get(f"/actor/{museum.id}/edit", status=200)


def test_animator_refuses_without_javascript(testapp_en, db, territory, museum, claimant, pending_claim, factory,
                                             log_in):
    log_in(testapp_en, factory.user(roles={territory: "animator"}))
    page = testapp_en.get("/actors/moderation")
    form = next(f for f in page.forms.values() if f.action == f"/claims/{pending_claim.id}/refuse")
    response = form.submit()
    assert response.status_int == 303
    assert response.headers["Location"].endswith("/actors/moderation")
    assert "Request refused." in response.follow().text
    assert membership(db, museum, claimant) is None
    assert claims(db)[0].status == "refused"


def test_member_claim_makes_a_member(testapp_en, db, territory, museum, factory, log_in):
    employee = factory.user()
    log_in(testapp_en, employee)
    send_claim(testapp_en, museum, role="member")
    claim = claims(db)[0]
    testapp_en.reset()
    log_in(testapp_en, factory.user(roles={territory: "animator"}))
    page = testapp_en.get("/actors/moderation")
    testapp_en.post(f"/claims/{claim.id}/accept", headers=csrf_headers(page), status=200)
    assert membership(db, museum, employee) == "member"


@pytest.mark.parametrize("who", ["stranger", "member", "other_manager", "other_animator", "claimant"])
def test_others_cannot_decide(testapp_en, db, territory, museum, make_actor, claimant, pending_claim, factory,
                              log_in, who):
    if who == "stranger":
        user = factory.user(roles={territory: "contributor"})
    elif who == "member":
        user = factory.user()
        museum.members.append(ActorMember(user=user, role="member"))
        db.session.commit()
    elif who == "other_manager":
        user = factory.user()
        make_actor(territory, "Une autre", managers=[user])
    elif who == "other_animator":
        user = factory.user(roles={factory.territory(): "animator"})
    else:
        user = claimant
    log_in(testapp_en, user)
    page = testapp_en.get("/actors")
    for decision in ("accept", "refuse"):
        testapp_en.post(f"/claims/{pending_claim.id}/{decision}", headers=csrf_headers(page), status=403)
    assert claims(db)[0].status == "pending"
    assert membership(db, museum, claimant) is None


def test_a_decided_claim_stays_decided(testapp_en, db, museum, claimant, pending_claim, log_in):
    log_in(testapp_en, museum.managers()[0])
    page = testapp_en.get("/actors/moderation")
    testapp_en.post(f"/claims/{pending_claim.id}/refuse", headers=csrf_headers(page), status=200)
    testapp_en.post(f"/claims/{pending_claim.id}/accept", headers=csrf_headers(page), status=200)
    assert claims(db)[0].status == "refused"
    assert membership(db, museum, claimant) is None
    assert db.session.scalar(select(func.count(AuditLog.id))) == 1


def test_decision_needs_the_csrf_token(testapp_en, db, museum, pending_claim, log_in):
    log_in(testapp_en, museum.managers()[0])
    testapp_en.post(f"/claims/{pending_claim.id}/accept", status=400)
    assert claims(db)[0].status == "pending"


def test_manager_sees_only_the_claims_of_their_structures(testapp_en, territory, museum, make_actor, pending_claim,
                                                          factory, log_in):
    other = make_actor(territory, "Autre structure")
    other_claim = ClaimRequest(actor=other, user=factory.user(), role="member")
    from csti.extensions import db as _db

    _db.session.add(other_claim)
    _db.session.commit()
    log_in(testapp_en, museum.managers()[0])
    page = testapp_en.get("/actors/moderation")
    assert page.html.find(id=f"claim-{pending_claim.id}") is not None
    assert page.html.find(id=f"claim-{other_claim.id}") is None


def test_claim_and_decision_are_mailed(testapp_en, app, db, factory, make_actor, log_in, mails):
    territory = factory.territory()
    manager = factory.user(email="manager@example.org", name="Manager")
    claimant = factory.user(email="claimant@example.org", name="Claire")
    actor = make_actor(territory, "Fablab du Lez", managers=[manager])
    log_in(testapp_en, claimant)
    form = testapp_en.get(f"/actor/{actor.id}/claim").forms["claim-form"]
    form["message"] = "Je suis la nouvelle fabmanageuse."
    form.submit()
    assert [m.to for m in mails] == [["manager@example.org"]]
    assert "Claire" in mails[0].body and "fabmanageuse" in mails[0].body
    db.session.rollback()
    claim_id = db.session.scalar(db.select(ClaimRequest.id))
    log_in(testapp_en, manager)
    page = testapp_en.get("/actors/moderation")
    accept = [f for f in page.forms.values() if f.action.endswith(f"/claims/{claim_id}/accept")][0]
    accept.submit()
    assert mails[-1].to == ["claimant@example.org"]
    assert "acceptée" in mails[-1].body  # in the claimant's language (French by default)
