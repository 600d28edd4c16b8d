"""Where merged things went: the old address of a merged tag or structure answers a 301 to the
one kept (csti/merges.py). A chain (A merged into B, then B into C) is kept flat: every row
always points at a live row, so one lookup is enough."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["ContentRedirect", "TagRedirect"]


class TagRedirect(db.Model):
    """A merged tag's slug → the tag it was merged into."""

    __tablename__ = "tag_redirect"

    old_slug: Mapped[str] = mapped_column(String(60), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)


class ContentRedirect(db.Model):
    """A merged item's id (a duplicate structure) → the item it was merged into."""

    __tablename__ = "content_redirect"

    old_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
