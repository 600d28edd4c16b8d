"""The audit log page: a territory's animators read its entries only (/t/<slug>/audit), the
admins every territory's (/admin/audit); filters by action, who, target type, dates (an
inverted range is refused next to its field), territory for the admins; newest first,
paginated; the same rows as CSV (BOM, quoting, formulas neutralised); htmx gets the table."""
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from csti.auditlog import PER_PAGE
from csti.models import AuditLog
from tests.conftest import csrf_headers


def _entry(db, actor, action, target=None, territory=None, when=None, **details):
    entry = AuditLog.record(actor, action, target, territory, **details)
    if when is not None:
        entry.created_at = when
    db.session.commit()
    return entry


@pytest.fixture
def site(db, factory):
    t1 = factory.territory(slug="t-un", name="Territoire Un")
    t2 = factory.territory(slug="t-deux", name="Territoire Deux")
    animator = factory.user(email="anim@example.org", name="Anna Animatrice", roles={t1: "animator"})
    other = factory.user(email="autre@example.org", name="Oscar Autre", roles={t2: "animator"})
    member = factory.user(email="membre@example.org", name="Marc Membre", roles={t1: "member"})
    admin = factory.user(email="admin@example.org", name="Ada Admin", admin=True)
    page = factory.page(territory=t1, author=member, title="Une fête de la science")
    now = datetime.now(UTC)
    _entry(db, animator, "role.set", member, t1, when=now - timedelta(days=10),
           before={"role": "member"}, after={"role": "contributor"})
    _entry(db, animator, "page.rejected", page, t1, when=now - timedelta(days=5), reason="Hors sujet",
           before={"status": "pending"}, after={"status": "rejected"})
    _entry(db, other, "territory.updated", t2, t2, when=now - timedelta(days=1),
           before={"name": "Ancien nom"}, after={"name": "Territoire Deux"})
    return dict(t1=t1, t2=t2, animator=animator, other=other, member=member, admin=admin, page=page)


def test_an_animator_reads_only_their_territory(app, testapp_en, log_in, site):
    log_in(testapp_en, site["animator"])
    page = testapp_en.get("/t/t-un/audit")
    rows = page.html.select("table.audit-log tbody tr")
    assert len(rows) == 2
    text = page.html.select_one("table.audit-log").get_text(" ", strip=True)
    assert "Role changed" in text and "Page rejected" in text
    assert "Territory settings changed" not in text and "Ancien nom" not in text
    # Newest first: the rejection (5 days ago) before the role (10 days ago).
    assert "Page rejected" in rows[0].get_text() and "Role changed" in rows[1].get_text()
    # Before → after, the reason, the target linked.
    assert "member" in rows[1].select_one("del").get_text() and "contributor" in rows[1].select_one("ins").get_text()
    assert "Hors sujet" in rows[0].get_text()
    link = rows[0].find("a", string="Une fête de la science")
    with app.test_request_context():
        assert link is not None and link["href"] == site["page"].url


def test_another_territory_and_a_member_get_403(testapp_en, log_in, site):
    log_in(testapp_en, site["animator"])
    assert testapp_en.get("/t/t-deux/audit", expect_errors=True).status_int == 403
    assert testapp_en.get("/t/t-deux/audit.csv", expect_errors=True).status_int == 403
    assert testapp_en.get("/admin/audit", expect_errors=True).status_int == 403
    log_in(testapp_en, site["member"])
    assert testapp_en.get("/t/t-un/audit", expect_errors=True).status_int == 403


def test_anonymous_is_sent_to_log_in(testapp_en, site):
    response = testapp_en.get("/t/t-un/audit")
    assert response.status_int == 302 and "/login" in response.location


def test_an_admin_reads_every_territory_and_filters_by_one(testapp_en, log_in, site):
    log_in(testapp_en, site["admin"])
    page = testapp_en.get("/admin/audit")
    assert len(page.html.select("table.audit-log tbody tr")) == 3
    narrowed = testapp_en.get("/admin/audit", {"territory": "t-deux"})
    rows = narrowed.html.select("table.audit-log tbody tr")
    assert len(rows) == 1 and "Ancien nom" in rows[0].get_text()
    # An unknown territory filters nothing (nothing breaks).
    assert len(testapp_en.get("/admin/audit", {"territory": "nowhere"}).html.select("table.audit-log tbody tr")) == 3
    # The admin also reads a territory's page.
    assert testapp_en.get("/t/t-deux/audit").status_int == 200


