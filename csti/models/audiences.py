"""Audiences of a content item (structures, events…): one list for every type."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..i18n import lazy_gettext as _l

__all__ = ["ALL_AUDIENCES", "AUDIENCES", "PARTNERS", "SCHOOL_LEVELS", "ContentAudience"]

AUDIENCES = {
    "general_public": _l("General public"),
    "children": _l("Children"),
    "teenagers": _l("Teenagers"),
    "families": _l("Families"),
    "school_groups": _l("School groups"),
    "students": _l("Students"),
    "professionals": _l("Professionals"),
    "seniors": _l("Seniors"),
}
# What a resource (an exhibition, a kit…) is made for beyond the public: school levels, and the
# partners outside CSTI the network equips (mission 6) — each has its page, /partners/<code>.
SCHOOL_LEVELS = {
    "nursery_school": _l("Nursery school"),
    "primary_school": _l("Primary school"),
    "middle_school": _l("Middle school"),
    "high_school": _l("High school"),
    "higher_education": _l("Higher education"),
}
PARTNERS = {
    "libraries": _l("Libraries"),
    "tourism": _l("Tourism"),
    "companies": _l("Companies"),
    "third_places": _l("Third places"),
    "after_school": _l("After-school"),
}
# Every code a content item may carry (the types' forms offer the lists that fit them).
ALL_AUDIENCES = AUDIENCES | SCHOOL_LEVELS | PARTNERS


class ContentAudience(db.Model):
    __tablename__ = "content_audience"

    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
