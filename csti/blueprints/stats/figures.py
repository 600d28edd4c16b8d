"""The figures of a period, for a territory or (territory None) the whole instance — each one
GROUP BY query (docs/architecture.md §12). Months are local (Europe/Paris) months, as the
period's bounds are local days (``month_of``). Publications are the public ones: neither an item
kept for a working group's members nor a private dossier."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import format_date, format_percent
from sqlalchemy import and_, case, distinct, exists, func, literal, select

from ...dates import local_zone, to_utc
from ...extensions import db
from ...i18n import gettext as _
from ...models import (
    Actor,
    Content,
    Dossier,
    Event,
    Follow,
    Membership,
    NewsletterDelivery,
    NewsletterIssue,
    NewsletterSubscription,
    Registration,
    Tag,
    Territory,
    User,
    content_tag,
)
from ...models.actors import ACTOR_KINDS
from ...models.content import PUBLISHED
from ...models.events import CANCELLED, CONFIRMED, EVENT_KINDS, WAITING
from ...visits import visits_by_day, visits_by_territory

TOP_TAGS = 10
EVENTS_LISTED = 50


def month_of(column, period: Period):
    """'YYYY-MM' of the local (instance time zone) month of a datetime column stored as naive UTC,
    for the rows of ``period``. PostgreSQL converts with its time zone database (UTC timestamp →
    timestamptz → local timestamp); SQLite has none, so the month is found by comparing the
    value with the UTC instants at which each local month of the period starts (right across
    summer time, since each bound is converted on its own)."""
    if db.engine.dialect.name == "postgresql":
        local = func.timezone(local_zone().key, func.timezone("UTC", column))
        return func.to_char(local, "YYYY-MM")
    return _month_case(column, period.months())


def _month_case(column, months: list[str]):
    whens = []
    for previous, key in zip(months, months[1:], strict=False):
        year, month = (int(part) for part in key.split("-"))
        whens.append((column < to_utc(datetime(year, month, 1)), literal(previous)))
    return case(*whens, else_=literal(months[-1])) if whens else literal(months[-1])


@dataclass
class Period:
    start: date
    end: date  # included

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        return (to_utc(datetime.combine(self.start, time())),
                to_utc(datetime.combine(self.end + timedelta(days=1), time())))

    def months(self) -> list[str]:
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclass
class Section:
    """One figure: a table (headers, rows) and, when it has one, its chart's (label, value)."""
    key: str
    title: str
    headers: list[str]
    rows: list[list]
    chart: list[tuple[str, float]] | None = None
    chart_title: str = ""
    percent: bool = False
    notes: list[str] = field(default_factory=list)


def month_label(key: str) -> str:
    year, month = key.split("-")
    return format_date(date(int(year), int(month), 1), "MMM yyyy")


def _in(column, period: Period):
    start, end = period.utc_bounds
    return and_(column >= start, column < end)


def _scoped(query, column, territory):
    return query if territory is None else query.where(column == territory.id)


def _published(territory, period: Period):
    """Conditions of the public items published in the period (in the territory): not kept for a
    working group's members, not a private dossier (a draft anyway, checked all the same)."""
    conditions = [Content.status == PUBLISHED, _in(Content.published_at, period), Content.public_clause(),
                  ~exists().where(Dossier.id == Content.id, Dossier.is_private.is_(True))]
    if territory is not None:
        conditions.append(Content.territory_id == territory.id)
    return conditions


def kind_label(kind: str) -> str:
    model = Content.KINDS.get(kind)
    return str(model.kind_label) if model is not None else kind


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- the figures ------------------------------------------------------------------------------
def members(territory, period: Period) -> tuple[int, int]:
    """(members now, members who joined in the period)."""
    if territory is None:
        total = db.session.scalar(select(func.count()).select_from(User))
        new = db.session.scalar(select(func.count()).select_from(User).where(_in(User.created_at, period)))
        return total, new
    base = select(func.count()).select_from(Membership).where(Membership.territory_id == territory.id)
    return db.session.scalar(base), db.session.scalar(base.where(_in(Membership.created_at, period)))


