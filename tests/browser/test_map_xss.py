"""Titles are text on the maps (issue 11): a structure or event named like HTML shows that name,
literally, in its tooltip and popup — Leaflet never parses it, no element or handler is made."""
import pytest
from playwright.sync_api import expect

from ..sample_site import make_actor, make_event

pytestmark = pytest.mark.browser

EVIL = '<img src=x onerror="window.__xss=1"><b class="injected">gras</b>'


@pytest.fixture
def evil(live):
    with live.data() as f:
        territory = f.territory(slug="occitanie", name="Occitanie", center_lat=43.6, center_lng=1.44)
        actor = make_actor(f.db, territory, EVIL, kind="museum", postcode="31000", lat=43.5945, lng=1.4490)
        event = make_event(f.db, territory, title=EVIL, venue=actor)
        return {"actor": f"/actor/{actor.id}-{actor.slug}", "event": f"/event/{event.id}-{event.slug}"}


def _no_injection(page, within):
    assert within.locator("img, b").count() == 0, within.inner_html()
    assert page.evaluate("document.querySelectorAll('.leaflet-container img[src=x], .injected').length") == 0
    assert page.evaluate("window.__xss === undefined")


@pytest.mark.parametrize("which,map_id", [("actor", "actor-map"), ("event", "event-map")])
def test_point_map_tooltip_shows_the_title_as_text(live, page, evil, which, map_id):
    page.goto(evil[which])
    point = page.locator(f"#{map_id} .leaflet-overlay-pane path.leaflet-interactive")
    expect(point).to_have_count(1)
    point.hover()
    tooltip = page.locator(f"#{map_id} .leaflet-tooltip")
    expect(tooltip).to_have_text(EVIL)
    _no_injection(page, tooltip)


@pytest.mark.parametrize("url, map_id", [("/actors", "actors-map"), ("/agenda?view=map", "events-map")],
                         ids=["directory", "agenda"])
def test_map_popup_shows_the_title_as_text(live, page, evil, url, map_id):
    page.goto(url)
    the_map = page.locator(f"#{map_id}")
    expect(the_map).to_have_attribute("data-count", "1")
    point = the_map.locator(".leaflet-overlay-pane path.leaflet-interactive")
    expect(point).to_have_count(1)
    point.click()
    popup = the_map.locator(".leaflet-popup-content")
    expect(popup.locator("a")).to_have_text(EVIL)
    _no_injection(page, popup)
