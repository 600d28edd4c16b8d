"""Reading another csti instance through its public API (``/api/v1``, docs/architecture.md §15):
its upcoming events (``/events?start=``, every date) and its articles, page after page by the
``next`` links — which must stay on the source's own API (a link elsewhere is refused). The
answers are read defensively (a newer instance may add fields): what is missing or of the wrong
type makes the run fail as garbage would, nothing half-read is applied."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from flask import current_app

from ..bounds import year_in_range
from ..dates import local_zone
from ..text import clean_text
from .fetch import SyncError, fetch
from .ical import RemoteEvent


@dataclass
class RemoteArticle:
    remote_id: str
    title: str
    summary: str
    url: str
    kind: str = "news"


def api_base(url: str) -> str:
    """The API root of a csti site given by its address or its API's (``…/api/v1``)."""
    url = url.rstrip("/")
    if url.endswith("/api/v1"):
        return url
    return url + ("/v1" if url.endswith("/api") else "/api/v1")


def _pages(base: str, path: str, params: dict) -> list[dict]:
    limit = current_app.config.get("SYNC_MAX_ITEMS", 5000)
    url = f"{base}/{path}?{urlencode(params)}"
    items: list[dict] = []
    fetched = set()
    while url:
        if url in fetched:
            raise SyncError(f"{path}: a next page already read (a loop)")
        fetched.add(url)
        body, _type = fetch(url, "application/json")
        try:
            page = json.loads(body)
        except ValueError as error:
            raise SyncError(f"{path}: the answer is not JSON") from error
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise SyncError(f"{path}: the answer is not a page of the csti API")
        items += page["data"]
        if len(items) > limit:
            raise SyncError(f"{path}: more than {limit} items")
        url = page.get("next")
        if url is not None and (not isinstance(url, str) or not url.startswith(base + "/")):
            raise SyncError(f"{path}: a next page outside the source's API")
    return items


def _text(item: dict, name: str, limit: int, required: bool = False) -> str:
    value = item.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise SyncError(f"an item without a valid {name!r}")
    return clean_text(value).strip()[:limit]


def _when(value) -> datetime:
    """A local naive datetime from the API's ISO date-time (UTC)."""
    if not isinstance(value, str):
        raise SyncError("an event date that is not a date")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise SyncError(f"an event date without its offset: {value!r}")
        local = moment.astimezone(local_zone()).replace(tzinfo=None)
    except (ValueError, OverflowError) as error:
        raise SyncError(f"an event date that is not a date: {value!r}") from error
    if not year_in_range(local):
        raise SyncError(f"an event date out of range: {value!r}")
    return local


def _url(item: dict) -> str:
    url = _text(item, "url", 500)
    return url if urlsplit(url).scheme in ("http", "https") else ""


def _id(item: dict) -> int:
    value = item.get("id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise SyncError("an item without a numeric id")
    return value


def read_events(base: str) -> list[RemoteEvent]:
    """The source's events with a date ending yesterday or later."""
    since = (date.today() - timedelta(days=1)).isoformat()
    events = []
    for item in _pages(base, "events", {"start": since, "limit": 100}):
        if not isinstance(item, dict):
            raise SyncError("events: an item that is not an object")
        occurrences = item.get("occurrences")
        if not isinstance(occurrences, list) or not occurrences or not all(isinstance(o, dict) for o in occurrences):
            raise SyncError("events: an event without its dates")
        dates = sorted((_when(o.get("starts_at")), _when(o.get("ends_at"))) for o in occurrences)
        venue = item.get("venue") if isinstance(item.get("venue"), dict) else {}
        place = ", ".join(p for p in (_text(venue, "name", 200), _text(venue, "address", 200),
                                      " ".join(p for p in (_text(venue, "postcode", 5), _text(venue, "commune", 120))
                                               if p)) if p)
        latitude, longitude = venue.get("latitude"), venue.get("longitude")
        if not (isinstance(latitude, int | float) and isinstance(longitude, int | float)
                and -90 <= latitude <= 90 and -180 <= longitude <= 180):
            latitude = longitude = None
        events.append(RemoteEvent(
            remote_id=f"event:{_id(item)}", title=_text(item, "title", 200, required=True),
            starts=dates[0][0], ends=dates[0][1], all_day=item.get("all_day") is True,
            description=_text(item, "summary", 500), location=place[:500],
            latitude=latitude, longitude=longitude, url=_url(item),
            cancelled=item.get("status") == "cancelled",
            extra_starts=[start for start, _end in dates[1:]]))
    return events


def read_articles(base: str) -> list[RemoteArticle]:
    articles = []
    for item in _pages(base, "articles", {"limit": 100}):
        if not isinstance(item, dict):
            raise SyncError("articles: an item that is not an object")
        kind = item.get("kind") if item.get("kind") in ("news", "report", "feedback", "format") else "news"
        articles.append(RemoteArticle(remote_id=f"article:{_id(item)}", title=_text(item, "title", 200, required=True),
                                      summary=_text(item, "summary", 500), url=_url(item), kind=kind))
    return articles
