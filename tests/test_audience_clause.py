"""``listing.audience_clause``: a list filtered by audience reads the same items whichever plan the
counts choose — each item tested in the list's order (``EXISTS``, a common audience) or the
audience's items gathered first (``IN``, a rare one)."""
from sqlalchemy import select

from csti.blueprints.actors.operations import set_location
from csti.listing import audience_clause, published
from csti.models import Actor


def _actor(db, territory, author, title, audiences):
    actor = Actor(title=title, actor_kind="association", territory=territory, author=author, summary="…")
    set_location(actor, "31000")
    actor.audiences = audiences
    actor.publish()
    db.session.add(actor)
    return actor


def test_both_plans_read_the_same_items(app, db, factory):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    author = factory.user(email="auteur@example.org", roles={territory: "contributor"})
    for n, audiences in enumerate([["children"], ["seniors"], ["children", "families"], [], ["families"],
                                   ["children"], ["tourism"]]):
        _actor(db, territory, author, f"Structure {n}", audiences)
    db.session.commit()

    def titles(clause):
        stmt = published(select(Actor), Actor).where(clause).order_by(Actor.sort_key, Actor.id)
        return [actor.title for actor in db.session.scalars(stmt)]

    with app.test_request_context():
        # 3 of 7 structures are for children: with 1 row wanted, 1 × 7 < 3² walks the list…
        walked = audience_clause(Actor, ["children"], rows=1)
        assert "EXISTS" in str(walked)
        # …with 30, 30 × 7 ≥ 3² gathers the audience's items first.
        gathered = audience_clause(Actor, ["children"], rows=30)
        assert " IN " in str(gathered) and "EXISTS" not in str(gathered)
        assert titles(walked) == titles(gathered) == ["Structure 0", "Structure 2", "Structure 5"]
        # Several audiences widen the selection, each item once.
        both = ["families", "children"]
        assert titles(audience_clause(Actor, both, rows=1)) == titles(audience_clause(Actor, both, rows=30)) \
            == ["Structure 0", "Structure 2", "Structure 4", "Structure 5"]


def test_a_kind_filter_reads_the_same_items_whichever_plan(app, db, factory):
    """``listing.kind_clause`` (a type's own kind column, like the resources' ?kind=): a common
    kind walks the list testing each item (``EXISTS``), a rare one gathers its items (``IN``)."""
    from csti.listing import kind_clause
    from csti.models import Announcement, Content

    territory = factory.territory(slug="occitanie", name="Occitanie")
    for n, kind in enumerate(["job", "call_partners", "job", "volunteering", "job", "call_partners"]):
        item = Announcement(title=f"Annonce {n}", territory=territory, announcement_kind=kind, summary="…")
        item.publish()
        db.session.add(item)
    db.session.commit()

    def titles(clause):
        stmt = published(select(Announcement), Announcement).where(clause).order_by(Announcement.sort_key,
                                                                                     Announcement.id)
        return [item.title for item in db.session.scalars(stmt)]

    with app.test_request_context():
        # 3 of 6 are jobs: 1 row × 6 < 3² walks; 30 rows × 6 ≥ 3² gathers.
        walked = kind_clause(Announcement, Announcement.announcement_kind, ["job"], rows=1)
        gathered = kind_clause(Announcement, Announcement.announcement_kind, ["job"], rows=30)
        assert "EXISTS" in str(walked) and "EXISTS" not in str(gathered)
        assert titles(walked) == titles(gathered) == ["Annonce 0", "Annonce 2", "Annonce 4"]
        both = ["call_partners", "volunteering"]
        assert titles(kind_clause(Announcement, Announcement.announcement_kind, both, rows=1)) \
            == titles(kind_clause(Announcement, Announcement.announcement_kind, both, rows=30)) \
            == ["Annonce 1", "Annonce 3", "Annonce 5"]
        # The content table's own kind column is always the plain IN (its indexes serve it).
        assert "EXISTS" not in str(kind_clause(Content, Content.kind, ["announcement"], rows=1))
