"""The statistics pages read against a known territory (tests/stats/conftest.py): every figure
exact, the period filtering, the inverted range, who may see them, the charts and their tables,
the CSV, French."""
import csv
import io
import re

import pytest
from webtest import TestApp

from tests.conftest import isolated

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


def summary(page) -> dict[str, str]:
    """{figure: value} of the key figures' table."""
    section = page.html.find(id="stats-summary").find_parent("section")
    return {row.th.get_text(strip=True): row.td.get_text(strip=True) for row in section.tbody.find_all("tr")}


def table(page, key) -> list[list[str]]:
    section = page.html.find(id=f"stats-{key}").find_parent("section")
    return [[cell.get_text(strip=True) for cell in row.find_all(["th", "td"])] for row in section.tbody.find_all("tr")]


def number(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_the_year_of_a_territory_figure_by_figure(site, testapp_en, log_in):
    log_in(testapp_en, site.animator)
    page = testapp_en.get("/t/occitanie/stats", params=YEAR)
    figures = summary(page)
    assert figures == {
        "Members": "3", "New members in the period": "2", "Active contributors (published in the period)": "3",
        "Publications": "6", "Events": "2", "Confirmed registrations": "5", "Registrations on a waiting list": "1",
        "Fill rate of the events with a capacity": "30%", "Page views": "15",
        "Unique visitors (per day, added up)": "7", "Newsletter issues sent": "1", "Newsletter mails delivered": "2",
        "Newsletter subscribers": "2", "New newsletter subscribers in the period": "1", "New follows": "2"}
    months = {row[0]: row[1:] for row in table(page, "content")}
    assert months["Mar 2025"] == ["2", "0", "2"]  # Article, Event, Total
    assert months["Feb 2025"] == ["0", "3", "3"]
    assert months["Jun 2025"] == ["1", "0", "1"]
    assert len(months) == 12
    assert table(page, "content-kinds") == [["Article", "3"], ["Event", "3"]]
    assert table(page, "event-kinds") == [["Conference / talk", "1"], ["Workshop", "1"]]
    assert {row[0]: row[1:] for row in table(page, "events")}["Apr 2025"] == ["1", "1", "2"]
    assert table(page, "registrations") == [["Confirmed", "5"], ["Waiting list", "1"], ["Cancelled", "0"]]
    assert table(page, "fill-rates") == [["Atelier robots", "Apr 10, 2025", "10", "3", "1", "30%"]]
    assert table(page, "structure-kinds") == [["Museum or science centre", "2"], ["Fablab / makerspace", "1"]]
    assert table(page, "structure-departments") == [["Haute-Garonne (31)", "2"], ["Isère (38)", "1"]]
    assert table(page, "tags") == [["Robotique", "3"], ["Astronomie", "1"]]
    assert sorted(table(page, "follows")) == [["Structure", "1"], ["Tags", "1"]]
    visits = {row[0]: row[1:] for row in table(page, "visits")}
    assert visits["Feb 2025"] == ["15", "7"] and visits["Jan 2025"] == ["0", "0"]


def test_the_period_filters_every_figure(site, testapp_en, log_in):
    log_in(testapp_en, site.animator)
    page = testapp_en.get("/t/occitanie/stats", params={"from": "2025-03-01", "to": "2025-03-31"})
    figures = summary(page)
    assert figures["Publications"] == "2" and figures["New members in the period"] == "1"
    assert figures["Active contributors (published in the period)"] == "1"
    assert figures["Events"] == "0" and figures["Page views"] == "0" and figures["New follows"] == "0"
    assert table(page, "tags") == [["Robotique", "2"], ["Astronomie", "1"]]
    assert len(table(page, "visits")) == 31  # a month: by day
    earlier = summary(testapp_en.get("/t/occitanie/stats", params={"from": "2024-01-01", "to": "2024-12-31"}))
    assert earlier["Page views"] == "99" and earlier["Events"] == "1" and earlier["Publications"] == "1"


def test_an_inverted_range_is_refused_next_to_the_field(site, testapp_en, log_in):
    log_in(testapp_en, site.animator)
    page = testapp_en.get("/t/occitanie/stats", params={"from": "2025-12-31", "to": "2025-01-01"}, status=422)
    error = page.html.find(id="stats-to-error")
    assert "comes before its start" in error.text
    assert page.html.find(id="stats-to")["aria-invalid"] == "true"
    assert page.html.find(id="stats-to")["value"] == "2025-01-01"  # as typed
    testapp_en.get("/t/occitanie/stats.csv", params={"from": "2025-12-31", "to": "2025-01-01"}, status=422)
    bad = testapp_en.get("/t/occitanie/stats", params={"from": "31/12/2025"}, status=422)
    assert "Enter a date such as" in bad.html.find(id="stats-from-error").text
    testapp_en.get("/t/occitanie/stats", params={"from": "0001-01-01"}, status=422)
    testapp_en.get("/t/occitanie/stats", params={"from": "1990-01-01", "to": "2025-01-01"}, status=422)


def test_only_its_animators_and_the_admins_see_a_territory(site, app, db, log_in):
    def browser():
        return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en"})

    assert "/login" in browser().get("/t/occitanie/stats", status=302).location
    for user in (site.outsider_animator, site.member, site.second):
        log_in(visitor := browser(), user)
        visitor.get("/t/occitanie/stats", status=403)
        visitor.get("/t/occitanie/stats.csv", status=403)
        visitor.get("/admin/stats", status=403)
    log_in(visitor := browser(), site.outsider_animator)
    visitor.get("/t/bretagne/stats", status=200)
    log_in(admin := browser(), site.admin)
    assert summary(admin.get("/t/occitanie/stats", params=YEAR))["Page views"] == "15"
    log_in(animator := browser(), site.animator)
    moderation = animator.get("/moderation")
    assert moderation.html.find("a", href="/t/occitanie/stats") is not None
    assert moderation.html.find("a", href="/t/bretagne/stats") is None


def test_the_admins_see_the_whole_site_and_every_territory(site, testapp_en, log_in):
    log_in(testapp_en, site.admin)
    assert testapp_en.get("/admin").html.find("a", href="/admin/stats") is not None
    page = testapp_en.get("/admin/stats", params=YEAR)
    figures = summary(page)
    assert figures["Page views"] == "23" and figures["Unique visitors (per day, added up)"] == "9"
    assert figures["Publications"] == "7" and figures["Events"] == "2" and figures["Members"] == "11"
    rows = {row[0]: row[1:] for row in table(page, "territories")}
    assert rows["Occitanie"] == ["3", "2", "6", "2", "5", "3", "2", "15", "7"]
    assert rows["Bretagne"] == ["1", "1", "1", "0", "0", "1", "0", "7", "2"]


def test_every_chart_is_an_svg_with_its_table(site, testapp_en, log_in):
    log_in(testapp_en, site.animator)
    page = testapp_en.get("/t/occitanie/stats", params=YEAR)
    charts = page.html.find_all("svg")
    assert len(charts) >= 8
    for svg in charts:
        assert svg["role"] == "img" and svg.title.get_text()
        assert svg["aria-labelledby"] == svg.title["id"]
        section = svg.find_parent("section")
        assert section.table.caption.get_text(strip=True) and section.table.find("th", scope="col")
        assert section.table.find("th", scope="row")
    tags = page.html.find(id="stats-tags").find_parent("section").svg
    bars = {g.title.get_text(): float(g.rect["width"]) for g in tags.find_all("g")}
    assert bars["Robotique – 3"] == pytest.approx(3 * bars["Astronomie – 1"], abs=0.5)
    assert bars["Astronomie – 1"] > 0


def test_the_csv_holds_every_figure(site, testapp_en, log_in):
    log_in(testapp_en, site.animator)
    page = testapp_en.get("/t/occitanie/stats", params=YEAR)
    link = page.html.find("a", string=re.compile("CSV"))["href"]
    response = testapp_en.get(link)
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert ["Confirmed registrations", "5"] in rows
    assert ["Page views", "15"] in rows
    assert ["Robotique", "3"] in rows
    assert ["Atelier robots", "Apr 10, 2025", "10", "3", "1", "30%"] in rows
    assert ["Publications by month"] in rows and ["Top tags of the period’s publications"] in rows
    admin_rows = list(csv.reader(io.StringIO(
        testapp_en.get("/admin/stats.csv", params=YEAR, status=403).body.decode())))
    assert admin_rows


def test_the_admins_csv_compares_the_territories(site, testapp_en, log_in):
    log_in(testapp_en, site.admin)
    rows = list(csv.reader(io.StringIO(testapp_en.get("/admin/stats.csv", params=YEAR).body.decode("utf-8-sig"))))
    assert ["Occitanie", "3", "2", "6", "2", "5", "3", "2", "15", "7"] in rows


def test_in_french(site, testapp, log_in):
    log_in(testapp, site.animator)
    page = testapp.get("/t/occitanie/stats", params=YEAR)
    assert "Statistiques" in page.html.h1.text
    figures = summary(page)
    assert figures["Inscriptions confirmées"] == "5"
    assert number(figures["Taux de remplissage des événements à jauge"]) == "30%"
    assert "févr. 2025" in page.text
    refused = testapp.get("/t/occitanie/stats", params={"from": "2025-12-31", "to": "2025-01-01"}, status=422)
    assert "avant" in refused.html.find(id="stats-to-error").text
