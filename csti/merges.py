"""Merging duplicates: a tag into another, a structure into another (docs/architecture.md §
"Merges").

Every reference moves to the one kept with set-based statements (``UPDATE … WHERE NOT EXISTS``
for the tables with a unique constraint, then a ``DELETE`` of what would have been a
duplicate), the same on PostgreSQL and SQLite and independent of how many rows move. The merged
row is deleted and its old address kept in a redirect table (``TagRedirect``,
``ContentRedirect``) so that it answers a 301. Nothing here commits: the caller commits once,
so a merge is all or nothing (a failure anywhere rolls every step back).
"""
from __future__ import annotations

from sqlalchemy import delete, exists, func, insert, select, update

from .extensions import db
from .i18n import gettext as _
from .models import (
    Actor,
    ActorMember,
    AuditLog,
    ClaimRequest,
    Content,
    ContentRedirect,
    DossierItem,
    Event,
    Follow,
    Tag,
    TagRedirect,
    content_owner,
    content_tag,
)
from .models.actors import MANAGER
from .models.audiences import ContentAudience
from .models.discussion import Comment, Notification, Reaction, Report
from .models.documents import Document
from .models.newsletters import NewsletterItem
from .models.resources import Booking
from .models.search import SearchOutbox


class MergeError(ValueError):
    """A merge that may not happen; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str = "target"):
        super().__init__(message)
        self.message, self.field = message, field


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def _reindex(content_ids) -> None:
    """Queue items whose searchable state changed through set-based statements (the flush hook
    of csti/search only sees ORM objects)."""
    ids = sorted(set(content_ids))
    if ids:
        db.session.execute(insert(SearchOutbox), [{"content_id": i, "op": "index"} for i in ids])
        db.session.info["csti_search_dirty"] = True


def _move_unique(table, column, old, new, *keys, where=()):
    """Point ``table.column`` from ``old`` to ``new`` unless a row with the same ``keys``
    already points at ``new`` (a unique constraint); drop the rows left on ``old``. Returns
    the number of rows moved."""
    other = table.alias("other")
    clash = exists().where(getattr(other.c, column) == new,
                           *[getattr(other.c, k) == getattr(table.c, k) for k in keys])
    moved = db.session.execute(
        update(table).where(getattr(table.c, column) == old, ~clash, *where).values({column: new})
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(delete(table).where(getattr(table.c, column) == old)
                       .execution_options(synchronize_session=False))
    return moved


def _move(table, column, old, new) -> int:
    return db.session.execute(update(table).where(getattr(table.c, column) == old).values({column: new})
                              .execution_options(synchronize_session=False)).rowcount


# --- tags ---------------------------------------------------------------------------------------
def tag_by_slug(slug: str) -> Tag | None:
    return db.session.scalar(select(Tag).where(Tag.slug == Tag.normalize(slug or "")))


def tag_redirect(slug: str) -> Tag | None:
    """The tag a merged tag's slug now leads to, or None."""
    row = db.session.get(TagRedirect, Tag.normalize(slug or ""))
    return db.session.get(Tag, row.tag_id) if row is not None else None


def tag_counts(tag: Tag) -> dict:
    return {
        "items": _count(select(content_tag.c.content_id).where(content_tag.c.tag_id == tag.id)),
        "followers": _count(select(Follow.id).where(Follow.tag_id == tag.id)),
    }


