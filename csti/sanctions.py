"""Sanctions on accounts and spam signals (docs/architecture.md §10).

- ``impose`` suspends or bans a member (reason required, for a time; a ban may be for good): every
  session of theirs ends at once, the login refuses them with the end date, the user loader
  refuses any session left (one place: nothing they could post gets through), and the sanction
  ends by itself at ``ends_at``; ``lift`` ends it early. Both are in the audit log.
- ``hide_content`` takes every published item of a member (in the territories the sanction
  covers; all of them for an admin) out of sight in one guarded bulk update — published →
  archived — and their visible comments (visible → hidden) and published surveys (offline),
  and remembers their ids on the sanction; ``restore_content`` (lifting) puts back exactly those still in that state.
- ``spam_signal`` says why a new member's post should wait for review although they may publish.
"""
from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, format_datetime
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import selectinload

from .extensions import db
from .i18n import gettext as _
from .i18n import lazy_gettext as _l
from .models import ARCHIVED, PUBLISHED, AuditLog, Content, User, UserSession
from .models.base import utcnow
from .models.discussion import HIDDEN, VISIBLE, Comment
from .models.sanctions import BAN, HIDE, SUSPEND, AccountSanction
from .models.search import SearchOutbox
from .models.territories import ROLE_ANIMATOR

QUEUE_REASONS = {
    "links": _l("links in a first post"),
    "many_links": _l("many links"),
    "burst": _l("burst of posts"),
    # Put back by its author after an animator took it down or a sanction hid it (csti/moderation.py).
    "taken_down": _l("taken down by an animator, edited since"),
    "sanction": _l("hidden by a sanction, edited since"),
}
KIND_LABELS = {SUSPEND: _l("Suspension"), BAN: _l("Ban"), HIDE: _l("Content hidden")}


class SanctionError(Exception):
    def __init__(self, message, status=403):
        super().__init__(message)
        self.message = message
        self.status = status


# --- who is sanctioned ---------------------------------------------------------------------
def blocking_sanction(user) -> AccountSanction | None:
    """The sanction that keeps ``user`` from logging in now (the one ending last), or None."""
    if user is None or user.id is None:
        return None
    return db.session.scalar(
        select(AccountSanction).where(AccountSanction.user_id == user.id, AccountSanction.blocking_clause())
        .order_by(AccountSanction.ends_at.is_(None).desc(), AccountSanction.ends_at.desc()).limit(1))


def refusal_message(sanction: AccountSanction, user) -> str:
    """What the login page says, in the member's own language (dates included)."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        if sanction.ends_at is None:
            return _("Your account is banned: you can no longer log in.")
        until = format_datetime(sanction.ends_at, "d MMMM y HH:mm")
        if sanction.kind == BAN:
            return _("Your account is banned until %(date)s: you cannot log in before then.", date=until)
        return _("Your account is suspended until %(date)s: you cannot log in before then.", date=until)


def check_target(actor, target, kind: str) -> None:
    """Refuse (``SanctionError``, 403) what no permission allows: an admin as the target, oneself,
    a ban by a non-admin, a member outside the actor's territories."""
    from .policy import can

    if target.is_admin:
        raise SanctionError(_("An administrator cannot be suspended, banned or have their content hidden."))
    if target.id == actor.id:
        raise SanctionError(_("You cannot sanction yourself."))
    action = {SUSPEND: "suspend", BAN: "ban", HIDE: "hide_content"}[kind]
    if not can(actor, action, target):
        if kind == BAN:
            raise SanctionError(_("Only administrators can ban a member."))
        raise SanctionError(_("You can only sanction members all of whose territories you animate (not an "
                              "animator): a member of another territory too is for the administrators."))


def scope_territory(actor, target):
    """The territory a sanction by ``actor`` is given for: None for an admin (the instance),
    else the first territory (by name) the actor animates and the target belongs to."""
    from .policy import sanction_territories

    if actor.is_admin:
        return None
    territories = sorted(sanction_territories(actor, target), key=lambda t: t.name)
    return territories[0] if territories else None


