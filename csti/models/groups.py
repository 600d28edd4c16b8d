"""Working groups: members of the network meeting on a subject. A group is content (its page,
its list, follows, comments); ``GroupMember`` rows say who belongs, who asked to join and who was
invited. Items of the group (meetings, minutes) may be kept for its members
(``Content.members_only``, docs/architecture.md §3)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ..extensions import db
from ..i18n import lazy_gettext as _l
from .base import UTCDateTime, utcnow
from .content import Content

__all__ = ["GROUP_ACCESS", "GroupMember", "WorkingGroup"]

OPEN, REQUEST, INVITATION = "open", "request", "invitation"
GROUP_ACCESS = {
    OPEN: _l("Open: anyone may join"),
    REQUEST: _l("On request: the coordinators accept"),
    INVITATION: _l("By invitation only"),
}
ACCESS_SHORT = {OPEN: _l("Open"), REQUEST: _l("On request"), INVITATION: _l("By invitation")}
COORDINATOR, MEMBER = "coordinator", "member"
ROLES = {COORDINATOR: _l("Coordinator"), MEMBER: _l("Member")}
# A row's status: belongs (member), asked to join (requested), invited (invited).
JOINED, REQUESTED, INVITED = "member", "requested", "invited"


class GroupMember(db.Model):
    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "user_id", name="uq_group_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12), default=MEMBER)
    status: Mapped[str] = mapped_column(String(12), default=JOINED)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")
    group = relationship("WorkingGroup", back_populates="memberships")

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)


class WorkingGroup(Content):
    __tablename__ = "working_group"
    __mapper_args__ = {"polymorphic_identity": "group"}

    id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"), primary_key=True)
    access: Mapped[str] = mapped_column(String(12), default=OPEN)

    memberships = relationship("GroupMember", back_populates="group", cascade="all, delete-orphan",
                               passive_deletes=True, order_by="GroupMember.created_at")

    kind_label = _l("Working group")
    view_endpoint = "groups.show"

    @property
    def access_label(self):
        return GROUP_ACCESS.get(self.access, self.access)

    @property
    def access_short(self):
        return ACCESS_SHORT.get(self.access, self.access)

    def membership_of(self, user) -> GroupMember | None:
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return db.session.scalar(select(GroupMember).where(GroupMember.group_id == self.id,
                                                           GroupMember.user_id == user.id))

    def is_member(self, user) -> bool:
        """Belongs to the group (a member or a coordinator), not merely asked or invited."""
        row = self.membership_of(user)
        return row is not None and row.status == JOINED

    def is_coordinator(self, user) -> bool:
        row = self.membership_of(user)
        return row is not None and row.status == JOINED and row.role == COORDINATOR

    @property
    def members(self) -> list[GroupMember]:
        return [m for m in self.memberships if m.status == JOINED]

    @property
    def coordinators(self) -> list[GroupMember]:
        return [m for m in self.memberships if m.status == JOINED and m.role == COORDINATOR]

    @property
    def requests(self) -> list[GroupMember]:
        return [m for m in self.memberships if m.status == REQUESTED]

    @property
    def invitations(self) -> list[GroupMember]:
        return [m for m in self.memberships if m.status == INVITED]


# How many members a group has, loaded with it (its card shows it without a query per card).
WorkingGroup.member_count = column_property(
    select(func.count(GroupMember.id))
    .where(GroupMember.group_id == WorkingGroup.id, GroupMember.status == JOINED)
    .correlate_except(GroupMember).scalar_subquery()
)