@pytest.mark.parametrize("args, expected", [
    ({"action": "role.set"}, ["Role changed"]),
    ({"action": "page.rejected"}, ["Page rejected"]),
    ({"who": "anna"}, ["Page rejected", "Role changed"]),
    ({"who": "membre@"}, []),
    ({"who": "ANIM@example"}, ["Page rejected", "Role changed"]),
    ({"who": "100%_"}, []),
    ({"action": "drop.table"}, ["Page rejected", "Role changed"]),  # a forged action filters nothing
    ({"target_type": "nothing"}, ["Page rejected", "Role changed"]),
    ({"target_type": "user"}, ["Role changed"]),
    ({"target_type": "page"}, ["Page rejected"]),
])
def test_each_filter_narrows(testapp_en, log_in, site, args, expected):
    log_in(testapp_en, site["animator"])
    page = testapp_en.get("/t/t-un/audit", args)
    assert [r.select_one("th").get_text(strip=True) for r in page.html.select("table.audit-log tbody tr")] == expected


def test_the_dates_narrow_and_an_inverted_range_is_refused_next_to_its_field(testapp_en, log_in, site):
    log_in(testapp_en, site["animator"])
    today = datetime.now(UTC).date()
    page = testapp_en.get("/t/t-un/audit", {"from": (today - timedelta(days=7)).isoformat(),
                                            "to": today.isoformat()})
    assert [r.select_one("th").get_text(strip=True) for r in page.html.select("table.audit-log tbody tr")] \
        == ["Page rejected"]
    page = testapp_en.get("/t/t-un/audit", {"to": (today - timedelta(days=7)).isoformat()})
    assert [r.select_one("th").get_text(strip=True) for r in page.html.select("table.audit-log tbody tr")] \
        == ["Role changed"]
    bad = testapp_en.get("/t/t-un/audit", {"from": today.isoformat(), "to": (today - timedelta(days=3)).isoformat()},
                         expect_errors=True)
    assert bad.status_int == 422
    field = bad.html.select_one("#audit-to")
    assert field["aria-invalid"] == "true"
    assert bad.html.select_one("#audit-to-error").get_text(strip=True) == "The end date is before the start date."
    assert not bad.html.select("table.audit-log")
    assert testapp_en.get("/t/t-un/audit", {"from": "31/12/2026"}, expect_errors=True).status_int == 422
    # CSV of a bad range: the page with its message, not a file.
    bad_csv = testapp_en.get("/t/t-un/audit.csv", {"from": today.isoformat(),
                                                   "to": (today - timedelta(days=3)).isoformat()}, expect_errors=True)
    assert bad_csv.status_int == 422 and bad_csv.content_type == "text/html"


def test_pagination_newest_first(testapp_en, log_in, db, site):
    start = datetime.now(UTC) - timedelta(days=9)  # newer than the fixture's role change
    for n in range(PER_PAGE + 5):
        _entry(db, site["animator"], "role.set", site["member"], site["t1"], when=start + timedelta(minutes=n),
               before={"role": "member"}, after={"role": f"r{n}"})
    log_in(testapp_en, site["animator"])
    first = testapp_en.get("/t/t-un/audit", {"action": "role.set"})
    rows = first.html.select("table.audit-log tbody tr")
    assert len(rows) == PER_PAGE
    assert f"r{PER_PAGE + 4}" in rows[0].get_text()  # the newest first…
    assert "Page 1 of 2" in first.text
    following = first.click(linkid=None, href=r"page=2")
    rows = following.html.select("table.audit-log tbody tr")
    assert len(rows) == 6  # the 5 left, then the older role change of the fixture
    assert "action=role.set" in following.request.url and "r0" in rows[4].get_text()


def test_htmx_gets_the_table_fragment(testapp_en, log_in, site):
    log_in(testapp_en, site["animator"])
    page = testapp_en.get("/t/t-un/audit")
    fragment = testapp_en.get("/t/t-un/audit", {"action": "role.set"}, headers=csrf_headers(page))
    assert "<html" not in fragment.text and "audit-filters" not in fragment.text
    assert len(fragment.html.select("table.audit-log tbody tr")) == 1
    assert "HX-Request" in fragment.headers["Vary"]
    today = datetime.now(UTC).date()
    bad = testapp_en.get("/t/t-un/audit", {"from": today.isoformat(), "to": "2000-01-01"},
                         headers=csrf_headers(page), expect_errors=True)
    assert bad.status_int == 422 and "The end date is before the start date." in bad.text