def active_contributors(territory, period: Period) -> int:
    """Members who published something in the period (there)."""
    return db.session.scalar(select(func.count(distinct(Content.author_id)))
                             .where(Content.author_id.is_not(None), *_published(territory, period)))


def content_by_kind_month(territory, period: Period) -> dict[tuple[str, str], int]:
    """{(kind, 'YYYY-MM'): publications} — every kind but the structures (counted apart)."""
    month = month_of(Content.published_at, period)
    rows = db.session.execute(select(Content.kind, month, func.count())
                              .where(Content.kind.not_in(("actor", "content")), *_published(territory, period))
                              .group_by(Content.kind, month))
    return {(kind, m): n for kind, m, n in rows}


def events_by_kind_month(territory, period: Period) -> dict[tuple[str, str], int]:
    """{(event kind, 'YYYY-MM'): published events starting then}."""
    month = month_of(Event.starts_at, period)
    query = (select(Event.event_kind, month, func.count())
             .where(Event.status == PUBLISHED, Event.public_clause(), _in(Event.starts_at, period))
             .group_by(Event.event_kind, month))
    return {(kind, m): n for kind, m, n in db.session.execute(_scoped(query, Event.territory_id, territory))}


def registrations(territory, period: Period) -> dict[str, int]:
    """{status: registrations} to the published events starting in the period."""
    query = (select(Registration.status, func.count()).join(Event, Event.id == Registration.event_id)
             .where(Event.status == PUBLISHED, _in(Event.starts_at, period)).group_by(Registration.status))
    return dict(db.session.execute(_scoped(query, Event.territory_id, territory)).all())


def fill_rates(territory, period: Period) -> list[tuple]:
    """(title, starts_at, capacity, confirmed, waiting) of the events with a capacity."""
    confirmed = func.count(case((Registration.status == CONFIRMED, 1)))
    waiting = func.count(case((Registration.status == WAITING, 1)))
    query = (select(Event.title, Event.starts_at, Event.capacity, confirmed, waiting)
             .outerjoin(Registration, Registration.event_id == Event.id)
             .where(Event.status == PUBLISHED, Event.capacity > 0, _in(Event.starts_at, period))
             .group_by(Event.id, Event.title, Event.starts_at, Event.capacity).order_by(Event.starts_at, Event.id))
    return db.session.execute(_scoped(query, Event.territory_id, territory)).all()


def structures(territory, column) -> list[tuple[str, int]]:
    """Published structures (now) by ``column`` (kind or department), most first."""
    query = (select(column, func.count()).where(Actor.status == PUBLISHED)
             .group_by(column).order_by(func.count().desc(), column))
    return db.session.execute(_scoped(query, Actor.territory_id, territory)).all()


def top_tags(territory, period: Period) -> list[tuple[str, int]]:
    """The tags of the items published in the period, most used first."""
    query = (select(Tag.name, func.count()).join(content_tag, content_tag.c.tag_id == Tag.id)
             .join(Content, Content.id == content_tag.c.content_id).where(*_published(territory, period))
             .group_by(Tag.id, Tag.name).order_by(func.count().desc(), Tag.name).limit(TOP_TAGS))
    return db.session.execute(query).all()


def follows(territory, period: Period) -> dict[str, int]:
    """New follows in the period by target: a content kind, "user" or "tag". In a territory:
    its items' followers, and the people and tags followed by its members."""
    of_content = (select(Content.kind, func.count()).select_from(Follow).join(Content, Content.id == Follow.content_id)
                  .where(_in(Follow.created_at, period)).group_by(Content.kind))
    result = dict(db.session.execute(_scoped(of_content, Content.territory_id, territory)).all())
    for target, column in (("user", Follow.followed_user_id), ("tag", Follow.tag_id)):
        query = select(func.count()).select_from(Follow).where(column.is_not(None), _in(Follow.created_at, period))
        if territory is not None:
            query = query.where(exists().where(Membership.user_id == Follow.follower_id,
                                               Membership.territory_id == territory.id))
        count = db.session.scalar(query)
        if count:
            result[target] = count
    return result


