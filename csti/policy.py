"""One permission policy: ``can(user, action, obj)``.

Views call it before acting, templates call it to decide which buttons to show, the API
will call it too. Nothing is ever trusted from the client.

Roles are per territory — member < contributor < animator — plus a global admin flag.
- member: joins a territory, proposes content (reviewed unless the territory's moderation
  policy, ``Territory.publish_policy``, lets members — or trusted ones — publish directly);
- contributor: publishes without review in that territory (unless its policy keeps that to
  the animators);
- animator: moderates, features, appoints contributors in that territory;
- admin: everything, including appointing animators.
"""
from __future__ import annotations

from functools import lru_cache

from flask import has_request_context, request
from werkzeug.local import LocalProxy

from .models.accounts import User
from .models.actors import MANAGER, Actor
from .models.content import PUBLISHED, Content
from .models.discussion import Comment
from .models.dossiers import Dossier
from .models.events import Event
from .models.groups import INVITATION, OPEN, WorkingGroup
from .models.projects import Project
from .models.resources import Booking, Resource
from .models.sanctions import AccountSanction
from .models.surveys import Survey
from .models.territories import (
    PUBLISH_ANIMATORS,
    PUBLISH_CONTRIBUTORS,
    PUBLISH_EVERYONE,
    PUBLISH_TRUSTED,
    ROLE_ANIMATOR,
    ROLE_CONTRIBUTOR,
    Territory,
)

_RULES = {}


def rule(action, kind):
    def register(fn):
        _RULES[(action, kind)] = fn
        return fn

    return register


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can(user, action: str, obj=None) -> bool:
    """True when ``user`` may do ``action`` on ``obj`` (a Territory, a Content, a User or None)."""
    if isinstance(user, LocalProxy):  # ``current_user``: resolved once, not at each attribute the rules read
        user = user._get_current_object()
    authenticated = _authenticated(user)
    if not authenticated and action not in ("view",):
        return False
    if authenticated and user.is_admin:
        return True
    kinds = [type(obj)] + [c for c in type(obj).__mro__[1:]] if obj is not None else [type(None)]
    for kind in kinds:
        fn = _RULES.get((action, kind))
        if fn is not None:
            return bool(fn(user, obj))
    return False


def is_animator(user, territory) -> bool:
    if not _authenticated(user):
        return False
    if user.is_admin:
        return True
    return territory is not None and user.has_role(territory, ROLE_ANIMATOR)


# --- site-wide ------------------------------------------------------------------------------
@rule("admin", type(None))
def _admin(user, obj):
    return False  # admins were let through above


# --- territories --------------------------------------------------------------------------
def _animates(user, territory):
    return user.has_role(territory, ROLE_ANIMATOR)


# What a territory's animators (and the admins, let through above) do there: moderate; change
# its settings (not its address: admins); read its audit log and its statistics (the whole
# site's: admins, "admin"); appoint members and contributors (only admins appoint animators,
# checked again per role in the view with "appoint_animator").
for _action in ("moderate", "edit_settings", "view_audit", "view_stats", "manage_roles"):
    rule(_action, Territory)(_animates)


@rule("appoint_animator", Territory)
def _appoint_animator(user, territory):
    return False


@rule("create_content", Territory)
def _create_content(user, territory):
    return user.is_confirmed


# --- what needs a confirmed e-mail address ----------------------------------------------------
# Joining a territory or a structure, registering to an event, liking, following and reporting:
# an account whose address nobody confirmed could be one of thousands a script made.
# (registering to an event: its own rule below, which asks for a confirmed address too).
def _confirmed(user, _target):
    return user.is_confirmed


for _action, _kind in (("join", Territory), ("like", Content), ("report", Content),
                       ("follow", object)):  # follow: a publication, a member or a tag
    rule(_action, _kind)(_confirmed)


# --- content ------------------------------------------------------------------------------
@rule("view", Content)
def _view_content(user, content):
    if content.members_only:
        return _view_members_only(user, content)
    if content.status == PUBLISHED:
        return True
    if not _authenticated(user):
        return False
    return user.is_admin or content.author_id == user.id or is_animator(user, content.territory)


