"""Demo follows: each member follows tags, structures and a person of their territories, is
registered to an event to come (the member's home shows it), and has been told of the latest publications of what they follow (``notify_new_content``, as
the site does when an item is published), so that "My feed", "What I follow" and the
notifications' badge show something on a fresh demo."""
from sqlalchemy import func, select

from ..blueprints.follows.operations import follow, notify_new_content
from ..extensions import db
from ..models import PUBLISHED, Actor, Content, Membership, Tag, User
from ..models.content import content_tag
from ..models.discussion import Notification
from ..models.follows import Follow


def seed(territories, users, lines):
    if db.session.scalar(select(func.count(Follow.id))):
        return
    popular_tags = db.session.scalars(
        select(Tag).join(content_tag, content_tag.c.tag_id == Tag.id).group_by(Tag.id)
        .order_by(func.count().desc(), Tag.slug).limit(12)).all()
    count = 0
    for n, user in enumerate(sorted(users.values(), key=lambda u: u.email)):
        if user.is_admin:
            continue
        territory_ids = db.session.scalars(select(Membership.territory_id).where(Membership.user_id == user.id)).all()
        structures = db.session.scalars(select(Actor).where(
            Actor.status == PUBLISHED, Actor.territory_id.in_(territory_ids)).order_by(Actor.id).offset(n).limit(2)).all()
        people = db.session.scalars(select(User).where(
            User.id != user.id, User.is_admin.is_(False),
            User.id.in_(select(Content.author_id).where(Content.status == PUBLISHED,
                                                        Content.territory_id.in_(territory_ids))))
            .order_by(User.email).limit(1)).all()
        tags = [popular_tags[(n + k) % len(popular_tags)] for k in range(3)] if popular_tags else []
        for target in [*structures, *people, *tags]:
            follow(user, target)
            count += 1
    # Items announced by the seed already (a dossier made public) are told at this commit;
    # those told are then skipped below (first_time=False), as a second approval would.
    db.session.commit()
    latest = db.session.scalars(select(Content).where(
        Content.status == PUBLISHED, Content.kind.not_in(("actor", "page")))
        .order_by(Content.published_at.desc(), Content.id.desc()).limit(12)).all()
    for item in latest:
        notify_new_content(item, first_time=False)
    # The older half already read: the badge counts what is new.
    for note in db.session.scalars(select(Notification).where(Notification.kind == "new_content")
                                   .order_by(Notification.id)).all()[::2]:
        note.read_at = note.created_at
    _register_members(users)
    lines.append(f"{count} follows")


def _register_members(users) -> None:
    """Each member without a registration gets one, to an upcoming event of their territory
    that takes registrations here."""
    from ..blueprints.events.schedule import RegistrationError, register
    from ..models.base import utcnow
    from ..models.events import Event, Registration

    for user in users.values():
        if user.is_admin or db.session.scalar(select(Registration.id).where(Registration.user_id == user.id)):
            continue
        territory_ids = select(Membership.territory_id).where(Membership.user_id == user.id)
        for event in db.session.scalars(select(Event).where(
                Event.status == PUBLISHED, Event.registration_mode == "site", Event.territory_id.in_(territory_ids),
                Event.starts_at > utcnow()).order_by(Event.starts_at).limit(3)):
            try:
                register(event, user)
                break
            except RegistrationError:
                continue
