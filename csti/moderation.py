"""Moderation, written once for every content type: the queue of what waits for review in the
territories a person animates, the decision (publish, or reject with a reason), and the word
sent to the author (mail and notification). Structures keep their own page for the claims that
come with them (csti/blueprints/actors/operations.py), and use the same decision."""
from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import func, select

from .extensions import db
from .models import PENDING, AuditLog, Content, Notification, Territory
from .models.base import utcnow
from .models.territories import ROLE_ANIMATOR, ROLE_RANK
from .policy import can


def submit(item: Content, user) -> None:
    """Publish ``item`` now if ``user`` may publish it without review, else queue it for review.
    Where an item becomes published — here and in ``decide`` — its followers are told. A new
    member's post that shows a spam signal waits for review even where they may publish
    (``csti.sanctions.spam_signal``; the reason is kept in ``queued_because`` for the queue).
    An item an animator took down, or a sanction hid (``held``), waits for review whoever puts it
    back — but an animator of its territory (an admin)."""
    if held(item, user):
        item.status = PENDING
        return
    if can(user, "publish", item):
        from .sanctions import spam_signal

        signal = spam_signal(item, user)
        if signal:  # a new member's links or burst: the animators look first (csti/sanctions.py)
            item.status = PENDING
            item.queued_because = signal
            return
        first_time = item.published_at is None
        item.publish()
        item.queued_because = ""
        _announce(item, first_time)
    else:
        item.status = PENDING


# ``queued_because`` of an item down by someone else's hand (``take_down``, ``sanctions.hide_content``).
TAKEN_DOWN, SANCTION = "taken_down", "sanction"


def held(item: Content, user) -> bool:
    """``item`` was taken down by an animator or hidden by a sanction, and ``user`` may not
    decide on it: only the review of its territory's animators puts it back."""
    return item.queued_because in (TAKEN_DOWN, SANCTION) and not can(user, "moderate", item)


def may_be_draft(item: Content, user) -> bool:
    """"Save as draft" (or "unpublish") may make ``item`` a draft: not an item an animator
    archived, or a sanction hid, for someone who may not decide on it (it stays archived)."""
    from .models import ARCHIVED

    return not (item.status == ARCHIVED and held(item, user))


def _old_value(item: Content, field: str, default=None):
    """``item.field`` as loaded, before what this request changed."""
    from sqlalchemy import inspect

    history = inspect(item).attrs[field].history
    return history.deleted[0] if history.deleted else getattr(item, field, default)


def review_if_spammy(item: Content, user) -> bool:
    """A published item edited so that it has more links than before, when ``user`` is a new
    member whose post would wait (``sanctions.spam_signal``: a link in a first post, too many
    links), goes back to the queue with the reason. True when it did. (A burst is about
    creating, not editing.)"""
    from .models import PUBLISHED
    from .sanctions import count_links, spam_signal

    if item.status != PUBLISHED or item.id is None:
        return False
    if count_links(item) <= count_links(item, _old_value):
        return False
    signal = spam_signal(item, user)
    if signal not in ("links", "many_links"):
        return False
    item.status = PENDING
    item.queued_because = signal
    return True


def _announce(item: Content, first_time: bool) -> None:
    """The followers of its author, structures and tags are told once it is committed."""
    from .blueprints.follows.operations import announce

    announce(item, first_time)


def moderated_territories(user) -> list[Territory]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if not user.is_admin and not any(ROLE_RANK.get(m.role, 0) >= ROLE_RANK[ROLE_ANIMATOR] for m in user.memberships):
        return []  # animates nowhere (the roles loaded with the user): no territory to read
    return [t for t in Territory.by_name() if can(user, "moderate", t)]


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

    from .i18n import gettext as _
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


# --- take-down (docs/architecture.md §6) ----------------------------------------------------------
UNPUBLISH, ARCHIVE, DELETE = "unpublish", "archive", "delete"
TAKE_DOWN_ACTIONS = (UNPUBLISH, ARCHIVE, DELETE)


def can_be_taken_down(item: Content) -> bool:
    """A published or archived item: what the public sees or saw (a draft is its author's)."""
    from .models import ARCHIVED, PUBLISHED

    return item.status in (PUBLISHED, ARCHIVED)


def take_down_actions(item: Content, by=None) -> tuple[str, ...]:
    """The actions that change something for ``item`` (an archived item is not archived again),
    and that ``by`` may choose: an item an animator archived (or a sanction hid) is not made a
    draft again by its author (``may_be_draft``), only deleted."""
    from .models import ARCHIVED

    return tuple(a for a in TAKE_DOWN_ACTIONS if not (a == ARCHIVE and item.status == ARCHIVED)
                 and not (a == UNPUBLISH and by is not None and not may_be_draft(item, by)))


def reason_required(item: Content, by) -> bool:
    """An animator (or admin) acting on someone else's item says why; the author need not."""
    return item.author_id is None or item.author_id != getattr(by, "id", None)