def _view_members_only(user, content) -> bool:
    """An item kept for a working group's members: its members and coordinators (the author
    too, who wrote it for them), the animators of the group's territory (not those of another
    territory the item might name), the admins — published or not for the members, unpublished
    only for its author and the animators (docs/architecture.md §3)."""
    if not _authenticated(user):
        return False
    group = content.group
    if user.is_admin or content.author_id == user.id or is_animator(user, group.territory if group else content.territory):
        return True
    return content.status == PUBLISHED and group is not None and group.is_member(user)


def _organises(user, content) -> bool:
    """``user`` manages one of the structures the content is published for. On a page read
    (GET or HEAD) whose item's owners are not loaded, a statement asks, its answer kept for the
    request — a page asks for each of its tools (edit, documents, registrations…): for the
    page's own item, that of the member's part of the page (``memberpage.member_page``: with the
    likes and their comments); for another item (a card), one EXISTS. Loading the owners and
    their members for it took two (their parts of the page are kept: ``fragments.page_part``).
    Otherwise (a form's post: owners just changed are in the session) the loaded owners answer."""
    from sqlalchemy import inspect

    user_id = getattr(user, "id", None)
    if (user_id is not None and content.id is not None and "owners" in inspect(content).unloaded
            and has_request_context() and request.method in ("GET", "HEAD")):
        from .memberpage import member_page, request_memo

        state = member_page(user, content)
        if state is not None:
            return state.organises

        asked = request_memo("_csti_organises")
        key = (user_id, content.id)
        if key not in asked:
            from .extensions import db

            asked[key] = bool(db.session.scalar(_ORGANISES(), {"user_id": user_id, "content_id": content.id}))
        return asked[key]
    return any(getattr(owner, "is_manager", None) and owner.is_manager(user) for owner in content.owners)


@lru_cache(maxsize=1)
def _ORGANISES():  # noqa: N802 — a statement, built once (its cache key computed once)
    from sqlalchemy import bindparam, exists, select

    from .models.actors import ActorMember
    from .models.content import content_owner

    return select(exists().where(
        content_owner.c.content_id == bindparam("content_id"), ActorMember.actor_id == content_owner.c.actor_id,
        ActorMember.user_id == bindparam("user_id"), ActorMember.role == MANAGER))


@rule("edit", Content)
def _edit_content(user, content):
    """The author, the managers of an owning structure, the territory's animators — and, for an
    item kept for a working group's members, only those of them who may see it."""
    if not (content.author_id == user.id or _organises(user, content) or is_animator(user, content.territory)):
        return False
    return not content.members_only or _view_members_only(user, content)


@rule("tag", Content)
def _tag_content(user, content):
    return _edit_content(user, content)


@rule("delete", Content)
def _delete_content(user, content):
    return _edit_content(user, content)


@rule("publish", Content)
def _publish_content(user, content):
    """Publish without review, in the content's own territory, as its moderation policy says
    (``Territory.publish_policy``): its animators always; its contributors unless the policy is
    "animators"; its confirmed members when it is "everyone", or "trusted" and they already had
    ``trusted_after`` publications approved there (one COUNT, only then).
    Belonging to another territory, with whatever role, gives no right here."""
    territory = content.territory
    if territory is None:
        return False  # instance-wide content: admins only
    policy = territory.publish_policy or PUBLISH_CONTRIBUTORS
    if user.has_role(territory, ROLE_ANIMATOR):
        return True
    if policy == PUBLISH_ANIMATORS:
        return False
    if user.has_role(territory, ROLE_CONTRIBUTOR):
        return True
    if policy not in (PUBLISH_TRUSTED, PUBLISH_EVERYONE):
        return False
    if not user.is_confirmed or user.membership_in(territory) is None:
        return False
    return policy == PUBLISH_EVERYONE or is_trusted(user, territory, exclude=content)


