"""A territory whose 2025 is known figure by figure (tests/stats/test_figures.py lists them)."""
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from csti.blueprints.events.schedule import schedule
from csti.models import (
    Article,
    Event,
    Follow,
    Membership,
    NewsletterDelivery,
    NewsletterIssue,
    NewsletterSubscription,
    Registration,
    Tag,
    VisitDay,
)
from csti.models.visits import ALL_TERRITORIES

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def at(year, month, day):
    return datetime(year, month, day, 12, tzinfo=UTC)


@dataclass
class Site:
    territory: object
    other: object
    animator: object
    member: object
    second: object
    outsider_animator: object
    admin: object


@pytest.fixture
def site(db, factory, make_actor):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    other = factory.territory(slug="bretagne", name="Bretagne")
    animator = factory.user(email="anim@example.org", name="Claire Anim", roles={territory: "animator"})
    member = factory.user(email="m1@example.org", name="Paul Membre", roles={territory: "member"})
    second = factory.user(email="m2@example.org", name="Léa Membre", roles={territory: "contributor"})
    outsider = factory.user(email="anim-bzh@example.org", roles={other: "animator"})
    admin = factory.user(email="admin@example.org", admin=True)
    # Joining dates: the animator in 2024, the two members in 2025; Bretagne's animator in 2025.
    for user, when in ((animator, at(2024, 6, 1)), (member, at(2025, 3, 10)), (second, at(2025, 5, 5)),
                       (outsider, at(2025, 1, 2))):
        for membership in db.session.query(Membership).filter_by(user_id=user.id):
            membership.created_at = when

    def article(title, author, when, territory=territory, status="published", tags=()):
        item = Article(title=title, body="x", territory=territory, author=author)
        for tag in tags:
            item.add_tag(tag)
        item.status = status
        item.published_at = when
        db.session.add(item)
        return item

    article("Mars 1", member, at(2025, 3, 15), tags=("Robotique", "Astronomie"))
    article("Mars 2", member, at(2025, 3, 20), tags=("Robotique",))
    article("Juin", second, at(2025, 6, 1), tags=("Robotique",))
    article("L’an dernier", animator, at(2024, 11, 1), tags=("Astronomie",))
    article("Brouillon", animator, None, status="draft")
    article("Ailleurs", member, at(2025, 3, 1), territory=other, tags=("Astronomie",))

    def event(title, kind, start, capacity=None):
        item = Event(title=title, event_kind=kind, territory=territory, author=animator, capacity=capacity,
                     registration_mode="internal" if capacity else "none")
        schedule(item, start, start + timedelta(hours=2))
        item.status = "published"
        item.published_at = at(2025, 2, 1)
        db.session.add(item)
        return item

    workshop = event("Atelier robots", "workshop", datetime(2025, 4, 10, 14), capacity=10)
    talk = event("Conférence étoiles", "talk", datetime(2025, 4, 20, 20))
    event("Conférence 2024", "talk", datetime(2024, 4, 20, 20))
    db.session.flush()
    people = [factory.user() for _ in range(6)]
    for position, (user, status) in enumerate(zip(people[:4], ["confirmed"] * 3 + ["waiting"], strict=True)):
        db.session.add(Registration(event_id=workshop.id, user_id=user.id, status=status, position=position))
    for user in people[4:]:
        db.session.add(Registration(event_id=talk.id, user_id=user.id, status="confirmed"))
    db.session.commit()

    museum = make_actor(territory, "Muséum", kind="museum", postcode="31000")
    make_actor(territory, "Cité de l’espace", kind="museum", postcode="31500")
    make_actor(territory, "Fablab Grenoble", kind="fablab", postcode="38000")
    make_actor(other, "Océanopolis", kind="museum", postcode="29200")

    tag = db.session.query(Tag).filter_by(slug="robotique").one()
    db.session.add_all([
        Follow(follower_id=member.id, content_id=museum.id, created_at=at(2025, 7, 1)),
        Follow(follower_id=member.id, tag_id=tag.id, created_at=at(2025, 7, 2)),
        Follow(follower_id=outsider.id, followed_user_id=member.id, created_at=at(2025, 7, 3)),  # not a member here
    ])
    issue = NewsletterIssue(territory_id=territory.id, subject="Septembre", status="sent", sent_at=at(2025, 9, 1))
    db.session.add(issue)
    db.session.flush()
    for n in range(2):
        db.session.add(NewsletterDelivery(issue_id=issue.id, email=f"lecteur{n}@example.org", status="sent",
                                          sent_at=at(2025, 9, 1)))
    db.session.add_all([
        NewsletterSubscription(territory_id=territory.id, email="a@example.org", status="confirmed",
                               confirmed_at=at(2025, 8, 1)),
        NewsletterSubscription(territory_id=territory.id, email="b@example.org", status="confirmed",
                               confirmed_at=at(2024, 8, 1)),
        NewsletterSubscription(territory_id=territory.id, email="c@example.org", status="pending"),
    ])
    db.session.add_all([
        VisitDay(day=date(2025, 2, 1), territory_id=territory.id, views=10, visitors=4),
        VisitDay(day=date(2025, 2, 2), territory_id=territory.id, views=5, visitors=3),
        VisitDay(day=date(2025, 2, 2), territory_id=other.id, views=7, visitors=2),
        VisitDay(day=date(2025, 2, 2), territory_id=0, views=1, visitors=1),
        VisitDay(day=date(2025, 2, 1), territory_id=ALL_TERRITORIES, views=10, visitors=4),
        VisitDay(day=date(2025, 2, 2), territory_id=ALL_TERRITORIES, views=13, visitors=5),
        VisitDay(day=date(2024, 2, 2), territory_id=territory.id, views=99, visitors=9),
    ])
    db.session.commit()
    return Site(territory, other, animator, member, second, outsider, admin)
