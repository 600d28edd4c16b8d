"""The structures directory (issue 3): the filters change the list and the map together without
a reload, the URL follows, Back restores, and the pushed URL reloads to the same selection."""
import pytest
from playwright.sync_api import expect

from ..sample_site import make_actor

pytestmark = pytest.mark.browser

# Markers drawn on the map: single markers (SVG paths) plus what the clusters hold.
MARKERS_SHOWN = """([id, count]) => {
  const el = document.getElementById(id);
  let n = el.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length;
  el.querySelectorAll('.leaflet-marker-pane .marker-cluster').forEach(c => { n += parseInt(c.textContent, 10); });
  return n === count;
}"""


def _cards(page):
    return page.locator("#directory .actor-list > li")


def _expect_map(page, count):
    """The live map (the element Leaflet drives, not a copy from the history cache) shows
    ``count`` markers."""
    assert page.evaluate("document.getElementById('actors-map').__live === 1"), "the map is a stale copy"
    the_map = page.locator("#actors-map")
    expect(the_map).to_have_attribute("data-count", str(count))
    page.wait_for_function(MARKERS_SHOWN, arg=["actors-map", count])


@pytest.fixture
def structures(live):
    with live.data() as f:
        occitanie = f.territory(slug="occitanie", name="Occitanie", center_lat=43.6, center_lng=2.5)
        db = f.db
        make_actor(db, occitanie, "Muséum de Toulouse", kind="museum", postcode="31000", lat=43.5945, lng=1.4490)
        make_actor(db, occitanie, "Planétarium de Nîmes", kind="museum", postcode="30000", lat=43.8367, lng=4.3601)
        make_actor(db, occitanie, "FabLab de Montpellier", kind="fablab", postcode="34000", lat=43.6108, lng=3.8767)
        make_actor(db, occitanie, "Les Petits Débrouillards", kind="association", postcode="66000",
                   lat=42.6987, lng=2.8956)


def test_kind_filter_updates_list_and_map_together(live, page, new_context, structures):
    page.goto("/actors")
    expect(_cards(page)).to_have_count(4)
    page.evaluate("document.getElementById('actors-map').__live = 1")  # lost by any copy of the element
    _expect_map(page, 4)
    page.evaluate("window.__marker = 1")

    with page.expect_response(lambda r: "/actors.geojson" in r.url and "kind=museum" in r.url):
        page.locator("#f-kind-museum").check()
    expect(_cards(page)).to_have_count(2)
    expect(page.locator("#directory .actor-list")).to_contain_text("Muséum de Toulouse")
    expect(page.locator("#directory .actor-list")).not_to_contain_text("FabLab")
    _expect_map(page, 2)
    assert page.evaluate("window.__marker") == 1, "filtered in place, without a reload"
    assert "kind=museum" in page.url, "the URL follows the filters"
    pushed = page.url

    # A second kind: the list and the map grow together.
    page.locator("#f-kind-fablab").check()
    expect(_cards(page)).to_have_count(3)
    _expect_map(page, 3)
    assert "kind=fablab" in page.url and "kind=museum" in page.url

    # Back: the previous selection, list and map.
    page.go_back()
    page.wait_for_url(pushed)
    expect(_cards(page)).to_have_count(2)
    expect(page.locator("#f-kind-museum")).to_be_checked()
    expect(page.locator("#f-kind-fablab")).not_to_be_checked()
    _expect_map(page, 2)
    assert page.evaluate("window.__marker") == 1

    page.go_back()
    expect(_cards(page)).to_have_count(4)
    _expect_map(page, 4)

    # The pushed URL, opened afresh, shows the same selection.
    fresh = new_context().new_page()
    fresh.goto(pushed)
    fresh.evaluate("document.getElementById('actors-map').__live = 1")
    expect(fresh.locator("#f-kind-museum")).to_be_checked()
    expect(_cards(fresh)).to_have_count(2)
    _expect_map(fresh, 2)
