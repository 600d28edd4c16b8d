"""The statistics count by local month (Europe/Paris, as the period's bounds), only public
items, and their CSV neutralises what a spreadsheet would run as a formula — on SQLite and, with
CSTI_TEST_DATABASE_URL, PostgreSQL."""
import csv
import io
from datetime import UTC, datetime, timedelta

from csti.blueprints.events.schedule import schedule
from csti.models import Article, Dossier, Event

from .test_figures import summary, table

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


def _article(db, territory, author, title, published_at, tags=(), **kw):
    item = Article(title=title, body="x", territory=territory, author=author, **kw)
    for tag in tags:
        item.add_tag(tag)
    item.status = "published"
    item.published_at = published_at
    db.session.add(item)
    return item


def test_months_are_local_months_like_the_period(db, factory, testapp_en, log_in):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    animator = factory.user(roles={territory: "animator"})
    # 1 January 00:30 in Paris (winter, UTC+1) and 1 April 00:30 (summer, UTC+2).
    _article(db, territory, animator, "New year", datetime(2024, 12, 31, 23, 30, tzinfo=UTC))
    _article(db, territory, animator, "April", datetime(2025, 3, 31, 22, 30, tzinfo=UTC))
    _article(db, territory, animator, "Last of March", datetime(2025, 3, 31, 21, 30, tzinfo=UTC))
    _article(db, territory, animator, "Last of the year", datetime(2025, 12, 31, 22, 30, tzinfo=UTC))
    _article(db, territory, animator, "Next year", datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    event = Event(title="Soirée", event_kind="talk", territory=territory, author=animator)
    schedule(event, datetime(2025, 4, 1, 0, 30), datetime(2025, 4, 1, 2, 0))  # local times
    event.status, event.published_at = "published", datetime(2025, 2, 1, tzinfo=UTC)
    db.session.add(event)
    db.session.commit()

    log_in(testapp_en, animator)
    page = testapp_en.get("/t/occitanie/stats", params=YEAR)
    assert summary(page)["Publications"] == "5"  # four articles and the event
    months = {row[0]: row[1:] for row in table(page, "content")}
    assert months["Jan 2025"] == ["1", "0", "1"]  # Article, Event, Total
    assert months["Feb 2025"] == ["0", "1", "1"]
    assert months["Mar 2025"] == ["1", "0", "1"]
    assert months["Apr 2025"] == ["1", "0", "1"]
    assert months["Dec 2025"] == ["1", "0", "1"]
    assert sum(int(row[-1]) for row in months.values()) == 5
    events = {row[0]: row[1:] for row in table(page, "events")}
    assert events["Apr 2025"] == ["1", "1"] and events["Mar 2025"] == ["0", "0"]


def test_members_only_items_and_private_dossiers_are_not_counted(db, factory, testapp_en, log_in):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    animator = factory.user(roles={territory: "animator"})
    member = factory.user(roles={territory: "member"})
    when = datetime(2025, 5, 5, 12, tzinfo=UTC)
    _article(db, territory, animator, "Public", when, tags=("Robotique",))
    _article(db, territory, member, "Kept for the group", when, tags=("Secret",), members_only=True)
    dossier = Dossier(title="My private dossier", body="x", territory=territory, author=member, is_private=True)
    dossier.add_tag("Privé")
    dossier.status, dossier.published_at = "published", when
    db.session.add(dossier)
    db.session.commit()

    log_in(testapp_en, animator)
    page = testapp_en.get("/t/occitanie/stats", params=YEAR)
    figures = summary(page)
    assert figures["Publications"] == "1"
    assert figures["Active contributors (published in the period)"] == "1"
    assert {row[0]: row[1:] for row in table(page, "content")}["May 2025"] == ["1", "1"]
    assert table(page, "tags") == [["Robotique", "1"]]
    log_in(testapp_en, factory.user(admin=True))
    rows = list(csv.reader(io.StringIO(testapp_en.get("/admin/stats.csv", params=YEAR).body.decode("utf-8-sig"))))
    assert ["Publications", "1"] in rows
    assert next(row for row in rows if row and row[0] == "Occitanie")[3] == "1"


def test_the_csv_neutralises_formulas(db, factory, testapp_en, log_in):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    animator = factory.user(roles={territory: "animator"})
    _article(db, territory, animator, "Tagged", datetime(2025, 5, 5, 12, tzinfo=UTC), tags=("@SUM(A1)",))
    event = Event(title="=cmd|' /C calc'!A0", event_kind="talk", territory=territory, author=animator,
                  capacity=10, registration_mode="internal")
    start = datetime(2025, 6, 1, 18)
    schedule(event, start, start + timedelta(hours=2))
    event.status, event.published_at = "published", datetime(2025, 2, 1, tzinfo=UTC)
    db.session.add(event)
    db.session.commit()

    log_in(testapp_en, animator)
    rows = list(csv.reader(io.StringIO(testapp_en.get("/t/occitanie/stats.csv", params=YEAR).body.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert not any(cell[:1] in ("=", "+", "@") for cell in cells)
    tag_rows = [row for row in rows if row and "SUM(A1)" in row[0]]
    assert tag_rows and tag_rows[0][0].startswith("'@")
    assert ["Publications", "2"] in rows  # numbers stay numbers
