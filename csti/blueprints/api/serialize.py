"""Rows → the API's objects (``schemas.py``). Everything an object shows was loaded with its
page (``collections.py``: one statement per relation, whatever the page's length); the few
figures that need counting (an event's confirmed registrations) are counted for the whole page
at once (``prepare``)."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from ...dates import local_zone
from ...extensions import db
from ...models import PUBLISHED
from ...models.base import utcnow
from ...models.events import CONFIRMED
from ...models.events import Registration as RegistrationRow
from . import schemas


def absolute(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def image(path: str | None, alt: str = "") -> schemas.Image | None:
    from ...storage import media_url

    return schemas.Image(url=media_url(path, external=True), alt=alt or "") if path else None


def structure_ref(actor) -> schemas.StructureRef:
    return schemas.StructureRef(id=actor.id, title=actor.title, url=absolute("actors.show", id=actor.id,
                                                                                     slug=actor.slug))


def territory(row) -> schemas.Territory:
    return schemas.Territory(id=row.id, slug=row.slug, name=row.name, description=row.description or "",
                             url=absolute("territories.home", slug=row.slug), latitude=row.center_lat,
                             longitude=row.center_lng, logo=image(row.logo, row.name), created_at=row.created_at)


def tag(row) -> schemas.Tag:
    return schemas.Tag(id=row.id, slug=row.slug, name=row.name, url=absolute("tags.show", slug=row.slug))


def common(item, collection: str) -> dict:
    """The fields every item has (``schemas.ContentOut``)."""
    return {
        "id": item.id, "type": item.kind, "title": item.title, "slug": item.slug, "summary": item.summary or "",
        "url": absolute(item.view_endpoint, id=item.id, slug=item.slug),
        "api_url": absolute(f"api.{collection}_item", id=item.id),
        "territory": (schemas.TerritoryRef(id=item.territory.id, slug=item.territory.slug, name=item.territory.name)
                      if item.territory is not None else None),
        "tags": [schemas.TagRef(slug=t.slug, name=t.name) for t in item.tags],
        "structures": [structure_ref(o) for o in item.owners
                       if o.status == PUBLISHED and not o.members_only and o.view_endpoint],
        "audiences": list(item.audiences),
        "image": image(item.card_image, item.cover_alt if item.card_image == item.cover_image else item.title),
        "published_at": item.published_at, "updated_at": item.updated_at,
    }


def structure(item, context) -> dict:
    return {"kind": item.actor_kind, "address": item.address or "", "postcode": item.postcode or "",
            "commune": item.commune or "", "department": item.department or "", "latitude": item.latitude,
            "longitude": item.longitude, "location_approximate": bool(item.location_approximate),
            "website": item.website or "", "email": item.email or "", "phone": item.phone or ""}


def prepare_events(items) -> dict:
    """{event id: confirmed registrations} of the page's events registering on this site with a
    capacity: one statement for the page."""
    ids = [e.id for e in items if e.registration_mode == "site" and e.capacity is not None]
    if not ids:
        return {}
    return dict(db.session.execute(
        select(RegistrationRow.event_id, func.count(RegistrationRow.id))
        .where(RegistrationRow.event_id.in_(ids), RegistrationRow.status == CONFIRMED)
        .group_by(RegistrationRow.event_id)).all())


def registration(item, confirmed: dict) -> schemas.Registration:
    """Its registration as its page tells it (``events/schedule.py``: registration_open)."""
    mode = item.registration_mode if item.registration_mode in ("external", "site") else "none"
    deadline = item.registration_deadline
    if mode == "none":
        return schemas.Registration(mode="none", state="none", url=None, capacity=None, places_left=None,
                                    deadline=None)
    now = utcnow()
    last = max((o.ends_at for o in item.occurrences), default=item.ends_at or item.starts_at)
    over = last is not None and now > last
    closed = (item.registration_closed or item.schedule_status in ("cancelled", "postponed") or over
              or (deadline is not None and now > deadline))
    if mode == "external":
        return schemas.Registration(mode="external", state="closed" if closed or not item.registration_url else "open",
                                    url=item.registration_url or None, capacity=None, places_left=None,
                                    deadline=deadline)
    places = None
    if item.schedule_status == "full":
        places = 0
    elif item.capacity is not None:
        places = max(0, item.capacity - confirmed.get(item.id, 0))
    if closed:
        state = "closed"
    elif places == 0:
        state = "waiting_list" if item.waiting_list else "full"
    else:
        state = "open"
    return schemas.Registration(mode="site", state=state, url=absolute("events.show", id=item.id, slug=item.slug),
                                capacity=item.capacity, places_left=places, deadline=deadline)


def event(item, context) -> dict:
    venue = None
    if item.venue is not None:
        v = item.venue
        venue = schemas.Venue(name=v.title, address=v.address or "", postcode=v.postcode or "",
                              commune=v.commune or "", latitude=item.place_latitude, longitude=item.place_longitude,
                              structure=structure_ref(v) if v.status == PUBLISHED and not v.members_only else None)
    elif item.venue_name or item.address or item.commune or item.latitude is not None:
        venue = schemas.Venue(name=item.venue_name or "", address=item.address or "", postcode=item.postcode or "",
                              commune=item.commune or "", latitude=item.latitude, longitude=item.longitude,
                              structure=None)
    return {"kind": item.event_kind, "status": item.schedule_status, "attendance_mode": item.attendance_mode,
            "all_day": bool(item.all_day), "starts_at": item.starts_at, "ends_at": item.ends_at,
            "occurrences": [schemas.Occurrence(starts_at=o.starts_at, ends_at=o.ends_at) for o in item.occurrences],
            "venue": venue, "online_url": item.online_url or "", "is_free": bool(item.is_free),
            "price": item.price_text or "", "age_min": item.age_min, "age_max": item.age_max,
            "accessibility": list(item.accessibility or []), "registration": registration(item, context)}


def article(item, context) -> dict:
    return {"kind": item.article_kind, "format_name": item.format_name or "",
            "format_audience": item.format_audience or "", "duration": item.duration_text or ""}


def announcement(item, context) -> dict:
    today = utcnow().astimezone(local_zone()).date()
    return {"kind": item.announcement_kind, "deadline": item.deadline,
            "is_open": item.deadline is None or item.deadline >= today, "link": item.link or "",
            "contact_email": item.contact_email or ""}


def project(item, context) -> dict:
    return {"stage": item.stage, "website": item.website or "",
            "needs": [schemas.Need(kind=n.kind, description=n.description or "", is_met=bool(n.is_met))
                      for n in item.needs]}


def dossier(item, context) -> dict:
    return {"item_count": item.item_count or 0}


def dossier_items(item, by_kind) -> dict:
    """A dossier's published, public items with the curators' notes: one statement. ``by_kind``:
    the collection serving a content type (``collections.by_kind``, passed: no import cycle)."""
    from ...models import Content, DossierItem

    rows = db.session.execute(
        select(DossierItem.note, Content.id, Content.kind, Content.title, Content.slug)
        .join(Content, Content.id == DossierItem.content_id)
        .where(DossierItem.dossier_id == item.id, Content.status == PUBLISHED, Content.public_clause())
        .order_by(DossierItem.position, DossierItem.id))
    entries = []
    for note, content_id, kind, title, slug in rows:
        model = Content.KINDS.get(kind)
        if model is None or not model.view_endpoint:
            continue
        collection = by_kind(kind)
        entries.append(schemas.DossierEntry(
            id=content_id, type=kind, title=title, url=absolute(model.view_endpoint, id=content_id, slug=slug),
            api_url=absolute(f"api.{collection.name}_item", id=content_id) if collection else None, note=note or ""))
    return {"items": entries}


def resource(item, context) -> dict:
    return {"kind": item.resource_kind, "lendable": bool(item.lendable), "is_free": bool(item.is_free),
            "price": item.price or "", "deposit": item.deposit or "", "dimensions": item.dimensions or "",
            "weight_kg": float(item.weight_kg) if item.weight_kg is not None else None, "panels": item.panels,
            "setup_minutes": item.setup_minutes, "video_url": item.video_url or ""}
