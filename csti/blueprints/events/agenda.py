"""The agenda's filters, shared by the list, the month calendar, the map's GeoJSON and the
iCalendar feed: one parsing of the query string, one SQL filter over event occurrences."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from ...bounds import MAX_YEAR, MIN_YEAR  # dates beyond are typing errors (and arithmetic overflows)
from ...dates import local_zone, to_utc
from ...extensions import db
from ...listing import by_keys, event_card_options, kind_clause, multi, printable
from ...models import PUBLISHED, Content, Tag, Territory, content_owner, content_tag
from ...models.audiences import AUDIENCES, ContentAudience
from ...models.base import utcnow
from ...models.events import EVENT_KINDS, Event, EventOccurrence
from ...text import fold

WHEN = ("upcoming", "today", "weekend", "month", "range", "past")
VIEWS = ("list", "calendar", "map")
MAX_PAGE = 10_000  # beyond, an offset only costs the database


def page_number(args) -> int:
    """The ``page`` argument, between 1 and MAX_PAGE (1 when it is not a number)."""
    return min(max(args.get("page", 1, type=int), 1), MAX_PAGE)


def _date(value):
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is None or MIN_YEAR <= day.year <= MAX_YEAR else None


def _id(value):
    """A database id from the query string, or None ("²".isdigit() is true, int("²") fails)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


