"""Announcements: calls for projects or partners, jobs and internships, volunteering, lending
and borrowing. Each has a deadline and leaves the lists once it has passed."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String, or_
from sqlalchemy.orm import Mapped, mapped_column

from ..dates import local_zone
from ..i18n import lazy_gettext as _l
from .base import utcnow
from .content import Content

__all__ = ["ANNOUNCEMENT_KINDS", "Announcement"]

ANNOUNCEMENT_KINDS = {
    "call_projects": _l("Call for projects"),
    "call_partners": _l("Call for partners"),
    "job": _l("Job or internship"),
    "volunteering": _l("Volunteering"),
    "lending": _l("Lending / borrowing"),
    "other": _l("Other"),
}


class Announcement(Content):
    __tablename__ = "announcement"
    __mapper_args__ = {"polymorphic_identity": "announcement"}

    id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    announcement_kind: Mapped[str] = mapped_column(String(20), default="other", index=True)
    # Last day to answer (Europe/Paris calendar date), included; NULL = no deadline.
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    link: Mapped[str] = mapped_column(String(500), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")

    kind_label = _l("Announcement")
    view_endpoint = "announcements.show"

    @property
    def announcement_kind_label(self):
        return ANNOUNCEMENT_KINDS.get(self.announcement_kind, self.announcement_kind)

    @property
    def card_label(self):
        return self.announcement_kind_label

    def is_expired(self, today: date | None = None) -> bool:
        return self.deadline is not None and self.deadline < (today or local_today())

    @classmethod
    def current_clause(cls):
        return cls.open_clause()

    @classmethod
    def open_clause(cls, today: date | None = None):
        """SQL condition: no deadline, or a deadline today or later."""
        return or_(cls.deadline.is_(None), cls.deadline >= (today or local_today()))


def local_today() -> date:
    return utcnow().astimezone(local_zone()).date()
