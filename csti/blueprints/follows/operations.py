"""Following content, people and tags — written once for every kind of target."""
from __future__ import annotations

from sqlalchemy import delete, event, func, literal, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...extensions import db
from ...models import Content, Tag, User, content_tag
from ...models.base import UTCDateTime, utcnow
from ...models.content import content_owner
from ...models.discussion import Notification
from ...models.follows import Follow
from ...policy import can


def _column(target):
    if isinstance(target, Content):
        return Follow.content_id
    if isinstance(target, User):
        return Follow.followed_user_id
    if isinstance(target, Tag):
        return Follow.tag_id
    raise TypeError(f"cannot follow {target!r}")


def target_type(target) -> str:
    return {"content_id": "content", "followed_user_id": "user", "tag_id": "tag"}[_column(target).key]


def display_name(target) -> str:
    """How a target is named in a sentence: a person's name, an item's title, a tag's #name."""
    if isinstance(target, Tag):
        return f"#{target.name}"
    if isinstance(target, User):
        return target.name
    return target.title


def is_following(user, target) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    column = _column(target)
    return db.session.scalar(
        select(Follow.id).where(Follow.follower_id == user.id, column == target.id)) is not None


def follower_count(target) -> int:
    """How many follow ``target``: a count over the follows (2 ms for a common tag at national
    scale), kept until the data changes (csti/datacache.py; a follow is a write)."""
    from ...datacache import remember

    column = _column(target)
    return remember(("followers", column.key, target.id),
                    lambda: db.session.scalar(select(func.count(Follow.id)).where(column == target.id)))


def follow(user, target) -> None:
    if is_following(user, target):
        return
    try:
        with db.session.begin_nested():
            db.session.add(Follow(follower_id=user.id, **{_column(target).key: target.id}))
    except IntegrityError:
        pass  # a concurrent click already followed


def unfollow(user, target) -> None:
    db.session.execute(delete(Follow).where(Follow.follower_id == user.id, _column(target) == target.id))


def toggle(user, target) -> bool:
    """Follow or unfollow; returns whether the user now follows."""
    if is_following(user, target):
        unfollow(user, target)
        return False
    follow(user, target)
    return True


# --- what one follows ---------------------------------------------------------------------
def followed(user) -> dict:
    """What ``user`` follows, by section: people, structures, tags and other content items
    (four queries; most recently followed first)."""
    from ...models import Actor

    people = db.session.scalars(
        select(User).join(Follow, Follow.followed_user_id == User.id)
        .where(Follow.follower_id == user.id).order_by(Follow.created_at.desc(), Follow.id.desc())).all()
    tags = db.session.scalars(
        select(Tag).join(Follow, Follow.tag_id == Tag.id)
        .where(Follow.follower_id == user.id).order_by(Follow.created_at.desc(), Follow.id.desc())).all()
    contents = [c for c in db.session.scalars(
        select(Content).join(Follow, Follow.content_id == Content.id)
        .where(Follow.follower_id == user.id).order_by(Follow.created_at.desc(), Follow.id.desc())).all()
        if c.is_published or can(user, "view", c)]  # a dossier made private since: its curators only
    return {
        "people": people,
        "structures": [c for c in contents if isinstance(c, Actor)],
        "tags": tags,
        "contents": [c for c in contents if not isinstance(c, Actor)],
    }


# --- telling followers ----------------------------------------------------------------------
# Written in bulk: one INSERT … SELECT per published item, whatever its number of followers.
NEW_CONTENT = "new_content"
CONTENT_UPDATE = "content_update"
DOSSIER_ITEM = "dossier_item"
_PENDING_KEY = "csti_follows_announce"


def announce(item: Content, first_time: bool = True) -> None:
    """Tell the followers of ``item``'s author, owning structures and tags that it is published,
    once the transaction commits (its tags and owners are then final and it has an id).
    ``csti.moderation`` calls it where an item becomes published (submit, decide);
    ``first_time``: it was never published before, so nobody was told of it yet."""
    pending = db.session.info.setdefault(_PENDING_KEY, {})
    pending[item] = pending.get(item, True) and first_time


def _insert_notifications(item: Content, followers, kind: str, actor_id, skip_if_told: bool) -> None:
    """One notification of ``kind`` per distinct follower in the ``followers`` select (a select
    of user ids), but ``actor_id`` and, with ``skip_if_told``, those already told of ``item``;
    only people who may view ``item``."""
    candidates = select(followers.c.follower_id).distinct()
    if actor_id is not None:
        candidates = candidates.where(followers.c.follower_id != actor_id)
    if skip_if_told:  # through each follower's own notifications (indexed by user), not all of them
        told = (select(Notification.id).where(Notification.user_id == followers.c.follower_id,
                                              Notification.content_id == item.id, Notification.kind == kind))
        candidates = candidates.where(~told.exists())
    if not can(None, "view", item):  # not public: check each follower (never the case of published items today)
        ids = db.session.scalars(candidates).all()
        people = db.session.scalars(select(User).where(User.id.in_(ids))).all() if ids else []
        allowed = [p.id for p in people if can(p, "view", item)]
        if allowed:
            now = utcnow()
            db.session.execute(Notification.__table__.insert(), [
                {"user_id": uid, "kind": kind, "actor_id": actor_id, "content_id": item.id, "created_at": now}
                for uid in allowed])
        return
    source = select(candidates.subquery().c.follower_id, literal(kind), literal(actor_id, db.Integer),
                    literal(item.id, db.Integer), literal(utcnow(), UTCDateTime()))
    db.session.execute(Notification.__table__.insert().from_select(
        ["user_id", "kind", "actor_id", "content_id", "created_at"], source))


def notify_new_content(item: Content, first_time: bool = False) -> None:
    """The followers of the author, of the owning structures and of the tags of the published
    ``item`` are told once (never the author; never twice for the same item, should it go back
    to review and be approved again: unless ``first_time``, those already told are skipped)."""
    parts = [select(Follow.follower_id).where(
        Follow.content_id.in_(select(content_owner.c.actor_id).where(content_owner.c.content_id == item.id))),
        select(Follow.follower_id).where(
        Follow.tag_id.in_(select(content_tag.c.tag_id).where(content_tag.c.content_id == item.id)))]
    if item.author_id is not None:
        parts.append(select(Follow.follower_id).where(Follow.followed_user_id == item.author_id))
    _insert_notifications(item, union(*parts).subquery(), NEW_CONTENT, item.author_id,
                           skip_if_told=not first_time)
    if item.group_id is not None:  # a working group's meeting: its members are told
        from ..groups.domain import notify_group_item

        notify_group_item(item, first_time)


def notify_update(item: Content, by, kind: str = CONTENT_UPDATE) -> None:
    """The followers of ``item`` are told of its news by ``by``: a project's timeline
    (``content_update``), a publication added to a dossier (``dossier_item``)."""
    if not item.is_published:
        return
    followers = select(Follow.follower_id).where(Follow.content_id == item.id).subquery()
    _insert_notifications(item, followers, kind, getattr(by, "id", None), skip_if_told=False)


def _announce_pending(session) -> None:
    items = session.info.pop(_PENDING_KEY, None)
    if not items:
        return
    session.flush()
    for item, first_time in items.items():
        if item.id is not None and item.status == "published" and item in session:
            notify_new_content(item, first_time)


@event.listens_for(Session, "before_commit")
def _before_commit(session) -> None:
    if not session.in_nested_transaction():
        _announce_pending(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session, transaction) -> None:
    """A transaction rolled back: what it published is not published, nobody is told."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_PENDING_KEY, None)
