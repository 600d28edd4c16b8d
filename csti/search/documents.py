"""What the index holds for one content item (only published items are indexed)."""
from __future__ import annotations

from ..markdown import plain_text
from ..models import PUBLISHED

BODY_CHARS = 4000  # enough to find an item by its text; keeps the index small


def document(item) -> dict | None:
    if item.status != PUBLISHED:
        return None
    subkind = getattr(item, "actor_kind", None) or getattr(item, "event_kind", None) or getattr(
        item, "article_kind", None) or ""
    doc = {
        "id": str(item.id),
        "kind": item.kind,
        "territory": item.territory.slug if item.territory else "",
        "tags": ",".join(t.slug for t in item.tags),
        "subkind": subkind,
        "title": item.title,
        "summary": item.summary or "",
        "body": plain_text(item.body or "")[:BODY_CHARS],
        "published": item.published_at.replace(tzinfo=None) if item.published_at else None,
        "data": {"slug": item.slug, "endpoint": item.view_endpoint,
                 "excerpt": " ".join(filter(None, [item.summary or "", plain_text(item.body or "")[:400]]))[:500]},
    }
    if item.kind == "event" and item.occurrences:
        doc["starts"] = item.occurrences[0].starts_at.replace(tzinfo=None)
        doc["ends"] = max(o.ends_at for o in item.occurrences).replace(tzinfo=None)
    return {k: v for k, v in doc.items() if v is not None}
