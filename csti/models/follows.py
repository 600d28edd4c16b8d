"""Follows: a member follows a piece of content (a structure, a project…), a person or a tag."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["Follow"]


class Follow(db.Model):
    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("follower_id", "content_id", name="uq_follow_content"),
        UniqueConstraint("follower_id", "followed_user_id", name="uq_follow_user"),
        UniqueConstraint("follower_id", "tag_id", name="uq_follow_tag"),
        CheckConstraint(
            "(CASE WHEN content_id IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN followed_user_id IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN tag_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    content_id: Mapped[int | None] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), index=True)
    followed_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
