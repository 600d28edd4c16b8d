"""Comments, likes, reports and notifications: operations shared by every content type."""
from __future__ import annotations

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defaultload, selectinload

from ...extensions import db
from ...models import PUBLISHED, AuditLog
from ...models.accounts import User
from ...models.base import utcnow
from ...models.discussion import DELETED, VISIBLE, Comment, Notification, Reaction, Report


class DiscussionError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def comments_of(content) -> list[Comment]:
    """Top-level comments (their replies load with them), oldest first. Their authors' names
    only: not their territory roles (``User.memberships``, loaded with every user by default)."""
    authors = defaultload(Comment.author).lazyload(User.memberships)
    return db.session.scalars(select(Comment).where(
        Comment.content_id == content.id, Comment.parent_id.is_(None)).order_by(Comment.created_at)
        .options(authors, selectinload(Comment.replies).defaultload(Comment.author).lazyload(User.memberships))
    ).unique().all()


def comments_viewer(content, user) -> tuple | None:
    """What of ``user`` an item's comments show (``_discussion.html``'s kept part): anonymous,
    or a member who may comment or not (the reply forms: their CSRF token is the visitor's,
    csti/fragments.py puts it back) — the same for every such visitor. None, drawn for this
    visitor alone, when they show tools of this visitor's own: an author of one of the comments
    (edit, delete, no "Report"), an animator of the item's territory (delete on each)."""
    from ...policy import can, is_animator

    if not getattr(user, "is_authenticated", False):
        return ("anonymous",)
    if is_animator(user, content.territory) or _wrote(user, content):
        return None
    return ("member", can(user, "comment", content), bool(user.is_confirmed))


def _wrote(user, content) -> bool:
    """Whether ``user`` wrote one of ``content``'s comments: on a page read, with the rest of
    the member's part of the page (``memberpage``); else a statement of its own."""
    from ...memberpage import member_page

    state = member_page(user, content)
    if state is not None:
        return state.wrote
    return bool(db.session.scalar(select(exists().where(Comment.content_id == content.id,
                                                        Comment.author_id == user.id))))


def comment_count(content, comments: list[Comment] | None = None) -> int:
    """The visible comments of ``content``, replies included; counted in ``comments`` (what
    ``comments_of`` returned: replies are one level deep) when given, without a query."""
    if comments is not None:
        return sum(c.status == VISIBLE for top in comments for c in (top, *top.replies))
    return db.session.scalar(select(func.count(Comment.id)).where(
        Comment.content_id == content.id, Comment.status == VISIBLE))


def add_comment(content, author, body: str, parent: Comment | None = None) -> Comment:
    from ...i18n import gettext as _

    if content.status != PUBLISHED:
        raise DiscussionError(_("Only published content can be commented on."), 409)
    if parent is not None:
        if parent.content_id != content.id:
            raise DiscussionError(_("This reply does not belong here."))
        if parent.parent_id is not None:
            parent = parent.parent  # replies stay one level deep
        if parent.is_deleted:
            raise DiscussionError(_("This comment was deleted."), 409)
    comment = Comment(content_id=content.id, author=author, body=body.strip(), parent=parent)
    db.session.add(comment)
    db.session.flush()
    recipients = set()
    if content.author_id and content.author_id != author.id:
        recipients.add((content.author_id, "comment"))
    if parent is not None and parent.author_id and parent.author_id != author.id:
        recipients.discard((parent.author_id, "comment"))
        recipients.add((parent.author_id, "reply"))
    for user_id, kind in recipients:
        db.session.add(Notification(user_id=user_id, kind=kind, actor_id=author.id, content_id=content.id,
                                    comment_id=comment.id))
    return comment


def delete_comment(comment: Comment, by) -> None:
    """Soft delete: the thread keeps its shape ("comment deleted"), the text goes."""
    comment.status = DELETED
    comment.body = ""
    if by.id != comment.author_id:
        AuditLog.record(by, "comment.deleted", comment.content, comment.content.territory, comment_id=comment.id)


def like_state(user, content) -> tuple[int, bool]:
    """``(likes, liked)`` of the like button, in one statement (a member's page read: in that of
    their part of the page, ``memberpage``)."""
    likes = (Reaction.content_id == content.id, Reaction.kind == "like")
    if user is None or not getattr(user, "is_authenticated", False):
        return db.session.scalar(select(func.count(Reaction.id)).where(*likes)), False
    from ...memberpage import member_page

    state = member_page(user, content)
    if state is not None:
        return state.likes, state.liked
    count, own = db.session.execute(select(func.count(Reaction.id),
                                           func.count(Reaction.id).filter(Reaction.user_id == user.id)
                                           ).where(*likes)).one()
    return count, bool(own)


def liked(user, content) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(Reaction.id).where(
        Reaction.content_id == content.id, Reaction.user_id == user.id, Reaction.kind == "like")) is not None


def set_like(user, content, wanted: bool) -> None:
    """Like or unlike — idempotent: liking twice keeps one like."""
    from ...i18n import gettext as _

    if content.status != PUBLISHED:
        raise DiscussionError(_("Only published content can be liked."), 409)
    if wanted and not liked(user, content):
        try:
            with db.session.begin_nested():
                db.session.add(Reaction(content_id=content.id, user_id=user.id, kind="like"))
        except IntegrityError:
            pass
    elif not wanted:
        db.session.execute(delete(Reaction).where(
            Reaction.content_id == content.id, Reaction.user_id == user.id, Reaction.kind == "like"))


def report(reporter, reason: str, content=None, comment: Comment | None = None) -> Report:
    from ...i18n import gettext as _

    target_author = comment.author_id if comment is not None else content.author_id
    if target_author == reporter.id:
        raise DiscussionError(_("You cannot report your own publication."))
    existing = db.session.scalar(select(Report).where(
        Report.reporter_id == reporter.id, Report.status == "open",
        (Report.comment_id == comment.id) if comment is not None else (Report.content_id == content.id)))
    if existing is not None:
        return existing
    entry = Report(reporter_id=reporter.id, reason=reason.strip(), content_id=None if comment else content.id,
                   comment_id=comment.id if comment else None)
    db.session.add(entry)
    return entry


def close_report(entry: Report, by) -> None:
    entry.status = "closed"
    entry.handled_at = utcnow()
    entry.handled_by_id = by.id


def unread_count(user) -> int:
    """The header's badge: counted with the session's user (csti.sessions.load_session_user),
    else one COUNT; none once the page marked them read."""
    from flask import g

    known = g.get("csti_unread")
    if known is None:
        known = user.unread_notifications
    if known is not None:
        return known
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def recent_notifications(user, limit: int = 100) -> list[Notification]:
    """The latest notifications of ``user``, with their actor and content (three queries)."""
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .options(selectinload(Notification.actor), selectinload(Notification.content))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()


def mark_read(user, upto: int | None = None) -> None:
    """Every unread notification of ``user`` is read — up to the id ``upto``, the newest the page
    shows, when given: one that arrives while the page is made stays new — in a transaction of
    its own (a page that only reads keeps its rows as loaded: the ones that were new still say
    so); this request's badge shows none."""
    from flask import g
    from sqlalchemy.orm import Session

    from ...database import write_intent

    with Session(db.engine) as session, write_intent():
        unread = [Notification.user_id == user.id, Notification.read_at.is_(None)]
        if upto is not None:
            unread.append(Notification.id <= upto)
        session.execute(update(Notification).where(*unread).values(read_at=utcnow()))
        session.commit()
    g.csti_unread = 0