def is_trusted(user, territory, exclude=None) -> bool:
    """``user`` had at least ``territory.trusted_after`` publications approved (published) in
    ``territory`` — ``exclude`` (the item being decided) not counted."""
    from sqlalchemy import func, select

    from .extensions import db

    stmt = select(func.count(Content.id)).where(
        Content.author_id == user.id, Content.territory_id == territory.id, Content.status == PUBLISHED)
    if exclude is not None and exclude.id is not None:
        stmt = stmt.where(Content.id != exclude.id)
    with db.session.no_autoflush:  # asked while an item is being edited: nothing half-made is written
        count = db.session.scalar(stmt) or 0
    return count >= (territory.trusted_after or 1)


@rule("moderate", Content)
def _moderate_content(user, content):
    return is_animator(user, content.territory)


@rule("take_down", Content)
def _take_down_content(user, content):
    """Unpublish, archive or delete a published item (csti/moderation.py ``take_down``): its author
    and the animators of THE item's territory (admins were let through above) — not the animators
    of another territory, nor a structure's managers; an item kept for a working group's members
    only by those of them who may see it."""
    if content.members_only and not _view_members_only(user, content):
        return False
    return content.author_id == user.id or is_animator(user, content.territory)


# --- people -------------------------------------------------------------------------------
@rule("edit", User)
def _edit_user(user, other):
    return user.id == other.id


# --- sanctions (csti/sanctions.py, docs/architecture.md §10) -------------------------------
# Admins (let through above) suspend, ban and hide anyone's content on the whole instance — the
# views still refuse an admin as the target, and oneself. An animator may suspend (never ban) and
# hide the content of a member ALL of whose territories they animate — a suspension is
# account-wide, and an animator may add anyone to their territory from its roles page: a member
# of another territory too is the admins' — unless that member animates a territory: animators
# answer to the admins.
def sanction_territories(user, other) -> list:
    """The territories of ``other`` when ``user`` animates every one of them and ``other``
    animates none; else [] (a member of no territory, or of one ``user`` does not animate)."""
    memberships = list(other.memberships)
    if other.is_admin or user.id == other.id or any(m.role == ROLE_ANIMATOR for m in memberships):
        return []
    if not all(user.has_role(m.territory_id, ROLE_ANIMATOR) for m in memberships):
        return []
    return [m.territory for m in memberships]


@rule("suspend", User)
def _suspend_user(user, other):
    return bool(sanction_territories(user, other))


@rule("hide_content", User)
def _hide_user_content(user, other):
    return bool(sanction_territories(user, other))


@rule("ban", User)
def _ban_user(user, other):
    return False


@rule("sanctions", type(None))
def _sanctions_page(user, obj):
    """The list of current sanctions: animators (each sees those of their territories)."""
    return any(m.role == ROLE_ANIMATOR for m in user.memberships)


@rule("lift", AccountSanction)
def _lift_sanction(user, sanction):
    """A suspension or hiding given for a territory: its animators; the rest: admins."""
    return (sanction.kind != "ban" and sanction.territory_id is not None
            and user.has_role(sanction.territory_id, ROLE_ANIMATOR))


# --- actors (structures) -------------------------------------------------------------------
@rule("view", Actor)
def _view_actor(user, actor):
    """As any content, and the structure's own team sees its page before it is published."""
    return _view_content(user, actor) or actor.role_of(user) is not None


@rule("edit", Actor)
def _edit_actor(user, actor):
    """Managers of the structure, the territory's animators; the proposer until published."""
    if actor.is_manager(user) or is_animator(user, actor.territory):
        return True
    return actor.author_id == user.id and actor.status != PUBLISHED


@rule("take_down", Actor)
def _take_down_actor(user, actor):
    """A structure belongs to its team once it has one, not to whoever first proposed it: its
    managers and the animators of its territory (admins) — its proposer only as a manager."""
    return actor.is_manager(user) or is_animator(user, actor.territory)


@rule("tag", Actor)
def _tag_actor(user, actor):
    return _edit_actor(user, actor)


@rule("join", Actor)
def _join_actor(user, actor):
    """Claim a place in a structure's team."""
    return user.is_confirmed


@rule("import_actors", Territory)
def _import_actors(user, territory):
    return user.has_role(territory, ROLE_ANIMATOR)


# --- events ---------------------------------------------------------------------------------
@rule("edit", Event)
def _edit_event(user, event):
    """The author, the managers of an organising structure, the territory's animators."""
    return _edit_content(user, event)


