"""The content-type registry (docs/architecture.md §4): each content blueprint declares its type
once, in its package's ``__init__.py``, and the nav, the page cache, the feeds' conditional GET,
a structure's page, the home pages' sections and the cards (what each type's card adds and loads)
read it here instead of keeping lists of their own.

The registry fills as the blueprint packages are imported (``create_app`` discovers them all);
``tests/test_registry.py`` fails when a ``Content`` subclass is not registered or when a
registered list or feed is not cached.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class HomeSection:
    """A type's section on the home pages (``homes.home_sections``, ``macros/home.html``).

    - ``name``: its id (``<name>-title``) and the key the home templates receive its items by;
    - ``title``, ``empty``: its heading and what it says without items (lazy gettext);
    - ``see_all``: the label of the link to the type's list (filtered by the home's territory);
    - ``query``: ``(territory, limit) -> items`` (a list of items, or of ``(occurrence, event)``
      pairs for dated types); None: the type's latest published items;
    - ``feed``: ``(label, endpoint, territory endpoint)`` of a second link (the iCal feed),
      the territory's endpoint taking its ``slug``;
    - ``order``: its place among the sections (default: the type's ``nav_order``).
    """

    name: str
    title: object
    empty: object
    see_all: object
    query: Callable | None = None
    feed: tuple | None = None
    order: int | None = None


@dataclass(frozen=True)
class ContentType:
    """What the rest of the site needs to know about a content type.

    - ``list_endpoint``: its public list (None: no list, e.g. editorial pages); cached for
      anonymous visitors and the target of its nav entry;
    - ``feed_endpoint``: its feed (Atom or iCalendar), cached and answered conditionally;
    - ``cached_endpoints``: its other pages everybody sees alike (maps, other lists, feeds);
    - ``feed_endpoints``: its other feeds answered conditionally (not necessarily cached);
    - ``nav_label``/``nav_order``: its entry in the main menu (lazy gettext), None for none;
      the entry is current on every page of the list's blueprint but ``nav_not_current``;
    - ``structure_page``: listed among the publications on a structure's page (events have
      a section of their own there);
    - ``home_section``: its section on the home pages (a ``HomeSection``), None for none;
    - ``card_facts``: the template of what its card adds to the common card (a project's needs,
      an announcement's deadline…), rendered with ``item`` (``templates/macros/card.html``);
    - ``followable``: its page has a "Follow" button (``content/show.html``): its followers
      are told of its news (a structure's new publications, a project's timeline…);
    - ``documents``: its page has a documents section (``content/show.html``'s ``documents``
      block, ``documents/_section.html``): its editors attach PDF and office files, those who
      may see the item download them (``csti/blueprints/documents/``);
    - ``card_loads``: the relationships its card shows, loaded with the list (by a second query,
      with their own card's options); ``card_skips``: relationships loaded by default that its
      card does not show; ``card_defers``: columns its card does not show, not read with a list
      (an event's dates and exceptions, JSON decoded for every row of the agenda otherwise)
      (``listing.card_options``).
    """

    kind: str
    model: type
    list_endpoint: str | None
    feed_endpoint: str | None = None
    cached_endpoints: tuple[str, ...] = ()
    feed_endpoints: tuple[str, ...] = ()
    nav_label: object = None
    nav_order: int | None = None
    nav_not_current: tuple[str, ...] = ()
    structure_page: bool = False
    home_section: HomeSection | None = None
    card_facts: str | None = None
    card_loads: tuple[str, ...] = ()
    card_skips: tuple[str, ...] = ()
    card_defers: tuple[str, ...] = ()
    followable: bool = False
    documents: bool = False

    @property
    def label(self):
        """The type's name as people read it ("Article"), from its model."""
        return self.model.kind_label

    @property
    def blueprint(self) -> str | None:
        return self.list_endpoint.partition(".")[0] if self.list_endpoint else None

    def nav_current(self, request) -> bool:
        """Whether its nav entry is the page being shown (``aria-current``)."""
        return (request.blueprint is not None and request.blueprint == self.blueprint
                and request.endpoint not in self.nav_not_current)


_types: dict[str, ContentType] = {}


def register(kind: str, model: type, list_endpoint: str | None, **options) -> ContentType:
    """Declare a content type (once per kind; importing its package again is harmless)."""
    content_type = ContentType(kind, model, list_endpoint, **options)
    known = _types.get(kind)
    if known is not None and (known.model, known.list_endpoint) != (model, list_endpoint):
        raise ValueError(f"content type {kind!r} registered twice, differently")
    if content_type.nav_label is not None and content_type.nav_order is None:
        raise ValueError(f"content type {kind!r}: a nav label needs a nav order")
    if content_type.nav_order is not None and content_type.nav_label is None:
        raise ValueError(f"content type {kind!r}: a nav order needs a nav label (the menu would read None)")
    if content_type.nav_order is not None and content_type.list_endpoint is None:
        raise ValueError(f"content type {kind!r}: a nav entry needs a list to lead to")
    if content_type.home_section is not None and content_type.list_endpoint is None:
        raise ValueError(f"content type {kind!r}: a home section needs a list (its \"see all\" link)")
    _types[kind] = content_type
    cached_endpoints.cache_clear()
    feed_endpoints.cache_clear()
    return content_type


def all() -> list[ContentType]:  # noqa: A001 - the registry's own vocabulary
    """Every registered type, in registration order."""
    return list(_types.values())


def all_kinds() -> dict[str, ContentType]:
    """Every registered type by kind (read-only use)."""
    return _types


def get(kind: str) -> ContentType:
    return _types[kind]


def for_model(model: type) -> ContentType | None:
    """The type whose model is ``model`` (None for ``Content`` itself)."""
    return next((t for t in _types.values() if t.model is model), None)


def home_sections() -> list[ContentType]:
    """The types with a section on the home pages, in their order."""
    with_section = [t for t in _types.values() if t.home_section is not None]
    return sorted(with_section, key=lambda t: (t.home_section.order if t.home_section.order is not None
                                               else t.nav_order if t.nav_order is not None else 1000))


@dataclass(frozen=True)
class NavEntry:
    """Another entry of the main menu, declared by a content blueprint beside its type's: a
    page of its own that people look for by name (the trainings' catalogue). It reads like a
    type's entry to ``base.html``: ``nav_label``, ``list_endpoint``, ``nav_order``,
    ``nav_current``; it is current on its ``list_endpoint`` and ``current_endpoints``."""

    kind: str  # a name of its own, not a content kind
    nav_label: object
    list_endpoint: str
    nav_order: int
    current_endpoints: tuple[str, ...] = ()

    def nav_current(self, request) -> bool:
        return request.endpoint in (self.list_endpoint, *self.current_endpoints)


_nav_extras: dict[str, NavEntry] = {}


def register_nav(name: str, label, endpoint: str, order: int, current_endpoints: tuple[str, ...] = ()) -> NavEntry:
    """Declare a menu entry that is not a type's list (once per name)."""
    if label is None:
        raise ValueError(f"menu entry {name!r} needs a label")
    entry = NavEntry(name, label, endpoint, order, tuple(current_endpoints))
    _nav_extras[name] = entry
    return entry


def nav_extras() -> list[NavEntry]:
    return list(_nav_extras.values())


def nav_entries() -> list[ContentType | NavEntry]:
    """The main menu: the types with an entry and the other declared entries, by ``nav_order``."""
    entries = [t for t in _types.values() if t.nav_order is not None] + list(_nav_extras.values())
    return sorted(entries, key=lambda t: t.nav_order)


@cache
def cached_endpoints() -> frozenset[str]:
    """The types' pages the page cache keeps: lists, feeds and their other shared pages."""
    return frozenset(e for t in _types.values()
                     for e in (t.list_endpoint, t.feed_endpoint, *t.cached_endpoints) if e)


@cache
def feed_endpoints() -> frozenset[str]:
    """The types' feeds, answered to conditional requests (ETag, Last-Modified)."""
    return frozenset(e for t in _types.values() for e in (t.feed_endpoint, *t.feed_endpoints) if e)


def followable(item) -> bool:
    """Whether ``item``'s page offers to follow it (its type is declared ``followable``)."""
    content_type = _types.get(getattr(item, "kind", None))
    return content_type is not None and content_type.followable


def structure_kinds() -> tuple[str, ...]:
    """The kinds listed among a structure's publications."""
    return tuple(t.kind for t in _types.values() if t.structure_page)
