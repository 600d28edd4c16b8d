"""The content core: every published thing is a ``Content`` row (joined-table inheritance).

What all kinds share — title, slug, Markdown body, territory, author, owning structures,
tags, status workflow, timestamps, URL — lives here once. A content type is a subclass with
its own table and a ``kind``; its blueprint serves ``/<kind>/<id>-<slug>``.
"""
from __future__ import annotations

from typing import ClassVar

from flask import url_for
from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text, false, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..markdown import render_markdown
from ..text import fold, slugify
from ..urls import item_url
from .base import UTCDateTime, utcnow
from .tags import Tag, content_tag

__all__ = ["ARCHIVED", "DRAFT", "PENDING", "PUBLISHED", "REJECTED", "STATUSES", "Content", "content_owner"]

DRAFT, PENDING, PUBLISHED, REJECTED, ARCHIVED = "draft", "pending", "published", "rejected", "archived"
STATUSES = (DRAFT, PENDING, PUBLISHED, REJECTED, ARCHIVED)
STATUS_LABELS = {
    DRAFT: _l("Draft"),
    PENDING: _l("Pending review"),
    PUBLISHED: _l("Published"),
    REJECTED: _l("Rejected"),
    ARCHIVED: _l("Archived"),
}

TITLE_MAX = 200
SUMMARY_MAX = 500
BODY_MAX = 100_000
COVER_ALT_MAX = 300

# Structures (actors) that own a piece of content. Both ends are content rows.
content_owner = Table(
    "content_owner",
    db.metadata,
    Column("content_id", ForeignKey("content.id", ondelete="CASCADE"), primary_key=True),
    Column("actor_id", ForeignKey("content.id", ondelete="CASCADE"), primary_key=True),
    # A structure's items from the index alone (its page, the agenda's organiser filter).
    Index("ix_content_owner_actor_id_content_id", "actor_id", "content_id"),
)


