"""The event form, the agenda's map and the directory on a phone and on a wide screen: nothing
scrolls sideways at 390 px, the directory's filters fold as the agenda's, the agenda's map fills
the results' column, the directory's map shows all its markers, the venue search works in place."""
import pytest
from playwright.sync_api import expect

from ..sample_site import build, make_actor
from .conftest import log_in
from .test_console import _settled
from .test_phone import OVERFLOW

pytestmark = pytest.mark.browser

# Every marker (a circle's path) and cluster drawn, with its centre inside the map's box or not.
MARKERS_OUTSIDE = """(id) => {
  const box = document.getElementById(id).getBoundingClientRect();
  const drawn = [...document.querySelectorAll('#' + id + ' path.leaflet-interactive, #' + id + ' .marker-cluster')];
  const outside = drawn.filter(el => {
    const r = el.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
    return x < box.left || x > box.right || y < box.top || y > box.bottom;
  });
  return {drawn: drawn.length, outside: outside.length};
}"""


@pytest.fixture
def site(live):
    with live.data() as f:
        made = build(f)
        territory = f.territory(slug="ailleurs", name="Ailleurs")
        # From Brest to Nice: far outside the map's first view (France's middle, zoom 6).
        for title, postcode, lat, lng in (("Océanopolis", "29200", 48.39, -4.43),
                                          ("Vaisseau", "67000", 48.57, 7.75),
                                          ("Observatoire de la Côte d'Azur", "06000", 43.72, 7.30),
                                          ("Forum départemental des sciences", "59000", 50.63, 3.06)):
            make_actor(f.db, territory, title, postcode=postcode, lat=lat, lng=lng)
    return made


@pytest.mark.parametrize("width", (390, 1280))
def test_the_directory_map_shows_all_its_markers(live, new_context, site, width):
    page = new_context(viewport={"width": width, "height": 844}).new_page()
    page.goto("/actors")
    _settled(page)
    count = int(page.locator("#actors-map").get_attribute("data-count"))
    assert count >= 5
    page.wait_for_function(f"() => ({MARKERS_OUTSIDE})('actors-map').drawn > 0")
    found = page.evaluate(MARKERS_OUTSIDE, "actors-map")
    assert found["outside"] == 0, f"{found['outside']} of {found['drawn']} markers outside the map"
    # The box changes size (a phone turned): the markers stay in view.
    page.set_viewport_size({"width": 360 if width < 600 else 900, "height": 700})
    page.wait_for_timeout(300)
    assert page.evaluate(MARKERS_OUTSIDE, "actors-map")["outside"] == 0


def test_on_a_phone_nothing_scrolls_sideways_and_the_directory_filters_fold(live, new_context, site):
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, site["animator"])
    wide = []
    for path in ("/events/new", "/agenda", "/agenda?view=map", "/actors", "/actors?kind=museum"):
        page.goto(path)
        _settled(page)
        overflow = page.evaluate(OVERFLOW)
        if overflow:
            wide.append(f"{path}: {overflow}")
    assert not wide, "wider than 390 px:\n  " + "\n  ".join(wide)

    # The directory: its filters folded behind "Filters (1)", the results first.
    summary = page.locator("#directory .filters-disclosure > summary")
    expect(summary).to_be_visible()
    assert summary.inner_text().endswith("(1)")
    assert not page.locator("#filter-q").is_visible()
    results = page.locator("#directory .results").bounding_box()
    assert results["y"] < page.locator("#actor-filters").evaluate("f => f.closest('details').getBoundingClientRect().bottom") + 200
    summary.click()
    expect(page.locator("#filter-q")).to_be_visible()

    # The event form's date rows fit.
    page.goto("/events/new")
    for name in ("starts_at", "ends_at"):
        box = page.locator(f"#{name}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_the_directory_filters_show_whole_on_a_wide_screen(live, page, site):
    page.goto("/actors")
    assert not page.locator("#directory .filters-disclosure > summary").is_visible()
    expect(page.locator("#filter-q")).to_be_visible()
    # Every kind of structure is offered.
    assert page.locator("input[name=kind]").count() == 13


def test_the_agenda_map_fills_the_results_column(live, page, site):
    page.goto("/agenda?view=map")
    _settled(page)
    column = page.locator(".agenda-main").bounding_box()
    the_map = page.locator("#events-map").bounding_box()
    assert the_map["width"] >= column["width"] - 2 and the_map["height"] > 300
    assert abs(the_map["x"] - column["x"]) < 2


def test_the_venue_search_works_in_place(live, page, site):
    log_in(page, site["animator"])
    page.goto("/events/new")
    page.locator("#title").fill("Soirée des étoiles")
    page.evaluate("window.__same = 1")
    page.locator("#venue_query").fill("Océano")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.locator("#venue-field button[value=find_venue]").click()
    expect(page.locator("#venue option", has_text="Océanopolis")).to_have_count(1)
    assert page.evaluate("window.__same") == 1, "no reload"
    expect(page.locator("#title")).to_have_value("Soirée des étoiles")
