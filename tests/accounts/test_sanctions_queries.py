"""The sanctions page (/sanctions) runs as many SQL statements for 3N sanctions as for N: the
sanctioned member, who gave it and its territory are loaded with the list, not row by row."""
from datetime import timedelta

import pytest

from csti.models import AccountSanction
from csti.models.base import utcnow
from tests.test_query_counts import QueryCounter

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)

N = 3


def _add(db, factory, count):
    for _n in range(count):
        territory = factory.territory()
        animator = factory.user(roles={territory: "animator"})
        member = factory.user(roles={territory: "member"})
        db.session.add(AccountSanction(user_id=member.id, kind="suspend", reason="Spam", territory_id=territory.id,
                                       by_id=animator.id, ends_at=utcnow() + timedelta(days=7)))
    db.session.commit()


def test_the_sanctions_page_runs_as_many_queries_for_more_sanctions(db, factory, testapp_en, log_in):
    admin = factory.user(admin=True)
    _add(db, factory, N)
    log_in(testapp_en, admin)
    counter = QueryCounter(db.engine)
    before = counter.measure(testapp_en, "/sanctions", {})
    _add(db, factory, 2 * N)
    after = counter.measure(testapp_en, "/sanctions", {})
    page = testapp_en.get("/sanctions")
    assert len(page.html.select("tbody tr")) == 3 * N
    assert after == before
