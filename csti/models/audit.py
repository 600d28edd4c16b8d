"""Who did what: role changes, moderation decisions, deletions."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["AuditLog"]


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    # A territory's log, newest first (its animators' audit page, filtered by dates).
    __table_args__ = (Index("ix_audit_log_territory_id_created_at", "territory_id", "created_at"),)

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
        """``details``: ``reason=``, and ``before={...}`` / ``after={...}`` — small dicts of the
        changed fields (``changes``) — that the audit page shows as "field: old → new"."""
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


def changes(obj, fields, values: dict) -> tuple[dict, dict]:
    """``(before, after)``: the fields of ``obj`` whose value in ``values`` differs, for
    ``AuditLog.record(..., before=before, after=after)``; values JSON-safe (str otherwise)."""
    before, after = {}, {}
    for name in fields:
        if name not in values:
            continue
        old, new = getattr(obj, name, None), values[name]
        if old != new:
            before[name], after[name] = _plain(old), _plain(new)
    return before, after


def _plain(value):
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
