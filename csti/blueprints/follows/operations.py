"""Following content, people and tags — written once for every kind of target."""
from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Content, Tag, User
from ...models.follows import Follow


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


def is_following(user, target) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    column = _column(target)
    return db.session.scalar(
        select(Follow.id).where(Follow.follower_id == user.id, column == target.id)) is not None


def follower_count(target) -> int:
    return db.session.scalar(select(func.count(Follow.id)).where(_column(target) == target.id))


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