def merge_tags(source: Tag, target: Tag, by, reason: str = "") -> dict:
    """Move everything of ``source`` to ``target``, delete ``source``, redirect its slug."""
    if source is None:
        raise MergeError(_("Choose the tag to merge."), "source")
    if target is None:
        raise MergeError(_("Choose the tag to keep."), "target")
    if source.id == target.id:
        raise MergeError(_("A tag cannot be merged into itself: choose another tag to keep."), "target")
    before = {"source": source.slug, "target": target.slug, **{f"source_{k}": v for k, v in tag_counts(source).items()}}
    items = db.session.scalars(select(content_tag.c.content_id).where(content_tag.c.tag_id == source.id)).all()
    items_moved = _move_unique(content_tag, "tag_id", source.id, target.id, "content_id")
    follows_moved = _move_unique(Follow.__table__, "tag_id", source.id, target.id, "follower_id")
    _move(TagRedirect.__table__, "tag_id", source.id, target.id)  # chains stay one step long
    db.session.execute(delete(TagRedirect).where(TagRedirect.old_slug == source.slug))
    db.session.add(TagRedirect(old_slug=source.slug, tag_id=target.id))
    _reindex(items)
    source_id, source_slug = source.id, source.slug
    db.session.expire_all()  # the items' loaded tag lists are stale
    db.session.execute(delete(Tag).where(Tag.id == source_id))
    after = {"tag": target.slug, "items_moved": items_moved, "items_already_tagged": len(items) - items_moved,
             "follows_moved": follows_moved, "deleted_tag_id": source_id}
    AuditLog.record(by, "tag.merge", target, None, reason=reason, before=before, after=after)
    return {"source": source_slug, **after}


# --- structures ---------------------------------------------------------------------------------
def actor_redirect(content_id: int) -> Content | None:
    """The item a merged item's id now leads to, or None."""
    row = db.session.get(ContentRedirect, content_id)
    return db.session.get(Content, row.content_id) if row is not None else None


def actor_counts(actor: Actor) -> dict:
    """What a merge of ``actor`` into another would move (the confirmation page)."""
    owned = select(content_owner.c.content_id).where(content_owner.c.actor_id == actor.id)
    return {
        "events_venue": _count(select(Event.id).where(Event.venue_id == actor.id)),
        "events_organiser": _count(owned.join(Content, Content.id == content_owner.c.content_id)
                                   .where(Content.kind == "event")),
        "other_owned": _count(owned.join(Content, Content.id == content_owner.c.content_id)
                              .where(Content.kind != "event")),
        "followers": _count(select(Follow.id).where(Follow.content_id == actor.id)),
        "dossier_items": _count(select(DossierItem.id).where(DossierItem.content_id == actor.id)),
        "managers": _count(select(ActorMember.id).where(ActorMember.actor_id == actor.id,
                                                        ActorMember.role == MANAGER)),
        "members": _count(select(ActorMember.id).where(ActorMember.actor_id == actor.id,
                                                       ActorMember.role != MANAGER)),
        "claims": _count(select(ClaimRequest.id).where(ClaimRequest.actor_id == actor.id)),
        "comments": _count(select(Comment.id).where(Comment.content_id == actor.id)),
        "documents": _count(select(Document.id).where(Document.content_id == actor.id)),
        "loans": _count(select(Booking.id).where(Booking.borrower_id == actor.id)),
    }


# Filled on the one kept from the duplicate when empty there (nothing is ever overwritten).
FILLED_FIELDS = ("summary", "website", "email", "phone", "siret", "rna")
LOCATION_FIELDS = ("address", "postcode", "commune", "insee", "department", "latitude", "longitude",
                   "location_approximate")


def _fill_empty(keep: Actor, dup: Actor) -> list[str]:
    filled = []
    for name in FILLED_FIELDS:
        if not getattr(keep, name) and getattr(dup, name):
            setattr(keep, name, getattr(dup, name))
            filled.append(name)
    if not keep.address and not keep.has_location and (dup.address or dup.has_location):
        for name in LOCATION_FIELDS:
            setattr(keep, name, getattr(dup, name))
        filled.append("location")
    social = dict(keep.social or {})
    extra = {k: v for k, v in (dup.social or {}).items() if v and not social.get(k)}
    if extra:
        keep.social = {**social, **extra}
        filled.append("social")
    return filled


def check_actor_merge(dup: Actor | None, keep: Actor | None) -> None:
    if dup is None:
        raise MergeError(_("Choose the duplicate structure."), "duplicate")
    if keep is None:
        raise MergeError(_("No structure has this number or address: check the structure to keep."), "keep")
    if dup.id == keep.id:
        raise MergeError(_("A structure cannot be merged into itself: choose the structure to keep."), "keep")


