"""Linked instances (issue #18, docs/architecture.md §19): items pulled from another site.

A ``SyncSource`` is a feed an administrator linked (``flask csti sync add URL --territory …``):
another csti instance's API or any iCalendar feed, whose items land in one local territory. A
``SyncedItem`` ties one local item to its remote identity (``UNIQUE(source_id, remote_id)``: a
run never duplicates), remembers the remote page to credit and link, and a digest of what was
imported (an unchanged item is not written again)."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["SyncSource", "SyncedItem"]

ICAL, CSTI = "ical", "csti"


class SyncSource(db.Model):
    __tablename__ = "sync_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default=ICAL)  # ical | csti
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"), index=True)
    # How its items credit it ("Imported from …"): the host by default.
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_run_at = mapped_column(UTCDateTime, nullable=True)
    last_ok_at = mapped_column(UTCDateTime, nullable=True)
    # Why the last run failed ("" when it went through); its counts when it did.
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_counts: Mapped[dict] = mapped_column(JSON, default=dict)

    territory = relationship("Territory")


class SyncedItem(db.Model):
    __tablename__ = "synced_item"
    __table_args__ = (UniqueConstraint("source_id", "remote_id", name="uq_synced_item_source_remote"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sync_source.id", ondelete="CASCADE"))
    remote_id: Mapped[str] = mapped_column(String(255))
    # NULL once a moderator deleted the item here: the row stays so that the next run does not bring it back.
    content_id: Mapped[int | None] = mapped_column(ForeignKey("content.id", ondelete="SET NULL"), unique=True)
    remote_url: Mapped[str] = mapped_column(String(500), default="")
    digest: Mapped[str] = mapped_column(String(64), default="")

    source = relationship("SyncSource")
    content = relationship("Content")