def newsletters(territory, period: Period) -> tuple[int, int, int, int]:
    """(issues sent, mails delivered, subscribers now, new subscribers) in the period."""
    issues = _scoped(select(func.count()).select_from(NewsletterIssue).where(
        NewsletterIssue.status == "sent", _in(NewsletterIssue.sent_at, period)), NewsletterIssue.territory_id, territory)
    mails = _scoped(select(func.count()).select_from(NewsletterDelivery)
                    .join(NewsletterIssue, NewsletterIssue.id == NewsletterDelivery.issue_id)
                    .where(NewsletterDelivery.status == "sent", _in(NewsletterDelivery.sent_at, period)),
                    NewsletterIssue.territory_id, territory)
    subscribers = _scoped(select(func.count()).select_from(NewsletterSubscription)
                          .where(NewsletterSubscription.status == "confirmed"),
                          NewsletterSubscription.territory_id, territory)
    return (db.session.scalar(issues), db.session.scalar(mails), db.session.scalar(subscribers),
            db.session.scalar(subscribers.where(_in(NewsletterSubscription.confirmed_at, period))))


# --- the page: sections ---------------------------------------------------------------------
def _percent(value) -> str:
    return "—" if value is None else format_percent(value, "#,##0.#%")


def _matrix(key, title, by_kind_month, months, labels, row_title, by_kind_title, by_kind_key):
    kinds = sorted({kind for kind, _m in by_kind_month}, key=lambda k: str(labels(k)))
    month_rows = []
    for m in months:
        counts = [by_kind_month.get((kind, m), 0) for kind in kinds]
        month_rows.append([month_label(m), *counts, sum(counts)])
    totals = {kind: sum(n for (k, _m), n in by_kind_month.items() if k == kind) for kind in kinds}
    by_month = Section(key, title, [row_title, *[str(labels(k)) for k in kinds], _("Total")], month_rows,
                       chart=[(row[0], row[-1]) for row in month_rows], chart_title=title)
    by_kind = Section(by_kind_key, by_kind_title, [_("Kind"), _("Number")],
                      [[str(labels(k)), totals[k]] for k in kinds],
                      chart=[(str(labels(k)), totals[k]) for k in kinds], chart_title=by_kind_title)
    return by_month, by_kind


