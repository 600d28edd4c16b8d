"""schema.org JSON-LD of the pages search engines show richly (docs/architecture.md §17): an
event (``Event``), a structure (``Organization``, or the ``Museum``/``Library``/school subtype
its kind maps to) and an article (``Article``); the home page says the ``WebSite``.

The dicts are built here from what the page already loaded — the item, its dates, venue,
owners, tags, territory and author, and for an event the registration state the page shows —
so the JSON-LD costs no query. ``script(data)`` writes them into the page's head as a
``<script type="application/ld+json">``: a data block, never executed (the CSP does not apply to
it); ``<``, ``>`` and ``&`` are written as ``\\u003c``… so that no text a member typed can close
the element. Only a published item that everybody may see has any (``public``).
"""
from __future__ import annotations

import json
import re
from datetime import datetime

from flask import current_app, url_for
from markupsafe import Markup

from .dates import to_local
from .pagemeta import excerpt, item_description

SCHEMA = "https://schema.org"
DESCRIPTION_MAX = 300
HEADLINE_MAX = 110  # Google's advice for an article's headline
COUNTRY = "FR"  # addresses are French (postcodes, communes: csti/data/)
CURRENCY = "EUR"

# A structure's kind → its schema.org type, where it maps cleanly; else Organization.
ACTOR_TYPES = {
    "museum": "Museum",  # a Place (CivicStructure)
    "library": "Library",  # a LocalBusiness: both a Place and an Organization
    "university": "CollegeOrUniversity",  # EducationalOrganization: both too
    "school": "School",
    "association": "NGO",
    "local_authority": "GovernmentOrganization",
}
# Of those, the types that are not Organizations (no ``email``; the place itself has ``geo``).
PLACE_ONLY = frozenset({"Museum"})
# ... and those that are Places too (``geo`` on the node itself, not on a ``location``).
PLACES = frozenset({"Museum", "Library", "CollegeOrUniversity", "School"})

EVENT_STATUS = {"scheduled": "EventScheduled", "full": "EventScheduled", "postponed": "EventPostponed",
                "cancelled": "EventCancelled"}
ATTENDANCE = {"in_person": "OfflineEventAttendanceMode", "online": "OnlineEventAttendanceMode",
              "mixed": "MixedEventAttendanceMode"}
_PRICE = re.compile(r"(\d+(?:[.,]\d{1,2})?)")


# --- writing -------------------------------------------------------------------------------------
def dumps(data) -> str:
    """JSON that is safe inside a ``<script>`` element: ``<``, ``>``, ``&`` (and the line
    separators JavaScript once refused) escaped as ``\\uXXXX`` — the same JSON for any reader."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def script(data) -> Markup:
    """The ``<script type="application/ld+json">`` element of ``data`` ("" for None)."""
    if not data:
        return Markup("")
    return Markup('<script type="application/ld+json">') + Markup(dumps(data)) + Markup("</script>")


# --- shared pieces -------------------------------------------------------------------------------
def public(item) -> bool:
    """Whether ``item``'s page is one everybody sees (published, not kept for a group)."""
    return bool(item is not None and item.is_published and not item.members_only)


def absolute(endpoint: str, **values) -> str:
    """An absolute URL: from the configured server name when there is one (csti/__init__.py),
    never from a forged Host header (security.TrustedHostCheck refuses those)."""
    return url_for(endpoint, **values, _external=True)


def item_url(item) -> str:
    return absolute(item.view_endpoint, id=item.id, slug=item.slug)


def media(path: str | None) -> str | None:
    from .storage import media_url

    return media_url(path, external=True)


def when(value: datetime | None, date_only: bool = False) -> str | None:
    """ISO 8601 in the instance's time zone with its offset ("2026-12-14T20:00:00+01:00"), or
    the local date alone (an all-day event)."""
    if value is None:
        return None
    local = to_local(value)
    return local.date().isoformat() if date_only else local.isoformat(timespec="seconds")


def describe(item, limit: int = DESCRIPTION_MAX) -> str:
    """The item's summary, else the start of its text, else what its card says."""
    return item_description(item, limit)


def images(item) -> list[str]:
    """Absolute URLs of the images that stand for ``item``: its cover, a structure's logo,
    else its territory's logo (what its link preview shows too)."""
    paths = [item.cover_image, getattr(item, "logo", None)]
    if not any(paths) and item.territory is not None:
        paths.append(item.territory.logo)
    return [media(p) for p in dict.fromkeys(p for p in paths if p)]


def postal_address(place) -> dict | None:
    """A ``PostalAddress`` of an object with ``address``, ``postcode`` and ``commune``."""
    fields = {"streetAddress": place.address, "postalCode": place.postcode, "addressLocality": place.commune}
    fields = {k: v.strip() for k, v in fields.items() if v and v.strip()}
    if not fields:
        return None
    return {"@type": "PostalAddress", **fields, "addressCountry": COUNTRY}


