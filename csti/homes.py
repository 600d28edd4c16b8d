"""What the home pages show: featured content, then a section for each type that declares a
``home_section`` in the registry (upcoming events, latest articles, open announcements, active
projects, new structures…) — for one territory or for the whole instance. A few small queries
each (docs/architecture.md §4). A section without a query of its own shows the type's latest
published items (``latest``); the others' queries live in their feature's package (upcoming
events in ``blueprints/events/agenda.py``, open announcements, active projects in their
``domain.py``)."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select

from . import registry
from .datacache import remember
from .extensions import db
from .listing import card_options, published
from .models import PUBLISHED, Content


def featured(territory=None, limit=6):
    stmt = (select(Content).where(Content.status == PUBLISHED, Content.public_clause(),
                          Content.featured_rank.is_not(None))
            .options(*card_options(Content)))
    if territory is not None:
        stmt = stmt.where(Content.territory_id == territory.id)
    return db.session.scalars(stmt.order_by(Content.featured_rank, Content.published_at.desc()).limit(limit)).all()


def latest(model, territory=None, limit=6):
    stmt = published(select(model), model).options(*card_options(model))
    if territory is not None:
        stmt = stmt.where(model.territory_id == territory.id)
    return db.session.scalars(stmt.order_by(model.published_at.desc(), model.id.desc()).limit(limit)).all()


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


def sections_html(territory=None) -> Markup:
    """The home's sections as HTML, rendered once per territory and language and kept until the
    data changes (csti/datacache.py), within the page cache's lifetime (upcoming events move
    with the clock). Nothing in them depends on who looks (no per-visitor link, button or
    token: tests/test_homes.py checks it), so members get them ready-made too."""
    from flask import current_app, render_template, request
    from flask_babel import get_locale

    def build() -> str:
        return str(render_template("macros/_home_sections.html", territory=territory, **home_sections(territory)))

    # Under its site root too: its cards' links are relative to it (csti/fragments.py keys them alike).
    key = ("home-sections", territory.id if territory is not None else None, str(get_locale()),
           request.script_root)
    return Markup(remember(key, build, seconds=current_app.config.get("PAGE_CACHE_SECONDS", 60)))
