"""Projects looking for partners: a stage, a team (members and structures), needs that are
open or met, and a timeline of updates. "I can help" reaches the team."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..markdown import render_markdown
from .base import UTCDateTime, utcnow
from .content import Content

__all__ = ["NEED_KINDS", "PROJECT_STAGES", "Project", "ProjectMember", "ProjectNeed", "ProjectUpdate"]

PROJECT_STAGES = {"idea": _l("Idea"), "in_progress": _l("In progress"), "finished": _l("Finished")}
NEED_KINDS = {
    "skills": _l("Skills"),
    "partners": _l("Partners"),
    "funding": _l("Funding"),
    "venue": _l("Venue"),
    "volunteers": _l("Volunteers"),
}
NEED_MAX = 500
UPDATE_MAX = 10_000


class Project(Content):
    __tablename__ = "project"
    __mapper_args__ = {"polymorphic_identity": "project"}

    id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(12), default="idea", index=True)
    website: Mapped[str] = mapped_column(String(255), default="")

    members = relationship("ProjectMember", cascade="all, delete-orphan", lazy="selectin",
                           order_by="ProjectMember.id")
    needs = relationship("ProjectNeed", cascade="all, delete-orphan", lazy="selectin",
                         order_by=lambda: [ProjectNeed.is_met, ProjectNeed.id])
    updates = relationship("ProjectUpdate", cascade="all, delete-orphan",
                           order_by="ProjectUpdate.created_at.desc()")

    kind_label = _l("Project")
    view_endpoint = "projects.show"

    @property
    def stage_label(self):
        return PROJECT_STAGES.get(self.stage, self.stage)

    @property
    def open_needs(self) -> list[ProjectNeed]:
        return [n for n in self.needs if not n.is_met]

    def team(self) -> list:
        """The people of the project: its author first, then the members, without repeats."""
        people = ([self.author] if self.author is not None else []) + [m.user for m in self.members]
        return list({u.id: u for u in people}.values())

    def in_team(self, user) -> bool:
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return self.author_id == user.id or any(m.user_id == user.id for m in self.members)


class ProjectMember(db.Model):
    __tablename__ = "project_member"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")


class ProjectNeed(db.Model):
    __tablename__ = "project_need"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    description: Mapped[str] = mapped_column(String(NEED_MAX), default="")
    is_met: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    project = relationship("Project", back_populates="needs")

    @property
    def kind_label(self):
        return NEED_KINDS.get(self.kind, self.kind)


class ProjectUpdate(db.Model):
    """One entry of the project's timeline."""

    __tablename__ = "project_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)

    author = relationship("User", lazy="joined")

    @validates("body")
    def _render(self, key, value):
        self.body_html = render_markdown(value or "")
        return value or ""
