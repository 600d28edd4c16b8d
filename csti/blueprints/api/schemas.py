"""The API's response objects (pydantic v2 models): the responses are built from them
(``serialize.py``) and the OpenAPI document's schemas are their ``model_json_schema()``
(JSON Schema 2020-12, what OpenAPI 3.1 uses; ``openapi.py``) — one definition for both, so the
document cannot drift from what is sent."""
from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- small parts ---------------------------------------------------------------------------------
class TerritoryRef(Out):
    id: int
    slug: str
    name: str


class TagRef(Out):
    slug: str
    name: str


class StructureRef(Out):
    """A structure (an owner of the item, its venue…) by id, name and page."""
    id: int
    title: str
    url: str = Field(description="Absolute URL of the structure's HTML page.")


class Image(Out):
    url: str = Field(description="Absolute URL of the image (WebP).")
    alt: str = Field(description="Its text alternative; \"\" when decorative or not given.")


# --- the lists' items ----------------------------------------------------------------------------
class Territory(Out):
    id: int
    slug: str
    name: str
    description: str = Field(description="Markdown.")
    url: str = Field(description="Absolute URL of the territory's home page.")
    latitude: float
    longitude: float
    logo: Image | None
    created_at: datetime


class Tag(Out):
    id: int
    slug: str
    name: str
    url: str = Field(description="Absolute URL of the tag's page.")


class ContentOut(Out):
    """What every published item has."""
    id: int = Field(description="Stable id (the database's).")
    type: str = Field(description="The content type: event, article, actor (structure)…")
    title: str
    slug: str
    summary: str
    url: str = Field(description="Absolute URL of its HTML page.")
    api_url: str = Field(description="Absolute URL of this object in the API.")
    territory: TerritoryRef | None
    tags: list[TagRef]
    structures: list[StructureRef] = Field(description="The structures it is published for (owners).")
    audiences: list[str]
    image: Image | None
    published_at: datetime | None
    updated_at: datetime | None


class Structure(ContentOut):
    type: Literal["actor"]
    kind: str = Field(description="association, fablab, museum…")
    address: str
    postcode: str
    commune: str
    department: str
    latitude: float | None
    longitude: float | None
    location_approximate: bool = Field(description="Placed at its commune's centre.")
    website: str
    email: str
    phone: str


class Occurrence(Out):
    starts_at: datetime
    ends_at: datetime


class Venue(Out):
    name: str
    address: str
    postcode: str
    commune: str
    latitude: float | None
    longitude: float | None
    structure: StructureRef | None = Field(description="The venue's structure, when it is one of the site's.")


class Registration(Out):
    mode: Literal["none", "external", "site"]
    state: Literal["none", "open", "waiting_list", "full", "closed"] = Field(
        description="none: no registration; open; waiting_list: full, registrations go on a waiting list; "
                    "full; closed (closed by the organisers, deadline passed, event over, cancelled or postponed).")
    url: str | None = Field(description="Where to register: the organiser's page (external) or the event's page (site).")
    capacity: int | None
    places_left: int | None = Field(description="Registration on this site only; null: no limit or not known.")
    deadline: datetime | None


class Event(ContentOut):
    type: Literal["event"]
    kind: str = Field(description="talk, workshop, exhibition, training…")
    status: str = Field(description="scheduled, postponed, cancelled or full.")
    attendance_mode: str = Field(description="in_person, online or mixed.")
    all_day: bool
    starts_at: datetime | None = Field(description="Its first date.")
    ends_at: datetime | None
    occurrences: list[Occurrence] = Field(description="Every date of the event, in order (recurrences expanded).")
    venue: Venue | None
    online_url: str
    is_free: bool
    price: str
    age_min: int | None
    age_max: int | None
    accessibility: list[str]
    registration: Registration


class Article(ContentOut):
    type: Literal["article"]
    kind: str = Field(description="news, report, feedback, format, minutes.")
    format_name: str
    format_audience: str
    duration: str


class Announcement(ContentOut):
    type: Literal["announcement"]
    kind: str
    deadline: date | None
    is_open: bool = Field(description="No deadline, or a deadline today or later.")
    link: str
    contact_email: str


class Need(Out):
    kind: str
    description: str
    is_met: bool


class Project(ContentOut):
    type: Literal["project"]
    stage: str = Field(description="idea, in_progress or finished.")
    website: str
    needs: list[Need]


class Dossier(ContentOut):
    type: Literal["dossier"]
    item_count: int = Field(description="Its published, public items.")


class DossierEntry(Out):
    id: int
    type: str
    title: str
    url: str
    api_url: str | None = Field(description="The item in the API (null for types it does not serve).")
    note: str = Field(description="The curator's note.")


class DossierWithItems(Dossier):
    items: list[DossierEntry] = Field(description="Its published, public items, in the curators' order.")


class Resource(ContentOut):
    type: Literal["resource"]
    kind: str = Field(description="exhibition, kit, game, video, book, equipment, other.")
    lendable: bool
    is_free: bool
    price: str
    deposit: str
    dimensions: str
    weight_kg: float | None
    panels: int | None
    setup_minutes: int | None
    video_url: str


class SearchHit(Out):
    id: int
    type: str
    title: str
    summary: str
    url: str
    api_url: str | None = Field(description="The item in the API (null for types it does not serve).")


# --- envelopes and errors ------------------------------------------------------------------------
class ErrorBody(Out):
    status: int
    code: str = Field(description="bad_parameter, not_found, method_not_allowed, rate_limited, server_error…")
    message: str
    parameter: str | None = Field(default=None, description="The query parameter at fault, when there is one.")
    retry_after: int | None = Field(default=None, description="rate_limited: the seconds to wait (as Retry-After).")


class Error(Out):
    error: ErrorBody


@cache
def page_of(item: type[BaseModel], name: str) -> type[BaseModel]:
    """The envelope of a list: ``data`` (a page of items), ``next`` (the URL of the next page or
    null), ``limit``."""
    from pydantic import create_model

    return create_model(name, __base__=Out, data=(list[item], ...),
                        next=(str | None, Field(description="The next page's URL; null on the last page.")),
                        limit=(int, ...))


@cache
def detail_of(item: type[BaseModel], name: str) -> type[BaseModel]:
    """An item as its own URL gives it: the list's fields and its text (``body_html``)."""
    from pydantic import create_model

    return create_model(name, __base__=item, body_html=(str, Field(description="Its text, sanitised HTML.")))


@cache
def one_of(item: type[BaseModel], name: str) -> type[BaseModel]:
    """The envelope of one item: ``{"data": item}``."""
    from pydantic import create_model

    return create_model(name, __base__=Out, data=(item, ...))
