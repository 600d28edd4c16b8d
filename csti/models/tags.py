"""Tags, normalised to an accent- and case-insensitive slug."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..text import slugify

__all__ = ["Tag", "content_tag"]

content_tag = Table(
    "content_tag",
    db.metadata,
    Column("content_id", ForeignKey("content.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
    # A tag's items from the index alone (tag pages and feeds list tens of thousands).
    Index("ix_content_tag_tag_id_content_id", "tag_id", "content_id"),
)

TAG_MAX_LENGTH = 50


class Tag(db.Model):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(60))

    def __repr__(self):
        return f"<Tag {self.slug}>"

    @staticmethod
    def normalize(name: str) -> str:
        return slugify(name, max_length=TAG_MAX_LENGTH)

    @classmethod
    def get_or_create(cls, name: str) -> Tag | None:
        """The tag for ``name`` ('Fête', 'fete' and 'FÊTE' are one tag; a merged tag's name
        gives the tag kept); None if empty."""
        name = " ".join((name or "").split())[:TAG_MAX_LENGTH]
        slug = cls.normalize(name)
        if not slug:
            return None
        tag = db.session.scalar(select(cls).where(cls.slug == slug))
        if tag is None:  # a merged tag's name gives the tag it was merged into
            from .redirects import TagRedirect

            merged = db.session.get(TagRedirect, slug)
            if merged is not None:
                return db.session.get(cls, merged.tag_id)
        if tag is None:
            try:
                with db.session.begin_nested():
                    tag = cls(slug=slug, name=name)
                    db.session.add(tag)
            except IntegrityError:  # created meanwhile by a concurrent request
                tag = db.session.scalar(select(cls).where(cls.slug == slug))
        return tag
