"""Dossiers: a member's collection of any content, from any territory, in the order they choose
and with a note on each item. Public dossiers are publications like any other (listed, found by
search, moderated); a private one is seen by its owner and collaborators only.

A private dossier is kept as a draft: every list and feed that shows published content (tags,
profiles, homes, search) therefore never shows it, without having to know about dossiers."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ..extensions import db
from ..i18n import lazy_gettext as _l
from .base import UTCDateTime, utcnow
from .content import PUBLISHED, Content

__all__ = ["Dossier", "DossierCollaborator", "DossierItem", "DossierPartner"]

NOTE_MAX = 500
MAX_ITEMS = 500
MAX_COLLABORATORS = 20


class Dossier(Content):
    __tablename__ = "dossier"
    __mapper_args__ = {"polymorphic_identity": "dossier"}

    id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    is_private: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    items = relationship("DossierItem", back_populates="dossier", cascade="all, delete-orphan",
                         passive_deletes=True, foreign_keys="DossierItem.dossier_id",
                         order_by="(DossierItem.position, DossierItem.id)")
    # The partners' pages it is presented on (a thematic guide "for libraries"…), set by animators.
    partner_rows = relationship("DossierPartner", cascade="all, delete-orphan", passive_deletes=True,
                                lazy="selectin", order_by="DossierPartner.code")
    collaborators = relationship("DossierCollaborator", cascade="all, delete-orphan", passive_deletes=True,
                                 lazy="selectin", order_by="DossierCollaborator.id")

    kind_label = _l("Dossier")
    view_endpoint = "dossiers.show"

    def is_owner(self, user) -> bool:
        return getattr(user, "is_authenticated", False) and self.author_id == user.id

    def is_collaborator(self, user) -> bool:
        return getattr(user, "is_authenticated", False) and any(c.user_id == user.id for c in self.collaborators)

    def is_curator(self, user) -> bool:
        """The owner or a collaborator: those who add, order and annotate the items."""
        return self.is_owner(user) or self.is_collaborator(user)

    def item_for(self, content_id: int) -> DossierItem | None:
        return next((entry for entry in self.items if entry.content_id == content_id), None)


class DossierItem(db.Model):
    """One piece of content in a dossier, at ``position`` (smaller first), with the curator's note."""

    __tablename__ = "dossier_item"
    __table_args__ = (UniqueConstraint("dossier_id", "content_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"), index=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    dossier = relationship("Dossier", back_populates="items", foreign_keys=[dossier_id])
    content = relationship("Content", foreign_keys=[content_id], lazy="joined")
    added_by = relationship("User")


class DossierCollaborator(db.Model):
    __tablename__ = "dossier_collaborator"
    __table_args__ = (UniqueConstraint("dossier_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")


# How many published items a dossier holds, loaded with it (the lists show it without a query
# per card). The items' content rows are an alias: the dossier's own content row is the outer one.
_item_content = Content.__table__.alias("item_content")
Dossier.item_count = column_property(
    select(func.count(DossierItem.id))
    .join(_item_content, _item_content.c.id == DossierItem.content_id)
    .where(DossierItem.dossier_id == Dossier.id, _item_content.c.status == PUBLISHED,
           _item_content.c.members_only.is_not(True))
    .correlate_except(DossierItem, _item_content).scalar_subquery()
)


class DossierPartner(db.Model):
    """A dossier presented on a partner audience's page (``models.audiences.PARTNERS``) by an animator."""

    __tablename__ = "dossier_partner"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
