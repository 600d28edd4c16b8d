"""Page views and unique visitors, counted on the server: no cookie, no third party, nothing
personal kept (docs/architecture.md §12).

A page view is a GET answered 200 with an HTML page — not static files, feeds, JSON, iCal,
htmx fragments, the administration, the widgets shown in other sites' pages (§18), nor a
prefetch — by a browser: a request without a
User-Agent or with a robot's (``crawlerdetect``, a maintained list) is not counted. Pages
served from the page cache are counted too (this runs after every response, cached or not).

The visitor is ``sha256(day's salt | IP | User-Agent)``, the salt random and stored for the day
only; a page view is one UPSERT of (day, territory, hash) adding 1 to its views. The first page
view of a new day (or ``flask csti aggregate-visits``, or reading the statistics) aggregates
the past days into ``VisitDay`` (counts only) and deletes their hashes and salts.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import date, datetime

from flask import current_app, g, request
from sqlalchemy import delete, distinct, func, select

from .extensions import db
from .models.visits import ALL_TERRITORIES, NO_TERRITORY, VisitDay, VisitHash, VisitSalt
from .security import FRAMEABLE_ENDPOINTS

log = logging.getLogger(__name__)

EXCLUDED_BLUEPRINTS = frozenset({"admin", "stats"})
_detector = None


def init_app(app) -> None:
    if app.config.get("COUNT_VISITS", True):
        app.after_request(_count)


def today() -> date:
    from .dates import local_zone

    return datetime.now(local_zone()).date()


def is_robot(user_agent: str) -> bool:
    global _detector
    if not user_agent.strip():
        return True
    if _detector is None:
        from crawlerdetect import CrawlerDetect

        _detector = CrawlerDetect()
    return bool(_detector.isCrawler(user_agent))


def counted(response) -> bool:
    """True when this response is a page view."""
    from .htmx import is_htmx

    if request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
        return False
    if request.endpoint in (None, "static") or request.blueprint in EXCLUDED_BLUEPRINTS:
        return False
    if request.endpoint in FRAMEABLE_ENDPOINTS:
        return False  # a widget shown in another site's page is not a visit to this one (§18)
    if is_htmx() or "prefetch" in (request.headers.get("Sec-Purpose") or request.headers.get("Purpose") or ""):
        return False
    return not is_robot(request.headers.get("User-Agent") or "")


def territory_of_request() -> int:
    """The territory whose page this is: set by the item's page (``g.csti_visit_territory``),
    or the ``/t/<slug>/…`` pages' slug; 0 for the instance's other pages."""
    known = g.get("csti_visit_territory")
    if known is not None:
        return known or NO_TERRITORY
    slug = (request.view_args or {}).get("slug")
    if slug and request.path.startswith("/t/"):
        from .models import Territory

        found = db.session.scalar(select(Territory.id).where(Territory.slug == slug))
        return found or NO_TERRITORY
    return NO_TERRITORY


def _count(response):
    """What to count is read now; the write waits until the response is sent (``call_on_close``,
    as the immediate mails do): a page view never delays its page nor holds SQLite's write lock
    while the page is on its way."""
    try:
        if not counted(response):
            return response
        visit = (territory_of_request(), request.remote_addr or "", request.headers.get("User-Agent") or "")
    except Exception:  # counting never fails a page
        log.exception("page view not counted")
        return response
    app = current_app._get_current_object()

    def write():
        try:
            with app.app_context():
                record(*visit)
        except Exception:  # noqa: BLE001 — after the response: only logged
            log.exception("page view not counted")

    response.call_on_close(write)
    return response


# --- writing ------------------------------------------------------------------------------------
def _insert(table):
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def visitor_hash(salt: str, address: str, user_agent: str) -> str:
    return hashlib.sha256(f"{salt}|{address}|{user_agent}".encode()).hexdigest()[:32]


def salt_for(day: date) -> str:
    """The day's salt (made on the first page view of the day, which aggregates the days before)."""
    cached = current_app.extensions.setdefault("csti_visit_salt", {})
    if day in cached:
        return cached[day]
    from .database import write_intent

    with write_intent(), db.engine.begin() as conn:
        salt = conn.scalar(select(VisitSalt.salt).where(VisitSalt.day == day))
        if salt is None:
            conn.execute(_insert(VisitSalt.__table__).values(day=day, salt=secrets.token_hex(32))
                         .on_conflict_do_nothing())
            salt = conn.scalar(select(VisitSalt.salt).where(VisitSalt.day == day))
            aggregate(conn, day)
    cached.clear()
    cached[day] = salt
    return salt