def sections(territory, period: Period) -> list[Section]:
    """Every figure of the period, in the page's order (the CSV's too)."""
    from ..actors.geo import department_name

    total_members, new_members = members(territory, period)
    contributors = active_contributors(territory, period)
    content = content_by_kind_month(territory, period)
    events = events_by_kind_month(territory, period)
    registered = registrations(territory, period)
    capacities = fill_rates(territory, period)
    capacity_total = sum(row[2] for row in capacities)
    confirmed_total = sum(row[3] for row in capacities)
    followed = follows(territory, period)
    issues, mails, subscribers, new_subscribers = newsletters(territory, period)
    visits = visits_by_day(territory.id if territory is not None else None, period.start, period.end)
    views_total = sum(v for v, _n in visits.values())
    visitors_total = sum(n for _v, n in visits.values())

    result = [Section("summary", _("Key figures"), [_("Figure"), _("Value")], [
        [_("Members"), total_members],
        [_("New members in the period"), new_members],
        [_("Active contributors (published in the period)"), contributors],
        [_("Publications"), sum(content.values())],
        [_("Events"), sum(events.values())],
        [_("Confirmed registrations"), registered.get(CONFIRMED, 0)],
        [_("Registrations on a waiting list"), registered.get(WAITING, 0)],
        [_("Fill rate of the events with a capacity"), _percent(rate(confirmed_total, capacity_total))],
        [_("Page views"), views_total],
        [_("Unique visitors (per day, added up)"), visitors_total],
        [_("Newsletter issues sent"), issues],
        [_("Newsletter mails delivered"), mails],
        [_("Newsletter subscribers"), subscribers],
        [_("New newsletter subscribers in the period"), new_subscribers],
        [_("New follows"), sum(followed.values())],
    ])]

    if (period.end - period.start).days < 62:
        rows = [[format_date(day, "medium"), *visits.get(day, (0, 0))] for day in period.days()]
        result.append(Section("visits", _("Page views and unique visitors by day"),
                              [_("Day"), _("Page views"), _("Unique visitors")], rows,
                              chart=[(row[0], row[1]) for row in rows], chart_title=_("Page views by day")))
    else:
        by_month = {}
        for day, (views, visitors) in visits.items():
            old = by_month.get(day.strftime("%Y-%m"), (0, 0))
            by_month[day.strftime("%Y-%m")] = (old[0] + views, old[1] + visitors)
        rows = [[month_label(m), *by_month.get(m, (0, 0))] for m in period.months()]
        result.append(Section("visits", _("Page views and unique visitors by month"),
                              [_("Month"), _("Page views"), _("Unique visitors (per day, added up)")], rows,
                              chart=[(row[0], row[1]) for row in rows], chart_title=_("Page views by month")))

    months = period.months()
    result += _matrix("content", _("Publications by month"), content, months, kind_label, _("Month"),
                      _("Publications by kind"), "content-kinds")
    result += _matrix("events", _("Events by month"), events, months, lambda k: EVENT_KINDS.get(k, k), _("Month"),
                      _("Events by kind"), "event-kinds")

    statuses = [(CONFIRMED, _("Confirmed")), (WAITING, _("Waiting list")), (CANCELLED, _("Cancelled"))]
    result.append(Section("registrations", _("Registrations by status"), [_("Status"), _("Registrations")],
                          [[label, registered.get(status, 0)] for status, label in statuses],
                          chart=[(label, registered.get(status, 0)) for status, label in statuses],
                          chart_title=_("Registrations by status")))
    result.append(Section("fill-rates", _("Fill rates of the events with a capacity"),
                          [_("Event"), _("Date"), _("Capacity"), _("Confirmed"), _("Waiting list"), _("Fill rate")],
                          [[title, format_date(starts_at, "medium") if starts_at else "", capacity, confirmed,
                            waiting, _percent(rate(confirmed, capacity))]
                           for title, starts_at, capacity, confirmed, waiting in capacities[:EVENTS_LISTED]],
                          chart=[(title, round(100 * confirmed / capacity))
                                 for title, _s, capacity, confirmed, _w in capacities[:EVENTS_LISTED]],
                          chart_title=_("Fill rate (%)"), percent=True,
                          notes=[_("The %(num)d first events of the period.", num=EVENTS_LISTED)]
                          if len(capacities) > EVENTS_LISTED else []))

    kinds = [(str(ACTOR_KINDS.get(kind, kind)), n) for kind, n in structures(territory, Actor.actor_kind)]
    result.append(Section("structure-kinds", _("Structures by kind (today)"), [_("Kind"), _("Structures")],
                          [list(row) for row in kinds], chart=kinds, chart_title=_("Structures by kind")))
    departments = [(f"{department_name(code)} ({code})" if code else _("Unknown"), n)
                   for code, n in structures(territory, Actor.department)]
    result.append(Section("structure-departments", _("Structures by department (today)"),
                          [_("Department"), _("Structures")], [list(row) for row in departments],
                          chart=departments, chart_title=_("Structures by department")))

    tags = top_tags(territory, period)
    result.append(Section("tags", _("Top tags of the period’s publications"), [_("Tag"), _("Publications")],
                          [list(row) for row in tags], chart=list(tags), chart_title=_("Top tags")))

    target_labels = {"user": _("People"), "tag": _("Tags")}
    follow_rows = sorted(((target_labels.get(k) or kind_label(k), n) for k, n in followed.items()),
                         key=lambda row: (-row[1], row[0]))
    result.append(Section("follows", _("New follows by what is followed"), [_("Followed"), _("New follows")],
                          [list(row) for row in follow_rows], chart=follow_rows, chart_title=_("New follows")))
    result += evaluation(territory, period)
    return result


