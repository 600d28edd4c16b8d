"""Sanctions on an account (docs/architecture.md §10): a suspension (for a time) or a ban (for a
time or for good) keeps a member from logging in — and so from posting —, and "hide" takes a
member's published items (and comments) out of sight. Each row remembers which items its hiding
took away, so that lifting it puts back exactly those."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String, Text, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["AccountSanction", "SANCTION_KINDS"]

SUSPEND, BAN, HIDE = "suspend", "ban", "hide"
SANCTION_KINDS = (SUSPEND, BAN, HIDE)
BLOCKING = (SUSPEND, BAN)  # what keeps from logging in


class AccountSanction(db.Model):
    __tablename__ = "account_sanction"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # suspend | ban | hide
    reason: Mapped[str] = mapped_column(Text)
    # NULL: given by an admin, for the whole instance; else the territory whose animator gave it
    # (who else may lift it: that territory's animators).
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id", ondelete="SET NULL"))
    starts_at = mapped_column(UTCDateTime, default=utcnow)
    ends_at = mapped_column(UTCDateTime, nullable=True)  # NULL: for good (a ban; "hide" has no end)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    lifted_at = mapped_column(UTCDateTime, nullable=True)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    lift_reason: Mapped[str] = mapped_column(Text, default="")
    # Ids of the content rows and comments this sanction hid (and lifting shows again).
    hidden_content: Mapped[list] = mapped_column(JSON, default=list)
    hidden_comments: Mapped[list] = mapped_column(JSON, default=list)
    # Ids of the published surveys it took offline (their public link: 404 until lifted).
    hidden_surveys: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    user = relationship("User", foreign_keys=[user_id])
    by = relationship("User", foreign_keys=[by_id])
    lifted_by = relationship("User", foreign_keys=[lifted_by_id])
    territory = relationship("Territory")

    @classmethod
    def blocking_clause(cls, now=None):
        """Rows that keep their member from logging in at ``now``: a suspension or a ban, not
        lifted, begun and not over (``now``: an instant, or a bound parameter)."""
        if now is None:
            now = utcnow()
        return and_(cls.kind.in_(BLOCKING), cls.lifted_at.is_(None), cls.starts_at <= now,
                    or_(cls.ends_at.is_(None), cls.ends_at > now))

    @property
    def is_blocking(self) -> bool:
        now = utcnow()
        return (self.kind in BLOCKING and self.lifted_at is None and self.starts_at <= now
                and (self.ends_at is None or self.ends_at > now))

    @property
    def hidden_count(self) -> int:
        return len(self.hidden_content or []) + len(self.hidden_comments or []) + len(self.hidden_surveys or [])