def record(territory_id: int, address: str, user_agent: str, day: date | None = None) -> None:
    """One page view: one UPSERT (a new visitor of the day and territory, or one more view)."""
    from .database import write_intent

    day = day or today()
    digest = visitor_hash(salt_for(day), address, user_agent)
    statement = _insert(VisitHash.__table__).values(day=day, territory_id=territory_id, hash=digest, views=1)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "territory_id", "hash"], set_={"views": VisitHash.__table__.c.views + 1})
    with write_intent(), db.engine.begin() as conn:
        conn.execute(statement)


def aggregate(conn, before: date) -> int:
    """Sum up the days before ``before`` into VisitDay (per territory, and ALL), then delete
    their hashes and salts. Returns the number of days aggregated."""
    hashes = VisitHash.__table__
    days = conn.scalars(select(distinct(hashes.c.day)).where(hashes.c.day < before)).all()
    rows = []
    for day in days:
        per_territory = conn.execute(
            select(hashes.c.territory_id, func.sum(hashes.c.views), func.count())
            .where(hashes.c.day == day).group_by(hashes.c.territory_id)).all()
        views, visitors = conn.execute(
            select(func.sum(hashes.c.views), func.count(distinct(hashes.c.hash))).where(hashes.c.day == day)).one()
        rows += [{"day": day, "territory_id": t, "views": int(v), "visitors": int(n)} for t, v, n in per_territory]
        rows.append({"day": day, "territory_id": ALL_TERRITORIES, "views": int(views or 0),
                     "visitors": int(visitors or 0)})
    if rows:
        table = VisitDay.__table__
        statement = _insert(table)
        conn.execute(statement.on_conflict_do_update(
            index_elements=["day", "territory_id"],
            set_={"views": table.c.views + statement.excluded.views,
                  "visitors": table.c.visitors + statement.excluded.visitors}), rows)
    conn.execute(delete(hashes).where(hashes.c.day < before))
    conn.execute(delete(VisitSalt.__table__).where(VisitSalt.day < before))
    return len(days)


def aggregate_past_days() -> int:
    """What ``flask csti aggregate-visits`` and the statistics pages call (cheap when done)."""
    from .database import write_intent

    day = today()
    pending = db.session.scalar(select(VisitHash.day).where(VisitHash.day < day).limit(1))
    pending = pending or db.session.scalar(select(VisitSalt.day).where(VisitSalt.day < day).limit(1))
    if pending is None:
        return 0
    db.session.commit()
    with write_intent(), db.engine.begin() as conn:
        return aggregate(conn, day)


# --- reading ------------------------------------------------------------------------------------
def visits_by_day(territory_id: int | None, start: date, end: date) -> dict[date, tuple[int, int]]:
    """{day: (views, unique visitors)} from ``start`` to ``end`` included, for a territory or
    (None) the whole instance; today's from the live hashes."""
    key = ALL_TERRITORIES if territory_id is None else territory_id
    result = {day: (views, visitors) for day, views, visitors in db.session.execute(
        select(VisitDay.day, VisitDay.views, VisitDay.visitors)
        .where(VisitDay.territory_id == key, VisitDay.day >= start, VisitDay.day <= end))}
    live = select(VisitHash.day, func.sum(VisitHash.views), func.count(distinct(VisitHash.hash))).where(
        VisitHash.day >= start, VisitHash.day <= end).group_by(VisitHash.day)
    if territory_id is not None:
        live = live.where(VisitHash.territory_id == territory_id)
    for day, views, visitors in db.session.execute(live):
        old = result.get(day, (0, 0))
        result[day] = (old[0] + int(views or 0), old[1] + int(visitors or 0))
    return dict(sorted(result.items()))


def visits_by_territory(start: date, end: date) -> dict[int, tuple[int, int]]:
    """{territory id: (views, sum of the daily unique visitors)} over the period."""
    result = {t: (int(v or 0), int(n or 0)) for t, v, n in db.session.execute(
        select(VisitDay.territory_id, func.sum(VisitDay.views), func.sum(VisitDay.visitors))
        .where(VisitDay.territory_id >= 0, VisitDay.day >= start, VisitDay.day <= end)
        .group_by(VisitDay.territory_id))}
    for t, v, n in db.session.execute(
            select(VisitHash.territory_id, func.sum(VisitHash.views), func.count())
            .where(VisitHash.day >= start, VisitHash.day <= end).group_by(VisitHash.territory_id)):
        old = result.get(t, (0, 0))
        result[t] = (old[0] + int(v or 0), old[1] + int(n or 0))
    return result
