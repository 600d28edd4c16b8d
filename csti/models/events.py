"""Events: the agenda. An ``Event`` is a content type on the core; its dates are expanded into
``EventOccurrence`` rows (one per date, bounded) so that the agenda filters by date with plain
SQL whatever the recurrence. Organisers are the core's owning structures (``Content.owners``).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    case,
    event,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship

from ..extensions import db
from ..i18n import lazy_gettext as _l
from . import base
from .base import UTCDateTime, utcnow
from .content import Content

__all__ = ["Event", "EventOccurrence", "Registration"]

EVENT_KINDS = {
    "exhibition": _l("Exhibition"),
    "talk": _l("Conference / talk"),
    "workshop": _l("Workshop"),
    "festival": _l("Festival"),
    "forum": _l("Forum"),
    "training": _l("Training"),
    "meeting": _l("Meeting"),
    "visit": _l("Visit"),
    "show": _l("Show"),
    "online": _l("Online event"),
    "other": _l("Other"),
}
ATTENDANCE_MODES = {"in_person": _l("In person"), "online": _l("Online"), "mixed": _l("In person and online")}
SCHEDULE_STATUSES = {
    "scheduled": _l("Scheduled"),
    "postponed": _l("Postponed"),
    "cancelled": _l("Cancelled"),
    "full": _l("Full"),
}
ACCESSIBILITY = {
    "motor": _l("Motor disability"),
    "hearing": _l("Hearing disability"),
    "visual": _l("Visual disability"),
    "psychic": _l("Mental / psychic disability"),
    "intellectual": _l("Intellectual disability"),
}
RECURRENCES = {"none": _l("One date (or several dates)"), "weekly": _l("Every week"),
               "monthly": _l("Every month, on the same weekday")}
REGISTRATION_MODES = {"none": _l("No registration"), "external": _l("On another website"),
                      "site": _l("On this site")}

CONFIRMED, WAITING, CANCELLED = "confirmed", "waiting", "cancelled"
MAX_OCCURRENCES = 366


class Event(Content):
    __tablename__ = "event"
    __mapper_args__ = {"polymorphic_identity": "event"}

    id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    event_kind: Mapped[str] = mapped_column(String(20), default="other", index=True)
    # First occurrence (UTC); the agenda uses the occurrences table.
    starts_at = mapped_column(UTCDateTime, index=True)
    ends_at = mapped_column(UTCDateTime)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    recurrence: Mapped[str] = mapped_column(String(10), default="none")
    recurrence_until = mapped_column(UTCDateTime, nullable=True)
    # Extra dates (ISO local datetimes) and excluded dates (ISO local dates).
    extra_dates: Mapped[list] = mapped_column(JSON, default=list)
    exceptions: Mapped[list] = mapped_column(JSON, default=list)

    attendance_mode: Mapped[str] = mapped_column(String(10), default="in_person")
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("actor.id", ondelete="SET NULL"), index=True)
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    commune: Mapped[str] = mapped_column(String(120), default="")
    insee: Mapped[str] = mapped_column(String(5), default="")
    department: Mapped[str] = mapped_column(String(3), default="", index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    online_url: Mapped[str] = mapped_column(String(500), default="")

    schedule_status: Mapped[str] = mapped_column(String(10), default="scheduled", index=True)
    is_free: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    price_text: Mapped[str] = mapped_column(String(200), default="")
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    accessibility: Mapped[list] = mapped_column(JSON, default=list)
    accessibility_text: Mapped[str] = mapped_column(Text, default="")

    registration_mode: Mapped[str] = mapped_column(String(10), default="none")
    registration_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_deadline = mapped_column(UTCDateTime, nullable=True)
    waiting_list: Mapped[bool] = mapped_column(Boolean, default=True)
    registration_closed: Mapped[bool] = mapped_column(Boolean, default=False)

    # Trainings for CSTI professionals
    objectives: Mapped[str] = mapped_column(Text, default="")
    prerequisites: Mapped[str] = mapped_column(Text, default="")
    trainer: Mapped[str] = mapped_column(String(200), default="")
    duration_text: Mapped[str] = mapped_column(String(100), default="")
    certificate: Mapped[bool] = mapped_column(Boolean, default=False)

    # By a second query, not joined: the structure-and-content join of a venue makes SQLite read
    # every structure (bench/README.md).
    venue = relationship("Actor", foreign_keys=[venue_id], lazy="selectin")
    occurrences = relationship("EventOccurrence", back_populates="event", cascade="all, delete-orphan",
                               order_by="EventOccurrence.starts_at")
    registrations = relationship("Registration", back_populates="event", cascade="all, delete-orphan",
                                 order_by="Registration.position")

    kind_label = _l("Event")
    view_endpoint = "events.show"

    @property
    def event_kind_label(self):
        return EVENT_KINDS.get(self.event_kind, self.event_kind)

    @property
    def schedule_status_label(self):
        return SCHEDULE_STATUSES.get(self.schedule_status, self.schedule_status)

    @property
    def accessibility_labels(self):
        return [str(ACCESSIBILITY[a]) for a in (self.accessibility or []) if a in ACCESSIBILITY]

    @property
    def is_training(self) -> bool:
        return self.event_kind == "training"

    @property
    def card_label(self):
        return self.event_kind_label

    @property
    def card_span(self):
        """The date of the cards that show the event without one of its dates (a tag's page,
        search results, "My content"…): its next date — the first that has not ended —, else
        its last one (``is_past``), else its first (``starts_at``/``ends_at`` copy it).

        Found for every event of the session at once, by one query on the first card that asks
        (``card_dates``): a page of cards costs one statement whatever its length."""
        return card_dates(self).get(self.id) or self

    @property
    def registration_label(self):
        """Its cards' registration state: "" without registration, else where one registers
        ("On this site", "On another website") or that it is closed."""
        from ..i18n import gettext

        if self.registration_mode == "none":
            return ""
        if self.registration_closed:
            return gettext("Registration closed.")
        return REGISTRATION_MODES.get(self.registration_mode, "")

    @property
    def card_place(self) -> str:
        """Its venue and commune, else the place typed in, else "Online" (the agenda's place)."""
        from ..i18n import gettext

        if self.venue is not None:
            return ", ".join(filter(None, (self.venue.title, self.venue.commune)))
        if self.venue_name or self.commune:
            return ", ".join(filter(None, (self.venue_name, self.commune)))
        return gettext("Online") if self.attendance_mode == "online" else ""

    @property
    def place_latitude(self):
        return self.venue.latitude if self.venue is not None and self.latitude is None else self.latitude

    @property
    def place_longitude(self):
        return self.venue.longitude if self.venue is not None and self.longitude is None else self.longitude


class EventOccurrence(db.Model):
    __tablename__ = "event_occurrence"

    id: Mapped[int] = mapped_column(primary_key=True)
    # (ends_at, starts_at, event_id): "what has not ended yet" and "what is under way" (not
    # ended, begun) read the index alone (bench/README.md; the agenda's first page).
    # (territory_id, ends_at): a territory's dates that have not ended, without reading all its
    # past events first, with starts_at and event_id: its dates under way read the index alone;
    # (territory_id, starts_at): its next dates in order (territory homes), with ends_at and
    # event_id: a territory's agenda walked to a deep page reads the index alone.
    __table_args__ = (Index("ix_event_occurrence_ends_at_starts_at", "ends_at", "starts_at", "event_id"),
                      Index("ix_event_occurrence_territory_id_ends_at", "territory_id", "ends_at", "starts_at",
                            "event_id"),
                      Index("ix_event_occurrence_territory_id_starts_at", "territory_id", "starts_at", "ends_at",
                            "event_id"))

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    starts_at = mapped_column(UTCDateTime, index=True)
    ends_at = mapped_column(UTCDateTime)
    # The event's territory, copied after every flush that touches the event or its dates
    # (``sync_occurrence_territories``): the agenda's territory filter reads it from the index.
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id", ondelete="SET NULL"))
    # The date's iCalendar UID, the same for its whole life — when it is moved to another day or
    # hour too (``csti.blueprints.events.schedule.schedule`` keeps the rows of the dates that stay): calendars that
    # subscribed update it instead of showing it twice.
    uid: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid4()))

    event = relationship("Event", back_populates="occurrences")


