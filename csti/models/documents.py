"""Documents attached to a content item (PDF and office files, docs/architecture.md §3): the
file is kept outside the public uploads (``DOCUMENT_DIR``) under a random name and served by
``documents.download`` only to those who may see the item (``csti/blueprints/documents/``)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

__all__ = ["Document"]

TITLE_MAX = 200
FILENAME_MAX = 160


class Document(db.Model):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))  # the name shown
    filename: Mapped[str] = mapped_column(String(FILENAME_MAX))  # the uploaded name, cleaned: the download's name
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)  # random, relative to DOCUMENT_DIR
    media_type: Mapped[str] = mapped_column(String(120))  # detected from the content, never from the name
    size: Mapped[int] = mapped_column(Integer)  # bytes
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    preview: Mapped[str | None] = mapped_column(String(80), nullable=True)  # a PDF's first page (WebP)

    content = relationship("Content")
    uploaded_by = relationship("User")

    @property
    def extension(self) -> str:
        return self.filename.rpartition(".")[2].lower() if "." in self.filename else ""
