"""The agenda: date and criteria filters shared by the list, the htmx fragment, the month
calendar and the map's GeoJSON; pagination; bad filter values never give a 500."""
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from .helpers import in_days, titles

# The agenda's "now" in these tests: Wednesday 16 October 2030, noon in Paris.
NOW = datetime(2030, 10, 16, 12, 0)


def vary(response) -> list[str]:
    return [v.strip() for v in response.headers.get("Vary", "").split(",")]


def at(day, hour=18, minute=0, month=10):
    return datetime(2030, month, day, hour, minute)


@pytest.fixture
def dated(now_is, make_event, occitanie):
    """Events around NOW, one per date filter; returns {name: event}."""
    now_is(NOW)
    return {
        "last month": make_event(occitanie, "Conférence de septembre", start=at(20, month=9)),
        "earlier this month": make_event(occitanie, "Atelier du 2 octobre", start=at(2)),
        "this morning": make_event(occitanie, "Café du matin", start=at(16, 9), hours=1),
        "exhibition": make_event(occitanie, "Exposition en cours", start=at(1, 10), end=at(31, 18), kind="exhibition"),
        "today": make_event(occitanie, "Conférence de ce soir", start=at(16, 20)),
        "friday": make_event(occitanie, "Veillée du vendredi", start=at(18, 20)),
        "saturday": make_event(occitanie, "Atelier du samedi", start=at(19, 15)),
        "sunday": make_event(occitanie, "Balade du dimanche", start=at(20, 10), all_day=True),
        "monday": make_event(occitanie, "Réunion du lundi", start=at(21, 9)),
        "end of month": make_event(occitanie, "Nuit de la science", start=at(31, 20)),
        "november": make_event(occitanie, "Forum de novembre", start=at(4, 9, month=11)),
        "draft": make_event(occitanie, "Brouillon invisible", start=at(17), status="draft"),
        "pending": make_event(occitanie, "En attente de relecture", start=at(17), status="pending"),
    }


def test_upcoming_by_default_in_date_order(testapp_en, dated):
    page = testapp_en.get("/agenda")
    assert titles(page) == ["Exposition en cours", "Conférence de ce soir", "Veillée du vendredi",
                            "Atelier du samedi", "Balade du dimanche", "Réunion du lundi", "Nuit de la science",
                            "Forum de novembre"]
    # What started before today and still runs is shown first, as "Ongoing"; then one heading per day.
    headings = [h.get_text(strip=True) for h in page.html.select(".agenda-day h3")]
    assert headings[0] == "Ongoing" and headings[1].startswith("Wednesday, October 16, 2030")
    # An ongoing exhibition says until when it runs, not the hour it opened weeks ago.
    ongoing = page.html.select_one(".agenda-day .event-time").get_text(strip=True)
    assert ongoing == "until 31 Oct"
    assert page.html.select_one(".results-count").get_text(strip=True) == "8 dates"
    assert "HX-Request" in vary(page)


