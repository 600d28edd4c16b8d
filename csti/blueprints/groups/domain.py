"""Working groups: joining, asking, inviting, leaving, coordinators; the group's meetings and
minutes; the members told in-site (notifications ``group_…``). Views, demo data and tests share
these operations; each one leaves everything as it was when it refuses (``GroupError``)."""
from __future__ import annotations

from sqlalchemy import func, select

from ...extensions import db
from ...i18n import gettext as _
from ...models import PUBLISHED, Article, AuditLog, Content, Event, EventOccurrence, Notification, User
from ...models.base import utcnow
from ...models.groups import (
    COORDINATOR,
    INVITATION,
    INVITED,
    JOINED,
    MEMBER,
    OPEN,
    REQUESTED,
    GroupMember,
    WorkingGroup,
)
from ...policy import can

REQUEST_KIND, INVITE_KIND, ACCEPTED_KIND, MEETING_KIND = "group_request", "group_invite", "group_accepted", "group_meeting"
MINUTES_KIND = "group_minutes"


class GroupError(Exception):
    def __init__(self, message, status=409):
        super().__init__(message)
        self.message, self.status = message, status


def _tell(user_ids, kind: str, group_or_item, actor) -> None:
    now = utcnow()
    rows = [{"user_id": uid, "kind": kind, "actor_id": getattr(actor, "id", None), "content_id": group_or_item.id,
             "created_at": now} for uid in dict.fromkeys(user_ids) if uid != getattr(actor, "id", None)]
    if rows:
        db.session.execute(Notification.__table__.insert(), rows)


def create_with_coordinator(group: WorkingGroup, user) -> None:
    """The group's creator is its first coordinator."""
    if user is not None and group.membership_of(user) is None:
        group.memberships.append(GroupMember(user=user, role=COORDINATOR, status=JOINED))


def join(group: WorkingGroup, user) -> GroupMember:
    """Join an open group at once, or ask to join one on request (its coordinators told).
    An invitation-only group: refused (403), nothing changed."""
    row = group.membership_of(user)
    if row is not None and row.status == JOINED:
        raise GroupError(_("You are already a member of this group."))
    if row is not None and row.status == REQUESTED:
        raise GroupError(_("You have already asked to join this group."))
    if row is not None and row.status == INVITED:
        return accept_invitation(group, user)
    if group.access == INVITATION or not can(user, "join", group):
        raise GroupError(_("This group is by invitation only: ask one of its coordinators to invite you."), 403)
    status = JOINED if group.access == OPEN else REQUESTED
    row = GroupMember(user=user, role=MEMBER, status=status)
    group.memberships.append(row)
    if status == REQUESTED:
        _tell([m.user_id for m in group.coordinators], REQUEST_KIND, group, user)
    AuditLog.record(user, "group.joined" if status == JOINED else "group.requested", group, group.territory)
    return row


def decide_request(group: WorkingGroup, user_id: int, accept: bool, by) -> GroupMember:
    row = next((m for m in group.requests if m.user_id == user_id), None)
    if row is None:
        raise GroupError(_("This request is no longer pending."), 404)
    if accept:
        row.status = JOINED
        _tell([row.user_id], ACCEPTED_KIND, group, by)
    else:
        group.memberships.remove(row)
    AuditLog.record(by, "group.request_accepted" if accept else "group.request_refused", group, group.territory,
                    user_id=user_id)
    return row


def find_user(who: str) -> User | None:
    """A member of the site by e-mail address (exactly) or name (exactly, case-insensitive; one only)."""
    who = " ".join((who or "").split())
    if not who:
        return None
    user = db.session.scalar(select(User).where(func.lower(User.email) == who.lower()))
    if user is not None:
        return user
    found = db.session.scalars(select(User).where(func.lower(User.name) == who.lower()).limit(2)).all()
    return found[0] if len(found) == 1 else None


def invite(group: WorkingGroup, who: str, by) -> GroupMember:
    user = find_user(who)
    if user is None:
        raise GroupError(_("No member of the site has this e-mail address or name (give the address if two "
                           "members share the name)."), 422)
    row = group.membership_of(user)
    if row is not None and row.status == JOINED:
        raise GroupError(_("%(name)s is already a member of the group.", name=user.name), 422)
    if row is not None and row.status == INVITED:
        raise GroupError(_("%(name)s is already invited.", name=user.name), 422)
    if row is not None:  # asked to join: the invitation accepts it
        row.status = JOINED
        _tell([user.id], ACCEPTED_KIND, group, by)
    else:
        row = GroupMember(user=user, role=MEMBER, status=INVITED)
        group.memberships.append(row)
        _tell([user.id], INVITE_KIND, group, by)
    AuditLog.record(by, "group.invited", group, group.territory, user_id=user.id)
    return row


def accept_invitation(group: WorkingGroup, user) -> GroupMember:
    row = group.membership_of(user)
    if row is None or row.status != INVITED:
        raise GroupError(_("You have no invitation to this group."), 403)
    row.status = JOINED
    _tell([m.user_id for m in group.coordinators], ACCEPTED_KIND, group, user)
    AuditLog.record(user, "group.joined", group, group.territory)
    return row


