"""Dossiers: visibility, items (add, order, annotate, remove) and collaborators — the operations
the views, the demo data and the tests share. Each changes the session; the caller commits
(one transaction per action). Refusals raise ``DossierError`` with a message for people."""
from __future__ import annotations

from sqlalchemy import inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ...extensions import db
from ...i18n import gettext as _
from ...listing import card_options
from ...models import DRAFT, PUBLISHED, Content
from ...models.base import utcnow
from ...models.dossiers import MAX_COLLABORATORS, MAX_ITEMS, Dossier, DossierCollaborator, DossierItem
from ...moderation import submit
from ...policy import can
from ..follows.operations import DOSSIER_ITEM, notify_update


class DossierError(Exception):
    def __init__(self, message, status=409):
        super().__init__(message)
        self.status = status


def set_visibility(dossier: Dossier, private: bool, by) -> None:
    """Private: a draft that only its owner and collaborators see. Public: published now, or
    waiting for the animators' review, as any publication of ``by`` in the dossier's territory."""
    dossier.is_private = private
    if private:
        dossier.status = DRAFT
        dossier.featured_rank = None
    elif dossier.status != PUBLISHED:
        submit(dossier, by)


def curated_by(user):
    """A select of the dossiers ``user`` owns or collaborates on (private ones included),
    the most recently changed first."""
    shared = select(DossierCollaborator.dossier_id).where(DossierCollaborator.user_id == user.id)
    return (select(Dossier).where(or_(Dossier.author_id == user.id, Dossier.id.in_(shared)))
            .order_by(Dossier.updated_at.desc(), Dossier.id.desc()))


def containing(dossiers, content_id: int) -> set[int]:
    """The ids of those of ``dossiers`` that hold the content ``content_id``."""
    ids = [d.id for d in dossiers]
    if not ids:
        return set()
    return set(db.session.scalars(select(DossierItem.dossier_id).where(
        DossierItem.content_id == content_id, DossierItem.dossier_id.in_(ids))))


def entries_for(dossier: Dossier, user) -> list[tuple[DossierItem, bool]]:
    """The items ``user`` is shown, in order, each with whether they may see its content. The
    curators also get the items that are no longer published (to remove them); others don't."""
    curator = can(user, "add_items", dossier)
    # Their cards' columns (each kind's own), places and events' dates for all of them at once
    # (``listing.card_options``), before the items read them one by one; held here, or the
    # session (which holds its objects weakly) would forget them before the items are read.
    loaded = db.session.scalars(select(Content).options(*card_options(Content)).where(
        Content.id.in_(select(DossierItem.content_id).where(DossierItem.dossier_id == dossier.id)))).all()
    if getattr(user, "is_authenticated", False):  # only a member may be one of their curators
        _load_collaborators([item for item in loaded if isinstance(item, Dossier)
                             and "collaborators" in inspect(item).unloaded])
    rows = []
    for entry in dossier.items:
        visible = can(user, "view", entry.content)
        if visible or curator:
            rows.append((entry, visible))
    del loaded  # the rows' items hold them now
    return rows


def _load_collaborators(dossiers: list[Dossier]) -> None:
    """The collaborators of ``dossiers`` — a dossier's items that are dossiers, whose curators
    ``can`` asks for to say who sees them — in one statement: their cards leave them unloaded
    (``card_skips``), which would read them one dossier at a time."""
    if not dossiers:
        return
    found: dict[int, list] = {d.id: [] for d in dossiers}
    for row in db.session.scalars(select(DossierCollaborator).where(DossierCollaborator.dossier_id.in_(list(found)))
                                  .order_by(DossierCollaborator.id)):
        found[row.dossier_id].append(row)
    for d in dossiers:
        set_committed_value(d, "collaborators", found[d.id])


def _touch(dossier: Dossier) -> None:
    dossier.updated_at = utcnow()


def add_item(dossier: Dossier, content, by, note: str = "") -> DossierItem:
    """Put ``content`` at the end of ``dossier``."""
    if content.id == dossier.id:
        raise DossierError(_("A dossier cannot contain itself."))
    if content.status != PUBLISHED:
        raise DossierError(_("Only published content can be added to a dossier."))
    already = _("“%(item)s” is already in the dossier “%(dossier)s”.", item=content.title, dossier=dossier.title)
    if dossier.item_for(content.id) is not None:
        raise DossierError(already)
    if len(dossier.items) >= MAX_ITEMS:
        raise DossierError(_("A dossier holds %(num)d items at most.", num=MAX_ITEMS))
    position = max((entry.position for entry in dossier.items), default=-1) + 1
    entry = DossierItem(content=content, position=position, note=(note or "").strip(), added_by=by)
    dossier.items.append(entry)
    _touch(dossier)
    try:
        db.session.flush()
    except IntegrityError:  # the same item added at the same moment by another request
        db.session.rollback()
        raise DossierError(already) from None
    notify_update(dossier, by, DOSSIER_ITEM)  # the dossier's followers, in-site
    return entry


def _entry(dossier: Dossier, content_id: int) -> DossierItem:
    entry = dossier.item_for(content_id)
    if entry is None:
        raise DossierError(_("This item is not in the dossier."), 404)
    return entry


def remove_item(dossier: Dossier, content_id: int) -> DossierItem:
    entry = _entry(dossier, content_id)
    dossier.items.remove(entry)
    _touch(dossier)
    return entry


def move_item(dossier: Dossier, content_id: int, offset: int) -> bool:
    """Move an item ``offset`` places (-1: up, 1: down). False if it is already at that end."""
    entries = list(dossier.items)
    entry = _entry(dossier, content_id)
    index = entries.index(entry)
    target = index + offset
    if not 0 <= target < len(entries):
        return False
    entries[index], entries[target] = entries[target], entries[index]
    for position, each in enumerate(entries):  # renumbered: ties and gaps disappear
        each.position = position
    _touch(dossier)
    return True


def set_note(dossier: Dossier, content_id: int, note: str) -> DossierItem:
    entry = _entry(dossier, content_id)
    entry.note = (note or "").strip()
    _touch(dossier)
    return entry


def add_collaborator(dossier: Dossier, user) -> DossierCollaborator:
    if dossier.is_curator(user):
        raise DossierError(_("%(name)s already curates this dossier.", name=user.name))
    if len(dossier.collaborators) >= MAX_COLLABORATORS:
        raise DossierError(_("A dossier has %(num)d collaborators at most.", num=MAX_COLLABORATORS))
    collaborator = DossierCollaborator(user=user, user_id=user.id)
    dossier.collaborators.append(collaborator)
    return collaborator


def remove_collaborator(dossier: Dossier, user_id: int) -> DossierCollaborator:
    collaborator = next((c for c in dossier.collaborators if c.user_id == user_id), None)
    if collaborator is None:
        raise DossierError(_("This person does not collaborate on the dossier."), 404)
    dossier.collaborators.remove(collaborator)
    return collaborator