def geo(latitude, longitude) -> dict | None:
    if latitude is None or longitude is None:
        return None
    return {"@type": "GeoCoordinates", "latitude": latitude, "longitude": longitude}


def organization(actor) -> dict:
    """A structure as an organiser or author: its name and page."""
    return {"@type": "Organization", "name": actor.title, "url": item_url(actor)}


def site() -> dict:
    """The site itself (an article's publisher)."""
    return {"@type": "Organization", "name": current_app.config.get("SITE_NAME") or "csti",
            "url": absolute("main.index")}


def _clean(data):
    """``data`` without its empty values (None, "", [], {}), recursively."""
    if isinstance(data, dict):
        cleaned = {k: _clean(v) for k, v in data.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(data, list):
        return [v for v in (_clean(v) for v in data) if v not in (None, "", [], {})]
    return data


# --- events --------------------------------------------------------------------------------------
def shown_date(event):
    """The date the rich result gives: the next one that has not ended, else the last one
    (``event.occurrences``, which the page loads; the event's own first date without any)."""
    from .models.base import utcnow

    occurrences = list(event.occurrences)
    if not occurrences:
        return event
    now = utcnow()
    return next((o for o in occurrences if o.ends_at is not None and o.ends_at >= now), occurrences[-1])


def event_location(event) -> list[dict]:
    """Where: a ``Place`` (the venue's page, address and coordinates, or the place typed in),
    a ``VirtualLocation`` (its link, else the event's page) for an online one, both when mixed."""
    places = []
    if event.attendance_mode in ("in_person", "mixed"):
        venue = event.venue
        if venue is not None:
            place = {"@type": "Place", "name": venue.title, "url": item_url(venue), "address": postal_address(venue)}
        else:
            place = {"@type": "Place", "name": event.venue_name or event.commune, "address": postal_address(event)}
        place["geo"] = geo(event.place_latitude, event.place_longitude)
        if place.get("name") or place.get("address"):
            places.append(place)
    if event.attendance_mode in ("online", "mixed"):
        places.append({"@type": "VirtualLocation", "url": event.online_url or item_url(event)})
    return places


def event_availability(event, registration_is_open=None, places_left=None, external_open=None) -> str:
    """``InStock`` while one may come (registration open, or none needed), ``SoldOut`` when
    full, ``OutOfStock`` when registration is closed or the event over, cancelled, postponed."""
    from .blueprints.events.schedule import is_over

    if places_left == 0 or event.schedule_status == "full":
        return "SoldOut"
    if event.registration_mode == "site":
        return "InStock" if registration_is_open else "OutOfStock"
    if event.registration_mode == "external":
        return "InStock" if external_open else "OutOfStock"
    if event.schedule_status in ("cancelled", "postponed") or is_over(event):
        return "OutOfStock"
    return "InStock"


def event_offer(event, **state) -> dict:
    """Coming: free (``price`` 0) or the price typed in when it says one amount; where to
    register (the organiser's site, else the event's page) and whether one may."""
    offer = {"@type": "Offer", "url": (event.registration_url if event.registration_mode == "external" else "")
             or item_url(event),
             "availability": f"{SCHEMA}/{event_availability(event, **state)}",
             "validFrom": when(event.published_at)}
    if event.is_free:
        offer.update(price=0, priceCurrency=CURRENCY)
    else:
        amounts = _PRICE.findall(event.price_text or "")
        if len(amounts) == 1:
            offer.update(price=amounts[0].replace(",", "."), priceCurrency=CURRENCY)
        offer["description"] = event.price_text
    if event.registration_mode != "none" and event.registration_deadline is not None:
        offer["validThrough"] = when(event.registration_deadline)
    return offer


def event_data(event, registration_is_open=None, places_left=None, external_open=None) -> dict:
    """An ``Event``: Google's required and recommended fields when the item has them. The
    registration state is the page's (``events.routes._registration_context``)."""
    date = shown_date(event)
    data = {
        "@context": SCHEMA,
        "@type": "Event",
        "name": event.title,
        "description": describe(event),
        "url": item_url(event),
        "startDate": when(date.starts_at, event.all_day),
        "endDate": when(date.ends_at, event.all_day),
        "eventStatus": f"{SCHEMA}/{EVENT_STATUS.get(event.schedule_status, 'EventScheduled')}",
        "eventAttendanceMode": f"{SCHEMA}/{ATTENDANCE.get(event.attendance_mode, 'OfflineEventAttendanceMode')}",
        "location": event_location(event),
        "image": images(event),
        "organizer": [organization(owner) for owner in event.owners],
        "offers": event_offer(event, registration_is_open=registration_is_open, places_left=places_left,
                              external_open=external_open),
        "isAccessibleForFree": bool(event.is_free),
        "performer": {"@type": "Person", "name": event.trainer} if event.trainer else None,
    }
    if event.capacity is not None and event.registration_mode == "site":
        data["maximumAttendeeCapacity"] = event.capacity
    if places_left is not None and event.registration_mode == "site":
        data["remainingAttendeeCapacity"] = places_left
    data = _clean(data)
    if len(data.get("location", [])) == 1:
        data["location"] = data["location"][0]
    if len(data.get("organizer", [])) == 1:
        data["organizer"] = data["organizer"][0]
    return data


# --- structures ----------------------------------------------------------------------------------
def actor_type(actor) -> str:
    return ACTOR_TYPES.get(actor.actor_kind, "Organization")


def actor_data(actor) -> dict:
    """A structure: its type, address, coordinates (on itself when it is a place, else on its
    ``location``), page, logo, images and website and social pages (``sameAs``)."""
    kind = actor_type(actor)
    coordinates = geo(actor.latitude, actor.longitude)
    address = postal_address(actor)
    data = {
        "@context": SCHEMA,
        "@type": kind,
        "name": actor.title,
        "description": describe(actor),
        "url": item_url(actor),
        "logo": media(actor.logo),
        "image": images(actor),
        "address": address,
        "telephone": actor.phone,
        "sameAs": list(dict.fromkeys(u for u in [actor.website, *(actor.social or {}).values()] if u)),
    }
    if kind not in PLACE_ONLY:
        data["email"] = actor.email
    if kind in PLACES:
        data["geo"] = coordinates
    elif coordinates is not None:
        data["location"] = {"@type": "Place", "address": address, "geo": coordinates}
    return _clean(data)


# --- articles ------------------------------------------------------------------------------------
def article_data(article) -> dict:
    """An ``Article``: headline, dates, author (the member, else the structures it was
    published for), image, publisher (the site), section and keywords (its tags)."""
    if article.author is not None:
        authors = [{"@type": "Person", "name": article.author.name,
                    "url": absolute("accounts.profile", user_id=article.author.id)}]
    else:
        authors = [organization(owner) for owner in article.owners]
    url = item_url(article)
    data = _clean({
        "@context": SCHEMA,
        "@type": "Article",
        "headline": excerpt(article.title, HEADLINE_MAX),
        "description": describe(article),
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": when(article.published_at),
        "dateModified": when(max(d for d in (article.updated_at, article.published_at) if d is not None)
                             if (article.updated_at or article.published_at) else None),
        "author": authors,
        "image": images(article),
        "publisher": site(),
        "articleSection": str(article.card_label),
        "keywords": [tag.name for tag in article.tags],
    })
    if len(data.get("author", [])) == 1:
        data["author"] = data["author"][0]
    return data


# --- the site --------------------------------------------------------------------------------------
def website_data(description: str) -> dict:
    """The home page's ``WebSite``."""
    return _clean({"@context": SCHEMA, "@type": "WebSite", "name": current_app.config.get("SITE_NAME") or "csti",
                   "url": absolute("main.index"), "description": description})


def website_json_ld() -> Markup:
    """The template global of the home page's ``structured_data`` block."""
    from .pagemeta import SITE_DESCRIPTION

    return script(website_data(str(SITE_DESCRIPTION)))


BUILDERS = {"event": event_data, "actor": actor_data, "article": article_data}


def for_item(item, **state) -> dict | None:
    """The JSON-LD of ``item``'s page, None for a type without one or an item not public."""
    builder = BUILDERS.get(getattr(item, "kind", None))
    if builder is None or not public(item):
        return None
    return builder(item, **state) if state else builder(item)


def clock_of(item):
    """What of the clock ``item``'s JSON-LD shows, for its page to keep it by
    (``fragments.page_part``): an event's date given (the next one not ended) and whether it is
    over; ``()`` for the other types; None when the page has no JSON-LD (nothing to keep)."""
    if BUILDERS.get(getattr(item, "kind", None)) is None or not public(item):
        return None
    if item.kind != "event":
        return ()
    from .blueprints.events.schedule import is_over

    shown = shown_date(item)
    return shown.starts_at, shown.ends_at, is_over(item)


def json_ld(item, **state) -> Markup:
    """The template global: ``{{ json_ld(item, registration_is_open=…) }}`` in a page's
    ``structured_data`` block (a value the page's context lacks counts as unknown)."""
    from jinja2 import Undefined

    state = {key: None if isinstance(value, Undefined) else value for key, value in state.items()}
    return script(for_item(item, **state))