def test_csv_export(testapp_en, log_in, db, site):
    _entry(db, site["animator"], "page.rejected", site["page"], site["t1"], reason='=HYPERLINK("http://x")',
           before={"status": "pending"}, after={"status": "rejected"})
    _entry(db, site["animator"], "page.rejected", site["page"], site["t1"], reason="@SUM(1+1), \"dit-il\"")
    log_in(testapp_en, site["animator"])
    response = testapp_en.get("/t/t-un/audit", {"format": "csv", "action": "page.rejected"})
    assert response.content_type == "text/csv" and response.charset == "utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-t-un-')
    assert response.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Date", "Who", "E-mail", "Action"]
    assert len(rows) == 4  # header + 3 rejections of t1, nothing of t2
    body = {r[-1] for r in rows[1:]}
    assert "'Reason: =HYPERLINK(\"http://x\")" not in body  # the cell starts with "Reason"…
    assert any(r[-1] == 'Reason: =HYPERLINK("http://x")' for r in rows[1:])
    assert all(r[3] == "Page rejected" and r[1] == "Anna Animatrice" for r in rows[1:])
    assert sum(r[-2] == "Status: Pending review → Rejected" for r in rows[1:]) == 2
    # The same export at /t/<slug>/audit.csv, and formulas neutralised in any cell.
    _entry(db, site["animator"], "page.rejected", site["page"], site["t1"])
    site["animator"].name = "=cmd|' /C calc'!A0"
    db.session.commit()
    rows = list(csv.reader(io.StringIO(testapp_en.get("/t/t-un/audit.csv").body.decode("utf-8-sig"))))
    assert {r[1] for r in rows[1:]} == {"'=cmd|' /C calc'!A0"}
    assert not any("Ancien nom" in cell for r in rows for cell in r)


def test_cells_neutralised():
    from csti.auditlog import neutralise

    assert [neutralise(v) for v in ("=1+1", "+33", "-2", "@x", "\tx", "ok", 12, -3, None)] == \
        ["'=1+1", "'+33", "'-2", "'@x", "'\tx", "ok", "12", "-3", ""]


def test_role_changes_and_moderation_record_before_and_after(testapp_en, log_in, db, site):
    log_in(testapp_en, site["animator"])
    roles = testapp_en.get("/t/t-un/roles")
    form = roles.forms[next(k for k, f in roles.forms.items() if "role" in f.fields and "email" not in f.fields)]
    form["role"] = "contributor"
    form.submit()
    db.session.rollback()
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "role.set")
                               .order_by(AuditLog.id.desc())).first()
    assert entry.details["before"] == {"role": "member"} and entry.details["after"] == {"role": "contributor"}


def test_the_french_page_and_csv(testapp, log_in, site):
    """The default language renders the labels, dates and the CSV too."""
    log_in(testapp, site["animator"])
    page = testapp.get("/t/t-un/audit")
    assert page.html.find("html")["lang"] == "fr"
    assert len(page.html.select("table.audit-log tbody tr")) == 2
    assert testapp.get("/t/t-un/audit.csv").body.startswith(b"\xef\xbb\xbf")


def test_an_entry_whose_target_was_deleted_says_so(testapp_en, log_in, db, site):
    page_id = site["page"].id
    db.session.delete(site["page"])
    db.session.commit()
    log_in(testapp_en, site["animator"])
    row = testapp_en.get("/t/t-un/audit", {"action": "page.rejected"}).html.select_one("table.audit-log tbody tr")
    assert f"Page #{page_id} (deleted)" in row.get_text() and row.find("a", string=f"Page #{page_id} (deleted)") is None


@pytest.mark.parametrize("action, label", [
    ("article.taken_down", "Article taken down"), ("user.suspended", "Member suspended"),
    ("user.banned", "Member banned"), ("user.content_hidden", "Member’s content hidden"),
    ("user.sanction_lifted", "Sanction lifted"), ("actor.merge", "Structures merged"), ("tag.merge", "Tags merged")])
def test_animation_actions_have_a_label_and_a_filter(testapp_en, log_in, db, site, action, label):
    """Take-downs, sanctions and merges are read as words, not codes, and can be filtered."""
    _entry(db, site["animator"], action, site["member"], site["t1"], reason="Pour la démonstration")
    log_in(testapp_en, site["animator"])
    page = testapp_en.get("/t/t-un/audit")
    assert label in [th.get_text(strip=True) for th in page.html.select("tbody th[scope=row]")]
    assert action in [o["value"] for o in page.html.select("select[name=action] option")]
    page = testapp_en.get("/t/t-un/audit", params={"action": action})
    assert [th.get_text(strip=True) for th in page.html.select("tbody th[scope=row]")] == [label]
