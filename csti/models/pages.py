"""Pages: editorial pages of the instance or of a territory (about, legal notice, the
accessibility statement the RGAA requires). The smallest content type on the core.

A page is written in one language (``language``, "" for a page every visitor reads alike) and
may be the translation of another (``translation_of``): the footer shows, of a page and its
translations, the one in the visitor's language (``footer_pages`` in templating.py)."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..i18n import lazy_gettext as _l
from .content import Content

__all__ = ["Page"]


class Page(Content):
    __tablename__ = "page"
    __mapper_args__ = {"polymorphic_identity": "page"}

    id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    in_footer: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(5), default="", server_default="")
    translation_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("page.id", ondelete="SET NULL"), index=True)

    translation_of = relationship("Page", remote_side=[id], foreign_keys=[translation_of_id],
                                  back_populates="translations")
    translations = relationship("Page", foreign_keys=[translation_of_id], back_populates="translation_of",
                                order_by="Page.language")

    kind_label = _l("Page")
    view_endpoint = "pages.show"

    @property
    def original(self) -> Page:
        """The page its translations hang on (itself when it translates none)."""
        return self.translation_of or self

    @property
    def versions(self) -> list[Page]:
        """Its other published language versions: the original and the original's translations."""
        original = self.original
        return [page for page in [original, *original.translations]
                if page.id != self.id and page.is_published and page.language]
