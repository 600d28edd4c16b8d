"""The actors directory's filters and facet counts, shared by the list, the map's GeoJSON
and the CSV/GeoJSON exports — one parsing of the query string, one SQL filter.

Several values of one facet widen the selection (OR); facets narrow each other (AND). Each
facet's counts are taken under the other facets' filters, so they say what ticking one more
value would give."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from ...datacache import remember
from ...extensions import db
from ...listing import audience_clause, multi, published, rows_of
from ...models import Tag, Territory, content_tag
from ...models.actors import ACTOR_KINDS, Actor
from ...models.audiences import AUDIENCES, ContentAudience

SORTS = ("name", "recent")
TAG_FACET_SIZE = 30


@dataclass
class ActorFilter:
    kinds: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)
    q: str = ""
    sort: str = "name"
    territory_ids: list[int] = field(default_factory=list)  # of ``territories``, for the SQL

    @classmethod
    def from_args(cls, args) -> ActorFilter:
        """Unknown values are dropped rather than refused: a stale bookmark still opens."""
        from .geo import departments

        sort = args.get("sort", "name")
        territories, territory_ids = multi(args, "territory"), []
        if territories:
            rows = db.session.execute(select(Territory.slug, Territory.id).where(Territory.slug.in_(territories)))
            territories, territory_ids = [list(column) for column in zip(*rows, strict=True)] or ([], [])
        tags = list(dict.fromkeys(Tag.normalize(t) for t in multi(args, "tag") if Tag.normalize(t)))
        if tags:
            tags = list(db.session.scalars(select(Tag.slug).where(Tag.slug.in_(tags))))
        return cls(
            kinds=multi(args, "kind", ACTOR_KINDS),
            departments=multi(args, "department", departments()),
            tags=sorted(tags),
            audiences=multi(args, "audience", AUDIENCES),
            territories=sorted(territories),
            territory_ids=sorted(territory_ids),
            q=" ".join((args.get("q") or "").split())[:200],
            sort=sort if sort in SORTS else "name",
        )

    def to_args(self, **changes) -> dict:
        data = {
            "kind": self.kinds, "department": self.departments, "tag": self.tags,
            "audience": self.audiences, "territory": self.territories, "q": self.q,
            "sort": self.sort if self.sort != "name" else None,
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.departments or self.tags or self.audiences or self.territories or self.q)

    @property
    def active_count(self) -> int:
        """How many filters are set: the "Filters (n)" disclosure of a phone shows it."""
        return (len(self.kinds) + len(self.departments) + len(self.tags) + len(self.audiences)
                + len(self.territories) + bool(self.q))

    def where(self, stmt, skip: str | None = None):
        """Add this filter's conditions to ``stmt`` (a select over Actor); ``skip`` leaves one
        facet's own condition out (for its counts)."""
        stmt = published(stmt, Actor)
        if self.kinds and skip != "kind":
            stmt = stmt.where(Actor.actor_kind.in_(self.kinds))
        if self.departments and skip != "department":
            stmt = stmt.where(Actor.department.in_(self.departments))
        if self.territories and skip != "territory":
            # The ids, not a subquery: with one, SQLite's planner scans every structure.
            stmt = stmt.where(Actor.territory_id.in_(self.territory_ids))
        if self.audiences and skip != "audience":
            stmt = stmt.where(audience_clause(Actor, self.audiences))
        if self.tags and skip != "tag":
            stmt = stmt.where(Actor.id.in_(
                select(content_tag.c.content_id).join(Tag, Tag.id == content_tag.c.tag_id)
                .where(Tag.slug.in_(self.tags))))
        if self.q:
            for word in self.q.split()[:8]:  # every word somewhere (AND)
                like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                stmt = stmt.where(or_(Actor.title.ilike(like, escape="\\"),
                                      Actor.summary.ilike(like, escape="\\"),
                                      Actor.commune.ilike(like, escape="\\")))
        return stmt

    def select(self, *columns):
        """The matching structures in order, or only these ``columns`` of them (a light map)."""
        stmt = self.where(select(*columns) if columns else select(Actor))
        if self.sort == "recent":
            return stmt.order_by(Actor.published_at.desc(), Actor.id.desc())
        return stmt.order_by(Actor.sort_key, Actor.id)

    def facets(self) -> dict[str, list[tuple[str, str, int]]]:
        """{facet: [(value, label, count)]} — each facet counted under the other filters. Kept
        whole per filters and language until the data changes (csti/datacache.py), like each
        count: building and keying its five statements took longer than their kept answers."""
        from flask_babel import get_locale

        key = ("directory facets", str(get_locale()), repr(sorted(self.to_args().items())))
        return remember(key, self._facets)

    def _facets(self) -> dict[str, list[tuple[str, str, int]]]:
        from .geo import department_name

        def counts(column, skip, base=None):
            stmt = self.where(select(column, func.count(Actor.id)).select_from(base or Actor), skip=skip)
            return dict(rows_of(stmt.group_by(column)))

        kind_counts = counts(Actor.actor_kind, "kind")
        dept_counts = counts(Actor.department, "department")
        territory_counts = dict(rows_of(
            self.where(select(Territory.slug, func.count(Actor.id)).select_from(Actor)
                       .join(Territory, Territory.id == Actor.territory_id), skip="territory")
            .group_by(Territory.slug)))
        territory_names = {t.slug: t.name for t in Territory.by_name()}
        audience_counts = dict(rows_of(
            self.where(select(ContentAudience.code, func.count(Actor.id)).select_from(Actor)
                       .join(ContentAudience, ContentAudience.content_id == Actor.id), skip="audience")
            .group_by(ContentAudience.code)))
        tag_stmt = self.where(select(Tag.slug, Tag.name, func.count(Actor.id)).select_from(Actor)
                              .join(content_tag, content_tag.c.content_id == Actor.id)
                              .join(Tag, Tag.id == content_tag.c.tag_id), skip="tag").group_by(Tag.slug, Tag.name)
        tag_rows = rows_of(tag_stmt.order_by(func.count(Actor.id).desc(), Tag.slug).limit(TAG_FACET_SIZE))
        if self.tags:  # a ticked theme stays listed (to untick it), even when it is not among the first
            shown = {slug for slug, _name, _n in tag_rows}
            missing = [t for t in self.tags if t not in shown]
            if missing:
                tag_rows += db.session.execute(tag_stmt.where(Tag.slug.in_(missing))).all()
                names = dict(db.session.execute(select(Tag.slug, Tag.name).where(Tag.slug.in_(missing))).all())
                counted = {slug for slug, _name, _n in tag_rows}
                tag_rows += [(slug, names[slug], 0) for slug in missing if slug not in counted and slug in names]
        return {
            # Every kind, even without a structure under the other filters: the list of kinds
            # says what the directory holds, and its counts say what ticking one gives.
            "kind": [(k, str(label), kind_counts.get(k, 0)) for k, label in ACTOR_KINDS.items()],
            "department": sorted(
                [(d, f"{d} – {department_name(d)}", dept_counts.get(d, 0))
                 for d in set(dept_counts) | set(self.departments) if d],
                key=lambda row: row[0]),
            "territory": sorted([(slug, territory_names.get(slug, slug), territory_counts.get(slug, 0))
                                 for slug in set(territory_counts) | set(self.territories)],
                                key=lambda r: r[1].lower()),
            "audience": [(a, str(label), audience_counts.get(a, 0)) for a, label in AUDIENCES.items()
                         if audience_counts.get(a) or a in self.audiences],
            "tag": [(slug, name, n) for slug, name, n in tag_rows],
        }
