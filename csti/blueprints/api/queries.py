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


def keyset(stmt, column, id_column, ascending: bool, after: list | None) -> tuple:
    """The selects a page ordered by ``column`` (nulls last) then id is read from, in turn, and
    where the cursor's ``(value, id)`` leaves them: never an OFFSET. A nullable column is read in
    two parts, the rows where it is set (by it, then id), then those where it is not (by id):
    as one ``ORDER BY … NULLS LAST``, PostgreSQL, whose indexes read backward give the nulls
    first, sorted every published announcement for a page of them (9 500 rows, 21 ms of SQL);
    each part is read from the (kind, status, date, id) index in its order."""
    direction = (lambda c: c.asc()) if ascending else (lambda c: c.desc())
    beyond = (lambda a, b: a > b) if ascending else (lambda a, b: a < b)
    nullable = column.property.columns[0].nullable
    unset = stmt.where(column.is_(None)).order_by(direction(id_column))
    if after is not None and after[0] is None:  # the cursor is among the rows without a value
        return (unset.where(beyond(id_column, after[1])),)
    is_set = stmt.where(column.is_not(None)) if nullable else stmt
    is_set = is_set.order_by(direction(column), direction(id_column))
    if after is not None:
        value, last_id = after
        is_set = is_set.where(or_(beyond(column, value), and_(column == value, beyond(id_column, last_id))))
    return (is_set, unset) if nullable else (is_set,)