# --- imposing and lifting ------------------------------------------------------------------
def impose(actor, target, kind: str, reason: str, ends_at=None, hide: bool = False) -> AccountSanction:
    """Suspend or ban ``target`` (or only hide their content: kind "hide"). The caller checked
    the form (reason given, a suspension's end in the future) and commits."""
    check_target(actor, target, kind)
    if kind == SUSPEND and ends_at is None:
        raise SanctionError(_("A suspension needs an end date."), 422)
    territory = scope_territory(actor, target)
    sanction = AccountSanction(user_id=target.id, kind=kind, reason=reason, territory_id=getattr(territory, "id", None),
                               starts_at=utcnow(), ends_at=ends_at if kind != HIDE else None, by_id=actor.id,
                               hidden_content=[], hidden_comments=[], lift_reason="")
    db.session.add(sanction)
    db.session.flush()
    if kind in (SUSPEND, BAN):
        end_all_sessions(target)
    hidden = hide_content(sanction, actor) if (hide or kind == HIDE) else 0
    AuditLog.record(actor, f"user.{ {SUSPEND: 'suspended', BAN: 'banned', HIDE: 'content_hidden'}[kind] }",
                    target, territory, reason=reason, sanction_id=sanction.id,
                    before={"sanctioned": False},
                    after={"kind": kind, "ends_at": sanction.ends_at.isoformat() if sanction.ends_at else None,
                           "hidden": hidden})
    return sanction


def end_all_sessions(user: User) -> None:
    """Every session of ``user`` ends, and links mailed before stop logging in."""
    user.end_other_sessions()  # bumps session_version
    db.session.execute(db.delete(UserSession).where(UserSession.user_id == user.id))


def lift(sanction: AccountSanction, by, reason: str = "") -> int:
    """End ``sanction`` now (or, once over, give back what it hid): the hidden items are shown
    again. Returns how many came back. The caller checked the permission and commits."""
    before = {"lifted": False, "ends_at": sanction.ends_at.isoformat() if sanction.ends_at else None}
    sanction.lifted_at = utcnow()
    sanction.lifted_by_id = by.id
    sanction.lift_reason = reason
    restored = restore_content(sanction)
    AuditLog.record(by, "user.sanction_lifted", sanction.user, sanction.territory, reason=reason,
                    sanction_id=sanction.id, kind=sanction.kind, before=before,
                    after={"lifted": True, "restored": restored})
    return restored


def current_sanctions(user) -> list[AccountSanction]:
    """What a sanctions page lists for ``user``: not lifted, and either still blocking or holding
    hidden content; an animator sees those given for the territories they animate."""
    now = utcnow()
    stmt = (select(AccountSanction).where(AccountSanction.lifted_at.is_(None)).order_by(AccountSanction.starts_at.desc())
            .options(selectinload(AccountSanction.user), selectinload(AccountSanction.by),
                     selectinload(AccountSanction.territory)))  # what the page shows of each
    if not user.is_admin:
        animated = [m.territory_id for m in user.memberships if m.role == ROLE_ANIMATOR]
        stmt = stmt.where(AccountSanction.territory_id.in_(animated))
    rows = db.session.scalars(stmt.limit(500)).all()
    return [s for s in rows if (s.ends_at is None and s.kind != HIDE) or (s.ends_at and s.ends_at > now)
            or s.hidden_content or s.hidden_comments]


# --- hiding a member's content -------------------------------------------------------------
def _index_again(ids) -> None:
    """The search index follows a bulk update (the ORM's flush hooks do not see it)."""
    if ids:
        db.session.execute(insert(SearchOutbox), [{"content_id": i, "op": "index"} for i in ids])
        db.session.info["csti_search_dirty"] = True


def hide_content(sanction: AccountSanction, actor) -> int:
    """Every published item and visible comment of the sanctioned member — within the sanction's
    territory when an animator gave it — leaves the site in one guarded update each; their ids
    are kept on the sanction. Returns how many. Structures are left out: the member may have
    proposed one, it is its team's page (take one down on its own if need be). A hidden item is
    marked (``queued_because`` "sanction"): its author saving it again sends it to the queue."""
    items = select(Content.id).where(Content.author_id == sanction.user_id, Content.status == PUBLISHED,
                                     Content.kind != "actor")
    comments = select(Comment.id).join(Content, Content.id == Comment.content_id).where(
        Comment.author_id == sanction.user_id, Comment.status == VISIBLE)
    if sanction.territory_id is not None:
        items = items.where(Content.territory_id == sanction.territory_id)
        comments = comments.where(Content.territory_id == sanction.territory_id)
    item_ids = list(db.session.scalars(items))
    comment_ids = list(db.session.scalars(comments))
    if item_ids:
        db.session.execute(update(Content).where(Content.id.in_(item_ids), Content.status == PUBLISHED)
                           .values(status=ARCHIVED, queued_because="sanction")
                           .execution_options(synchronize_session="fetch"))
        _index_again(item_ids)
    if comment_ids:
        db.session.execute(update(Comment).where(Comment.id.in_(comment_ids), Comment.status == VISIBLE)
                           .values(status=HIDDEN).execution_options(synchronize_session="fetch"))
    sanction.hidden_content = sorted(set(sanction.hidden_content or []) | set(item_ids))
    sanction.hidden_comments = sorted(set(sanction.hidden_comments or []) | set(comment_ids))
    survey_ids = _hide_surveys(sanction)
    return len(item_ids) + len(comment_ids) + len(survey_ids)


