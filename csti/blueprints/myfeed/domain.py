"""My feed: the published items that come from what a member follows — written by a followed
person, published for (owned by) a followed structure, or tagged with a followed tag —, newest
first; why each one is there; the welcome page's suggestions; the home's next registrations.

A few queries whatever the numbers: the page's ids (one select whose three ``IN`` subqueries
read the follows), the items (``listing.paginate``: the cards' loads), and one ``UNION ALL`` for
the reasons of the items shown."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import lazyload, selectinload

from ... import registry
from ...datacache import remember
from ...extensions import db
from ...listing import card_loader, card_options, count_of, loaded, paginate, walked
from ...models import PUBLISHED, Content, Tag, User, content_owner, content_tag
from ...models.actors import Actor
from ...models.base import utcnow
from ...models.events import CANCELLED, Event, EventOccurrence, Registration
from ...models.follows import Follow
from ...models.territories import Membership, Territory


def feed_types() -> list:
    """The types a feed shows: every registered type with a public list (not editorial pages)."""
    return [t for t in registry.all() if t.list_endpoint is not None]


def feed_query(user, kinds=(), since=None):
    """The published items of ``feed_types()`` (``kinds``: of these only) that come from what
    ``user`` follows, newest first — an ordered select for ``listing.paginate``. Their own items
    are left out (a member follows others). Published is what everybody may see (a private
    dossier stays a draft, docs/architecture.md §3). ``since``: only items published since then,
    read by walking the newest items (see ``latest``)."""
    allowed = [t.kind for t in feed_types()]
    kinds = [k for k in kinds if k in allowed] or allowed
    mine = Follow.follower_id == user.id
    people = select(Follow.followed_user_id).where(mine, Follow.followed_user_id.is_not(None))
    structures = (select(content_owner.c.content_id)
                  .join(Follow, Follow.content_id == content_owner.c.actor_id).where(mine))
    tags = select(content_tag.c.content_id).join(Follow, Follow.tag_id == content_tag.c.tag_id).where(mine)
    followed = or_(Content.author_id.in_(people), Content.id.in_(structures), Content.id.in_(tags))
    window = ()
    if since is not None:
        # Walk the newest items and test each one (indexed lookups), instead of gathering every
        # item of every tag and structure followed (a list of 100 000 ids) and sorting them.
        # "+ 0": no index on the author for the test, so the walk goes by the date indexes.
        window = (Content.published_at >= since,)
        followed = or_(
            (Content.author_id + 0).in_(people),
            walked(select(content_owner.c.content_id).join(Follow, Follow.content_id == content_owner.c.actor_id)
                   .where(mine, content_owner.c.content_id == Content.id)),
            walked(select(content_tag.c.content_id).join(Follow, Follow.tag_id == content_tag.c.tag_id)
                   .where(mine, content_tag.c.content_id == Content.id)))
    return (select(Content)
            .where(Content.status == PUBLISHED, Content.public_clause(), Content.published_at.is_not(None),
                   Content.kind.in_(kinds), *window,
                   or_(Content.author_id.is_(None), Content.author_id != user.id), followed)
            .order_by(Content.published_at.desc(), Content.id.desc()))


RECENT_WINDOW = 5000  # the newest items a feed's first lines are looked for in


def _recent_cutoff():
    """When the ``RECENT_WINDOW``-th newest public item was published (None: fewer items), kept
    until the data changes."""
    return remember(("feed-recent-cutoff", RECENT_WINDOW), lambda: db.session.scalar(
        select(Content.published_at)
        .where(Content.status == PUBLISHED, Content.public_clause(), Content.published_at.is_not(None))
        .order_by(Content.published_at.desc()).offset(RECENT_WINDOW).limit(1)))


def latest(user, limit: int = 5) -> list:
    """The ``limit`` newest items of ``user``'s feed (the logged-in home's block). Looked for
    among the newest items first: a member who follows common tags has tens of thousands of
    items in their feed (650 ms to gather and sort at national scale, 1 ms to walk); everything
    outside the window is older, so ``limit`` found there are the newest. The ids' selects are
    built once (``_latest_ids``): the member and the date are their parameters."""
    cutoff = _recent_cutoff()
    kinds = tuple(t.kind for t in feed_types())
    params = {"feed_user": user.id}
    if cutoff is not None:
        keys = db.session.scalars(_latest_ids(kinds, limit, True), {**params, "feed_since": cutoff}).all()
        if len(keys) == limit:
            return loaded(keys, Content.id, card_loader(Content))
    return loaded(db.session.scalars(_latest_ids(kinds, limit, False), params).all(), Content.id, card_loader(Content))


@functools.cache
def _latest_ids(kinds: tuple, limit: int, recent: bool):
    """The select of the ids of ``latest``: ``feed_query`` of the member ``:feed_user`` (since
    ``:feed_since`` when ``recent``), built once per process for these kinds — SQLAlchemy
    otherwise walks the whole statement for its cache key on every home page."""
    user = _Parameters(bindparam("feed_user", type_=User.id.type))
    since = bindparam("feed_since", type_=Content.published_at.type) if recent else None
    return feed_query(user, kinds, since=since).with_only_columns(Content.id).limit(limit)


@dataclass(frozen=True)
class _Parameters:
    """A member as ``feed_query`` reads one, whose id is a bound parameter."""

    id: object


@dataclass(frozen=True)
class Reason:
    """Why an item is in the feed: ``kind`` ("user", "structure", "tag"), its label and link."""

    kind: str
    label: str
    url: str


def reasons(user, items) -> dict[int, list[Reason]]:
    """{item id: the followed people, structures and tags that bring it} — one query."""
    ids = [item.id for item in items]
    if not ids:
        return {}
    found: dict[int, list[Reason]] = {}
    order = {"user": 0, "structure": 1, "tag": 2}
    rows = sorted(db.session.execute(_reasons_statement(), {"reasons_user": user.id, "reasons_ids": ids}).all(),
                  key=lambda row: (order[row[1]], row[3].casefold()))
    for content_id, kind, key, label, slug in rows:
        if kind == "user":
            url = url_for("accounts.profile", user_id=key)
        elif kind == "structure":
            url = url_for(Actor.view_endpoint, id=key, slug=slug)
        else:
            url, label = url_for("tags.show", slug=slug), f"#{label}"
        found.setdefault(content_id, []).append(Reason(kind, label, url))
    return found


@functools.cache
def _reasons_statement():
    """``reasons``' ``UNION ALL``, built once: the member ``:reasons_user`` and the items
    ``:reasons_ids`` are its parameters."""
    mine = Follow.follower_id == bindparam("reasons_user", type_=User.id.type)
    ids = bindparam("reasons_ids", expanding=True)
    by_person = (select(Content.id, literal("user"), User.id, User.name, literal(""))
                 .join(Follow, and_(Follow.followed_user_id == Content.author_id, mine))
                 .join(User, User.id == Content.author_id).where(Content.id.in_(ids)))
    structure = Content.__table__.alias("structure")
    by_structure = (select(content_owner.c.content_id, literal("structure"), structure.c.id, structure.c.title,
                           structure.c.slug)
                    .join(Follow, and_(Follow.content_id == content_owner.c.actor_id, mine))
                    .join(structure, structure.c.id == content_owner.c.actor_id)
                    .where(content_owner.c.content_id.in_(ids)))
    by_tag = (select(content_tag.c.content_id, literal("tag"), Tag.id, Tag.name, Tag.slug)
              .join(Follow, and_(Follow.tag_id == content_tag.c.tag_id, mine))
              .join(Tag, Tag.id == content_tag.c.tag_id).where(content_tag.c.content_id.in_(ids)))
    return union_all(by_person, by_structure, by_tag)


# --- the welcome page's suggestions -----------------------------------------------------------
def territory_suggestions(user) -> list:
    """Every territory (there are few) with its member count, the member's own first:
    ``(territory, members, is_member)``."""
    members = (select(Membership.territory_id, func.count(Membership.id).label("n"))
               .group_by(Membership.territory_id).subquery())
    mine = select(Membership.territory_id).where(Membership.user_id == user.id)
    is_member = Territory.id.in_(mine)
    rows = db.session.execute(
        select(Territory, func.coalesce(members.c.n, 0), is_member)
        .outerjoin(members, members.c.territory_id == Territory.id)
        .order_by(is_member.desc(), Territory.name)).all()
    return [(territory, n, bool(member)) for territory, n, member in rows]


def structure_suggestions(user, limit: int = 6) -> list:
    """Published structures the member does not follow yet, those of their territories first,
    then the most followed, then those with the most publications: ``(structure, followers)``."""
    followers = (select(Follow.content_id, func.count(Follow.id).label("n"))
                 .where(Follow.content_id.is_not(None)).group_by(Follow.content_id).subquery())
    owned = (select(content_owner.c.actor_id, func.count().label("n"))
             .group_by(content_owner.c.actor_id).subquery())
    followed = select(Follow.content_id).where(Follow.follower_id == user.id, Follow.content_id.is_not(None))
    mine = select(Membership.territory_id).where(Membership.user_id == user.id)
    near = Actor.territory_id.in_(mine)
    rows = db.session.execute(
        select(Actor, func.coalesce(followers.c.n, 0))
        .outerjoin(followers, followers.c.content_id == Actor.id)
        .outerjoin(owned, owned.c.actor_id == Actor.id)
        .options(*card_options(Actor))
        .where(Actor.status == PUBLISHED, Actor.id.not_in(followed))
        .order_by(near.desc(), func.coalesce(followers.c.n, 0).desc(), func.coalesce(owned.c.n, 0).desc(),
                  Actor.sort_key)
        .limit(limit)).all()
    return [(actor, n) for actor, n in rows]


def tag_suggestions(user, limit: int = 12) -> list:
    """The most used tags (on published items) the member does not follow: ``(tag, followers)``."""
    followed = select(Follow.tag_id).where(Follow.follower_id == user.id, Follow.tag_id.is_not(None))
    followers = (select(func.count(Follow.id)).where(Follow.tag_id == Tag.id)
                 .correlate(Tag).scalar_subquery())
    rows = db.session.execute(
        select(Tag, followers)
        .join(content_tag, content_tag.c.tag_id == Tag.id)
        .join(Content, Content.id == content_tag.c.content_id)
        .where(Content.status == PUBLISHED, Content.public_clause(), Tag.id.not_in(followed))
        .group_by(Tag.id).order_by(func.count(content_tag.c.content_id).desc(), Tag.slug).limit(limit)).all()
    return [(tag, n) for tag, n in rows]


# --- the home's next registrations --------------------------------------------------------------
def next_registrations(user, limit: int = 5) -> list:
    """``user``'s registrations that stand (confirmed or waiting) to published events with a
    date to come, as ``(registration, event, occurrence)``, the next date of each, soonest first."""
    cards = tuple((t.model, t.card_skips, t.card_loads) for t in registry.all())  # the venue's options
    rows = db.session.execute(_next_registrations_statement(limit, cards),
                              {"registrations_user": user.id, "registrations_now": utcnow()}).unique().all()
    return [tuple(row) for row in rows]


@functools.cache
def _next_registrations_statement(limit: int, cards: tuple):
    """``next_registrations``' select, built once (per ``limit`` and the registered types'
    card options, ``cards``, which load the venue): the member ``:registrations_user`` and the
    instant ``:registrations_now`` are its parameters."""
    user = bindparam("registrations_user", type_=Registration.user_id.type)
    now = bindparam("registrations_now", type_=EventOccurrence.ends_at.type)
    registered = select(Registration.event_id).where(Registration.user_id == user, Registration.status != CANCELLED)
    # The next date of the events they registered to only (not of every event to come).
    coming = (select(EventOccurrence.event_id, func.min(EventOccurrence.starts_at).label("starts_at"))
              .where(EventOccurrence.ends_at >= now, EventOccurrence.event_id.in_(registered))
              .group_by(EventOccurrence.event_id).subquery())
    return (select(Registration, Event, EventOccurrence)
            .join(Event, Event.id == Registration.event_id)
            .join(coming, coming.c.event_id == Event.id)
            .join(EventOccurrence, and_(EventOccurrence.event_id == Event.id,
                                        EventOccurrence.starts_at == coming.c.starts_at))
            .where(Registration.user_id == user, Registration.status != CANCELLED, Event.status == PUBLISHED)
            .options(lazyload(Registration.user), lazyload(Registration.event), lazyload(EventOccurrence.event),
                     lazyload(Event.territory), lazyload(Event.author), lazyload(Event.tags), lazyload(Event.owners),
                     lazyload(Event.audience_rows), selectinload(Event.venue).options(*card_options(Actor)))
            .order_by(EventOccurrence.starts_at, Event.id).limit(limit))


def feed_page(user, kinds, number: int, per_page: int):
    """Page ``number`` of ``user``'s feed (a ``listing.paginate`` pagination). Looked for among
    the newest items first, as ``latest`` does: a page filled there is the page; its total is
    counted once and kept until the data changes."""
    total = count_of(feed_query(user, kinds))
    cutoff = _recent_cutoff()
    page = None
    if cutoff is not None:
        page = paginate(feed_query(user, kinds, since=cutoff), Content.id, number, per_page, count=False,
                        loader=card_loader(Content))
        if len(page.items) < per_page and (number - 1) * per_page + len(page.items) < total:
            page = None  # the page reaches past the newest items: read the whole feed
    if page is None:
        page = paginate(feed_query(user, kinds), Content.id, number, per_page, count=False,
                        loader=card_loader(Content))
    page.total = total
    return page