@rule("tag", Event)
def _tag_event(user, event):
    return _edit_event(user, event)


@rule("register", Event)
def _register_event(user, event):
    return user.is_confirmed


@rule("manage_registrations", Event)
def _manage_registrations(user, event):
    return _edit_event(user, event)


# --- projects -------------------------------------------------------------------------------
@rule("edit", Project)
def _edit_project(user, project):
    """As any content, and the people of the project's team."""
    return _edit_content(user, project) or project.in_team(user)


@rule("tag", Project)
def _tag_project(user, project):
    return _edit_project(user, project)


@rule("manage_team", Project)
def _manage_team(user, project):
    return _edit_project(user, project)


@rule("offer_help", Project)
def _offer_help(user, project):
    return user.is_confirmed and project.status == PUBLISHED and not project.in_team(user)


# --- dossiers -------------------------------------------------------------------------------
@rule("view", Dossier)
def _view_dossier(user, dossier):
    """A private dossier: its owner and collaborators only (admins were let through above).
    A public one: as any content, and its collaborators see it before it is published."""
    if dossier.is_curator(user):
        return True
    return not dossier.is_private and _view_content(user, dossier)


@rule("edit", Dossier)
def _edit_dossier(user, dossier):
    """The owner and the collaborators."""
    return dossier.is_curator(user)


@rule("tag", Dossier)
def _tag_dossier(user, dossier):
    return _edit_dossier(user, dossier)


@rule("add_items", Dossier)
def _add_items(user, dossier):
    """Add, order, annotate and remove items: the owner and the collaborators."""
    return dossier.is_curator(user)


@rule("delete", Dossier)
def _delete_dossier(user, dossier):
    return dossier.is_owner(user)


@rule("manage_collaborators", Dossier)
def _manage_collaborators(user, dossier):
    return dossier.is_owner(user)


@rule("set_visibility", Dossier)
def _set_visibility(user, dossier):
    """Public or private: the owner's choice, not a collaborator's."""
    return dossier.is_owner(user)


@rule("take_down", Dossier)
def _take_down_dossier(user, dossier):
    """A private dossier is its owner's alone; a public one as any item."""
    return dossier.is_owner(user) if dossier.is_private else _take_down_content(user, dossier)


@rule("moderate", Dossier)
def _moderate_dossier(user, dossier):
    """Animators moderate public dossiers; private ones are not theirs to see."""
    return not dossier.is_private and is_animator(user, dossier.territory)


@rule("flag_partners", Dossier)
def _flag_partners(user, dossier):
    """Present a dossier as a guide on the partners' pages (/partners/<code>): the animators of
    its territory (and the admins); the view refuses a dossier that is not public (422)."""
    return is_animator(user, dossier.territory)


# --- discussion -----------------------------------------------------------------------------
@rule("comment", Content)
def _comment(user, content):
    return user.is_confirmed and content.status == PUBLISHED and (
        not content.members_only or _view_content(user, content))


# --- working groups -------------------------------------------------------------------------
@rule("comment", WorkingGroup)
def _comment_group(user, group):
    """A group's page is public; its discussion is its members' (and animators')."""
    return (user.is_confirmed and group.status == PUBLISHED
            and (group.is_member(user) or is_animator(user, group.territory)))


@rule("edit", WorkingGroup)
def _edit_group(user, group):
    return _edit_content(user, group) or group.is_coordinator(user)


@rule("tag", WorkingGroup)
def _tag_group(user, group):
    return _edit_group(user, group)


@rule("join", WorkingGroup)
def _join_group(user, group):
    """Join at once (open) or ask to (on request); an invitation-only group: invited only
    (``accept_invitation``)."""
    return (user.is_confirmed and group.status == PUBLISHED and group.access != INVITATION
            and group.membership_of(user) is None)


@rule("join_now", WorkingGroup)
def _join_now(user, group):
    return _join_group(user, group) and group.access == OPEN


@rule("manage_members", WorkingGroup)
def _manage_members(user, group):
    """Accept requests, invite, promote and remove: the coordinators and the animators."""
    return group.is_coordinator(user) or is_animator(user, group.territory)


