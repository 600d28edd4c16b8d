"""What the API's routes need before any answer is made, kept free of pydantic (imported with the
first answer, ``schemas.py``: a worker that serves no API request never loads it): the collections'
names, the published items' select and the keyset."""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from ...models import PUBLISHED, Dossier

# The collections' names, in ``collections.COLLECTIONS``' order (checked there): their routes.
NAMES = ("structures", "events", "articles", "announcements", "projects", "dossiers", "resources")


def published(model):
    """A select of ``model``'s published, public items (private dossiers are drafts)."""
    stmt = select(model).where(model.status == PUBLISHED, model.public_clause())
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
