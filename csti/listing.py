"""Filters shared by the lists of publications (articles, and the announcements, projects and
dossiers to come): kind, territory, tag, owning structure, text — parsed once from the query
string, applied as SQL to any content type."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, bindparam, false, func, or_, select
from sqlalchemy.orm import defer, lazyload, selectin_polymorphic, selectinload

from .bounds import parse_id
from .datacache import remember
from .extensions import db
from .models import PUBLISHED, Content, Tag, Territory, content_owner, content_tag

MAX_VALUES = 20
MAX_PER_PAGE = 100  # Flask-SQLAlchemy's Pagination default


def printable(text: str) -> str:
    """Without control characters: PostgreSQL refuses NUL in a string, and none belongs in a filter."""
    return "".join(c for c in text if c.isprintable() or c.isspace())


def multi(args, key, allowed=None) -> list[str]:
    """The values of a query-string filter, repeated (``?tag=a&tag=b``) or comma-separated
    (``?tag=a,b``): at most MAX_VALUES arguments, each value trimmed, cut to 60 characters,
    without control characters, in ``allowed`` if given, once each, in the order given.
    Every list's filters (publications, the agenda, the directory) read their facets with it."""
    values = []
    for raw in args.getlist(key)[:MAX_VALUES]:
        for value in printable(raw).split(","):
            value = value.strip()[:60]
            if value and (allowed is None or value in allowed) and value not in values:
                values.append(value)
    return values


