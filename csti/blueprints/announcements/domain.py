"""Announcements' queries: the open ones for the home pages."""
from sqlalchemy import select

from ...extensions import db
from ...listing import card_options, published
from ...models.announcements import Announcement, local_today


def open_announcements(territory=None, limit=6):
    """Open announcements, the closest deadline first, then those without a deadline (newest
    first). Two queries, each reading an index in order up to ``limit`` rows (one ordered by
    "has a deadline" could not)."""
    stmt = published(select(Announcement), Announcement).options(*card_options(Announcement))
    if territory is not None:
        stmt = stmt.where(Announcement.territory_id == territory.id)
    dated = db.session.scalars(stmt.where(Announcement.deadline >= local_today())
                               .order_by(Announcement.deadline, Announcement.published_at.desc()).limit(limit)).all()
    undated = db.session.scalars(stmt.where(Announcement.deadline.is_(None))
                                 .order_by(Announcement.published_at.desc()).limit(limit)).all()
    return (dated + undated)[:limit]
