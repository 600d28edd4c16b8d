"""Moderation, written once for every content type: the queue of what waits for review in the
territories a person animates, the decision (publish, or reject with a reason), and the word
sent to the author (mail and notification). Structures keep their own page for the claims that
come with them (csti/blueprints/actors/operations.py), and use the same decision."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from .extensions import db
from .models import PENDING, AuditLog, Content, Notification, Territory
from .models.base import utcnow
from .policy import can


def submit(item: Content, user) -> None:
    """Publish ``item`` now if ``user`` may publish it without review, else queue it for review.
    Where an item becomes published — here and in ``decide`` — its followers are told."""
    if can(user, "publish", item):
        first_time = item.published_at is None
        item.publish()
        _announce(item, first_time)
    else:
        item.status = PENDING


def _announce(item: Content, first_time: bool) -> None:
    """The followers of its author, structures and tags are told once it is committed."""
    from .blueprints.follows.operations import announce

    announce(item, first_time)


def moderated_territories(user) -> list[Territory]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [t for t in db.session.scalars(select(Territory).order_by(Territory.name)) if can(user, "moderate", t)]


def queue(user, kind: str | None = None, exclude=("actor",)):
    """What waits for ``user``'s review, oldest first (structures have their own page)."""
    territory_ids = [t.id for t in moderated_territories(user)]
    if not territory_ids:
        return []
    stmt = select(Content).where(Content.status == PENDING, Content.territory_id.in_(territory_ids))
    if kind:
        stmt = stmt.where(Content.kind == kind)
    elif exclude:
        stmt = stmt.where(Content.kind.not_in(exclude))
    return db.session.scalars(stmt.order_by(Content.created_at, Content.id).limit(500)).all()


def waiting_count(user) -> int:
    """How many items wait for ``user`` (structures included): the badge of the menu link."""
    territory_ids = [t.id for t in moderated_territories(user)]
    if not territory_ids:
        return 0
    return db.session.scalar(select(func.count(Content.id)).where(
        Content.status == PENDING, Content.territory_id.in_(territory_ids)))


def decide(item: Content, by, approve: bool, reason: str = "") -> None:
    """Publish or reject ``item`` (the caller checked the permission, that it is pending and
    that a rejection has a reason); recorded in the audit log, the author notified in-app."""
    before = item.status
    if approve:
        first_time = item.published_at is None
        item.publish()
        _announce(item, first_time)
    else:
        item.reject(reason)
    AuditLog.record(by, f"{item.kind}.{'approved' if approve else 'rejected'}", item, item.territory,
                    reason=reason, before={"status": before}, after={"status": item.status})
    if item.author_id is not None and item.author_id != getattr(by, "id", None):
        # Mailed by the caller (notify_author), so never again by the notification mails.
        db.session.add(Notification(user_id=item.author_id, kind="approved" if approve else "rejected",
                                    actor_id=getattr(by, "id", None), content_id=item.id,
                                    note="" if approve else reason, mailed_at=utcnow()))


def notify_author(item: Content, approved: bool, reason: str, url: str, subject=None) -> None:
    """Tell the author the decision by mail, in their language. A mail server that is down must
    not undo or hide a decision already saved: the failure is logged."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from .mails import send_mail

    author = item.author
    if author is None or not author.email:
        return
    with force_locale(author.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = subject(item) if subject else _("Your publication: %(title)s", title=item.title)
    try:
        send_mail(author.email, subject, "mail/moderation.txt", author.locale, item=item, approved=approved,
                  reason=reason, url=url)
    except Exception:  # noqa: BLE001 — any transport error
        current_app.logger.exception("moderation mail to user %s not sent", author.id)