def evaluation(territory, period: Period) -> list[Section]:
    """The network's indicators of evaluation (issue #17): responses submitted in the period to
    the surveys attached to an item (of the territory), satisfaction on a scale of 5 (a rating on
    another scale brought to 5: ``surveys/results.py``) by event kind and by territory, the NPS."""
    from ..surveys.results import network_indicators, one_decimal, signed

    start, end = period.utc_bounds
    found = network_indicators(territory, start, end)
    summary = Section("evaluation", _("Evaluation of the actions"), [_("Figure"), _("Value")], [
        [_("Actions evaluated (with at least one response in the period)"), found.actions],
        [_("Responses"), found.responses],
        [_("Average satisfaction (out of 5)"), one_decimal(found.satisfaction)],
        [_("NPS score (from −100 to 100)"), signed(found.nps)],
    ], notes=[_("Satisfaction is the average of the answers to the templates’ satisfaction question; "
                "a scale other than 5 points is brought to 5 (its lowest answer is 1, its highest 5).")])

    def label(content_kind, event_kind):
        return str(EVENT_KINDS.get(event_kind, event_kind)) if event_kind else kind_label(content_kind)

    kinds = sorted(((label(k, e), n, a) for k, e, n, a in found.by_kind), key=lambda row: row[0])
    by_kind = Section("evaluation-kinds", _("Satisfaction by kind of action"),
                      [_("Kind"), _("Answers"), _("Average satisfaction (out of 5)")],
                      [[name, n, one_decimal(a)] for name, n, a in kinds],
                      chart=[(name, round(a, 1)) for name, _n, a in kinds if a is not None],
                      chart_title=_("Average satisfaction (out of 5) by kind of action"))
    result = [summary, by_kind]
    if territory is None:
        result.append(Section("evaluation-territories", _("Satisfaction by territory"),
                              [_("Territory"), _("Answers"), _("Average satisfaction (out of 5)")],
                              [[name, n, one_decimal(a)] for name, n, a in found.by_territory],
                              chart=[(name, round(a, 1)) for name, _n, a in found.by_territory if a is not None],
                              chart_title=_("Average satisfaction (out of 5) by territory")))
    return result


def comparison(period: Period) -> Section:
    """Every territory side by side (the administrators' page): one GROUP BY per figure."""
    def grouped(query):
        return dict(db.session.execute(query).all())

    members_now = grouped(select(Membership.territory_id, func.count()).group_by(Membership.territory_id))
    members_new = grouped(select(Membership.territory_id, func.count())
                          .where(_in(Membership.created_at, period)).group_by(Membership.territory_id))
    published = grouped(select(Content.territory_id, func.count())
                        .where(Content.kind.not_in(("actor", "content")), *_published(None, period))
                        .group_by(Content.territory_id))
    events = grouped(select(Event.territory_id, func.count())
                     .where(Event.status == PUBLISHED, _in(Event.starts_at, period)).group_by(Event.territory_id))
    registered = grouped(select(Event.territory_id, func.count()).select_from(Registration).join(Event, Event.id == Registration.event_id)
                         .where(Registration.status == CONFIRMED, Event.status == PUBLISHED,
                                _in(Event.starts_at, period)).group_by(Event.territory_id))
    structures_now = grouped(select(Actor.territory_id, func.count()).where(Actor.status == PUBLISHED)
                             .group_by(Actor.territory_id))
    subscribers = grouped(select(NewsletterSubscription.territory_id, func.count())
                          .where(NewsletterSubscription.status == "confirmed")
                          .group_by(NewsletterSubscription.territory_id))
    visits = visits_by_territory(period.start, period.end)
    rows = []
    for territory in db.session.scalars(select(Territory).order_by(Territory.name)):
        t = territory.id
        rows.append([territory.name, members_now.get(t, 0), members_new.get(t, 0), published.get(t, 0),
                     events.get(t, 0), registered.get(t, 0), structures_now.get(t, 0), subscribers.get(t, 0),
                     *visits.get(t, (0, 0))])
    return Section("territories", _("Territories compared"),
                   [_("Territory"), _("Members"), _("New members"), _("Publications"), _("Events"),
                    _("Confirmed registrations"), _("Structures"), _("Newsletter subscribers"), _("Page views"),
                    _("Unique visitors (per day, added up)")], rows,
                   chart=[(row[0], row[8]) for row in rows], chart_title=_("Page views by territory"))