class Registration(db.Model):
    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=CONFIRMED, index=True)
    # Order of arrival within the event: the waiting list is served in this order.
    position: Mapped[int] = mapped_column(Integer, default=0)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event = relationship("Event", back_populates="registrations")
    user = relationship("User", lazy="joined")


@dataclass(frozen=True, slots=True)
class CardDate:
    """The date an event's card shows: its next one, or its last one when ``is_past``."""
    starts_at: datetime
    ends_at: datetime
    is_past: bool


CARD_DATES = "csti.event_card_dates"  # in Session.info: {event id: CardDate | None}
CARD_DATES_BATCH = 500


def card_dates(item: Event) -> dict:
    """{event id: CardDate} of ``item`` and of every other event of its session not looked up
    yet, by one query: each event's first date that has not ended, else its last date. Kept in
    the session until its transaction ends or it flushes (``_forget_card_dates``)."""
    session = object_session(item)
    if session is None or item.id is None:
        return {}
    known = session.info.setdefault(CARD_DATES, {})
    if item.id in known:
        return known
    return card_dates_of(session, [item.id] + [
        o.id for o in list(session.identity_map.values())
        if isinstance(o, Event) and o.id is not None and o.id not in known and o.id != item.id])


def card_dates_of(session, ids: list) -> dict:
    """``card_dates`` of the events ``ids`` (loaded or not: a page's kept cards,
    ``listing.Deferred``), those not known yet read by one query."""
    known = session.info.setdefault(CARD_DATES, {})
    ids = [i for i in ids if i not in known][:CARD_DATES_BATCH]
    if ids:
        known.update(dict.fromkeys(ids))
        for event_id, starts_at, ends_at, is_past in session.execute(
                _card_dates_statement(), {"ids": ids, "now": base.utcnow()}):
            known[event_id] = CardDate(starts_at, ends_at, bool(is_past))
    return known