def _hide_surveys(sanction: AccountSanction) -> list[int]:
    """The member's published surveys (those of the sanction's territory when an animator gave
    it) go offline: their public link answers 404, their results stay with whoever manages them.
    Publishing one again is refused until the sanction is lifted (``survey_withheld``)."""
    from .models.surveys import Survey

    surveys = select(Survey.id).where(Survey.owner_id == sanction.user_id, Survey.published.is_(True))
    if sanction.territory_id is not None:
        surveys = surveys.where(Survey.territory_id == sanction.territory_id)
    ids = list(db.session.scalars(surveys))
    if ids:
        db.session.execute(update(Survey).where(Survey.id.in_(ids), Survey.published.is_(True))
                           .values(published=False).execution_options(synchronize_session="fetch"))
    sanction.hidden_surveys = sorted(set(sanction.hidden_surveys or []) | set(ids))
    return ids


def survey_withheld(survey) -> AccountSanction | None:
    """The sanction, not lifted, that took ``survey`` offline (None if none did)."""
    if survey.owner_id is None:
        return None
    for sanction in db.session.scalars(select(AccountSanction).where(
            AccountSanction.user_id == survey.owner_id, AccountSanction.lifted_at.is_(None))):
        if survey.id in (sanction.hidden_surveys or []):
            return sanction
    return None


def restore_content(sanction: AccountSanction) -> int:
    """Show again what ``sanction`` hid, those still in the state it left them in (an item
    someone archived or deleted since stays as it is)."""
    restored = 0
    ids = list(sanction.hidden_content or [])
    if ids:
        back = list(db.session.scalars(select(Content.id).where(Content.id.in_(ids), Content.status == ARCHIVED)))
        if back:
            db.session.execute(update(Content).where(Content.id.in_(back), Content.status == ARCHIVED)
                               .values(status=PUBLISHED, queued_because="")
                               .execution_options(synchronize_session="fetch"))
            _index_again(back)
        restored += len(back)
    ids = list(sanction.hidden_comments or [])
    if ids:
        result = db.session.execute(update(Comment).where(Comment.id.in_(ids), Comment.status == HIDDEN)
                                    .values(status=VISIBLE).execution_options(synchronize_session="fetch"))
        restored += result.rowcount or 0
    ids = list(sanction.hidden_surveys or [])
    if ids:
        from .models.surveys import Survey

        result = db.session.execute(update(Survey).where(Survey.id.in_(ids), Survey.published.is_(False))
                                    .values(published=True).execution_options(synchronize_session="fetch"))
        restored += result.rowcount or 0
    sanction.hidden_content = []
    sanction.hidden_comments = []
    sanction.hidden_surveys = []
    return restored


# --- spam signals --------------------------------------------------------------------------
_LINK = re.compile(r"https?://", re.IGNORECASE)


LINK_FIELDS = ("title", "summary", "body")


def count_links(item: Content, value=getattr) -> int:
    """The links in ``item``'s title, summary and body (``value(item, field)``: another version
    of them, the one before an edit for ``moderation.review_if_spammy``)."""
    return sum(len(_LINK.findall(value(item, field, "") or "")) for field in LINK_FIELDS)


def spam_signal(item: Content, user) -> str | None:
    """Why the post of a new member should wait for review although they may publish it: a link
    in a first post ("links"), more than SPAM_MAX_LINKS links ("many_links"), or more than
    SPAM_BURST_MAX items created within the hour ("burst"). None for an established member (an
    account older than NEW_MEMBER_DAYS with NEW_MEMBER_MIN_PUBLISHED published items), an admin,
    or an animator of the item's territory."""
    from .policy import is_animator

    config = current_app.config
    if user is None or getattr(user, "id", None) is None or user.is_admin or is_animator(user, item.territory):
        return None
    now = utcnow()
    others = [Content.author_id == user.id]
    if item.id is not None:
        others.append(Content.id != item.id)
    published = db.session.scalar(select(func.count(Content.id)).where(*others, Content.published_at.is_not(None)))
    created = user.created_at or now
    if created.tzinfo is None:
        from datetime import UTC

        created = created.replace(tzinfo=UTC)
    young = created > now - timedelta(days=config["NEW_MEMBER_DAYS"])
    if not young and published >= config["NEW_MEMBER_MIN_PUBLISHED"]:
        return None
    links = count_links(item)
    if links and not published:
        return "links"
    if links > config["SPAM_MAX_LINKS"]:
        return "many_links"
    recent = db.session.scalar(select(func.count(Content.id)).where(
        *others, Content.created_at >= now - timedelta(hours=1)))
    if recent >= config["SPAM_BURST_MAX"]:
        return "burst"
    return None