def test_the_count_follows_the_clock_from_a_kept_count(testapp_en, dated, now_is, app, db, make_event, factory):
    """The list's count is kept with the start it was counted at; a later start counts only the
    dates that ended in between and takes them off (``listing.count_from``) — the same figure
    as counting again, as the clock moves on, back, or the data changes."""
    from sqlalchemy import event

    def count(query=""):
        page = testapp_en.get(f"/agenda{query}")
        shown = page.html.select_one(".results-count").get_text(strip=True)
        assert shown == f"{len(titles(page))} date{'s' if len(titles(page)) > 1 else ''}"
        return shown

    counted = []

    def seen(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("SELECT COUNT("):
            counted.append((statement, str(params)))

    assert count() == "8 dates"
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        now_is(at(16, 21, 30))  # the evening's conference still on
        assert count() == "8 dates"
        now_is(at(16, 22, 30))  # it has ended
        assert count() == "7 dates"
        # Counted from the kept count: only the dates that ended since it, by their end.
        assert counted and all("event_occurrence.ends_at <" in statement for statement, _params in counted)
        now_is(at(19, 17, 30))  # Friday's evening and Saturday's workshop are over too
        assert count() == "5 dates"
        assert count("?when=month") == "4 dates"
        # Counted with the dates joined to their items alone (no filter on the event's table) or
        # to their events (a kind, a price…): the same dates either way.
        assert count("?kind=exhibition") == "1 date"
        assert count("?territory=occitanie&price=free") == "5 dates"
        now_is(at(16, 8, 30))  # the clock set back before the kept count's start: the morning's café to come
        assert count() == "9 dates"
        now_is(at(19, 17, 30))
        dated["november"].status = "draft"  # a change: counted again
        db.session.commit()
        # A range from a fixed first day, asked first after the change, is counted on its own: the
        # list from now keeps its count from its own minute, not from the range's first day.
        assert count("?when=range&start=2030-10-01") == "9 dates"
        assert count() == "4 dates"
        now_is(at(19, 17, 45))
        counted.clear()
        assert count() == "4 dates"
        range_start = ("2030-09-30", "2030, 9, 30")  # its first day in UTC, as SQLite's or psycopg's parameter
        assert counted and not any(day in params for _statement, params in counted for day in range_start)
        make_event(factory.territory(slug="bretagne", name="Bretagne"), "En Bretagne", start=at(25))
        assert count() == "5 dates"
        assert count("?territory=occitanie") == "4 dates"
        assert count("?territory=bretagne") == "1 date"
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


@pytest.mark.parametrize("query, expected", [
    ("when=today", ["Exposition en cours", "Conférence de ce soir"]),
    ("when=weekend", ["Exposition en cours", "Atelier du samedi", "Balade du dimanche"]),
    ("when=month", ["Exposition en cours", "Conférence de ce soir", "Veillée du vendredi", "Atelier du samedi",
                    "Balade du dimanche", "Réunion du lundi", "Nuit de la science"]),
    ("when=range&start=2030-10-18&end=2030-10-20", ["Exposition en cours", "Veillée du vendredi",
                                                     "Atelier du samedi", "Balade du dimanche"]),
    ("when=range&start=2030-11-01", ["Forum de novembre"]),
    ("when=range&end=2030-10-17", ["Exposition en cours", "Conférence de ce soir"]),
    # The archive: most recent first (the exhibition still runs, so it has started).
    ("when=past", ["Café du matin", "Atelier du 2 octobre", "Exposition en cours", "Conférence de septembre"]),
])
def test_date_filters(testapp_en, dated, query, expected):
    page = testapp_en.get(f"/agenda?{query}")
    assert titles(page) == expected
    count = len(expected)  # counted as the list is read (``EventFilter.counting``)
    assert page.html.select_one(".results-count").get_text(strip=True) == f"{count} date{'s' if count > 1 else ''}"
    when = query.split("&")[0].split("=")[1]
    assert page.html.find(id=f"when-{when}").has_attr("checked")


def test_weekend_seen_from_a_sunday_is_that_weekend(testapp_en, dated, now_is):
    now_is(datetime(2030, 10, 20, 8, 0))
    assert titles(testapp_en.get("/agenda?when=weekend")) == ["Exposition en cours", "Balade du dimanche"]


@pytest.fixture
def varied(now_is, make_event, make_actor, factory, occitanie):
    """Upcoming events that differ by one criterion each; returns the organising structure."""
    now_is(NOW)
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    museum = make_actor(occitanie, "Muséum de Toulouse")
    make_event(occitanie, "Atelier robotique", start=at(20), kind="workshop", audiences=["children", "families"],
               department="31", tags=["Robotique"], owners=[museum], venue_name="Fablab Artilect")
    make_event(occitanie, "Conférence sur le climat", start=at(21), kind="talk", audiences=["general_public"],
               department="34", tags=["climat"], is_free=False, price_text="5 €", commune="Montpellier")
    make_event(bretagne, "Visite de la station marine", start=at(22), kind="visit", audiences=["school_groups"],
               department="29", tags=["océans", "biologie"], summary="Les algues et le plancton de la rade.")
    return museum


@pytest.mark.parametrize("query, expected", [
    ("kind=workshop", ["Atelier robotique"]),
    ("kind=workshop&kind=visit", ["Atelier robotique", "Visite de la station marine"]),
    ("audience=families", ["Atelier robotique"]),
    ("audience=school_groups,general_public", ["Conférence sur le climat", "Visite de la station marine"]),
    ("price=free", ["Atelier robotique", "Visite de la station marine"]),
    ("price=paid", ["Conférence sur le climat"]),
    ("territory=bretagne", ["Visite de la station marine"]),
    ("department=31,34", ["Atelier robotique", "Conférence sur le climat"]),
    ("tag=Océans", ["Visite de la station marine"]),
    ("tag=oceans&tag=robotique", []),  # several tags: all of them
    ("q=plancton", ["Visite de la station marine"]),
    ("q=montpellier", ["Conférence sur le climat"]),
    ("q=ARTILECT", ["Atelier robotique"]),
    ("q=conférence climat", ["Conférence sur le climat"]),
    ("q=conference CLIMAT", ["Conférence sur le climat"]),  # without the accent
    ("q=%", []), ("q=_", []),  # letters, not wildcards
    ("kind=talk&price=free", []),
    ("territory=occitanie&audience=children", ["Atelier robotique"]),
])
def test_criteria_filters(testapp_en, varied, query, expected):
    assert titles(testapp_en.get("/agenda?" + quote(query, safe="=&,"))) == expected


@pytest.mark.parametrize("query, expected", [
    ("kind=workshop", ["Atelier robotique"]),
    ("kind=workshop&kind=visit", ["Atelier robotique", "Visite de la station marine"]),
    ("kind=workshop&territory=occitanie&price=free", ["Atelier robotique"]),
    ("kind=talk&price=free", []),
])
def test_a_kind_is_walked_date_by_date_or_its_events_gathered_alike(app, testapp_en, db, varied, monkeypatch,
                                                                    query, expected):
    """``listing.kind_clause`` chooses how the agenda finds a kind's dates: a common kind tests
    each date in date order (``EXISTS``), a rare one gathers its events first (``IN``). Both
    show the same dates."""
    from csti.blueprints.events import agenda, routes
    from csti.listing import kind_clause
    from tests.statements import statements

    for page_size, walked in ((0, True), (10**6, False)):  # 0 × items < matching²: the walk
        # The plan as chosen for a page of ``page_size`` dates (the list's own: events.routes.PER_PAGE).
        asked = []
        monkeypatch.setattr(agenda, "kind_clause",
                            lambda *args, rows, size=page_size, asked=asked: asked.append(rows) or kind_clause(*args, rows=size))
        with statements(db.engine) as seen:
            assert titles(testapp_en.get("/agenda?" + query)) == expected, page_size
        # The list's statements filtering by kind (not the kinds' counts, not the cards' loader).
        dates = [s for s in seen if "event_occurrence" in s and "event_kind IN" in s]
        assert dates and all(("EXISTS" in s) == walked for s in dates), seen
        assert asked and set(asked) == {2 * routes.PER_PAGE}  # chosen for twice the list's page


def test_organiser_filter(testapp_en, varied):
    page = testapp_en.get(f"/agenda?organiser={varied.id}")
    assert titles(page) == ["Atelier robotique"]
    # Kept by the filter form for the next change.
    assert page.html.select_one(f'#agenda-filters input[name=organiser][value="{varied.id}"]') is not None


def test_the_filter_form_submits_the_selection(testapp_en, varied):
    form = testapp_en.get("/agenda").forms["agenda-filters"]
    form["kind"] = "talk"
    form["territory"] = "occitanie"
    page = form.submit()
    assert titles(page) == ["Conférence sur le climat"]
    assert page.html.select_one('#agenda-kind option[value="talk"]').has_attr("selected")
    assert "Clear the filters" in page.text


def test_htmx_request_gets_only_the_fragment(testapp_en, varied):
    page = testapp_en.get("/agenda?kind=visit", headers={"HX-Request": "true"})
    assert page.status_int == 200 and "HX-Request" in vary(page)
    assert "<html" not in page.text and "<h1" not in page.text
    # The fragment replaces #agenda (hx-swap="outerHTML"): it must be #agenda itself, so that
    # the next change of a filter still finds its target.
    root = [el for el in page.html.children if getattr(el, "name", None)]
    assert len(root) == 1 and root[0]["id"] == "agenda"
    form = page.html.find(id="agenda-filters")
    assert form["hx-target"] == "#agenda" and form["hx-swap"] == "outerHTML"
    assert titles(page) == ["Visite de la station marine"]
    # A history restore gets the full page.
    full = testapp_en.get("/agenda?kind=visit", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in full.text


def test_month_calendar_is_a_table(testapp_en, dated):
    page = testapp_en.get("/agenda?view=calendar&month=2030-10")
    table = page.html.select_one("table.calendar")
    assert "October 2030" in table.caption.get_text(" ", strip=True)
    assert [th.get_text(strip=True) for th in table.select("thead th")] == ["Mon", "Tue", "Wed", "Thu", "Fri",
                                                                            "Sat", "Sun"]

    def cell(day):
        for td in table.select("td:not(.other-month)"):
            if td.select_one(".day-number").contents[0].strip() == str(day):
                return [a.get_text(strip=True) for a in td.select("li a")]
        raise AssertionError(day)

    # Each day lists its dates; a long exhibition shows on its first day only.
    assert cell(16) == ["Café du matin", "Conférence de ce soir"]
    assert cell(1) == ["Exposition en cours"]
    assert cell(19) == ["Atelier du samedi"]
    assert "Conférence de septembre" not in table.get_text() and "Forum de novembre" not in table.get_text()
    assert "Brouillon invisible" not in table.get_text()
    # Past events of the month are in the month's calendar.
    assert cell(2) == ["Atelier du 2 octobre"]
    # Navigation keeps the view and the filters.
    following = table.caption.select_one("a[rel=next]")["href"]
    assert "view=calendar" in following and "month=2030-11" in following
    november = testapp_en.get(following)
    assert "November 2030" in november.html.select_one("table.calendar caption").get_text()
    assert "Forum de novembre" in november.html.select_one("table.calendar").get_text()


def test_calendar_honours_the_filters(testapp_en, dated):
    page = testapp_en.get("/agenda?view=calendar&month=2030-10&kind=exhibition")
    links = [a.get_text(strip=True) for a in page.html.select("table.calendar li a")]
    assert set(links) == {"Exposition en cours"}


def test_calendar_htmx_fragment(testapp_en, dated):
    page = testapp_en.get("/agenda?view=calendar&month=2030-10", headers={"HX-Request": "true"})
    assert "<html" not in page.text and page.html.select_one("table.calendar caption") is not None
    assert "HX-Request" in vary(page)


def test_map_geojson_honours_the_filters(testapp_en, now_is, make_event, make_actor, occitanie):
    now_is(NOW)
    museum = make_actor(occitanie, "Muséum", lat=43.5945, lng=1.4490)
    make_event(occitanie, "Au muséum", start=at(20), venue=museum, kind="talk")
    make_event(occitanie, "En plein air", start=at(21), latitude=43.7, longitude=1.5, kind="workshop")
    make_event(occitanie, "Club hebdomadaire", start=at(22), latitude=43.6, longitude=1.45, kind="workshop",
               recurrence="weekly", until=datetime(2030, 12, 31).date())
    make_event(occitanie, "Sans lieu", start=at(23), kind="workshop")
    make_event(occitanie, "Passé", start=at(1), latitude=43.6, longitude=1.4, kind="workshop")

    data = testapp_en.get("/agenda.geojson").json
    assert data["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in data["features"]}
    assert sorted(by_name) == ["Au muséum", "Club hebdomadaire", "En plein air"]  # one feature per event
    assert by_name["Au muséum"]["geometry"] == {"type": "Point", "coordinates": [1.449, 43.5945]}
    assert by_name["En plein air"]["properties"]["url"].startswith("/event/")

    workshops = testapp_en.get("/agenda.geojson?kind=workshop&when=range&start=2030-10-21&end=2030-10-21").json
    assert [f["properties"]["name"] for f in workshops["features"]] == ["En plein air"]
    past = testapp_en.get("/agenda.geojson?when=past").json
    assert [f["properties"]["name"] for f in past["features"]] == ["Passé"]
    # The map view links to the same selection.
    view = testapp_en.get("/agenda?view=map&kind=workshop")
    assert "kind=workshop" in view.html.find(id="map-data")["data-geojson"]


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5])
def test_map_points_read_in_batches_are_the_first_events_each_once(testapp_en, now_is, make_event, occitanie,
                                                                  monkeypatch, limit):
    """The map reads dates in batches (``agenda_geojson``): whatever the batches' bounds — here
    1 to 5 events in batches of 1 to 7 dates — it gives the first ``limit`` placed events in date
    order, each once (the weekly club's dates fall in several batches), without the date of an
    event with no place."""
    from csti.blueprints.events import routes

    now_is(NOW)
    make_event(occitanie, "Exposition en cours", start=at(10, 10), end=at(30, 18), latitude=43.6, longitude=1.4)
    make_event(occitanie, "Club hebdomadaire", start=at(21, 18), latitude=43.6, longitude=1.45,
               recurrence="weekly", until=datetime(2030, 12, 31).date())
    make_event(occitanie, "Sans lieu", start=at(21, 20))
    # Between the club's dates, so that the later events are in the second or third batch.
    make_event(occitanie, "Conférence", start=at(5, month=11), latitude=43.7, longitude=1.5)
    make_event(occitanie, "Atelier", start=at(19, month=11), latitude=43.7, longitude=1.5)
    make_event(occitanie, "Balade", start=at(3, month=12), latitude=43.7, longitude=1.5)
    order = ["Exposition en cours", "Club hebdomadaire", "Conférence", "Atelier", "Balade"]
    monkeypatch.setattr(routes, "GEOJSON_LIMIT", limit)
    names = [f["properties"]["name"] for f in testapp_en.get("/agenda.geojson").json["features"]]
    assert names == order[:limit]
    if limit == 3:  # two batches: a clock that moves between them (a minute turning) changes nothing
        calls = []

        def moving_clock():
            calls.append(1)
            return (NOW if len(calls) == 1 else at(22, 12)).replace(tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)

        monkeypatch.setattr("csti.blueprints.events.agenda.utcnow", moving_clock)
        names = [f["properties"]["name"] for f in testapp_en.get("/agenda.geojson", {"_": "1"}).json["features"]]
        assert names == order[:3]


def test_pagination_keeps_the_filters(testapp_en, now_is, make_event, occitanie):
    now_is(NOW)
    make_event(occitanie, "Club du mardi", start=at(22, 18), kind="workshop", recurrence="weekly",
               until=(at(22) + timedelta(weeks=34)).date())  # 35 dates
    make_event(occitanie, "Autre chose", start=at(23), kind="talk")
    first = testapp_en.get("/agenda?kind=workshop")
    assert first.html.select_one(".results-count").get_text(strip=True) == "35 dates"
    assert len(titles(first)) == 30
    assert "Page 1 of 2" in first.text
    second = testapp_en.get(first.html.select_one(".pagination a[rel=next]")["href"])
    assert "kind=workshop" in second.request.url
    assert titles(second) == ["Club du mardi"] * 5
    # Beyond the last page: an empty page, not an error.
    assert titles(testapp_en.get("/agenda?kind=workshop&page=7")) == []


def test_bad_range_is_a_422_with_a_message(testapp_en, dated):
    page = testapp_en.get("/agenda?when=range&start=2030-10-20&end=2030-10-18", status=422)
    assert page.html.find(id="agenda-end-error").get_text(strip=True) == "The end is before the start."
    assert page.html.find(id="agenda-end")["aria-invalid"] == "true"
    page = testapp_en.get("/agenda?when=range&start=someday", status=422)
    assert page.html.find(id="agenda-start-error").get_text(strip=True) == "Not a date."


@pytest.mark.parametrize("url", [
    "/agenda?when=tomorrow", "/agenda?kind=spaceship&audience=aliens&price=cheap&view=globe",
    "/agenda?when=range&start=0001-01-01", "/agenda?when=range&end=9999-12-31",
    "/agenda?when=range&start=2030-02-30", "/agenda?view=calendar&month=0001-01",
    "/agenda?view=calendar&month=9999-12", "/agenda?view=calendar&month=2030-13", "/agenda?view=calendar&month=x",
    "/agenda?page=99999999999999999999", "/agenda?page=-3", "/agenda?page=abc",
    "/agenda?organiser=%C2%B2", "/agenda?organiser=99999999999999999999", "/agenda?organiser=abc",
    "/agenda?department=%00&tag=%00&territory=%00&q=%00", "/agenda?q=%25_%25", "/agenda?tag=" + "x" * 5000,
    "/agenda.geojson?organiser=%C2%B2", "/agenda.geojson?when=range&start=0001-01-01",
    "/agenda.ics?when=range&end=9999-12-31", "/agenda.ics?organiser=99999999999999999999",
    "/trainings?page=99999999999999999999",
])
def test_bad_filter_values_never_give_a_500(testapp_en, dated, url):
    response = testapp_en.get(url, expect_errors=True)
    assert response.status_int in (200, 400, 404, 422), response.status_int


def test_out_of_range_dates_are_refused_next_to_the_field(testapp_en, dated):
    page = testapp_en.get("/agenda?when=range&start=0001-01-01", status=422)
    assert page.html.find(id="agenda-start-error").get_text(strip=True) == "Not a date."


def test_calendar_shows_the_neighbouring_months_days_of_its_grid(testapp_en, now_is, make_event, occitanie):
    now_is(NOW)
    make_event(occitanie, "Veille de la rentrée", start=at(30, month=9))   # Monday of the first row
    make_event(occitanie, "Samedi de novembre", start=at(2, month=11))    # Saturday of the last row
    make_event(occitanie, "Trop loin", start=at(4, month=11))             # the row after: not shown
    table = testapp_en.get("/agenda?view=calendar&month=2030-10").html.select_one("table.calendar")
    others = {td.select_one(".day-number").contents[0].strip(): [a.get_text(strip=True) for a in td.select("li a")]
              for td in table.select("td.other-month")}
    assert others["30"] == ["Veille de la rentrée"] and others["2"] == ["Samedi de novembre"]
    assert "Trop loin" not in table.get_text()


def test_the_territory_filter_follows_an_event_that_moves(testapp_en, make_event, occitanie, factory, db):
    """The agenda reads a territory's dates from the dates themselves (their copy of the event's
    territory): moving an event, or giving it new dates, must move them too."""
    from csti.blueprints.events.schedule import schedule

    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    event = make_event(occitanie, "Nuit des étoiles", start=in_days(3), recurrence="weekly", until=in_days(20).date())
    make_event(bretagne, "Visite de la station marine", start=in_days(4))

    def listed(territory):
        return titles(testapp_en.get(f"/agenda?territory={territory}"))

    assert listed("occitanie") == ["Nuit des étoiles"] * 3
    event.territory = bretagne
    db.session.commit()
    assert listed("occitanie") == []
    assert sorted(set(listed("bretagne"))) == ["Nuit des étoiles", "Visite de la station marine"]
    schedule(event, in_days(30), in_days(30) + timedelta(hours=2))  # new dates, same territory
    db.session.commit()
    assert listed("bretagne") == ["Visite de la station marine", "Nuit des étoiles"]
    event.territory = occitanie
    schedule(event, in_days(31), in_days(31) + timedelta(hours=2))  # both at once
    db.session.commit()
    assert listed("occitanie") == ["Nuit des étoiles"]
    assert testapp_en.get("/t/occitanie/agenda.ics").body.count(b"BEGIN:VEVENT") == 1


@pytest.mark.parametrize("per_page", [1, 2, 3, 5])
def test_pages_run_from_the_dates_under_way_to_those_to_come(testapp_en, dated, make_event, occitanie,
                                                            monkeypatch, per_page):
    """The dates under way and those to come are read by two queries (``EventFilter.page``): page
    after page, every date shows once, in date order, whatever page the turn falls on."""
    from csti.blueprints.events import routes

    monkeypatch.setattr(routes, "PER_PAGE", per_page)
    # A second exhibition under way: two dates before the turn.
    make_event(occitanie, "Exposition permanente", start=at(3, 10), end=at(30, 18), kind="exhibition")
    everything = titles(testapp_en.get("/agenda", {"when": "month"}))
    seen, number = [], 1
    while True:
        page = testapp_en.get("/agenda", {"when": "month", "page": number})
        found = titles(page)
        if not found:
            break
        assert len(found) <= per_page
        assert page.html.select_one(".results-count").get_text(strip=True) == "8 dates"
        seen += found
        number += 1
    assert seen == ["Exposition en cours", "Exposition permanente", "Conférence de ce soir", "Veillée du vendredi", "Atelier du samedi",
                    "Balade du dimanche", "Réunion du lundi", "Nuit de la science"]
    assert number - 1 == -(-8 // per_page)
    assert everything == seen[:per_page]


def test_a_page_starts_where_the_page_before_it_ended_and_shows_what_a_walk_shows(
        app, testapp_en, db, now_is, make_event, occitanie, monkeypatch):
    """Where a page of the dates to come ends (and starts) is kept until the data changes
    (``listing._walk``): the next page, and the same page asked again, are read from there —
    no ``OFFSET`` walking every date before them — and show what a walk from the first date
    shows, whatever the order the pages are asked in, dates at one instant (in their events'
    order) included."""
    from sqlalchemy import event as sa_event

    from csti.blueprints.events import routes

    monkeypatch.setattr(routes, "PER_PAGE", 2)
    now_is(NOW)
    for day in (18, 19, 20):  # three events at each of three instants
        for n in range(3):
            make_event(occitanie, f"Soirée {day}-{n}", start=at(day, 20))
    make_event(occitanie, "Club", start=at(18, 20), recurrence="weekly", until=at(31).date())  # the 18th and 25th

    def page(number):
        return titles(testapp_en.get("/agenda", {"page": number}))

    app.config["DATA_CACHE"] = False  # every page walked from the first date
    walked = [page(number) for number in range(1, 7)]
    assert sum(walked, []) == ["Soirée 18-0", "Soirée 18-1", "Soirée 18-2", "Club", "Soirée 19-0", "Soirée 19-1",
                               "Soirée 19-2", "Soirée 20-0", "Soirée 20-1", "Soirée 20-2", "Club"]
    app.config["DATA_CACHE"] = True
    offsets = []

    def note(conn, cursor, statement, parameters, *args):
        if statement.startswith("SELECT event_occurrence.starts_at, event.id, event_occurrence.id") \
                and "OFFSET" in statement:
            # SQLite's parameters are a tuple, psycopg's a dict: "OFFSET %(param_2)s".
            named = re.search(r"OFFSET %\((\w+)\)s", statement)
            offsets.append(parameters[named[1]] if named else parameters[-1])

    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        # (page, the dates its walk skips): the first page asked walks from the first date to
        # the one before it; then each page starts from a page's end or start kept, or walks
        # from the nearest one before it (page 6 after page 4: one date, the one before it).
        for number, skipped in ((3, 3), (4, 0), (2, 1), (3, 0), (6, 1), (5, 0), (1, 0), (6, 0), (4, 0)):
            offsets.clear()
            assert page(number) == walked[number - 1], number
            assert offsets == [skipped], number
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)


def test_every_filter_on_the_events_table_is_counted_with_the_events(app):
    """``EventFilter.counting`` joins the dates to their items alone unless a filter reads the
    event's own table; it lists ``where``'s filters by hand. Each field that ``where`` turns into
    a condition — one added later too — must send the count through ``matching`` (the events
    joined), or the lean count would leave it out. The territories are the one filter the lean
    count applies itself (checked by counts in the test above)."""
    from dataclasses import fields

    from sqlalchemy import select

    from csti.blueprints.events.agenda import EventFilter
    from csti.models.events import EventOccurrence

    values = {list: ["x"], str: "x"}
    window = (datetime(2030, 10, 16, tzinfo=UTC), None)
    with app.test_request_context():
        checked = []
        for item in fields(EventFilter):
            if item.name in ("territories", "errors"):
                continue
            default = getattr(EventFilter(), item.name)
            value = "free" if item.name == "price" else values.get(type(default), 1)  # price: free or paid
            one = EventFilter(**{item.name: value})
            probe = select(EventOccurrence.id)
            if one.where(probe) is probe:
                continue  # not a condition of ``where`` (the window, the view…)
            checked.append(item.name)
            assert "JOIN event " in str(one.counting(window)), item.name
        # The filters known today are among those checked: the probe does see them.
        assert {"kinds", "audiences", "departments", "tags", "organisers", "price", "q", "structure"} <= set(checked)
