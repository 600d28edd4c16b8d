"""What the API's routes need before any answer is made, kept free of pydantic (imported with the
first answer, ``schemas.py``: a worker that serves no API request never loads it): the collections'
names, the published items' select and the keyset."""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from ...models import PUBLISHED, Dossier

# The collections' names, in ``collections.COLLECTIONS``' order (checked there): their routes.
NAMES = ("structures", "events", "articles", "announcements", "projects", "dossiers", "resources")


def published(model, kind_said: bool = True):
    """A select of ``model``'s published, public items (private dossiers are drafts). Its kind
    said (``listing.published``) when ``kind_said``: implied by the join to the type's table,
    but said, a list in an order of the content table's reads it from the (kind, status, date,
    id) index — without it SQLite read and sorted every announcement for a page of them (42 ms,
    0.1 ms with it). In an order of the type's own table (events by date), it is left unsaid:
    SQLite would then gather the kind's items and sort them (100 000 events: 450 ms) instead of
    reading the type's date index in order."""
    from ...listing import published as of_kind

    stmt = of_kind(select(model), model) if kind_said else select(model).where(
        model.status == PUBLISHED, model.public_clause())
    if model is Dossier:
        stmt = stmt.where(Dossier.is_private.is_(False))
    return stmt


def keyset(stmt, column, id_column, ascending: bool, after: list | None):
    """Order by ``column`` (nulls last) then id, and start after the cursor's ``(value, id)``:
    never an OFFSET."""
    direction = (lambda c: c.asc()) if ascending else (lambda c: c.desc())
    stmt = stmt.order_by(direction(column).nulls_last(), direction(id_column))
    if after is not None:
        value, last_id = after
        beyond = (lambda a, b: a > b) if ascending else (lambda a, b: a < b)
        if value is None:
            stmt = stmt.where(column.is_(None), beyond(id_column, last_id))
        else:
            stmt = stmt.where(or_(beyond(column, value), and_(column == value, beyond(id_column, last_id)),
                                  column.is_(None)))
    return stmt
