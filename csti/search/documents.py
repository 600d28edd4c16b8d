"""What the index holds for one content item. Only published, public items are indexed:
``document()`` returns None for any other, and the drain then removes the item from the index."""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import selectin_polymorphic, selectinload

from ..markdown import plain_text
from ..models import PUBLISHED, Content, Event
from .base import vocabulary

BODY_CHARS = 4000  # enough to find an item by its text; keeps the index small
EXCERPT_CHARS = 600  # the text the highlighted excerpt is cut from
_MARKERS = str.maketrans({c: " " for c in "\x02\x03\x04\x05"})  # control characters the PostgreSQL backend uses


def _naive(value):
    return value.replace(tzinfo=None) if value is not None and value.tzinfo else value


def _subkind(item) -> str:
    for name in ("actor_kind", "event_kind", "article_kind", "announcement_kind"):
        value = getattr(item, name, None)
        if value:
            return value
    return ""


def _audience_words(item) -> list[str]:
    """A resource's audiences as people name them, in every language of the site (a search for
    "bibliothèques" or "libraries" finds a kit for libraries). Its audience rows are loaded with
    it (``Content.audience_rows``: selectin)."""
    from ..models import Resource

    if not isinstance(item, Resource) or not item.audience_rows:
        return []
    from flask import current_app, has_app_context
    from flask_babel import force_locale

    from ..models.audiences import ALL_AUDIENCES

    codes = [code for code in item.audiences if code in ALL_AUDIENCES]
    languages = current_app.config.get("LANGUAGES", ("fr", "en")) if has_app_context() else ("fr", "en")
    words = []
    for language in languages:
        with force_locale(language):
            words += [str(ALL_AUDIENCES[code]) for code in codes]
    return list(dict.fromkeys(words))


def document(item) -> dict | None:
    """The index document of ``item``, or None if it must not be found (not published)."""
    if (item is None or item.status != PUBLISHED or getattr(item, "is_private", False)
            or item.members_only):
        return None  # a private dossier, an item kept for a working group's members: never found
    body = plain_text(item.body or "").translate(_MARKERS)
    summary = (item.summary or "").translate(_MARKERS)
    doc = {
        "id": item.id,
        "kind": item.kind,
        "status": item.status,
        "territory": item.territory.slug if item.territory else "",
        "tags": [t.slug for t in item.tags],
        "tag_text": " ".join([t.name for t in item.tags] + _audience_words(item)),
        "subkind": _subkind(item),
        "title": item.title,
        "summary": summary,
        "body": body[:BODY_CHARS],
        "excerpt": " ".join(filter(None, [summary, body]))[:EXCERPT_CHARS],
        "words": vocabulary(item.title, summary),
        "published": _naive(item.published_at),
        "starts": None,
        "ends": None,
        "data": {"slug": item.slug},
    }
    if isinstance(item, Event):
        occurrences = list(item.occurrences)
        starts = occurrences[0].starts_at if occurrences else item.starts_at
        ends = max((o.ends_at for o in occurrences), default=item.ends_at)
        doc["starts"], doc["ends"] = _naive(starts), _naive(ends)
        doc["data"]["starts"] = doc["starts"].isoformat() if doc["starts"] else None
    doc["fingerprint"] = fingerprint(doc)
    return doc


def fingerprint(doc: dict) -> str:
    """A digest of everything searchable: ``search-check`` compares it with the index's."""
    payload = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in doc.items() if k != "fingerprint"}
    return hashlib.sha1(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def load(session, ids) -> dict[int, Content]:
    """The items of ``ids`` with every subtype's columns and the events' dates, in a fixed
    number of queries (never one per item): one per kind present, one for the dates."""
    if not ids:
        return {}
    query = (select(Content).where(Content.id.in_(list(ids)))
             .options(selectin_polymorphic(Content, list(Content.KINDS.values()))))
    items = {item.id: item for item in session.scalars(query)}
    events = [i for i, item in items.items() if isinstance(item, Event)]
    if events:
        session.scalars(select(Event).where(Event.id.in_(events)).options(selectinload(Event.occurrences))).all()
    return items


def published_batches(session, batch: int = 500):
    """Every published item, ``batch`` at a time, by id (the reindex and the check)."""
    last = 0
    while True:
        ids = list(session.scalars(select(Content.id).where(Content.id > last, Content.status == PUBLISHED,
                                                                 Content.public_clause())
                                   .order_by(Content.id).limit(batch)))
        if not ids:
            return
        items = load(session, ids)
        yield [items[i] for i in ids if i in items]
        last = ids[-1]
        session.expunge_all()
