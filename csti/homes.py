"""What the home pages show: featured content, then a section for each type that declares a
``home_section`` in the registry (upcoming events, latest articles, open announcements, active
projects, new structures…) — for one territory or for the whole instance. A few small queries
each (docs/architecture.md §4)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from . import registry
from .extensions import db
from .listing import card_options, event_card_options, published
from .models import PUBLISHED, Content
from .models.announcements import Announcement, local_today
from .models.base import utcnow
from .models.events import Event, EventOccurrence
from .models.projects import Project


def featured(territory=None, limit=6):
    stmt = (select(Content).where(Content.status == PUBLISHED, Content.featured_rank.is_not(None))
            .options(*card_options(Content)))
    if territory is not None:
        stmt = stmt.where(Content.territory_id == territory.id)
    return db.session.scalars(stmt.order_by(Content.featured_rank, Content.published_at.desc()).limit(limit)).all()


def upcoming_events(territory=None, limit=6):
    now = utcnow()
    stmt = (select(EventOccurrence).join(Event, Event.id == EventOccurrence.event_id)
            .options(*event_card_options(contains_eager(EventOccurrence.event)))
            .where(Event.status == PUBLISHED, EventOccurrence.starts_at >= now))
    if territory is not None:
        # The dates' own copy of the territory, and "not ended" (implied by "not started"):
        # the (territory_id, ends_at) index then reads the territory's coming dates only.
        stmt = stmt.where(Event.territory_id == territory.id, EventOccurrence.territory_id == territory.id,
                          EventOccurrence.ends_at >= now)
    seen, rows = set(), []
    for occurrence in db.session.scalars(stmt.order_by(EventOccurrence.starts_at).limit(limit * 4)).unique():
        if occurrence.event_id in seen:
            continue  # a weekly club shows once
        seen.add(occurrence.event_id)
        rows.append((occurrence, occurrence.event))
        if len(rows) == limit:
            break
    return rows


def latest(model, territory=None, limit=6):
    stmt = published(select(model), model).options(*card_options(model))
    if territory is not None:
        stmt = stmt.where(model.territory_id == territory.id)
    return db.session.scalars(stmt.order_by(model.published_at.desc(), model.id.desc()).limit(limit)).all()


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


def active_projects(territory=None, limit=6):
    """Projects not finished, the most recently updated first."""
    stmt = (published(select(Project), Project).where(Project.stage != "finished")
            .options(*card_options(Project)))
    if territory is not None:
        stmt = stmt.where(Project.territory_id == territory.id)
    # content.id, not project.id (the same value): the (kind, status, updated_at) index is then in order.
    return db.session.scalars(stmt.order_by(Project.updated_at.desc(), Content.id.desc()).limit(limit)).all()


@dataclass(frozen=True)
class Section:
    """A home section as its template reads it: the type's declaration and its cards, each
    ``(item, occurrence)`` (the occurrence of a dated type, else None)."""

    content_type: registry.ContentType
    cards: list

    @property
    def spec(self) -> registry.HomeSection:
        return self.content_type.home_section


def home_sections(territory=None, limit=6) -> dict:
    """The home's items: ``featured``, each section's items under its name (``events``,
    ``articles``…) and ``home_sections``, the sections in their order (``macros/home.html``)."""
    data, sections = {"featured": featured(territory)}, []
    for content_type in registry.home_sections():
        spec = content_type.home_section
        items = (spec.query(territory, limit) if spec.query is not None
                 else latest(content_type.model, territory, limit))
        data[spec.name] = items
        sections.append(Section(content_type, [(i[1], i[0]) if isinstance(i, tuple) else (i, None)
                                               for i in items]))
    data["home_sections"] = sections
    return data
