"""The search outbox: every change to searchable content writes a row here in the same
transaction; the rows are drained into the index after commit (csti/search/)."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["SearchOutbox"]


class SearchOutbox(db.Model):
    __tablename__ = "search_outbox"
    # A drain deletes the ids it read: an id must never be given again (SQLite reuses the largest
    # id + 1 without AUTOINCREMENT, and a slow drain would delete a newer change unapplied).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(index=True)  # no FK: the row outlives a deleted item
    op: Mapped[str] = mapped_column(String(10), default="index")  # index | delete
    created_at = mapped_column(UTCDateTime, default=utcnow)
