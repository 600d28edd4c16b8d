"""Filters shared by the lists of publications (articles, and the announcements, projects and
dossiers to come): kind, territory, tag, owning structure, text — parsed once from the query
string, applied as SQL to any content type."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select

from .models import PUBLISHED, Tag, Territory, content_owner, content_tag

MAX_VALUES = 20


def multi(args, key, allowed=None) -> list[str]:
    values = []
    for raw in args.getlist(key)[:MAX_VALUES]:
        for value in raw.split(","):
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
            structures=[int(s) for s in multi(args, "structure") if s.isdigit()][:10],
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

    def apply(self, stmt, model, kind_column=None):
        stmt = stmt.where(model.status == PUBLISHED)
        if self.kinds and kind_column is not None:
            stmt = stmt.where(kind_column.in_(self.kinds))
        if self.territories:
            stmt = stmt.where(model.territory_id.in_(select(Territory.id).where(Territory.slug.in_(self.territories))))
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
