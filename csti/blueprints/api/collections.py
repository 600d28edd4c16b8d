"""The API's collections of published items: for each, its model, its schema, its own fields,
its ``kind`` filter, its order and what its page loads. Every query starts from
``published()``: published and public (``Content.public_clause()``), for a list and for one
item alike."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import noload, selectinload

from ...models import (
    ACTOR_KINDS,
    Actor,
    Announcement,
    Article,
    Content,
    Dossier,
    Event,
    Project,
    Resource,
)
from ...models.announcements import ANNOUNCEMENT_KINDS
from ...models.articles import ARTICLE_KINDS
from ...models.events import EVENT_KINDS
from ...models.projects import PROJECT_STAGES
from ...models.resources import RESOURCE_KINDS
from . import schemas, serialize
from .queries import NAMES, published  # noqa: F401  (published: what every query starts from)

COMMON_FILTERS = ("territory", "tag", "updated_since", "limit", "cursor")


@dataclass(frozen=True)
class Collection:
    """``/api/v1/<name>`` and ``/api/v1/<name>/<id>``."""

    name: str
    model: type
    schema: type
    fields: Callable  # (item, context) -> its own fields
    kinds: dict = field(default_factory=dict)  # the ``kind`` filter's values
    kind_column: str | None = None
    owned: bool = True  # the ``structure`` filter: items published for a structure
    ascending: bool = False  # sorted by its date ascending (events: first date), else newest first
    filters: tuple[str, ...] = ()  # its own filters beyond the common ones
    loads: Callable = lambda model: ()  # its own relations loaded with the page
    prepare: Callable = lambda items: None  # figures counted for the whole page
    detail_base: type | None = None  # what its own URL adds (a dossier's items), else the list's schema
    detail_fields: Callable = lambda item: {}
    summary: str = ""

    @property
    def sort_column(self):
        return self.model.starts_at if self.ascending else self.model.published_at

    @property
    def known(self) -> tuple[str, ...]:
        names = COMMON_FILTERS + self.filters
        if self.kind_column:
            names += ("kind",)
        if self.owned:
            names += ("structure",)
        return names

    @property
    def page_schema(self):
        return _envelopes(self)[0]

    @property
    def detail_schema(self):
        return _envelopes(self)[1]

    @property
    def one_schema(self):
        return _envelopes(self)[2]


_made: dict = {}


def _envelopes(collection: Collection):
    if collection.name not in _made:
        title = collection.schema.__name__
        detail = schemas.detail_of(collection.detail_base or collection.schema, f"{title}Detail")
        _made[collection.name] = (schemas.page_of(collection.schema, f"{title}Page"), detail,
                                  schemas.one_of(detail, f"{title}Response"))
    return _made[collection.name]


def _lean(attribute):
    """A related item loaded for its id, title and page only."""
    return selectinload(attribute).options(noload(Content.author), noload(Content.tags), noload(Content.owners),
                                           noload(Content.audience_rows), noload(Content.territory))


def load_options(collection: Collection) -> list:
    model = collection.model
    options = [noload(model.author), selectinload(model.tags), selectinload(model.audience_rows),
               _lean(model.owners), *collection.loads(model)]
    return options


def _event_loads(model):
    return (selectinload(Event.occurrences), _lean(Event.venue))


COLLECTIONS = {c.name: c for c in (
    Collection("structures", Actor, schemas.Structure, serialize.structure, ACTOR_KINDS, "actor_kind", owned=False,
               summary="Structures (associations, fablabs, museums…): the directory."),
    Collection("events", Event, schemas.Event, serialize.event, EVENT_KINDS, "event_kind", ascending=True,
               filters=("start", "end"), loads=_event_loads, prepare=serialize.prepare_events,
               summary="Events, by first date; each lists all its dates."),
    Collection("articles", Article, schemas.Article, serialize.article, ARTICLE_KINDS, "article_kind",
               summary="Articles: news, reports, experience feedback, mediation format sheets."),
    Collection("announcements", Announcement, schemas.Announcement, serialize.announcement, ANNOUNCEMENT_KINDS,
               "announcement_kind", summary="Announcements: calls, jobs, volunteering, lending."),
    Collection("projects", Project, schemas.Project, serialize.project, PROJECT_STAGES, "stage",
               loads=lambda model: (noload(Project.members),), summary="Projects looking for partners."),
    Collection("dossiers", Dossier, schemas.Dossier, serialize.dossier,
               loads=lambda model: (noload(Dossier.partner_rows), noload(Dossier.collaborators)),
               detail_base=schemas.DossierWithItems, detail_fields=lambda item: serialize.dossier_items(item, by_kind),
               summary="Public dossiers (collections of items)."),
    Collection("resources", Resource, schemas.Resource, serialize.resource, RESOURCE_KINDS, "resource_kind",
               summary="The resource centre: exhibitions, kits, games… to borrow."),
)}


assert tuple(COLLECTIONS) == NAMES, "queries.NAMES routes the collections: keep it in step"


def by_kind(kind: str) -> Collection | None:
    """The collection serving the content type ``kind`` (search hits link to it)."""
    return next((c for c in COLLECTIONS.values() if c.model.__mapper__.polymorphic_identity == kind), None)