class Content(db.Model):
    __tablename__ = "content"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    slug: Mapped[str] = mapped_column(String(100), default="")
    # The title folded (no accents, lower case): sorts "Écomusée" with the E, not after Z.
    sort_key: Mapped[str] = mapped_column(String(TITLE_MAX), default="", index=True)
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitised rendering of body
    territory_id: Mapped[int | None] = mapped_column(
        ForeignKey("territory.id", ondelete="RESTRICT"), index=True
    )
    # NULL once the author deleted their account and chose to leave the content ("former member").
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    moderation_note: Mapped[str] = mapped_column(Text, default="")
    # Why an item that its author may publish waits for review all the same: a spam signal of a
    # new member ("links", "many_links", "burst"; csti/sanctions.py), shown in the queue; "" else.
    # Also set while it is down: "taken_down" (unpublished or archived by an animator) or
    # "sanction" (hidden by a sanction) — then saving it again queues it (moderation.submit).
    # Cleared once it is published.
    queued_because: Mapped[str] = mapped_column(String(20), default="", server_default="")
    cover_image: Mapped[str | None] = mapped_column(String(255))
    # The cover's text alternative for its page; "" when there is none or it is decorative
    # (cards always show it as decoration: the title follows).
    cover_alt: Mapped[str] = mapped_column(String(COVER_ALT_MAX), default="", server_default="")
    # "À la une": set by the territory's animators; lower ranks first, NULL = not featured.
    featured_rank: Mapped[int | None] = mapped_column()
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at = mapped_column(UTCDateTime, nullable=True, index=True)
    # The working group an item belongs to (a meeting, its minutes), NULL for none; with
    # ``members_only`` only the group's members, its coordinators, the territory's animators and
    # the admins see it: every list, feed and search leaves it out (``public_clause``, §3).
    group_id: Mapped[int | None] = mapped_column(ForeignKey("content.id", ondelete="SET NULL"), index=True)
    members_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    territory = relationship("Territory", lazy="joined")
    author = relationship("User", lazy="joined")
    tags = relationship(Tag, secondary=content_tag, order_by=Tag.slug, lazy="selectin")
    owners = relationship(
        "Content",
        secondary=content_owner,
        primaryjoin=lambda: Content.id == content_owner.c.content_id,
        secondaryjoin=lambda: Content.id == content_owner.c.actor_id,
        lazy="selectin",
    )

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "content"}
    # The lists' indexes (bench/README.md): a kind's published items newest first, instance-wide or
    # in a territory (and their counts); every kind's per territory; and (id, status, territory,
    # date) so that joins reaching content from occurrences, tags or owners filter and sort
    # without reading the wide rows (title, summary, body). The id ends the first two: SQLite's
    # indexes hold it anyway (the rowid), PostgreSQL then counts a kind and sorts a page of it
    # from the index alone, ties on the date included.
    __table_args__ = (
        Index("ix_content_kind_status_published_at", "kind", "status", "published_at", "id"),
        Index("ix_content_kind_status_updated_at", "kind", "status", "updated_at"),  # active projects
        # A kind's published items by title (the resources' list, A to Z) without sorting them all, and
        # counted from the index alone (members_only, which every list filters on, ends it).
        Index("ix_content_kind_status_sort_key_public", "kind", "status", "sort_key", "id", "members_only"),
        Index("ix_content_kind_status_territory_id", "kind", "status", "territory_id", "published_at", "id"),
        # A territory's items of a kind by title (the directory filtered by territory, A to Z): read
        # in order up to the page instead of sorting the territory's 2 000 structures (5 ms → 0.2 ms).
        Index("ix_content_kind_status_territory_sort_key", "kind", "status", "territory_id", "sort_key", "id",
              "members_only"),
        # Every kind's published items per territory, with members_only: the instance home's count
        # of public items per territory reads this index alone (their rows: 650 → 30 ms nationally).
        Index("ix_content_status_territory_id", "status", "territory_id", "published_at", "members_only"),
        # members_only too, which every public list tests: a territory's agenda walked to a deep
        # page tests each date's item from this index alone (its row holds the body, past its first page).
        Index("ix_content_id_status", "id", "status", "territory_id", "published_at", "members_only"),
        # The few featured items only: the database then knows "featured_rank IS NOT NULL" is rare.
        Index("ix_content_featured_rank", "featured_rank", sqlite_where=text("featured_rank IS NOT NULL"),
              postgresql_where=text("featured_rank IS NOT NULL")),
    )

    # Filled by subclasses: the label shown to people and the endpoint of their page.
    kind_label = _l("Content")
    view_endpoint: ClassVar[str | None] = None
    # The relationships ``can(user, "edit", item)`` reads beyond the item's own columns, loaded
    # with a list that shows edit links (a structure's members: "My content", accounts/routes.py).
    edit_loads: ClassVar[tuple[str, ...]] = ()
    KINDS: ClassVar[dict[str, type[Content]]] = {}

    # Audiences (general public, children…): one list for every type, see models/audiences.py.
    audience_rows = relationship("ContentAudience", cascade="all, delete-orphan", lazy="selectin",
                                 order_by="ContentAudience.code")

    @property
    def audiences(self) -> list[str]:
        return [row.code for row in self.audience_rows]

    @audiences.setter
    def audiences(self, codes) -> None:
        from .audiences import ALL_AUDIENCES, ContentAudience

        wanted = [c for c in dict.fromkeys(codes or []) if c in ALL_AUDIENCES]
        self.audience_rows = [row for row in self.audience_rows if row.code in wanted] + [
            ContentAudience(code=c) for c in wanted if c not in self.audiences]

    @property
    def audience_labels(self) -> list[str]:
        from .audiences import ALL_AUDIENCES

        return [str(ALL_AUDIENCES[c]) for c in self.audiences if c in ALL_AUDIENCES]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        identity = cls.__dict__.get("__mapper_args__", {}).get("polymorphic_identity")
        if identity:
            Content.KINDS[identity] = cls

    def __repr__(self):
        return f"<{type(self).__name__} {self.id} {self.title!r}>"

    @validates("title")
    def _set_title(self, key, value):
        value = " ".join((value or "").split())
        self.slug = slugify(value) or "sans-titre"
        self.sort_key = fold(value)[:TITLE_MAX]
        return value

    @validates("body")
    def _set_body(self, key, value):
        self.body_html = render_markdown(value or "")
        return value or ""

    # --- cards (templates/macros/card.html, docs/architecture.md §4) ---------------------
    @property
    def card_label(self):
        """The kind shown on its card: the type's own kind where it has one ("Talk", "News")."""
        return self.kind_label

    @property
    def card_facts(self) -> str | None:
        """The template of what its type's card adds (the registry's ``card_facts``)."""
        from .. import registry

        known = registry.all_kinds().get(self.kind)
        return known.card_facts if known is not None else None

    @property
    def card_image(self) -> str | None:
        """The stored image its card shows (decorative: the title follows it)."""
        return self.cover_image

    @property
    def card_span(self):
        """What its card dates when it is not its publication: an object with ``starts_at``,
        ``ends_at`` (an event's first date); None: the publication date."""
        return None

    @property
    def card_place(self) -> str:
        """Where it takes place or stands (a venue, a commune), "" for none."""
        return ""

    # --- URLs ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return item_url(self.view_endpoint, self.id, self.slug)

    @property
    def edit_url(self) -> str:
        """Its edit form: the ``edit`` view of its page's blueprint (``ContentViews``, §4)."""
        return url_for(self.view_endpoint.rpartition(".")[0] + ".edit", id=self.id)

    # --- workflow -----------------------------------------------------------------------
    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)

    def publish(self) -> None:
        self.status = PUBLISHED
        self.moderation_note = ""
        self.queued_because = ""  # a spam signal, a take-down (csti/moderation.py): settled
        if self.published_at is None:
            self.published_at = utcnow()

    def reject(self, note: str = "") -> None:
        self.status = REJECTED
        self.moderation_note = note

    def archive(self) -> None:
        self.status = ARCHIVED

    # --- tags ---------------------------------------------------------------------------
    def add_tag(self, name: str) -> Tag | None:
        tag = Tag.get_or_create(name)
        if tag is not None and tag not in self.tags:
            self.tags.append(tag)
        return tag

    def remove_tag(self, slug: str) -> bool:
        for tag in list(self.tags):
            if tag.slug == slug:
                self.tags.remove(tag)
                return True
        return False

    @classmethod
    def current_clause(cls):
        """SQL condition a published item of this type must meet to be listed as current (on a
        structure's page): None, always; a type whose items expire (announcements past their
        deadline) says when they are current."""
        return None

    @property
    def is_members_only(self) -> bool:
        """Seen by its working group's members only (``can(user, "view", item)``)."""
        return bool(self.members_only)

    @property
    def group(self):
        """The working group it belongs to, or None."""
        if self.group_id is None:
            return None
        return db.session.get(Content.KINDS["group"], self.group_id)  # models/groups.py

    @classmethod
    def public_clause(cls):
        """SQL condition every list, feed, search and notification of published items adds: not
        kept for a working group's members (docs/architecture.md §3)."""
        return cls.members_only.is_not(True)

    @classmethod
    def published(cls):
        """A select of this kind's published rows, newest first."""
        return (
            select(cls)
            .where(cls.status == PUBLISHED, cls.public_clause())
            .order_by(cls.published_at.desc(), cls.id.desc())
        )
