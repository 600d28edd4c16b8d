"""The demo's resource centre (csti/demo/resources.py): every kind of resource owned by demo
structures that demo members manage, loans in every state without two accepted ones meeting,
resources taken in the coming weeks (the availability filter leaves them out), requests waiting
for the animator's structure and made by libraries, and public dossiers on the partners' pages."""
from datetime import date, timedelta

from sqlalchemy import func, select

from csti.demo import PEOPLE, TERRITORIES
from csti.demo import actors as demo_actors
from csti.demo import resources as demo_resources
from csti.models import Actor, Territory, User
from csti.models.audiences import PARTNERS, SCHOOL_LEVELS
from csti.models.dossiers import Dossier, DossierPartner
from csti.models.resources import BLOCKING, BOOKING_STATUSES, RESOURCE_KINDS, Booking, Resource


def _seed_demo(app, db, factory):
    territories = {}
    for data in TERRITORIES:
        territories[data["slug"]] = Territory(**data)
        db.session.add(territories[data["slug"]])
    db.session.commit()
    users = {email: factory.user(email=email, name=name, admin=admin,
                                 roles={territories[slug]: role for slug, role in roles.items()})
             for email, name, admin, roles in PEOPLE}
    lines = []
    with app.test_request_context():
        demo_actors.seed(territories, users, lines)
        demo_resources.seed(territories, users, lines)
        db.session.commit()
    return territories, users, lines


def _managed_by(actor_title, email):
    actor = Actor.query.filter_by(title=actor_title).one()
    return any(m.user.email == email and m.role == "manager" for m in actor.members)


def test_the_demo_lends_every_kind_and_every_state_without_overlaps(app, db, factory, testapp):
    territories, users, lines = _seed_demo(app, db, factory)
    assert lines[-1].startswith(f"{len(demo_resources.RESOURCES)} resources")
    resources = db.session.scalars(select(Resource).order_by(Resource.id)).all()
    assert 35 <= len(resources) <= 45
    assert {r.resource_kind for r in resources} == set(RESOURCE_KINDS) - {"other"}
    assert {r.territory.slug for r in resources} == set(territories)
    assert all(r.status == "published" and r.owners for r in resources)
    # Every owner is managed by a demo member.
    demo_emails = {email for email, *_rest in PEOPLE}
    for resource in resources:
        assert any(u.email in demo_emails for owner in resource.owners for u in owner.managers()), resource.title
    codes = {c for r in resources for c in r.audiences}
    assert set(SCHOOL_LEVELS) <= codes and {"libraries", "tourism"} <= codes and codes & set(PARTNERS)
    assert any(not r.lendable for r in resources) and all(r.lendable for r in resources
                                                         if r.resource_kind in ("exhibition", "kit"))
    assert any(r.is_free for r in resources) and any(not r.is_free and r.price for r in resources)
    assert all(r.cover_alt for r in resources if r.cover_image) and sum(bool(r.cover_image) for r in resources) > 10
    assert 1 <= sum(bool(r.video_url) for r in resources) <= 4
    assert all(r.panels and r.dimensions and r.setup_minutes for r in resources if r.resource_kind == "exhibition")

    bookings = db.session.scalars(select(Booking)).all()
    assert {b.status for b in bookings} == set(BOOKING_STATUSES)
    assert all(b.starts_on <= b.ends_on and b.resource.lendable for b in bookings)
    assert all(b.ends_on < date.today() for b in bookings if b.status == "returned")
    assert all(b.borrower.is_manager(b.requested_by) for b in bookings)
    by_resource = {}
    for b in bookings:
        if b.status in BLOCKING:
            by_resource.setdefault(b.resource_id, []).append(b)
    for taken in by_resource.values():
        taken.sort(key=lambda b: b.starts_on)
        assert all(a.ends_on < b.starts_on for a, b in zip(taken, taken[1:], strict=False))
    # Taken in the coming weeks: the availability filter leaves those resources out.
    start = date.today() + timedelta(days=3)
    end = start + timedelta(days=14)
    soon = {b.resource_id for b in bookings
            if b.status == "accepted" and b.starts_on <= end and b.ends_on >= start}
    assert len(soon) >= 5
    available = set(db.session.scalars(select(Resource.id).where(Resource.available_clause(start, end))))
    assert available and not available & soon
    assert not available & {r.id for r in resources if not r.lendable}

    # Work waiting: the animator's lending structure has requests to answer, libraries asked.
    assert _managed_by("Sciences en Garonne", "claire.martin@csti.example")
    garonne = Actor.query.filter_by(title="Sciences en Garonne").one()
    assert any(b.status == "requested" and garonne in b.resource.owners and b.starts_on > date.today()
               for b in bookings)
    for library, email in (("Médiathèque Émile-Zola – espace sciences", "sophie.nguyen@csti.example"),
                           ("Bibliothèque de Meylan – espace sciences", "marie.chevalier@csti.example")):
        assert _managed_by(library, email)
        asked = [b for b in bookings if b.borrower.title == library]
        assert {"requested", "accepted"} <= {b.status for b in asked}
        assert all(b.requested_by.email == email for b in asked)

    # Public dossiers presented on the libraries' and tourism pages, of resources made for them.
    flagged = db.session.scalars(select(DossierPartner)).all()
    assert {p.code for p in flagged} == {"libraries", "tourism"}
    for row in flagged:
        dossier = db.session.get(Dossier, row.dossier_id)
        assert dossier.status == "published" and not dossier.is_private and len(dossier.items) >= 4
        assert all(row.code in item.content.audiences for item in dossier.items)

    # The pages show them.
    assert testapp.get("/resources").status_int == 200
    page = testapp.get(f"/resource/{resources[0].id}-{resources[0].slug}")
    assert resources[0].title in page.text

    # Run again: nothing added.
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Resource, Booking, Dossier, User)]
    again = []
    with app.test_request_context():
        demo_resources.seed(territories, users, again)
        db.session.commit()
    assert again == ["0 resources (0 covers), 0 loans, 0 partner dossiers"]
    assert counts == [db.session.scalar(select(func.count()).select_from(m)) for m in (Resource, Booking, Dossier, User)]
