"""What of an item's page is the reading member's own, asked in one statement (issue #20,
docs/architecture.md §26): whether they manage one of the item's structures (its edit, documents
and registrations tools: ``policy._organises``), its likes and whether theirs is one (the like
button: ``discussion.operations.like_state``), whether they wrote one of its comments (the
comments drawn with their tools, not kept: ``comments_viewer``), and — an event — their
registration to it (the registration box: ``events.routes._registration_context``). Each was a
statement of its own.

Asked on a page read (GET or HEAD) of the page's own item (its type's ``show`` view for its
``id``), its answer kept for the request until it writes (``datacache._writing`` forgets it: a
long task's request context — mails, the demo — writes between its questions); None otherwise —
a form's post reads what it just changed, and another item on the page (a card, a related item)
needs one answer, not five: each caller then asks its own statement."""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from flask import has_request_context, request


class MemberPage(NamedTuple):
    organises: bool
    likes: int
    liked: bool
    wrote: bool
    registration: int | None  # the id of their registration to it, not cancelled (an event)


def member_page(user, content) -> MemberPage | None:
    """``user``'s part of ``content``'s page being read, in one statement per request and item."""
    user_id, content_id = getattr(user, "id", None), getattr(content, "id", None)
    if (user_id is None or content_id is None or not getattr(user, "is_authenticated", False)
            or not has_request_context() or request.method not in ("GET", "HEAD")):
        return None
    asked = request_memo("_csti_member_page")
    key = (user_id, content_id)
    if key not in asked:
        if not _is_page_item(content):
            asked[key] = None  # another item than the page's: its callers ask their own statements
            return None
        from .extensions import db

        organises, likes, liked, wrote, registration = db.session.execute(
            _STATEMENT(), {"user_id": user_id, "content_id": content_id}).one()
        asked[key] = MemberPage(bool(organises), int(likes or 0), bool(liked), bool(wrote), registration)
    return asked[key]


def request_memo(name: str) -> dict:
    """The request's memo ``name`` (on the request, not on its application context's ``g``),
    changes not flushed yet flushed first, as the statement it spares would have (its autoflush):
    the flush forgets the memos (``datacache.writing``) — a long task's request context adds a
    structure's manager, then asks again."""
    from .extensions import db

    session = db.session
    if session.autoflush and (session.new or session.deleted or session.dirty):
        session.flush()
    return request.__dict__.setdefault(name, {})


def _is_page_item(content) -> bool:
    """Whether the request is ``content``'s page: its type's ``show`` view, for its id (not a
    card on another item's page, nor a structure's page of the same number)."""
    from . import registry

    if (request.view_args or {}).get("id") != content.id or not (request.endpoint or "").endswith(".show"):
        return False
    content_type = registry.for_model(type(content))
    return content_type is not None and request.endpoint == f"{content_type.blueprint}.show"


@lru_cache(maxsize=1)
def _STATEMENT():  # noqa: N802 — a statement, built once (its cache key computed once)
    from sqlalchemy import bindparam, exists, func, select

    from .models.actors import MANAGER, ActorMember
    from .models.content import content_owner
    from .models.discussion import Comment, Reaction
    from .models.events import CANCELLED, Registration

    content_id, user_id = bindparam("content_id"), bindparam("user_id")
    like = (Reaction.content_id == content_id, Reaction.kind == "like")
    return select(
        exists().where(content_owner.c.content_id == content_id, ActorMember.actor_id == content_owner.c.actor_id,
                       ActorMember.user_id == user_id, ActorMember.role == MANAGER),
        select(func.count(Reaction.id)).where(*like).scalar_subquery(),
        exists().where(*like, Reaction.user_id == user_id),
        exists().where(Comment.content_id == content_id, Comment.author_id == user_id),
        select(Registration.id).where(Registration.event_id == content_id, Registration.user_id == user_id,
                                      Registration.status != CANCELLED).scalar_subquery())