def _move_owners(dup_id, keep_id) -> int:
    # The kept structure never becomes its own owner.
    db.session.execute(delete(content_owner).where(content_owner.c.actor_id == dup_id,
                                                   content_owner.c.content_id == keep_id))
    return _move_unique(content_owner, "actor_id", dup_id, keep_id, "content_id")


def _move_members(dup_id, keep_id) -> int:
    # A manager of the duplicate stays a manager on the one kept.
    managers = select(ActorMember.user_id).where(ActorMember.actor_id == dup_id, ActorMember.role == MANAGER)
    db.session.execute(update(ActorMember).where(ActorMember.actor_id == keep_id, ActorMember.user_id.in_(managers))
                       .values(role=MANAGER).execution_options(synchronize_session=False))
    return _move_unique(ActorMember.__table__, "actor_id", dup_id, keep_id, "user_id")


# (label, how) — each step moves one kind of reference; all run in the caller's transaction.
def _steps():
    return [
        ("owned", _move_owners),
        ("events_venue", lambda d, k: _move(Event.__table__, "venue_id", d, k)),
        ("followers", lambda d, k: _move_unique(Follow.__table__, "content_id", d, k, "follower_id")),
        ("dossier_items", lambda d, k: _move_unique(DossierItem.__table__, "content_id", d, k, "dossier_id")),
        ("newsletter_items", lambda d, k: _move_unique(NewsletterItem.__table__, "content_id", d, k, "issue_id")),
        ("team", _move_members),
        ("claims", lambda d, k: _move(ClaimRequest.__table__, "actor_id", d, k)),
        ("tags", lambda d, k: _move_unique(content_tag, "content_id", d, k, "tag_id")),
        ("audiences", lambda d, k: _move_unique(ContentAudience.__table__, "content_id", d, k, "code")),
        ("comments", lambda d, k: _move(Comment.__table__, "content_id", d, k)),
        ("reactions", lambda d, k: _move_unique(Reaction.__table__, "content_id", d, k, "user_id", "kind")),
        ("reports", lambda d, k: _move(Report.__table__, "content_id", d, k)),
        ("notifications", lambda d, k: _move(Notification.__table__, "content_id", d, k)),
        ("documents", lambda d, k: _move(Document.__table__, "content_id", d, k)),
        # the loans it asked for: deleting the duplicate would delete them (booking.borrower_id cascades)
        ("loans", lambda d, k: _move(Booking.__table__, "borrower_id", d, k)),
        ("redirects", lambda d, k: _move(ContentRedirect.__table__, "content_id", d, k)),
    ]


def merge_actors(dup: Actor, keep: Actor, by, reason: str = "") -> dict:
    """Move every reference of ``dup`` to ``keep``, fill ``keep``'s empty fields, delete
    ``dup`` and redirect its address. Permissions are the caller's (policy "merge" on both)."""
    check_actor_merge(dup, keep)
    before = {"duplicate": {"id": dup.id, "title": dup.title, "territory": dup.territory_id},
              "kept": {"id": keep.id, "title": keep.title, "territory": keep.territory_id},
              "counts": actor_counts(dup)}
    filled = _fill_empty(keep, dup)
    db.session.flush()
    dup_id, keep_id = dup.id, keep.id
    moved = {label: step(dup_id, keep_id) for label, step in _steps()}
    # SQLite may give a deleted row's id to a new row: a redirect left from then goes.
    db.session.execute(delete(ContentRedirect).where(ContentRedirect.old_id == dup_id))
    db.session.add(ContentRedirect(old_id=dup_id, content_id=keep_id))
    _reindex([keep_id])
    db.session.expire_all()  # collections loaded before the moves are stale
    dup = db.session.get(Actor, dup_id)
    db.session.delete(dup)  # its search document goes with it (the outbox's flush hook)
    keep = db.session.get(Actor, keep_id)
    after = {"kept": keep_id, "deleted": dup_id, "moved": moved, "filled": filled}
    AuditLog.record(by, "actor.merge", keep, keep.territory, reason=reason, before=before, after=after)
    return after


__all__ = ["MergeError", "actor_counts", "actor_redirect", "check_actor_merge", "merge_actors", "merge_tags",
           "tag_by_slug", "tag_counts", "tag_redirect"]