class TakenDown:
    """What the author is told of an item once it is taken down (a deleted row is gone)."""

    def __init__(self, item: Content, action: str, reason: str, by):
        self.action, self.reason = action, reason
        self.title, self.kind, self.id = item.title, item.kind, item.id
        self.author = item.author
        self.territory_name = item.territory.name if item.territory else None
        self.by_id = getattr(by, "id", None)
        self.told = item.author_id is not None and item.author_id != self.by_id
        self.url = None if action == DELETE else url_for(item.view_endpoint, id=item.id, slug=item.slug,
                                                         _external=True)


def take_down(item: Content, by, action: str, reason: str = "") -> TakenDown:
    """Unpublish (back to draft: its author and the animators see it), archive (kept, out of every
    list, feed and search; its page as a draft's) or delete ``item``; the caller checked the
    permission, the status and the reason, and commits. Audited with the status before and after;
    the author — when someone else acted — gets a notification (mailed by ``notify_taken_down``
    after the commit, so never again by the notification mails)."""
    from .models import ARCHIVED, DRAFT

    if action not in TAKE_DOWN_ACTIONS:
        raise ValueError(action)
    done = TakenDown(item, action, reason, by)
    before = {"status": item.status}
    _tell_registrants(item, done)  # before a deletion takes the registrations with it
    _tell_borrowers(item, done, by)  # and the loans of a resource, or of a structure
    if action == DELETE:
        after = {"status": None}
        cover = item.cover_image
        logo = getattr(item, "logo", None)
        db.session.delete(item)
        _remove_files_after_commit([cover, logo])
    else:
        item.status = DRAFT if action == UNPUBLISH else ARCHIVED
        item.moderation_note = reason
        item.featured_rank = None
        if done.told or item.author_id is None:  # someone else's hand: back only through the queue
            item.queued_because = TAKEN_DOWN
        after = {"status": item.status}
    AuditLog.record(by, f"{done.kind}.taken_down", item, item.territory, reason=reason, choice=action,
                    title=done.title, before=before, after=after)
    if done.told:
        # A deleted row would take its notifications with it (ON DELETE CASCADE): the notification
        # of a deletion names no item, its note starts with the title on a line of its own.
        db.session.add(Notification(
            user_id=item.author_id, kind="taken_down", actor_id=done.by_id,
            content_id=None if action == DELETE else item.id,
            note=f"{done.title}\n{reason}" if action == DELETE else reason, mailed_at=utcnow()))
    return done


def _tell_registrants(item: Content, done: TakenDown) -> None:
    """An event taken down: whoever stands registered (confirmed or waiting) is told in the site
    and by mail (kind "registration_withdrawn", category "registrations"). The notification names
    no item — the registrant may no longer see it, or it is gone —: its note is the title."""
    from .models import Event
    from .models.events import CONFIRMED, WAITING, Registration

    if not isinstance(item, Event) or item.id is None:
        return
    users = db.session.scalars(select(Registration.user_id).where(
        Registration.event_id == item.id, Registration.status.in_((CONFIRMED, WAITING)))).all()
    db.session.add_all([Notification(user_id=user_id, kind="registration_withdrawn", actor_id=done.by_id,
                                     content_id=None, note=done.title)
                        for user_id in dict.fromkeys(users) if user_id != done.by_id])


def _tell_borrowers(item: Content, done: TakenDown, by) -> None:
    """A resource taken down: its requests waiting for an answer are declined (and, deleted, its
    loans to come go with it); a structure deleted: the loans it asked for, and those of the
    resources it alone lent. Whoever asked is told (``resources/bookings.py``)."""
    from .blueprints.resources.bookings import withdraw_for_deletion, withdraw_loans
    from .models import Resource

    if done.action == DELETE:
        withdraw_for_deletion(item, by)
    elif isinstance(item, Resource):
        withdraw_loans(item, by, "taken_down")


def _remove_files_after_commit(paths) -> None:
    """The deleted item's images go once the transaction commits (kept on a rollback)."""
    from .files_after_commit import remove_after_commit
    from .uploads import delete_upload

    remove_after_commit(db.session(), delete_upload, paths)


def notify_taken_down(done: TakenDown) -> None:
    """Mail the author what was done and why, in their language, as ``notify_author`` does for a
    decision (category "moderation": always mailed); a failing mail server is logged."""
    from flask_babel import force_locale

    from .i18n import gettext as _
    from .mails import send_mail

    author = done.author
    if not done.told or author is None or not author.email:
        return
    with force_locale(author.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Your publication: %(title)s", title=done.title)
    try:
        send_mail(author.email, subject, "mail/takedown.txt", author.locale, done=done)
    except Exception:  # noqa: BLE001 — any transport error
        current_app.logger.exception("take-down mail to user %s not sent", author.id)