def decline_invitation(group: WorkingGroup, user) -> None:
    row = group.membership_of(user)
    if row is None or row.status != INVITED:
        raise GroupError(_("You have no invitation to this group."), 403)
    group.memberships.remove(row)


def leave(group: WorkingGroup, user) -> None:
    """Leave (or withdraw a request). The last coordinator stays: someone must hold the group."""
    row = group.membership_of(user)
    if row is None:
        raise GroupError(_("You are not a member of this group."), 404)
    if row.role == COORDINATOR and row.status == JOINED and len(group.coordinators) == 1:
        raise GroupError(_("You are the group's only coordinator: make another member coordinator first."))
    group.memberships.remove(row)
    AuditLog.record(user, "group.left", group, group.territory)


def set_role(group: WorkingGroup, user_id: int, role: str, by) -> GroupMember:
    row = next((m for m in group.members if m.user_id == user_id), None)
    if row is None:
        raise GroupError(_("This person is not a member of the group."), 404)
    if role not in (COORDINATOR, MEMBER):
        raise GroupError(_("Unknown role."), 400)
    if role == MEMBER and row.role == COORDINATOR and len(group.coordinators) == 1:
        raise GroupError(_("The group needs at least one coordinator."))
    before = row.role
    row.role = role
    AuditLog.record(by, "group.role_changed", group, group.territory, user_id=user_id,
                    before={"group_role": before}, after={"group_role": role})
    return row


def remove(group: WorkingGroup, user_id: int, by) -> GroupMember:
    row = next((m for m in group.memberships if m.user_id == user_id), None)
    if row is None:
        raise GroupError(_("This person is not a member of the group."), 404)
    if row.role == COORDINATOR and row.status == JOINED and len(group.coordinators) == 1:
        raise GroupError(_("The group needs at least one coordinator."))
    group.memberships.remove(row)
    AuditLog.record(by, "group.member_removed", group, group.territory, user_id=user_id)
    return row


# --- what the group's page lists -----------------------------------------------------------------
def coordinated_by(user) -> list[WorkingGroup]:
    """The published groups ``user`` coordinates (the event form's "Working group" choices)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return db.session.scalars(
        select(WorkingGroup).join(GroupMember, GroupMember.group_id == WorkingGroup.id)
        .where(GroupMember.user_id == user.id, GroupMember.status == JOINED, GroupMember.role == COORDINATOR,
               WorkingGroup.status == PUBLISHED).order_by(WorkingGroup.sort_key)).all()


def _visible(stmt, model, group, user):
    """The group's published items ``user`` may see: members-only ones for its members only."""
    stmt = stmt.where(model.group_id == group.id, model.status == PUBLISHED)
    if not can(user, "view_members_only", group):
        stmt = stmt.where(model.public_clause())
    return stmt


def meetings(group: WorkingGroup, user) -> dict:
    """The group's events: ``upcoming`` (by their next date) and ``past`` (latest first)."""
    now = utcnow()
    events = db.session.scalars(_visible(select(Event), Event, group, user)).all()
    ids = [e.id for e in events]
    nexts = dict(db.session.execute(select(EventOccurrence.event_id, func.min(EventOccurrence.starts_at))
                                    .where(EventOccurrence.event_id.in_(ids), EventOccurrence.ends_at >= now)
                                    .group_by(EventOccurrence.event_id)).all()) if ids else {}
    lasts = dict(db.session.execute(select(EventOccurrence.event_id, func.max(EventOccurrence.starts_at))
                                    .where(EventOccurrence.event_id.in_(ids))
                                    .group_by(EventOccurrence.event_id)).all()) if ids else {}
    upcoming = sorted((e for e in events if e.id in nexts), key=lambda e: nexts[e.id])
    past = sorted((e for e in events if e.id not in nexts), key=lambda e: lasts.get(e.id) or e.created_at,
                  reverse=True)
    return {"upcoming": upcoming, "past": past}


def minutes(group: WorkingGroup, user) -> list:
    return db.session.scalars(_visible(select(Article), Article, group, user)
                              .order_by(Article.published_at.desc(), Article.id.desc()).limit(50)).all()


def notify_group_item(item: Content, first_time: bool) -> None:
    """A meeting of a group published: its members are told (``group_meeting``), once; so are
    its minutes (``group_minutes``: an article of kind "minutes" tied to one of its meetings)."""
    if item.group_id is None or not first_time:
        return
    if item.kind == "event":
        kind = MEETING_KIND
    elif item.kind == "article" and getattr(item, "article_kind", None) == "minutes":
        kind = MINUTES_KIND
    else:
        return
    group = db.session.get(WorkingGroup, item.group_id)
    if group is None:
        return
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.content_id == item.id, Notification.kind == kind)))
    _tell([m.user_id for m in group.members if m.user_id not in told], kind, item, item.author)


def groups_of(user) -> list[WorkingGroup]:
    if not getattr(user, "is_authenticated", False):
        return []
    return db.session.scalars(select(WorkingGroup).join(GroupMember, GroupMember.group_id == WorkingGroup.id)
                              .where(GroupMember.user_id == user.id, GroupMember.status == JOINED)
                              .order_by(WorkingGroup.sort_key)).all()

