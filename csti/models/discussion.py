"""Discussion, written once for every content type: comments (replies one level deep),
reactions ("like"), reports to the animators, and in-app notifications."""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..markdown import render_markdown
from .base import UTCDateTime, utcnow

__all__ = ["Comment", "Notification", "Reaction", "Report"]

COMMENT_MAX = 5000
# HIDDEN: hidden with all its author's content by a sanction (csti/sanctions.py), text kept.
VISIBLE, DELETED, HIDDEN = "visible", "deleted", "hidden"


class Comment(db.Model):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=VISIBLE)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author = relationship("User", lazy="joined")
    content = relationship("Content")
    replies = relationship("Comment", order_by="Comment.created_at", cascade="all, delete-orphan",
                           back_populates="parent")
    parent = relationship("Comment", remote_side=[id], back_populates="replies")

    @validates("body")
    def _render(self, key, value):
        self.body_html = render_markdown(value or "")
        return value or ""

    @property
    def is_deleted(self) -> bool:
        """Gone from the thread: deleted, or hidden by a sanction."""
        return self.status != VISIBLE


class Reaction(db.Model):
    __tablename__ = "reaction"
    __table_args__ = (UniqueConstraint("content_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="like")
    created_at = mapped_column(UTCDateTime, default=utcnow)


class Report(db.Model):
    """Something a member thinks breaks the rules, for the territory's animators."""

    __tablename__ = "report"
    __table_args__ = (CheckConstraint("content_id IS NOT NULL OR comment_id IS NOT NULL", name="has_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int | None] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    handled_at = mapped_column(UTCDateTime, nullable=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    content = relationship("Content")
    comment = relationship("Comment")
    reporter = relationship("User", foreign_keys=[reporter_id])


class Notification(db.Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # comment, reply, … (csti/blueprints/mailprefs/operations.py SENTENCES)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    content_id: Mapped[int | None] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    # What the notification says beyond its kind, as it was when sent (a rejection's reason:
    # the item's own note changes when it is edited and submitted again).
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    read_at = mapped_column(UTCDateTime, nullable=True, index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)
    # When it was mailed (alone or in a digest), or claimed for mailing: each is mailed once
    # (csti/blueprints/mailprefs/operations.py). Set at creation where the feature mails it itself.
    mailed_at = mapped_column(UTCDateTime, nullable=True)

    actor = relationship("User", foreign_keys=[actor_id])
    content = relationship("Content")
    comment = relationship("Comment")
