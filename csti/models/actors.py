"""Actors: the structures of the CSTI network (associations, fablabs, museums, labs…).

An ``Actor`` is a content type on the core (its name is the content title, its description the
body). People belong to structures (``ActorMember``: manager or member) and may claim one
("this is my structure", ``ClaimRequest``), decided by its managers or an animator.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import lazy_gettext as _l
from .base import UTCDateTime, utcnow
from .content import Content

__all__ = ["ACTOR_KINDS", "Actor", "ActorMember", "ClaimRequest"]

ACTOR_KINDS = {
    "association": _l("Association"),
    "fablab": _l("Fablab / makerspace"),
    "museum": _l("Museum or science centre"),
    "research": _l("Research organisation"),
    "university": _l("University or higher education"),
    "library": _l("Library / media library"),
    "company": _l("Company"),
    "tourism": _l("Tourism"),
    "third_place": _l("Third place"),
    "after_school": _l("After-school and leisure"),
    "school": _l("School"),
    "local_authority": _l("Local authority"),
    "other": _l("Other"),
}

SOCIAL_NETWORKS = {
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "youtube": "YouTube",
    "peertube": "PeerTube",
}

MANAGER, MEMBER = "manager", "member"
ACTOR_ROLES = {MANAGER: _l("Manager"), MEMBER: _l("Member")}

CLAIM_PENDING, CLAIM_ACCEPTED, CLAIM_REFUSED = "pending", "accepted", "refused"


class Actor(Content):
    __tablename__ = "actor"
    __mapper_args__ = {"polymorphic_identity": "actor"}

    id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    actor_kind: Mapped[str] = mapped_column(String(20), default="other", index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="", index=True)
    commune: Mapped[str] = mapped_column(String(120), default="")
    insee: Mapped[str] = mapped_column(String(5), default="")
    department: Mapped[str] = mapped_column(String(3), default="", index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    website: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    social: Mapped[dict] = mapped_column(JSON, default=dict)
    logo: Mapped[str | None] = mapped_column(String(255))
    siret: Mapped[str] = mapped_column(String(14), default="")
    rna: Mapped[str] = mapped_column(String(10), default="")
    # Set by the census import: the row's identifier in the source file, for idempotent re-imports.
    source_ref: Mapped[str] = mapped_column(String(64), default="", index=True)
    # The census file's own word for the kind when none of ACTOR_KINDS fitted (kind "other").
    kind_label_source: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # Placed at its commune's centre (the census import, when a row has no coordinates).
    location_approximate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    members = relationship("ActorMember", back_populates="actor", cascade="all, delete-orphan")

    kind_label = _l("Structure")
    view_endpoint = "actors.show"
    edit_loads = ("members",)  # policy: its managers edit it

    @property
    def name(self) -> str:
        return self.title

    @property
    def actor_kind_label(self):
        if self.actor_kind == "other" and self.kind_label_source:
            return self.kind_label_source
        return ACTOR_KINDS.get(self.actor_kind, self.actor_kind)

    @property
    def card_label(self):
        return self.actor_kind_label

    @property
    def card_image(self) -> str | None:
        return self.logo or self.cover_image

    @property
    def card_place(self) -> str:
        """Its commune and department: "Toulouse (31)"."""
        if not self.commune:
            return ""
        return f"{self.commune} ({self.department})" if self.department else self.commune

    @property
    def phone_display(self) -> str:
        """The phone number the French way ("05 61 00 00 00"; abroad, the international way)."""
        import phonenumbers

        try:
            number = phonenumbers.parse(self.phone, "FR")
        except phonenumbers.NumberParseException:
            return self.phone
        if not phonenumbers.is_valid_number(number):
            return self.phone
        french = phonenumbers.region_code_for_number(number) in ("FR", "GP", "MQ", "GF", "RE", "PM", "YT")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL if french
                                          else phonenumbers.PhoneNumberFormat.INTERNATIONAL)

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def managers(self):
        return [m.user for m in self.members if m.role == MANAGER]

    def role_of(self, user) -> str | None:
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        for m in self.members:
            if m.user_id == user.id:
                return m.role
        return None

    def is_manager(self, user) -> bool:
        return self.role_of(user) == MANAGER


class ActorMember(db.Model):
    __tablename__ = "actor_member"
    __table_args__ = (UniqueConstraint("user_id", "actor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default=MEMBER)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")
    actor = relationship("Actor", back_populates="members")


class ClaimRequest(db.Model):
    """"This is my structure": a member asks to manage (or join) an actor."""

    __tablename__ = "claim_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default=MANAGER)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=CLAIM_PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)
    decided_at = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    actor = relationship("Actor")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
