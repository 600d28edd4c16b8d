"""Audiences of a content item (structures, events…): one list for every type."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

__all__ = ["AUDIENCES", "ContentAudience"]

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


class ContentAudience(db.Model):
    __tablename__ = "content_audience"

    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
