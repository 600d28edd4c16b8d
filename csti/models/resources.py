"""The resource centre (issue #16): exhibitions, pedagogical kits, games, videos, books and
equipment that structures of the network own and lend. A resource is a content type like the
others (its owners are structures: ``Content.owners``); its audiences are the shared ones plus
school levels and partners (``models/audiences.py``).

A loan is a ``Booking``: a member asks for dates on behalf of one of their structures, the owning
structures' managers accept or decline it with a message. Accepted loans block their dates: no two
accepted bookings of one resource overlap (dates are whole days, both ends included), checked
while the resource's row is locked (``csti/blueprints/resources/bookings.py``)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    and_,
    exists,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import lazy_gettext as _l
from .base import UTCDateTime, utcnow
from .content import Content

__all__ = ["BOOKING_STATUSES", "RESOURCE_KINDS", "Booking", "Resource", "ResourcePhoto"]

RESOURCE_KINDS = {
    "exhibition": _l("Exhibition"),
    "kit": _l("Pedagogical kit"),
    "game": _l("Game"),
    "video": _l("Video"),
    "book": _l("Book"),
    "equipment": _l("Equipment"),
    "other": _l("Other resource"),
}

REQUESTED, ACCEPTED, DECLINED, CANCELLED, RETURNED = "requested", "accepted", "declined", "cancelled", "returned"
BOOKING_STATUSES = {
    REQUESTED: _l("Requested"),
    ACCEPTED: _l("Accepted"),
    DECLINED: _l("Declined"),
    CANCELLED: _l("Cancelled"),
    RETURNED: _l("Returned"),
}
# The bookings that hold their dates: an accepted loan, and one returned (its dates are past and
# were taken). A request holds nothing until it is accepted.
BLOCKING = (ACCEPTED, RETURNED)

TEXT_MAX = 2_000
MESSAGE_MAX = 2_000
PHOTOS_MAX = 8


class Resource(Content):
    __tablename__ = "resource"
    __mapper_args__ = {"polymorphic_identity": "resource"}

    id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    resource_kind: Mapped[str] = mapped_column(String(20), default="other", index=True)
    # Lent by its owners (an exhibition, a kit) or only presented (a video, a guide to download).
    lendable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), index=True)
    # Conditions: free or not; the price, deposit and insurance as the owner words them.
    is_free: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), index=True)
    price: Mapped[str] = mapped_column(String(200), default="", server_default="")
    deposit: Mapped[str] = mapped_column(String(200), default="", server_default="")
    insurance: Mapped[str] = mapped_column(String(500), default="", server_default="")
    conditions: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Logistics.
    dimensions: Mapped[str] = mapped_column(String(200), default="", server_default="")
    weight_kg: Mapped[float | None] = mapped_column(Numeric(8, 1))
    panels: Mapped[int | None] = mapped_column(Integer)
    transport: Mapped[str] = mapped_column(String(500), default="", server_default="")
    setup_minutes: Mapped[int | None] = mapped_column(Integer)
    # A video of it on an allow-listed host (loaded only after a click), "" for none.
    video_url: Mapped[str] = mapped_column(String(500), default="", server_default="")

    photos = relationship("ResourcePhoto", cascade="all, delete-orphan", passive_deletes=True,
                          order_by="(ResourcePhoto.position, ResourcePhoto.id)")
    bookings = relationship("Booking", back_populates="resource", cascade="all, delete-orphan",
                            passive_deletes=True, order_by="Booking.starts_on")

    kind_label = _l("Resource")
    view_endpoint = "resources.show"

    @property
    def resource_kind_label(self):
        return RESOURCE_KINDS.get(self.resource_kind, self.resource_kind)

    @property
    def card_label(self):
        return self.resource_kind_label

    @classmethod
    def available_clause(cls, start: date, end: date):
        """SQL: the resource is lendable and no booking that holds its dates meets [start, end]."""
        return and_(cls.lendable.is_(True), ~exists(
            select(Booking.id).where(Booking.resource_id == cls.id, Booking.status.in_(BLOCKING),
                                     Booking.starts_on <= end, Booking.ends_on >= start)))


class ResourcePhoto(db.Model):
    """A photo of a resource beyond its cover, stored like the covers (``csti/uploads.py``)."""

    __tablename__ = "resource_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(255))
    alt: Mapped[str] = mapped_column(String(300), default="", server_default="")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at = mapped_column(UTCDateTime, default=utcnow)


class Booking(db.Model):
    """A loan of a resource to a structure for [starts_on, ends_on], both days included."""

    __tablename__ = "booking"
    __table_args__ = (
        # A resource's bookings that hold dates, by date (the overlap check, the availability filter).
        Index("ix_booking_resource_id_status_starts_on", "resource_id", "status", "starts_on", "ends_on"),
        # "My requests" (a structure's) and "My loans" (an owner's, through the resource).
        Index("ix_booking_borrower_id_created_at", "borrower_id", "created_at"),
        # Both days included: a loan of one day ends the day it starts, none ends before (the form
        # says so next to the field; the database refuses it whatever writes it).
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    # The structure that borrows, and the member who asked on its behalf.
    borrower_id: Mapped[int] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=REQUESTED)
    message: Mapped[str] = mapped_column(Text, default="", server_default="")  # the request's
    answer: Mapped[str] = mapped_column(Text, default="", server_default="")  # the owner's
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    answered_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    resource = relationship("Resource", back_populates="bookings")
    borrower = relationship("Actor", foreign_keys=[borrower_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])

    @property
    def status_label(self):
        return BOOKING_STATUSES.get(self.status, self.status)

    @property
    def holds_dates(self) -> bool:
        return self.status in BLOCKING

    @property
    def has_started(self) -> bool:
        """Its first day has come (the site's local date): it may be marked returned, its
        owners may no longer cancel it."""
        return self.starts_on <= local_today()

    @property
    def has_ended(self) -> bool:
        """Its last day is past: the borrowers may no longer cancel it."""
        return self.ends_on < local_today()


def local_today() -> date:
    """Today in the site's time zone (``csti/dates.py``)."""
    from datetime import datetime

    from ..dates import local_zone

    return datetime.now(local_zone()).date()
