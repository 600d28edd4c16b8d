"""Every animation action, tried over HTTP by every role: allowed or refused, from ONE table.

``ALLOWED`` below is the whole rule book of animation (issue #15): for each action, the roles
that may do it. The test is generated from it — each (action, role) pair is one test — and
checks both sides: an allowed role's request succeeds AND changes what it should; a refused
role's request answers a 4xx (or sends a visitor to the login page) AND changes nothing. Adding
an action means adding a row to ``ALLOWED`` and an entry to ``ACTIONS``.

The roles, all about territory T where everything happens (U is another territory):
visitor (not logged in), member (of T), contributor (of T), author (contributor of T who wrote
the items), animator_elsewhere (animator of U only), animator (of T), admin.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from csti.models import Article, Content, Dossier, DossierPartner, Report, Tag, Territory
from csti.models.actors import Actor
from csti.models.resources import Booking, Resource
from csti.models.sanctions import AccountSanction
from csti.models.surveys import Question, Survey
from tests.conftest import login

ROLES = ("visitor", "member", "contributor", "author", "animator_elsewhere", "animator", "admin")
ANIMATORS = {"animator", "admin"}

ALLOWED: dict[str, set[str]] = {
    "approve a pending item": ANIMATORS,
    "reject a pending item (with a reason)": ANIMATORS,
    "feature a published item": ANIMATORS,
    "take down a published item": ANIMATORS | {"author"},
    # the author proposed the structure; its team (managers) and the animators decide
    "take down a structure": ANIMATORS,
    "hide a reported item": ANIMATORS,
    "suspend a member": ANIMATORS,
    # a member of T and of U: account-wide, so neither T's nor U's animators alone
    "suspend a member of another territory too": {"admin"},
    "ban a member": {"admin"},
    "lift a sanction": ANIMATORS,
    "merge two tags": ANIMATORS | {"animator_elsewhere"},  # tags are instance-wide
    "merge two structures": ANIMATORS,
    "read the territory's statistics": ANIMATORS,
    "read the site's statistics": {"admin"},
    "manage the territory's roles": ANIMATORS,
    "read the moderation queue": ANIMATORS | {"animator_elsewhere"},  # empty for them, but theirs
    "change the territory's settings": ANIMATORS,
    "read the territory's audit log": ANIMATORS,
    "read the site's audit log": {"admin"},
    # loans of resources: the owning structure's managers (none of the roles here) and the admins;
    # a territory's animators moderate the resource, they do not lend a structure's property
    "accept a loan request": {"admin"},
    "mark a loan returned": {"admin"},
    # a public dossier presented on the partners' pages as a guide (issue #16)
    "flag a dossier for partners": ANIMATORS,
    # evaluation surveys (issue #17): a survey of an item is managed by whoever may edit the item
    "add a question to a survey of an item": ANIMATORS | {"author"},
    "evaluate an item (attach a survey to it)": ANIMATORS | {"author"},
    "delete a survey of an item": ANIMATORS | {"author"},
}


@pytest.fixture
def world(db, factory, make_actor):
    t = factory.territory(slug="t", name="Territoire T")
    u = factory.territory(slug="u", name="Territoire U")
    people = {
        "member": factory.user(email="member@example.org", roles={t: "member"}),
        "contributor": factory.user(email="contributor@example.org", roles={t: "contributor"}),
        "author": factory.user(email="author@example.org", roles={t: "contributor"}),
        "animator_elsewhere": factory.user(email="elsewhere@example.org", roles={u: "animator"}),
        "animator": factory.user(email="animator@example.org", roles={t: "animator"}),
        "admin": factory.user(email="admin@example.org", admin=True),
    }
    target = factory.user(email="target@example.org", name="Membre visé", roles={t: "member"})
    target_of_both = factory.user(email="both@example.org", name="Membre de T et U", roles={t: "member", u: "member"})
    published = Article(title="Article publié", territory=t, author=people["author"], body="Texte")
    published.add_tag("astronomie")
    published.add_tag("astronomy")
    published.publish()
    pending = Article(title="Article en attente", territory=t, author=people["author"], body="Texte",
                      status="pending")
    db.session.add_all([published, pending])
    db.session.flush()
    report = Report(content_id=published.id, reporter_id=people["member"].id, reason="Hors sujet")
    sanctioned = factory.user(email="sanctioned@example.org", roles={t: "member"})
    db.session.add(report)
    db.session.flush()

    from csti.models.base import utcnow

    sanction = AccountSanction(user_id=sanctioned.id, kind="suspend", reason="Spam", territory_id=t.id,
                               ends_at=utcnow() + timedelta(days=7), by_id=people["admin"].id)
    db.session.add(sanction)
    keep = make_actor(t, title="Muséum de Toulouse")
    proposed = make_actor(t, title="Fablab proposé", author=people["author"])
    duplicate = make_actor(t, title="Museum Toulouse")
    lender = make_actor(t, title="Ludothèque prêteuse")
    borrower = make_actor(t, title="École emprunteuse")
    resource = Resource(title="Jeu de l'oie des planètes", territory=t, author=people["author"], lendable=True)
    resource.owners = [lender]
    resource.publish()
    db.session.add(resource)
    db.session.flush()
    start = date.today() + timedelta(days=30)
    request = Booking(resource_id=resource.id, borrower_id=borrower.id, starts_on=start, ends_on=start)
    # a loan under way (begun yesterday): one is marked returned once it has started
    loan = Booking(resource_id=resource.id, borrower_id=borrower.id, starts_on=date.today() - timedelta(days=1),
                   ends_on=date.today() + timedelta(days=6), status="accepted")
    db.session.add_all([request, loan])
    dossier = Dossier(title="Sorties astronomie", territory=t, author=people["author"])
    dossier.publish()
    db.session.add(dossier)
    from csti.blueprints.surveys.templates import create_survey

    survey = create_survey(target, template="nps", content=resource)  # made by someone else since
    db.session.commit()
    return {"survey": survey.id, "resource": resource.id,"t": t, "people": people, "booking_request": request.id, "booking_loan": loan.id, "target": target, "target_of_both": target_of_both,
            "proposed": proposed.id, "published": published.id, "pending": pending.id,
            "report": report.id, "sanction": sanction.id, "keep": keep.id, "duplicate": duplicate.id,
            "dossier": dossier.id}


def _token(client) -> str:
    page = client.get("/", status="*")
    return json.loads(re.search(r"hx-headers='([^']+)'", page.text).group(1))["X-CSRFToken"]


def _post(client, url, data):
    return client.post(url, data, headers={"X-CSRFToken": _token(client)}, expect_errors=True)


def _status(db, id):
    db.session.rollback()
    return db.session.scalar(select(Content.status).where(Content.id == id))


def _sanctions(db, user):
    db.session.rollback()
    return db.session.scalars(select(AccountSanction.kind).where(AccountSanction.user_id == user.id)).all()


def _booking_status(db, id):
    db.session.rollback()
    return db.session.scalar(select(Booking.status).where(Booking.id == id))


# action → (do(client, world), done(db, world) -> bool): what the request is and whether it took.
ACTIONS = {
    "approve a pending item": (
        lambda c, w: _post(c, f"/content/{w['pending']}/approve", {}),
        lambda db, w: _status(db, w["pending"]) == "published"),
    "reject a pending item (with a reason)": (
        lambda c, w: _post(c, f"/content/{w['pending']}/reject", {"reason": "Hors du champ du réseau"}),
        lambda db, w: _status(db, w["pending"]) == "rejected"),
    "feature a published item": (
        lambda c, w: _post(c, f"/content/{w['published']}/feature", {"rank": "1"}),
        lambda db, w: (db.session.rollback() or db.session.scalar(
            select(Content.featured_rank).where(Content.id == w["published"]))) is not None),
    "take down a published item": (
        lambda c, w: _post(c, f"/content/{w['published']}/take-down", {"action": "unpublish", "reason": "Doublon"}),
        lambda db, w: _status(db, w["published"]) != "published"),
    "hide a reported item": (
        lambda c, w: _post(c, f"/reports/{w['report']}/hide", {"reason": "Hors sujet"}),
        lambda db, w: _status(db, w["published"]) != "published"),
    "suspend a member": (
        lambda c, w: _post(c, f"/members/{w['target'].id}/sanction",
                           {"kind": "suspend", "duration": "7", "reason": "Messages publicitaires"}),
        lambda db, w: _sanctions(db, w["target"]) == ["suspend"]),
    "suspend a member of another territory too": (
        lambda c, w: _post(c, f"/members/{w['target_of_both'].id}/sanction",
                           {"kind": "suspend", "duration": "7", "reason": "Messages publicitaires"}),
        lambda db, w: _sanctions(db, w["target_of_both"]) == ["suspend"]),
    "take down a structure": (
        lambda c, w: _post(c, f"/content/{w['proposed']}/take-down", {"action": "archive", "reason": "Fermé"}),
        lambda db, w: _status(db, w["proposed"]) == "archived"),
    "ban a member": (
        lambda c, w: _post(c, f"/members/{w['target'].id}/sanction",
                           {"kind": "ban", "duration": "permanent", "reason": "Spam répété"}),
        lambda db, w: _sanctions(db, w["target"]) == ["ban"]),
    "lift a sanction": (
        lambda c, w: _post(c, f"/sanctions/{w['sanction']}/lift", {"reason": ""}),
        lambda db, w: (db.session.rollback() or db.session.scalar(
            select(AccountSanction.lifted_at).where(AccountSanction.id == w["sanction"]))) is not None),
    "merge two tags": (
        lambda c, w: _post(c, "/tags/merge", {"source": "astronomy", "target": "astronomie"}),
        lambda db, w: (db.session.rollback() or db.session.scalar(
            select(Tag.id).where(Tag.slug == "astronomy"))) is None),
    "merge two structures": (
        lambda c, w: _post(c, "/actors/merge", {"duplicate": str(w["duplicate"]), "keep": str(w["keep"]),
                                                "confirm": "1"}),
        lambda db, w: (db.session.rollback() or db.session.get(Actor, w["duplicate"])) is None),
    "read the territory's statistics": (lambda c, w: c.get("/t/t/stats", expect_errors=True), None),
    "read the site's statistics": (lambda c, w: c.get("/admin/stats", expect_errors=True), None),
    "manage the territory's roles": (lambda c, w: c.get("/t/t/roles", expect_errors=True), None),
    "read the moderation queue": (lambda c, w: c.get("/moderation", expect_errors=True), None),
    "change the territory's settings": (
        lambda c, w: _post(c, "/t/t/settings", {
            "name": "Territoire T", "description": "Le réseau de T, décrit par ses animateurs.",
            "center_lat": "43.6", "center_lng": "1.44", "zoom": "8", "color_primary": "#1d4e89",
            "color_secondary": "#f2a900", "publish_policy": "contributors", "trusted_after": "5"}),
        lambda db, w: (db.session.rollback() or db.session.scalar(
            select(Territory.description).where(Territory.slug == "t"))) == "Le réseau de T, décrit par ses animateurs."),
    "read the territory's audit log": (lambda c, w: c.get("/t/t/audit", expect_errors=True), None),
    "read the site's audit log": (lambda c, w: c.get("/admin/audit", expect_errors=True), None),
    "accept a loan request": (
        lambda c, w: _post(c, f"/booking/{w['booking_request']}/accept", {"answer": "Oui"}),
        lambda db, w: _booking_status(db, w["booking_request"]) == "accepted"),
    "mark a loan returned": (
        lambda c, w: _post(c, f"/booking/{w['booking_loan']}/return", {}),
        lambda db, w: _booking_status(db, w["booking_loan"]) == "returned"),
    "flag a dossier for partners": (
        lambda c, w: _post(c, f"/dossier/{w['dossier']}/partners", {"partners": "libraries"}),
        lambda db, w: (db.session.rollback() or db.session.scalar(
            select(DossierPartner.code).where(DossierPartner.dossier_id == w["dossier"]))) == "libraries"),
    "add a question to a survey of an item": (
        lambda c, w: _post(c, f"/surveys/{w['survey']}/questions", {"new-kind": "short", "new-text_fr": "Et encore ?"}),
        lambda db, w: (db.session.rollback() or db.session.scalar(
            select(func.count(Question.id)).where(Question.survey_id == w["survey"]))) == 3),
    "evaluate an item (attach a survey to it)": (
        lambda c, w: _post(c, f"/surveys/new?content={w['resource']}", {"template": "nps", "languages": "fr"}),
        lambda db, w: (db.session.rollback() or db.session.scalar(
            select(func.count(Survey.id)).where(Survey.content_id == w["resource"]))) == 2),
    "delete a survey of an item": (
        lambda c, w: _post(c, f"/surveys/{w['survey']}/delete", {"confirm": "yes"}),
        lambda db, w: (db.session.rollback() or db.session.get(Survey, w["survey"])) is None),
}

assert set(ACTIONS) == set(ALLOWED), "every action of the table needs its request, and the reverse"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_animation_action(action, role, testapp_en, db, world):
    if role != "visitor":
        login(testapp_en, world["people"][role].email)
    do, done = ACTIONS[action]
    response = do(testapp_en, world)
    allowed = role in ALLOWED[action]
    if allowed:
        assert response.status_int < 400, f"{role} may {action}: {response.status} {response.text[:600]}"
        if done is not None:
            assert done(db, world), f"{role} may {action}, but nothing changed ({response.status})"
    else:
        if role == "visitor":
            assert response.status_int in (302, 303, 401, 403) and (
                response.status_int in (401, 403) or "/login" in response.headers["Location"]), response.status
        else:
            assert 400 <= response.status_int < 500, f"{role} may not {action}: {response.status}"
        if done is not None:
            assert not done(db, world), f"{role} may not {action}, yet it took ({response.status})"
