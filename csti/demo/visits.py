"""Demo page views: a year of daily counts per territory (``VisitDay``, counts only, as the
aggregation leaves them), so that the statistics pages show their charts. Deterministic."""
import random
from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import VisitDay
from ..models.visits import ALL_TERRITORIES, NO_TERRITORY
from ..visits import today

DAYS = 365


def seed(territories, users, lines):
    if db.session.scalar(select(VisitDay.day).limit(1)) is not None:
        lines.append("page views already present: none added")
        return
    draw = random.Random(2026)
    end = today() - timedelta(days=1)
    scopes = [t.id for t in territories.values()] + [NO_TERRITORY]
    rows = []
    for n in range(DAYS):
        day = end - timedelta(days=n)
        weekday = day.weekday() < 5
        total_views = total_visitors = 0
        for scope in scopes:
            visitors = draw.randint(8, 40) if weekday else draw.randint(3, 18)
            views = visitors * draw.randint(2, 5)
            rows.append(VisitDay(day=day, territory_id=scope, views=views, visitors=visitors))
            total_views += views
            total_visitors += visitors
        # Some visitors saw several territories: the site's unique visitors are fewer than the sum.
        rows.append(VisitDay(day=day, territory_id=ALL_TERRITORIES, views=total_views,
                             visitors=max(1, round(total_visitors * 0.85))))
    db.session.add_all(rows)
    db.session.flush()
    lines.append(f"{DAYS} days of page views per territory (statistics)")