@rule("view_members_only", WorkingGroup)
def _view_members_only_of(user, group):
    """The group's items kept for its members: its members, the territory's animators."""
    return group.is_member(user) or is_animator(user, group.territory)


@rule("create_meeting", WorkingGroup)
def _create_meeting(user, group):
    return group.status == PUBLISHED and group.is_coordinator(user)


@rule("edit", Comment)
def _edit_comment(user, comment):
    return comment.author_id == user.id


@rule("report", Comment)
def _report_comment(user, comment):
    return user.is_confirmed


@rule("delete", Comment)
def _delete_comment(user, comment):
    return comment.author_id == user.id or is_animator(user, comment.content.territory)


# --- merges (csti/merges.py) ----------------------------------------------------------------
def _animates_somewhere(user) -> bool:
    return any(m.role == ROLE_ANIMATOR for m in user.memberships)


@rule("merge_tags", type(None))
def _merge_tags(user, _obj):
    """Tags are instance-wide: the animators of any territory merge duplicates (and the admins)."""
    return _animates_somewhere(user)


@rule("merge_actors", type(None))
def _merge_actors_page(user, _obj):
    """The page that merges duplicate structures: for animators (each merge checks "merge")."""
    return _animates_somewhere(user)


@rule("merge", Actor)
def _merge_actor(user, actor):
    """Merge this structure into another, or another into it: the animators of its territory
    (a merge needs it on both structures)."""
    return is_animator(user, actor.territory)


# --- loans of resources (csti/blueprints/resources/bookings.py) -------------------------------
# A confirmed member asks on behalf of one of their structures (checked with the form); the
# managers of a structure that owns the resource answer and mark it returned; the member who
# asked and the borrowing structure's managers cancel. A territory's animators moderate the
# resource as a publication but do not lend a structure's property: they do not answer for it
# (admins, let through above, may).
@rule("request_loan", Resource)
def _request_loan(user, resource):
    return user.is_confirmed and resource.status == PUBLISHED


def _lends(user, booking) -> bool:
    """``user`` manages a structure that owns the booked resource."""
    return _organises(user, booking.resource)


@rule("answer_loan", Booking)
def _answer_loan(user, booking):
    return _lends(user, booking)


@rule("return_loan", Booking)
def _return_loan(user, booking):
    return _lends(user, booking)


@rule("cancel_loan", Booking)
def _cancel_loan(user, booking):
    """The borrowers' side: the member who asked while still in the borrowing structure, its
    managers. (The owners' managers cancel an accepted loan before it starts: ``answer_loan``,
    ``bookings.change(as_owner=True)``.)"""
    role = booking.borrower.role_of(user) if booking.borrower is not None else None
    return role is not None and (booking.requested_by_id == user.id or role == MANAGER)


@rule("view_loan", Booking)
def _view_loan(user, booking):
    """The owners' managers, the borrowing structure's team today (not the member who asked and
    has left it since)."""
    return _lends(user, booking) or (booking.borrower is not None and booking.borrower.role_of(user) is not None)


# --- evaluation surveys (csti/blueprints/surveys/) ---------------------------------------------
# A confirmed member makes standalone surveys; a survey attached to an event, a project or a
# resource is made by whoever may edit that item (its author, its structures' managers, its
# territory's animators). A survey is managed — edited, published, its results read, exported
# and its abusive texts hidden — by its organiser and by whoever may edit the item it evaluates.
# Answering needs no account and no permission: only the survey being open (answering.py).
@rule("create_survey", type(None))
def _create_survey(user, _target):
    return user.is_confirmed


@rule("evaluate", Content)
def _evaluate(user, content):
    return user.is_confirmed and can(user, "edit", content)


@rule("manage", Survey)
def _manage_survey(user, survey):
    return survey.owner_id == user.id or (survey.content is not None and can(user, "edit", survey.content))


# --- API keys (csti/apikeys.py) -----------------------------------------------------------------
@rule("create_api_key", type(None))
def _create_api_key(user, _obj):
    """A confirmed member creates API keys (for themselves: each member sees and revokes only their own)."""
    return user.is_confirmed
