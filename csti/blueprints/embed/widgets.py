"""What the widgets list, through the lists' own filters (docs/architecture.md §18): the agenda's
``EventFilter`` (``blueprints/events/agenda.py``) and the publications' ``ContentFilter``
(``listing.py``) — published, public items only, as on the site's own lists."""
from __future__ import annotations

from sqlalchemy import or_, select

from ... import registry
from ...extensions import db
from ...listing import ContentFilter, card_options, first
from ...models import Content
from ..events.agenda import EventFilter
from .forms import NEWS_KINDS


def agenda_items(form) -> list:
    """The next dates of the events matching ``form``'s filters, one per event (a weekly club
    shows once, at its next date), each ``(occurrence, event)``; an event under way counts."""
    filters = EventFilter(
        territories=[form.territory_obj.slug] if form.territory_obj else [],
        tags=[form.tag_obj.slug] if form.tag_obj else [],
        kinds=[form.kind.data] if form.kind.data else [],
        structure=form.structure_obj.id if form.structure_obj else None)
    limit = form.limit_value
    seen, rows, offset, batch = set(), [], 0, limit * 4
    # Dates in batches until ``limit`` events (weekly clubs may fill a batch with their dates), 10 batches at most.
    for _round in range(10):
        found = db.session.scalars(filters.occurrences().offset(offset).limit(batch)).unique().all()
        for occurrence in found:
            if occurrence.event_id in seen:
                continue
            seen.add(occurrence.event_id)
            rows.append((occurrence, occurrence.event))
            if len(rows) == limit:
                return rows
        if len(found) < batch:
            break
        offset += batch
    return rows


def news_items(form) -> list:
    """The latest articles and announcements matching ``form``'s filters, newest first; an
    announcement past its deadline is no news (``Content.current_clause``)."""
    kinds = [form.kind.data] if form.kind.data else list(NEWS_KINDS)
    filters = ContentFilter(
        kinds=kinds,
        territories=[form.territory_obj.slug] if form.territory_obj else [],
        tags=[form.tag_obj.slug] if form.tag_obj else [],
        structures=[form.structure_obj.id] if form.structure_obj else [])
    current = [or_(Content.kind != kind, Content.id.in_(select(model.id).where(clause)))
               for kind in kinds
               for model in [registry.get(kind).model] if (clause := model.current_clause()) is not None]
    stmt = (filters.apply(select(Content), Content, Content.kind).where(*current)
            .options(*card_options(Content)).order_by(Content.published_at.desc(), Content.id.desc()))
    return first(stmt, Content.id, form.limit_value)
