"""Every actors page renders in French (the default) for the people it serves; the demo data."""
import json

from sqlalchemy import func, select

from csti.models import Actor, ClaimRequest

from .helpers import path, titles


def test_pages_render_in_french(testapp, db, factory, make_actor, log_in):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    animator = factory.user(roles={territory: "animator"})
    actor = make_actor(territory, "Fablab des Carmes", kind="fablab", lat=43.6, lng=1.44)
    pending = make_actor(territory, "Club proposé", status="pending")
    db.session.add(ClaimRequest(actor=actor, user=factory.user(), role="manager"))
    db.session.commit()
    page = testapp.get("/actors")
    assert '<html lang="fr">' in page.text and titles(page) == ["Fablab des Carmes"]
    testapp.get(path(actor))
    log_in(testapp, animator)
    for url in ("/actors", path(actor), path(pending), "/actors/new", f"/actor/{actor.id}/edit", "/actors/moderation",
                "/actors/import"):
        assert testapp.get(url).status_int == 200, url
    assert testapp.get(f"/actor/{actor.id}/claim").status_int == 200


def test_demo_structures(db, app):
    from csti.demo import actors as demo_actors
    from csti.models import Territory

    territories = {}
    for slug in ("occitanie", "grenoble-alpes", "bretagne"):
        territories[slug] = Territory(slug=slug, name=slug.title())
        db.session.add(territories[slug])
    db.session.commit()
    lines = []
    with app.test_request_context():
        demo_actors.seed(territories, {}, lines)
        db.session.commit()
        again = []
        demo_actors.seed(territories, {}, again)
    published = db.session.scalars(select(Actor).where(Actor.status == "published")).all()
    assert 55 <= len(published) <= 65
    assert {a.territory.slug for a in published} == set(territories)
    assert all(a.has_location and a.department and a.commune for a in published)
    assert all(-5 < a.longitude < 8 and 42 < a.latitude < 49.5 for a in published)
    assert db.session.scalar(select(func.count(Actor.id)).where(Actor.status == "pending")) == 3
    assert again == ["structures already present: none added"]


def test_demo_structures_fill_the_map(testapp_en, db, app):
    test_demo_structures(db, app)
    data = json.loads(testapp_en.get("/actors.geojson?territory=bretagne").text)
    assert len(data["features"]) > 15
    assert all(f["geometry"]["coordinates"][0] < 0 for f in data["features"])  # Brittany is west of Greenwich
