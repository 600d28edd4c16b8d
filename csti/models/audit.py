"""Who did what: role changes, moderation decisions, deletions."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["AuditLog"]


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[int | None] = mapped_column()
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id", ondelete="SET NULL"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User")

    @classmethod
    def record(cls, actor, action, target=None, territory=None, **details):
        entry = cls(
            actor_id=getattr(actor, "id", None),
            action=action,
            target_type=type(target).__name__.lower() if target is not None else "",
            target_id=getattr(target, "id", None),
            territory_id=getattr(territory, "id", None),
            details=details,
        )
        db.session.add(entry)
        return entry
