"""The demo's page views (csti/demo/visits.py) make the statistics pages show their charts, and
the figures shown are the seeded ones."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from csti import visits
from csti.demo import visits as demo_visits
from csti.models import VisitDay
from csti.models.visits import ALL_TERRITORIES

from .test_figures import summary, table


def test_the_demo_s_year_of_page_views(db, factory, testapp_en, log_in):
    occitanie = factory.territory(slug="occitanie", name="Occitanie")
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    lines = []
    demo_visits.seed({"occitanie": occitanie, "bretagne": bretagne}, {}, lines)
    db.session.commit()
    demo_visits.seed({"occitanie": occitanie, "bretagne": bretagne}, {}, lines)  # once only
    assert lines[-1] == "page views already present: none added"
    end = visits.today() - timedelta(days=1)
    start = end - timedelta(days=demo_visits.DAYS - 1)
    period = {"from": start.isoformat(), "to": end.isoformat()}

    def seeded(territory_id):
        return db.session.execute(select(func.sum(VisitDay.views), func.sum(VisitDay.visitors))
                                  .where(VisitDay.territory_id == territory_id)).one()

    log_in(testapp_en, factory.user(admin=True))
    page = testapp_en.get("/admin/stats", params=period)
    views, visitors = seeded(ALL_TERRITORIES)
    assert views > 0
    figures = summary(page)
    assert int(re.sub(r"\D", "", figures["Page views"])) == views
    assert int(re.sub(r"\D", "", figures["Unique visitors (per day, added up)"])) == visitors
    assert page.html.find(id="stats-visits").find_parent("section").svg is not None
    assert len(table(page, "visits")) in (12, 13)  # months
    page = testapp_en.get("/t/bretagne/stats", params=period)
    assert int(re.sub(r"\D", "", summary(page)["Page views"])) == seeded(bretagne.id)[0]