@functools.cache
def _card_dates_statement():
    """``card_dates``' query, built once (its cache key too: computed once per statement
    object), the events' ids and the instant as parameters."""
    occurrence = EventOccurrence.__table__.c
    now = bindparam("now", type_=occurrence.ends_at.type)
    past = case((occurrence.ends_at >= now, 0), else_=1)
    rank = func.row_number().over(partition_by=occurrence.event_id, order_by=(
        past, case((occurrence.ends_at >= now, occurrence.starts_at)), occurrence.starts_at.desc()))
    ranked = select(occurrence.event_id, occurrence.starts_at, occurrence.ends_at, past.label("past"),
                    rank.label("rank")).where(occurrence.event_id.in_(bindparam("ids", expanding=True))).subquery()
    return select(ranked.c.event_id, ranked.c.starts_at, ranked.c.ends_at, ranked.c.past).where(ranked.c.rank == 1)


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_card_dates(session, *args):
    session.info.pop(CARD_DATES, None)


@event.listens_for(Session, "after_flush")
def sync_occurrence_territories(session, flush_context):
    """Copy the territory of the events that changed territory or got new dates onto their
    dates, in the database (the flushed rows are the truth, whatever the objects in memory say).
    Other flushes of an event — a registration, a new title — leave the dates alone."""
    ids = {obj.event_id for obj in session.new if isinstance(obj, EventOccurrence) and obj.event_id is not None}
    ids |= {obj.id for obj in session.dirty if isinstance(obj, Event) and obj.id is not None
            and (inspect(obj).attrs.territory_id.history.has_changes()
                 or inspect(obj).attrs.territory.history.has_changes())}
    if not ids:
        return
    session.connection().execute(
        update(EventOccurrence.__table__).where(EventOccurrence.__table__.c.event_id.in_(ids)).values(
            territory_id=select(Content.__table__.c.territory_id).where(
                Content.__table__.c.id == EventOccurrence.__table__.c.event_id).scalar_subquery()))
