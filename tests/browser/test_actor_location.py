"""Proposing a structure: a click on the map sets its coordinates."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from csti.models import Actor

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_click_on_the_map_sets_latitude_and_longitude(live, page):
    with live.data() as f:
        territory = f.territory()
        email = f.user(roles={territory: "member"}).email

    log_in(page, email)
    page.goto("/actors/new")
    the_map = page.locator("#location-map")
    expect(the_map.locator(".leaflet-tile-pane")).to_be_attached()  # Leaflet from the CDN stand-in
    latitude, longitude = page.locator("#latitude"), page.locator("#longitude")
    expect(latitude).to_have_value("")
    expect(longitude).to_have_value("")

    # The map opens on France (46.6, 2.4): its centre is near there.
    box = the_map.bounding_box()
    the_map.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    expect(latitude).not_to_have_value("")
    lat, lng = float(latitude.input_value()), float(longitude.input_value())
    assert abs(lat - 46.6) < 1 and abs(lng - 2.4) < 1, (lat, lng)
    expect(the_map.locator(".leaflet-overlay-pane path.leaflet-interactive")).to_have_count(1)

    # A click further east and north moves the point there.
    the_map.click(position={"x": box["width"] / 2 + 100, "y": box["height"] / 2 - 60})
    expect(latitude).not_to_have_value(str(lat))
    assert float(latitude.input_value()) > lat and float(longitude.input_value()) > lng
    expect(the_map.locator(".leaflet-overlay-pane path.leaflet-interactive")).to_have_count(1)

    # Sent with the form, the point is the structure's location.
    lat, lng = float(latitude.input_value()), float(longitude.input_value())
    page.locator("#title").fill("Atelier des sciences")
    with page.expect_navigation():
        page.locator("form#actor-form button[type=submit]:not([name])").last.click()
    with live.db() as db:
        actor = db.session.scalar(select(Actor).where(Actor.title == "Atelier des sciences"))
        assert actor is not None, page.content()[:2000]
        assert (round(actor.latitude, 6), round(actor.longitude, 6)) == (lat, lng)
