"""Territories (a region or a metropolis) and the roles members hold in them."""
from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["PUBLISH_ANIMATORS", "PUBLISH_CONTRIBUTORS", "PUBLISH_EVERYONE", "PUBLISH_POLICIES", "PUBLISH_TRUSTED",
           "ROLE_ANIMATOR", "ROLE_CONTRIBUTOR", "ROLE_MEMBER", "ROLES", "Membership", "Territory"]

ROLE_MEMBER = "member"
ROLE_CONTRIBUTOR = "contributor"
ROLE_ANIMATOR = "animator"
ROLES = (ROLE_MEMBER, ROLE_CONTRIBUTOR, ROLE_ANIMATOR)
ROLE_RANK = {ROLE_MEMBER: 1, ROLE_CONTRIBUTOR: 2, ROLE_ANIMATOR: 3}

# Moderation policy of a territory: who publishes without review (csti/policy.py, "publish").
PUBLISH_ANIMATORS = "animators"        # its animators only
PUBLISH_CONTRIBUTORS = "contributors"  # its contributors and animators (the default)
PUBLISH_TRUSTED = "trusted"            # …and its members with ``trusted_after`` publications approved
PUBLISH_EVERYONE = "everyone"          # every confirmed member of the territory
PUBLISH_POLICIES = (PUBLISH_ANIMATORS, PUBLISH_CONTRIBUTORS, PUBLISH_TRUSTED, PUBLISH_EVERYONE)
TRUSTED_AFTER_MIN, TRUSTED_AFTER_MAX = 1, 100


class Territory(db.Model):
    __tablename__ = "territory"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    center_lat: Mapped[float] = mapped_column(Float, default=46.6)
    center_lng: Mapped[float] = mapped_column(Float, default=2.4)
    zoom: Mapped[int] = mapped_column(Integer, default=7)
    color_primary: Mapped[str] = mapped_column(String(7), default="#1d4e89")
    color_secondary: Mapped[str] = mapped_column(String(7), default="#f2a900")
    logo: Mapped[str | None] = mapped_column(String(255))
    # Moderation policy: who publishes without review (PUBLISH_POLICIES), and after how many
    # publications of theirs were approved a member is trusted (PUBLISH_TRUSTED).
    publish_policy: Mapped[str] = mapped_column(String(20), default=PUBLISH_CONTRIBUTORS,
                                                server_default=PUBLISH_CONTRIBUTORS)
    trusted_after: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    created_at = mapped_column(UTCDateTime, default=utcnow)

    memberships = relationship("Membership", back_populates="territory", cascade="all, delete-orphan")

    def __repr__(self):
        return f"<Territory {self.slug}>"

    @staticmethod
    def by_name() -> list[Territory]:
        """Every territory by name, read once per request: the header's menu, the lists' territory
        filter and the moderation badge all show them (a query each before)."""
        from flask import has_request_context, request
        from sqlalchemy import select

        kept = getattr(request, "_csti_territories", None) if has_request_context() else None
        if kept is None:
            kept = db.session.scalars(select(Territory).order_by(Territory.name)).all()
            if has_request_context():
                request._csti_territories = kept
        return list(kept)  # the caller's own list

    @property
    def theme_version(self) -> str:
        """Part of its stylesheet's URL (``csti/theming.py``): changes with its colours."""
        from ..theming import theme_version

        return theme_version(self)

    def members_with_role(self, role):
        return [m.user for m in self.memberships if m.role == role]


class Membership(db.Model):
    """A user's role in one territory: member, contributor or animator."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "territory_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=ROLE_MEMBER)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", back_populates="memberships")
    territory = relationship("Territory", back_populates="memberships")