@dataclass
class EventFilter:
    when: str = "upcoming"
    start: date | None = None  # for when=range
    end: date | None = None
    kinds: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    organisers: list[int] = field(default_factory=list)
    price: str = ""  # "", "free", "paid"
    q: str = ""
    view: str = "list"
    month: date | None = None  # first day of the calendar's month
    structure: int | None = None  # a structure's feed: what it organises or hosts (not from the URL)
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> EventFilter:
        when = args.get("when", "upcoming")
        view = args.get("view", "list")
        f = cls(
            when=when if when in WHEN else "upcoming",
            start=_date(args.get("start")), end=_date(args.get("end")),
            kinds=multi(args, "kind", EVENT_KINDS), audiences=multi(args, "audience", AUDIENCES),
            territories=multi(args, "territory"),
            departments=[d for d in multi(args, "department") if d.isalnum() and len(d) <= 3],
            tags=[Tag.normalize(t) for t in multi(args, "tag") if Tag.normalize(t)],
            organisers=[i for i in map(_id, multi(args, "organiser")) if i is not None][:10],
            price=args.get("price", "") if args.get("price") in ("free", "paid") else "",
            q=" ".join(printable(args.get("q") or "").split())[:200],
            view=view if view in VIEWS else "list",
        )
        month = args.get("month", "")
        f.month = _date(month + "-01") if len(month) == 7 else None
        if f.when == "range":
            if f.start is None and args.get("start"):
                f.errors["start"] = "date"
            if f.end is None and args.get("end"):
                f.errors["end"] = "date"
            if f.start and f.end and f.end < f.start:
                f.errors["end"] = "order"
        return f

    def to_args(self, **changes) -> dict:
        data = {
            "when": self.when if self.when != "upcoming" else None,
            "start": self.start.isoformat() if self.start and self.when == "range" else None,
            "end": self.end.isoformat() if self.end and self.when == "range" else None,
            "kind": self.kinds, "audience": self.audiences, "territory": self.territories,
            "department": self.departments, "tag": self.tags, "organiser": self.organisers,
            "price": self.price or None, "q": self.q or None,
            "view": self.view if self.view != "list" else None,
            "month": self.month.strftime("%Y-%m") if self.month and self.view == "calendar" else None,
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.audiences or self.territories or self.departments or self.tags
                    or self.organisers or self.price or self.q or self.when != "upcoming")

    @property
    def active_count(self) -> int:
        """How many filters are set: the "Filters (n)" disclosure of a phone shows it."""
        return (len(self.kinds) + len(self.audiences) + len(self.territories) + len(self.departments)
                + len(self.tags) + len(self.organisers) + bool(self.price) + bool(self.q)
                + (self.when != "upcoming"))

    # --- the time window ---------------------------------------------------------------
    def now(self) -> datetime:
        """The minute begun (``pinned_now``, when set: the map's batches read the same dates
        whatever the clock did between them)."""
        return (getattr(self, "pinned_now", None) or utcnow()).replace(second=0, microsecond=0)

    def window(self, today: date | None = None, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
        """(from, to) in UTC: occurrences overlapping it are shown. "Now" is the minute begun
        (``now()``, or ``now``): a date that ended less than a minute ago may still show (as long
        as the page cache keeps a page); a list starting now is counted from a kept count
        (``page``)."""
        now = now or self.now()
        today = today or now.astimezone(local_zone()).date()

        def day_start(d):
            return to_utc(datetime.combine(d, time.min))

        if self.view == "calendar":
            # The whole grid: from the Monday before the 1st to the Monday after the month, so
            # the neighbouring months' days at either end show their events too.
            first = self.month or today.replace(day=1)
            following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
            return (day_start(first - timedelta(days=first.weekday())),
                    day_start(following + timedelta(days=(7 - following.weekday()) % 7)))
        if self.when == "today":
            return now, day_start(today + timedelta(days=1))
        if self.when == "weekend":
            saturday = today + timedelta(days=(5 - today.weekday()) % 7)
            if today.weekday() == 6:
                saturday = today - timedelta(days=1)
            return max(now, day_start(saturday)), day_start(saturday + timedelta(days=2))
        if self.when == "month":
            following = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
            return now, day_start(following)
        if self.when == "range" and not self.errors:
            return (day_start(self.start) if self.start else now,
                    day_start(self.end + timedelta(days=1)) if self.end else None)
        if self.when == "past":
            return None, now
        return now, None

    def occurrences(self):
        """A select of the EventOccurrence rows matching the filters (their ``event`` loaded
        by the same query), in date order."""
        # What an event's card shows (``event_card_options``): the venue and territory by second
        # queries — joined, they are paid for every matching occurrence before the page is cut,
        # and the venue's structure-and-content join makes SQLite read every structure
        # (bench/README.md) — and not its tags, audiences or author, which no agenda view shows
        # (loaded, they were 5 more queries and 200 more objects a page).
        return self.matching(select(EventOccurrence).options(*event_card_options(contains_eager(EventOccurrence.event))))

    def page(self, number: int, per_page: int, kept_lines: bool = False):
        """The list's page of occurrences (``listing.paginate``). From a start (the agenda's
        "now"), the dates under way — begun before it — come first, then those beginning after
        it: the first from the (ends_at, starts_at) index alone, then sorted (they are few),
        the others in date order from the starts_at index, up to the page — as one query, the database sorted every date not yet ended (48 000 at national
        scale) or walked all the past ones, and SQLite's planner, walking the events first,
        took a second. ``kept_lines``: the page shows them as kept agenda lines (the agenda's
        list): read as stand-ins (``listing.Deferred``) until something needs their rows."""
        from ...listing import count_from, count_of, paginate, paginate_in_turn, statement_key

        # The dates' ids are found and counted by a select without the cards' loader options
        # (their cache key, walked for the count, was a millisecond a page); ``occurrence_loader``
        # loads the page's dates with their events' cards.
        now = self.now()
        window = start, end = self.window(now=now)
        stmt = self.matching(select(EventOccurrence), walk_rows=per_page, window=window)
        if start is None or self.when == "past":
            return paginate(stmt, EventOccurrence.id, number, per_page, loader=occurrence_loader(),
                            kept_cards=kept_lines)
        if start == now:
            # A list from now, whose start moves each minute: counted from the count kept at an
            # earlier minute (its key: the list's filters and end, and "from now"), less the dates
            # that ended since (``listing.count_from``), not every date not ended each minute.
            total = count_from(
                self.counting(window, per_page), start,
                statement_key("dates from now", self.counting((None, end), per_page)),
                lambda since, until: self.counting((since, end), per_page).where(EventOccurrence.ends_at < until),
                seconds=COUNT_KEPT_S)
        else:  # a fixed start (a range's first day, the coming weekend's): counted once, kept
            total = count_of(self.counting(window, per_page))
        return paginate_in_turn(stmt, EventOccurrence.id, EventOccurrence.starts_at < start,
                                EventOccurrence.starts_at >= start, (EventOccurrence.starts_at, Event.id),
                                number, per_page, loader=occurrence_loader(), kept_cards=kept_lines, total=total)

    def rows(self, columns, limit: int, offset: int = 0) -> list:
        """``limit`` rows of ``columns`` (an occurrence's, its event's) of the matching dates, in
        date order, after the first ``offset`` — read in two parts like ``page``: as one query
        SQLite took 1.2 s for the map's 15 000 dates."""
        from ...extensions import db

        stmt = self.matching(select(*columns))
        start, _end = self.window()
        if start is None or self.when == "past":
            return db.session.execute(stmt.limit(limit).offset(offset)).all()
        under_way = db.session.execute(stmt.where(EventOccurrence.starts_at < start).order_by(None).add_columns(
            EventOccurrence.starts_at.label("_turn_start"), Event.id.label("_turn_event"),
            EventOccurrence.id.label("_turn_id"))).all()
        under_way.sort(key=lambda row: (row._turn_start, row._turn_event, row._turn_id))
        rows = under_way[offset:offset + limit]
        if len(rows) < limit:
            rows += db.session.execute(stmt.where(EventOccurrence.starts_at >= start).limit(limit - len(rows))
                                       .offset(max(0, offset - len(under_way)))).all()
        return rows

    def matching(self, stmt, walk_rows: int | None = None, window: tuple | None = None):
        """``stmt`` (a select of occurrence and event columns or entities) restricted to the
        matching occurrences, in date order. ``walk_rows``: the length of the page read (a page
        of the list), for the kind filter's plan (``where``); ``window``: (start, end) instead of
        ``window()``'s."""
        stmt = stmt.join_from(EventOccurrence, Event, Event.id == EventOccurrence.event_id).where(
            Event.status == PUBLISHED, Event.public_clause())
        start, end = window if window is not None else self.window()
        if start is not None:
            stmt = stmt.where(EventOccurrence.ends_at >= start)
        if end is not None:
            stmt = stmt.where(EventOccurrence.starts_at < end)
        if self.territories:  # also on the dates: read from their (territory, end) index
            stmt = stmt.where(EventOccurrence.territory_id.in_(self._territory_ids()))
        stmt = self.where(stmt, walk_rows)
        # The date's own id last: two dates of one event at the same instant keep their order
        # from page to page (the dates under way are sorted by the same three, EventFilter.page).
        if self.when == "past" and self.view != "calendar":
            return stmt.order_by(EventOccurrence.starts_at.desc(), Event.id, EventOccurrence.id)
        return stmt.order_by(EventOccurrence.starts_at, Event.id, EventOccurrence.id)

    def counting(self, window: tuple, walk_rows: int | None = None):
        """A select of the matching dates in ``window`` (``matching``'s), to count them. With no
        filter on the event's own table — the whole agenda, a territory's — the dates are joined
        to their items' rows alone: SQLite otherwise read each date's event row as well, for
        nothing (the 46 000 dates not ended at national scale: 140 → 80 ms of SQL)."""
        if (self.kinds or self.departments or self.price or self.audiences or self.tags or self.organisers
                or self.structure is not None or self.q):  # ``where``'s filters but the territories
            return self.matching(select(EventOccurrence.id), walk_rows, window)
        stmt = select(EventOccurrence.id).join_from(EventOccurrence, Content, Content.id == EventOccurrence.event_id)
        stmt = stmt.where(Content.status == PUBLISHED, Content.public_clause())
        start, end = window
        if start is not None:
            stmt = stmt.where(EventOccurrence.ends_at >= start)
        if end is not None:
            stmt = stmt.where(EventOccurrence.starts_at < end)
        if self.territories:
            ids = self._territory_ids()
            stmt = stmt.where(EventOccurrence.territory_id.in_(ids), Content.territory_id.in_(ids))
        return stmt

    def pairs(self, limit: int):
        """[(occurrence, event)] for the first ``limit`` matches."""
        from ...extensions import db

        return [(o, o.event) for o in db.session.scalars(self.occurrences().limit(limit)).unique()]

    def _territory_ids(self) -> list[int]:
        """The filter's territories' ids: from the territories read once per request
        (``Territory.by_name``; the filter form and the header show them) — a statement of its
        own before, on every filtered agenda page."""
        key = tuple(self.territories)
        if getattr(self, "_ids_of", None) != key:
            self._ids_of = key
            self._ids = [t.id for t in Territory.by_name() if t.slug in self.territories]
        return self._ids

    def where(self, stmt, walk_rows: int | None = None):
        if self.kinds and walk_rows:
            # A page of the list (``page``): a common kind is tested date by date as the agenda is
            # walked in date order (the workshops: 66 ms → 1 ms of SQL at national scale, the
            # trainings 17 → 4), a rare one gathers its events first (``listing.kind_clause``). A
            # walked date costs about twice a gathered one (its event and content read by key):
            # the choice is made for a page twice as long as ``walk_rows``. What reads the whole window (the
            # calendar, the map, the feeds) tests the column.
            stmt = stmt.where(kind_clause(Event, Event.event_kind, self.kinds, rows=2 * walk_rows))
        elif self.kinds:
            stmt = stmt.where(Event.event_kind.in_(self.kinds))
        if self.departments:
            stmt = stmt.where(Event.department.in_(self.departments))
        if self.price == "free":
            stmt = stmt.where(Event.is_free.is_(True))
        elif self.price == "paid":
            stmt = stmt.where(Event.is_free.is_(False))
        if self.territories:
            # The ids, not a subquery: with one, SQLite counts through every upcoming date.
            stmt = stmt.where(Event.territory_id.in_(self._territory_ids()))
        if self.audiences:
            stmt = stmt.where(Event.id.in_(
                select(ContentAudience.content_id).where(ContentAudience.code.in_(self.audiences))))
        for slug in self.tags:
            stmt = stmt.where(Event.id.in_(
                select(content_tag.c.content_id).join(Tag, Tag.id == content_tag.c.tag_id).where(Tag.slug == slug)))
        if self.organisers:
            stmt = stmt.where(Event.id.in_(
                select(content_owner.c.content_id).where(content_owner.c.actor_id.in_(self.organisers))))
        if self.structure is not None:
            stmt = stmt.where(or_(Event.venue_id == self.structure, Event.id.in_(
                select(content_owner.c.content_id).where(content_owner.c.actor_id == self.structure))))
        if self.q:
            # Every word, in the title (also without accents: "conference" finds "Conférence"),
            # the summary, the commune or the place; % and _ are letters here, not wildcards.
            for word in self.q.split()[:8]:
                stmt = stmt.where(or_(
                    Event.title.icontains(word, autoescape=True), Event.sort_key.contains(fold(word), autoescape=True),
                    Event.summary.icontains(word, autoescape=True), Event.commune.icontains(word, autoescape=True),
                    Event.venue_name.icontains(word, autoescape=True)))
        return stmt


COUNT_KEPT_S = 3600  # a list's count from an earlier minute is kept that long (``EventFilter.page``)


def occurrence_loader():
    """The dates of a page by their ids, each with its event's card (``listing.card_loader``)."""
    return by_keys(("agenda dates",), lambda keys: select(EventOccurrence).join(
        Event, Event.id == EventOccurrence.event_id).where(EventOccurrence.id.in_(keys)).options(
        *event_card_options(contains_eager(EventOccurrence.event), known_territories=True)))


def upcoming_events(territory=None, limit=6):
    """The home's section: the next dates of published events, one per event (a weekly club
    shows once), each ``(occurrence, event)``."""
    now = utcnow()
    stmt = (select(EventOccurrence).join(Event, Event.id == EventOccurrence.event_id)
            .options(*event_card_options(contains_eager(EventOccurrence.event)))
            .where(Event.status == PUBLISHED, Event.public_clause(), EventOccurrence.starts_at >= now))
    if territory is not None:
        # The dates' own copy of the territory, and "not ended" (implied by "not started"):
        # the (territory_id, ends_at) index then reads the territory's coming dates only.
        stmt = stmt.where(Event.territory_id == territory.id, EventOccurrence.territory_id == territory.id,
                          EventOccurrence.ends_at >= now)
    seen, rows = set(), []
    for occurrence in db.session.scalars(stmt.order_by(EventOccurrence.starts_at).limit(limit * 4)).unique():
        if occurrence.event_id in seen:
            continue  # a weekly club shows once
        seen.add(occurrence.event_id)
        rows.append((occurrence, occurrence.event))
        if len(rows) == limit:
            break
    return rows