def like_pattern(word: str) -> str:
    """A LIKE pattern matching ``word`` literally (``%`` and ``_`` are not wildcards)."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class ContentFilter:
    kinds: list[str] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    structures: list[int] = field(default_factory=list)
    q: str = ""

    @classmethod
    def from_args(cls, args, kinds=None) -> ContentFilter:
        return cls(
            kinds=multi(args, "kind", kinds),
            territories=multi(args, "territory"),
            tags=[Tag.normalize(t) for t in multi(args, "tag") if Tag.normalize(t)],
            structures=[n for n in map(parse_id, multi(args, "structure")) if n is not None][:10],
            q=" ".join((args.get("q") or "").split())[:200],
        )

    def to_args(self, **changes) -> dict:
        data = {"kind": self.kinds, "territory": self.territories, "tag": self.tags,
                "structure": self.structures, "q": self.q}
        data.update(changes)
        return {k: v for k, v in data.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.territories or self.tags or self.structures or self.q)

    @property
    def active_count(self) -> int:
        """How many filters are set: the "Filters (n)" disclosure of a phone shows it."""
        return (len(self.kinds) + len(self.territories) + len(self.tags) + len(self.structures)
                + bool(self.q))

    def apply(self, stmt, model, kind_column=None):
        stmt = published(stmt, model)
        if self.kinds and kind_column is not None:
            stmt = stmt.where(kind_clause(model, kind_column, self.kinds))
        if self.territories:
            # The ids, not a subquery: with one, SQLite's planner leaves the territory index aside.
            ids = [t.id for t in Territory.by_name() if t.slug in self.territories]
            stmt = stmt.where(model.territory_id.in_(ids))
        for slug in self.tags:
            stmt = stmt.where(model.id.in_(select(content_tag.c.content_id).join(
                Tag, Tag.id == content_tag.c.tag_id).where(Tag.slug == slug)))
        if self.structures:
            stmt = stmt.where(model.id.in_(select(content_owner.c.content_id).where(
                content_owner.c.actor_id.in_(self.structures))))
        for word in self.q.split()[:8]:
            pattern = like_pattern(word)
            stmt = stmt.where(or_(model.title.ilike(pattern, escape="\\"), model.summary.ilike(pattern, escape="\\")))
        return stmt


def walked(subquery):
    """``EXISTS (subquery)`` tested row by row as a list is walked in its order, on PostgreSQL too:
    its planner turns an ``EXISTS`` into a hash of every matching row (a member's 18 tags: 147 000
    content ids hashed, 60 ms, to find the 5 newest of their feed) or a semi-join, where the walk
    stops after a few rows. An ``OFFSET`` (0) keeps the subquery as it is written (PostgreSQL
    neither pulls up nor hashes a subquery with one); SQLite tests each row anyway."""
    return subquery.offset(0).exists()


def audience_clause(model, codes, rows: int = 30):
    """``model``'s items for any of the audiences ``codes``, as the clause that reads a list's
    first ``rows`` fastest (chosen like a tag page's plan): a common audience tests each item in
    the list's order (``EXISTS`` on the (content, code) key) and stops at the page — 130 ms → 2 ms
    for a territory's structures for children — while a rare one gathers its few items first
    (``IN``), which a walk would test every item of the list to find. Walking costs about
    ``rows × items / matching`` probes, gathering ``matching``: the walk when
    ``rows × items < matching²``, counted among the items of ``model``'s kind (both counts kept
    until the data changes)."""
    from .models.audiences import ContentAudience

    codes, kind = sorted(set(codes)), model.__mapper__.polymorphic_identity
    matching = remember(("audience rows", kind, tuple(codes)), lambda: db.session.scalar(
        select(func.count()).select_from(ContentAudience).join(Content, Content.id == ContentAudience.content_id)
        .where(Content.kind == kind, ContentAudience.code.in_(codes))))
    items = remember(("kind rows", kind), lambda: db.session.scalar(
        select(func.count(Content.id)).where(Content.kind == kind)))
    if rows * items < matching * matching:
        return walked(select(ContentAudience.content_id).where(ContentAudience.content_id == model.id,
                                                               ContentAudience.code.in_(codes)))
    return model.id.in_(select(ContentAudience.content_id).where(ContentAudience.code.in_(codes)))


def kind_clause(model, column, kinds, rows: int = 30):
    """``model``'s items whose ``column`` (a column of its own table: a resource's kind, an
    announcement's) is one of ``kinds``, chosen like ``audience_clause``: a common kind walks the
    list in its order, testing each item (``EXISTS`` on the type's primary key) — the kits among
    10 000 resources: SQLite gathered every kit by the kind's index and sorted them (5 ms) —
    a rare one gathers its items first (the plain ``IN``). A column of the content table itself
    (``Content.kind``: the (kind, status, …) indexes serve it) is always the plain ``IN``."""
    kinds, kind = sorted(set(kinds)), model.__mapper__.polymorphic_identity
    own = column.property.columns[0]
    if own.table is Content.__table__ or not kind:
        return column.in_(kinds)
    matching = remember(("kind column rows", kind, own.name, tuple(kinds)), lambda: db.session.scalar(
        select(func.count()).select_from(own.table).where(own.in_(kinds))))
    items = remember(("kind rows", kind), lambda: db.session.scalar(
        select(func.count(Content.id)).where(Content.kind == kind)))
    if rows * items < matching * matching:
        table = own.table.alias()
        return walked(select(table.c.id).where(table.c.id == model.id, table.c[own.name].in_(kinds)))
    return column.in_(kinds)


def published(stmt, model):
    """``stmt`` restricted to the published items of ``model``'s kind (not those kept for a
    working group's members: ``Content.public_clause``). The kind is implied by the
    join to the type's table, but said, it lets the database count and sort with the
    (kind, status, …) indexes instead of reading every published item."""
    stmt = stmt.where(model.status == PUBLISHED, model.public_clause())
    identity = model.__mapper__.polymorphic_identity
    return stmt.where(model.kind == identity) if model is not Content and identity else stmt


def card_options(model, author: bool = False, known_territories: bool = False) -> list:
    """Loader options for a list of cards (title, summary, territory, date): what a card does not
    show — its body, tags, owning structures, audiences, the author (``author``: only their
    memberships) — is not loaded, instead of costing a query per list each (it would load on access). The
    territory is not joined (the database joins before it sorts and cuts the page, so a join is
    paid for every candidate of a long list, not for the page) but read by a second query — or,
    ``known_territories``, taken from the session: ``card_loader`` reads every territory first
    (``Territory.by_name``, once per request), so each card's comes from the identity map.

    What each type's card needs besides is read from the registry (``card_loads``, ``card_skips``,
    docs/architecture.md §4). A list of every kind (``Content``) loads each item's own columns by
    one query per kind present (``selectin_polymorphic``), so that the cards' dates, places and
    labels cost no query per item."""
    from . import registry

    types = tuple(t for t in registry.all() if issubclass(t.model, model))
    key = (model, author, known_territories, tuple((t.model, t.card_skips, t.card_loads, t.card_defers) for t in types))
    options = _card_options.get(key)
    if options is None:  # built once: options are immutable, and building them is a page's 2 %
        options = _card_options[key] = tuple(_build_card_options(model, author, known_territories, types))
    return list(options)  # the caller's own list (some add their own options)


_card_options: dict[tuple, tuple] = {}


def _build_card_options(model, author: bool, known_territories: bool, types: tuple) -> list:
    from .models import User

    # Nor its text: the body and its HTML are the widest columns of a row (kilobytes each),
    # read from the database and copied into every card's object for nothing.
    options = [defer(model.body), defer(model.body_html),
               lazyload(model.tags), lazyload(model.owners), lazyload(model.audience_rows),
               lazyload(model.territory) if known_territories else selectinload(model.territory)]
    options.append(selectinload(model.author).lazyload(User.memberships) if author else lazyload(model.author))
    if model is Content:
        options.append(selectin_polymorphic(Content, [t.model for t in types if t.model is not Content]))
    for content_type in types:
        sub = content_type.model
        options += [lazyload(getattr(sub, name)) for name in content_type.card_skips]
        options += [defer(getattr(sub, name)) for name in content_type.card_defers]
        for name in content_type.card_loads:
            relationship = getattr(sub, name)
            target = relationship.property.mapper.class_
            options.append(selectinload(relationship).options(*card_options(target,
                                                                             known_territories=known_territories)))
    return options


def feed_options(model) -> list:
    """Loader options for an Atom feed: each entry shows its author and tags, not its territory,
    owners or audiences; the author by a second query (see ``card_options``)."""
    from .models import User

    return [lazyload(model.owners), lazyload(model.audience_rows), lazyload(model.territory),
            selectinload(model.author).lazyload(User.memberships)]


def card_loader(model, author: bool = False):
    """The select of ``model``'s cards (``card_options``) whose ids are the expanding parameter
    ``keys``: what ``paginate`` and ``first`` load a list's page with (``loader=``), built once
    per process — SQLAlchemy computes a statement's cache key (a walk of its options, the
    longest part of loading a page of cards) once per statement object.

    For ``Content`` (every kind: a tag page, a member's feed), a ``KindsLoader``: the items'
    kinds first, then each kind's cards by its own type's loader — one query per kind present
    as before (``selectin_polymorphic``), but each with its type's options alone: the
    polymorphic loads carried every type's options into each kind's query, and computed their
    key each time (a third of loading a tag page)."""
    if model is Content:
        return by_keys(("kinds", author), lambda keys: KindsLoader(
            select(Content.id, Content.kind).where(Content.id.in_(keys)), author))
    return by_keys(("cards", model, author), lambda keys: select(model).where(model.id.in_(keys))
                   .options(*card_options(model, author, known_territories=True)))


@dataclass(frozen=True)
class KindsLoader:
    """``card_loader(Content)``: ``kinds`` selects (id, kind) of the ``keys`` (``_load``)."""

    kinds: object
    author: bool

    def load(self, session, keys: list, kinds: dict | None = None) -> list:
        """The cards of ``keys``, by one statement per kind; ``kinds`` (id → kind), when already
        read (``Deferred.page``), spares the statement reading them."""
        from . import registry

        ids: dict[str, list] = {}
        found = kinds.items() if kinds is not None else session.execute(self.kinds, {"keys": keys})
        for id_, kind in found:
            ids.setdefault(kind, []).append(id_)
        types = registry.all_kinds()
        items = []
        for kind, some in ids.items():
            model = types[kind].model if kind in types else Content
            loader = card_loader(model, self.author) if model is not Content else by_keys(
                ("cards", Content, self.author), lambda keys: select(Content).where(Content.id.in_(keys))
                .options(*card_options(Content, self.author, known_territories=True)))
            items += session.execute(loader, {"keys": some}).unique().scalars().all()
        return items


def by_keys(name: tuple, build):
    """``build(keys)``, a select of rows whose ids are the expanding parameter ``keys``, built
    once per process under ``name`` (and the content types registered: they change the cards'
    options) and reused (``card_loader``)."""
    from . import registry

    key = (*name, tuple((t.model, t.card_skips, t.card_loads) for t in registry.all()))
    stmt = _by_keys.get(key)
    if stmt is None:
        stmt = _by_keys[key] = build(bindparam("keys", expanding=True))
    return stmt


_by_keys: dict[tuple, object] = {}


def event_card_options(path=None, known_territories: bool = False) -> list:
    """``card_options(Event)`` (whose venue the registry loads: joined, the venue's
    structure-and-content join makes SQLite read every structure) under ``path``, the loader
    of the event (e.g. ``contains_eager(EventOccurrence.event)``)."""
    from .models import Event

    options = card_options(Event, known_territories=known_territories)
    return [path.options(*options)] if path is not None else options


def paginate(stmt, key, page: int, per_page: int, count: bool = True, loader=None,
             kept_cards: bool = False, kept_keys: bool = False) -> Pagination:
    """The page of ``stmt`` (a select of one model, ordered) whose rows ``key`` identifies.

    The page's rows are found by their ``key`` column first, then loaded: the database sorts
    and skips keys and filter columns — mostly read from indexes — instead of whole rows
    (titles, summaries, bodies) for every candidate before it cuts the page. Flask-SQLAlchemy's
    public API only: ``db.paginate`` pages the keys, its ``items`` are then replaced by the rows
    and its ``total`` set by counting ``stmt`` (as ``db.paginate(stmt)`` would count it).
    ``loader``: a select of the rows by their keys (``card_loader``), else ``stmt`` is.
    ``kept_cards``: the page shows its items as kept cards (``Deferred``): they are loaded only
    once something reads more of them than their card's key. ``kept_keys``: the page's keys are
    kept like ``count_of``, until the data changes (``_kept_keys``; its first ``KEPT_PAGES``) —
    for a list every visitor sees alike, whose statement holds no instant."""
    if kept_keys and page <= KEPT_PAGES:
        pagination = _kept_keys(stmt.with_only_columns(key), page, per_page)
    else:
        pagination = db.paginate(stmt.with_only_columns(key), page=page, per_page=per_page,
                                 max_per_page=MAX_PER_PAGE, error_out=False, count=False)
    pagination.items = _items(stmt, key, pagination.items, loader, kept_cards)
    if count:
        pagination.total = count_of(stmt)
    return pagination


KEPT_PAGES = 10  # a list's first pages keep their keys (a crawler walking on does not push its counts out)


def _kept_keys(keys, page: int, per_page: int) -> Pagination:
    """The page of the select ``keys`` whose keys are read once and kept until the data
    changes, like the list's count: a list read in an order the database walks and tests row by
    row finds its page at the cost of the rows before it — the kits among the resources in
    title order, whose titles ("Kit…", "Valise…") gather far down the alphabet: 5 000 resources
    walked on each visit, 9 ms of SQL on PostgreSQL at national scale. Flask-SQLAlchemy's public
    API gives the Pagination (page and size checked as ``db.paginate`` does) over a select of no
    row, as ``paginate_in_turn`` does; its items are then the kept keys."""
    pagination = db.paginate(select(keys.selected_columns[0]).where(false()), page=page, per_page=per_page,
                             max_per_page=MAX_PER_PAGE, error_out=False, count=False)
    page_keys = keys.limit(pagination.per_page).offset((pagination.page - 1) * pagination.per_page)
    pagination.items = list(remember(_statement_key("page", page_keys),
                                     lambda: tuple(db.session.scalars(page_keys).unique())))
    return pagination


def paginate_in_turn(stmt, key, first, then, order: tuple, page: int, per_page: int, loader=None,
                     kept_cards: bool = False, total: int | None = None) -> Pagination:
    """``paginate`` for a statement whose order (the columns ``order``, ascending) puts every
    row matching the clause ``first`` before every row matching ``then`` (together: all its
    rows), when the whole is not read in order from an index: the agenda's dates under way,
    then those to come (``EventFilter.page``). ``first``'s rows are few and each read from an
    index without their order (SQLite's planner, asked for them in order, walks an index of
    the order instead: every past date), then sorted here; their keys kept like ``rows_of``. ``then``'s
    are read in order, up to the page. The total is ``stmt``'s count, kept like ``paginate``'s
    (or ``total``, when the caller knows it); ``kept_cards``: as ``paginate``'s."""
    keys = stmt.with_only_columns(key)
    unordered = stmt.with_only_columns(*order, key).where(first).order_by(None)
    # Only the keys are kept (a few hundred ints), not the rows they were sorted by: the agenda's
    # "now" is the minute begun, so a list is kept per minute, until the cache's oldest go.
    first_keys = list(remember(_statement_key("in turn", unordered), lambda: tuple(
        row[-1] for row in sorted(tuple(row) for row in db.session.execute(unordered)))))
    # Flask-SQLAlchemy's public API gives the Pagination (page and size checked as ``paginate``
    # does) over a select of no row; its items and total are then this list's.
    pagination = db.paginate(select(key).where(false()), page=page, per_page=per_page,
                             max_per_page=MAX_PER_PAGE, error_out=False, count=False)
    offset, limit = (pagination.page - 1) * pagination.per_page, pagination.per_page
    found = first_keys[offset:offset + limit]
    if len(found) < limit:
        found += _walk(keys.where(then), (*order, key), max(0, offset - len(first_keys)), limit - len(found))
    pagination.items = _items(stmt, key, found, loader, kept_cards)
    pagination.total = count_of(stmt) if total is None else total
    return pagination


MAX_PLACES = 64  # places kept per list and minute (a crawler walking 10 000 pages keeps the first ones)


def _walk(stmt, columns: tuple, skip: int, limit: int) -> list:
    """The keys (``columns``' last) of ``limit`` rows of ``stmt`` — ordered by ``columns``,
    ascending, the key last: a total order — after its first ``skip``. An ``OFFSET`` reads and
    drops every row before the page (the agenda's page 100, 3 000 dates each joined to its
    event: 10 ms at national scale), so where a page ended is kept, like ``count_of``, until the
    data changes: the next page — its "next" link — and the same page asked again start from
    there, read from the index like the first page. A page no request has reached yet walks on
    from the nearest place before it, and keeps where it starts too (its row before)."""
    places = remember(_statement_key("places", stmt), dict)
    reached = max((at for at in tuple(places) if at <= skip), default=0)
    walk = stmt.with_only_columns(*columns)
    if reached:
        walk = walk.where(_after(columns, places[reached]))
    before = 1 if skip > reached else 0  # the row before the page: where it starts
    rows = db.session.execute(walk.limit(limit + before).offset(skip - reached - before)).all()
    if before and rows and len(places) < MAX_PLACES:
        places[skip] = tuple(rows[0])
    rows = rows[before:]
    if rows and len(places) < MAX_PLACES:
        places[skip + len(rows)] = tuple(rows[-1])
    return [row[-1] for row in rows]


def _after(columns: tuple, place: tuple):
    """The rows after ``place`` in the order of ``columns`` (each ascending): ``(a, b, c) >
    (x, y, z)`` written out, each column compared with its own type, and ``a >= x`` on its own —
    what the planner reads from the index of ``a``."""
    (column, value), rest = (columns[0], place[0]), (columns[1:], place[1:])
    if not rest[0]:
        return column > value
    return and_(column >= value, or_(column > value, and_(column == value, _after(*rest))))


def count_of(stmt) -> int:
    """How many rows ``stmt`` selects: counting a list's matches reads every one of them (160 ms
    for all the articles at national scale), so the figure is kept until the data changes
    (csti/datacache.py), keyed by the statement and its parameters — alike for every visitor."""
    counting = _counting(stmt)
    return remember(_statement_key("count", counting), lambda: db.session.scalar(counting))


def _counting(stmt):
    return select(func.count()).select_from(stmt.order_by(None).subquery())


def count_from(stmt, bound, since_key: tuple, between, seconds: float) -> int:
    """``count_of(stmt)`` for a statement whose one moving part is ``bound``, the lower bound of
    a column, which moves up with the clock (the agenda from now: the dates not ended yet). The
    count at the first bound asked is kept with that bound under ``since_key`` (``stmt``'s
    filters without the bound, and what kind of bound it is) until the data changes or
    ``seconds`` pass; a later bound's count is that count less ``between(kept_bound, bound)``,
    ``stmt``'s rows from the kept bound up to this one (a few minutes' worth), instead of every
    row counted again (the agenda counted its 46 000 dates again each minute: 140 ms at national
    scale)."""
    kept_bound, total = remember(since_key, lambda: (bound, db.session.scalar(_counting(stmt))), seconds)
    if bound == kept_bound:
        return total
    if bound < kept_bound:  # an earlier bound than the kept one (the clock set back): counted
        return count_of(stmt)
    return total - count_of(between(kept_bound, bound))


def statement_key(kind: str, stmt) -> tuple:
    """A key of ``stmt``'s structure and parameters (for ``count_from``'s ``since_key``)."""
    return _statement_key(kind, stmt)


def rows_of(stmt) -> list[tuple]:
    """The rows of ``stmt`` as plain tuples, kept until the data changes like ``count_of``: for
    the aggregates that every visitor sees alike (a list's facet counts, the tag cloud)."""
    kept = remember(_statement_key("rows", stmt), lambda: tuple(tuple(row) for row in db.session.execute(stmt)))
    return list(kept)  # the caller's own list: the kept one never changes


def _statement_key(kind: str, stmt) -> tuple:
    """The statement's structure (SQLAlchemy's own cache key, cheaper than compiling it) and
    its parameters' values."""
    cache_key = stmt._generate_cache_key()
    if cache_key is None:  # a construct SQLAlchemy does not cache: the compiled text then
        compiled = stmt.compile(dialect=db.engine.dialect)
        return kind, str(compiled), repr(sorted(compiled.params.items()))
    return kind, cache_key.key, repr([p.effective_value for p in cache_key.bindparams])


def first(stmt, key, limit: int, loader=None, kept_cards: bool = False) -> list:
    """The first ``limit`` items of ``stmt`` (ordered), found by their ``key`` first like
    ``paginate`` does — for feeds, and a partner's guides (``kept_cards``: as ``paginate``'s)."""
    return _items(stmt, key, list(db.session.scalars(stmt.with_only_columns(key).limit(limit))), loader, kept_cards)


def loaded(keys, key, loader) -> list:
    """The rows that ``loader`` (``card_loader``) selects for ``keys``, in the order of
    ``keys`` (``key``: their column) — for keys read by a select of their own."""
    return _load(db.session, None, key, list(keys), loader)


def _items(stmt, key, keys: list, loader, kept_cards: bool) -> list:
    """The items ``keys`` of a list: stand-ins (``Deferred``) when they show as kept cards
    (``kept_cards``) and may be deferred, else loaded (``_load``)."""
    deferred = Deferred.page(keys, loader) if kept_cards and Deferred.applies(loader) else None
    return deferred if deferred is not None else _load(db.session, stmt, key, keys, loader)


def _load(session, stmt, key, keys: list, loader=None) -> list:
    """The rows of ``stmt`` whose ``key`` is in ``keys``, in the order of ``keys``: by
    ``loader`` (``card_loader``: the territories read first, for the cards to find theirs in
    the session), else by ``stmt`` itself."""
    if not keys:
        return []
    position = {value: index for index, value in enumerate(keys)}
    if isinstance(loader, KindsLoader):
        Territory.by_name()
        items = loader.load(session, list(keys))
    elif loader is not None:
        Territory.by_name()
        items = session.execute(loader, {"keys": list(keys)}).unique().scalars().all()
    else:
        items = session.execute(stmt.where(key.in_(keys))).unique().scalars().all()
    return sorted(items, key=lambda item: position[getattr(item, key.key)])


class _DeferredPage:
    """The items of one page that ``Deferred`` stands for, loaded together when first needed."""

    __slots__ = ("keys", "loader", "kinds", "items")

    def __init__(self, keys: list, loader, kinds: dict | None = None):
        self.keys, self.loader, self.kinds, self.items = keys, loader, kinds, None

    def get(self, key):
        """The item ``key``; None when it is gone since its key was read (on PostgreSQL, a delete
        committed meanwhile: ``_load`` left it out)."""
        if self.items is None:
            Territory.by_name()  # as ``_load``: the cards find their territory in the session
            found = (self.loader.load(db.session, self.keys, self.kinds) if isinstance(self.loader, KindsLoader)
                     else db.session.execute(self.loader, {"keys": self.keys}).unique().scalars().all())
            self.items = {item.id: item for item in found}
        return self.items.get(key)


@dataclass(frozen=True)
class _Related:
    """A deferred page's items' relation (an agenda date's event), loaded with them."""

    page: _DeferredPage
    name: str

    def get(self, key):
        item = self.page.get(key)
        return None if item is None else getattr(item, self.name)


def loaded_item(item):
    """The item a stand-in (``Deferred``) stands for, loaded with its page — None when it is gone
    since its key was read —, else ``item`` itself: what a kept card or line not kept yet is
    drawn from (csti/fragments.py)."""
    return item._page.get(item._key) if type(item) is Deferred else item


class Deferred:
    """An item of a list's page known by what its kept card's or line's key holds — its id, its
    kind and the date its card shows (an event's next one, ``card_dates_of``; else none: its
    publication date); an agenda's date, its dates and its event's id — until something reads
    more of it: then every deferred item of its page is loaded at once, by the page's loader.
    A page whose cards are all kept (csti/fragments.py) then loads none of them: rows of 30
    columns and their ORM objects, from an eighth to two fifths of a list page
    (docs/architecture.md §26). ``isinstance`` sees the model; equality and hashing are the
    loaded item's."""

    __slots__ = ("_known", "_model", "_page", "_key")

    def __init__(self, known: dict, model, page, key=None):
        self._known, self._model, self._page = known, model, page
        self._key = known["id"] if key is None else key

    @staticmethod
    def applies(loader) -> bool:
        """Whether a page loaded by ``loader`` (``card_loader``, ``occurrence_loader``) may be
        deferred: with the fragment cache on, in a request (else every card is rendered anyway)."""
        from flask import current_app, has_request_context

        return (loader is not None and has_request_context() and current_app.config.get("DATA_CACHE", True)
                and current_app.extensions.get("csti_fragments") is not None)

    @classmethod
    def page(cls, keys, loader, kinds: dict | None = None) -> list | None:
        """Stand-ins for the items ``keys`` in their order, or None when one of them needs its
        row for its card's key (an event without a date, a type with a date of its own).
        ``kinds`` (id → kind), for a page of every kind whose kinds were read already (the
        search's hits still published): the key left out of it is left out of the page."""
        from . import registry
        from .models.events import Event, EventOccurrence, card_dates_of

        keys = list(keys)
        if not keys:
            return []
        model = None if isinstance(loader, KindsLoader) else loader.column_descriptions[0]["entity"]
        if model is EventOccurrence:
            return cls._dates(keys, loader)
        if model is None:  # a page of every kind: one statement for the kinds
            types = registry.all_kinds()
            kinds = ({k: kinds[k] for k in keys if k in kinds} if kinds is not None
                     else dict(db.session.execute(loader.kinds, {"keys": keys}).all()))  # one gone since: left out
            models = {k: types[kind].model if kind in types else Content for k, kind in kinds.items()}
        else:
            kinds = dict.fromkeys(keys, model.__mapper__.polymorphic_identity)
            models = dict.fromkeys(keys, model)
        dated = [k for k, model in models.items() if model.card_span is not Content.card_span]
        spans = {}
        if dated:
            if any(models[k] is not Event for k in dated):
                return None
            spans = card_dates_of(db.session, dated)
            if any(spans.get(k) is None for k in dated):
                return None
        shared = _DeferredPage([k for k in keys if k in models], loader, kinds if model is None else None)
        return [cls({"id": k, "kind": kinds[k], "card_span": spans.get(k)}, models[k], shared)
                for k in keys if k in models]

    @classmethod
    def _dates(cls, keys, loader) -> list:
        """An agenda's dates: their own dates and their event's id, by one statement."""
        from .models.events import Event, EventOccurrence

        shared = _DeferredPage(keys, loader)
        events = _Related(shared, "event")
        rows = {row.id: row for row in db.session.execute(_dates_statement(), {"keys": keys})}
        return [cls({"id": k, "event_id": row.event_id, "starts_at": row.starts_at, "ends_at": row.ends_at,
                     "event": cls({"id": row.event_id, "kind": "event"}, Event, events, key=k)},
                    EventOccurrence, shared)
                for k in keys if (row := rows.get(k)) is not None]

    @property
    def __class__(self):  # isinstance(item, Article) without loading it
        return self._model

    def loaded(self):
        item = self._page.get(self._key)
        if item is None:  # as an attribute the item lacks: a template shows nothing for it
            raise AttributeError(f"{self!r} is gone since its key was read")
        return item

    def __getattr__(self, name):  # what the key does not hold: the item's own
        known = self._known
        return known[name] if name in known else getattr(self.loaded(), name)

    def __eq__(self, other):
        return self.loaded() == (other.loaded() if type(other) is Deferred else other)

    def __hash__(self):
        return hash(self.loaded())

    def __repr__(self):
        return f"<Deferred {self._model.__name__} {self._known['id']}>"


@functools.cache
def _dates_statement():
    """``Deferred._dates``' query, built once."""
    from .models.events import EventOccurrence

    return select(EventOccurrence.id, EventOccurrence.event_id, EventOccurrence.starts_at,
                  EventOccurrence.ends_at).where(EventOccurrence.id.in_(bindparam("keys", expanding=True)))
