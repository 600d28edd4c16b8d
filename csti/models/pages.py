"""Pages: editorial pages of the instance or of a territory (about, legal notice, the
accessibility statement the RGAA requires). The smallest content type on the core."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from .content import Content

__all__ = ["Page"]


class Page(Content):
    __tablename__ = "page"
    __mapper_args__ = {"polymorphic_identity": "page"}

    id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    in_footer: Mapped[bool] = mapped_column(Boolean, default=False)

    kind_label = _l("Page")
    view_endpoint = "pages.show"
