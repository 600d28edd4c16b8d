"""The agenda and registrations in a real browser: the filters swap the agenda in place again
and again (the fragment keeps its #agenda target), the URL follows; registering swaps the box."""
import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD
from ..sample_site import make_event
from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def agenda(live):
    with live.data() as f:
        occitanie = f.territory(slug="occitanie", name="Occitanie")
        f.user(email="alice@example.org", name="Alice", password=PASSWORD, locale="en")
        make_event(f.db, occitanie, title="Atelier robotique", kind="workshop", days_ahead=3)
        make_event(f.db, occitanie, title="Conférence payante", kind="talk", days_ahead=4, is_free=False)
        make_event(f.db, occitanie, title="Conférence gratuite", kind="talk", days_ahead=5)
        workshop = make_event(f.db, occitanie, title="Atelier inscrit", kind="workshop", days_ahead=6,
                              registration_mode="site", capacity=1)
        return {"workshop": f"/event/{workshop.id}-{workshop.slug}", "workshop_id": workshop.id}


def _titles(page):
    return page.locator("#agenda .event-list h4 a")


def test_filters_swap_the_agenda_again_and_again(live, page, agenda):
    page.goto("/agenda")
    expect(_titles(page)).to_have_count(4)
    page.evaluate("window.__marker = 1")
    # htmx wires up a swapped fragment when it settles: at once, or the next change could be lost.
    assert page.evaluate("htmx.config.defaultSettleDelay") == 0
    page.locator("#agenda-kind").select_option("talk")
    expect(_titles(page)).to_have_count(2)
    assert "kind=talk" in page.url
    # A second change: the swapped fragment is still the target of the next one.
    page.locator("#agenda-price").select_option("paid")
    expect(_titles(page)).to_have_count(1)
    expect(_titles(page)).to_have_text(["Conférence payante"])
    assert "kind=talk" in page.url and "price=paid" in page.url
    assert page.locator("#agenda").count() == 1
    assert page.evaluate("window.__marker") == 1, "filtered in place, without a reload"
    # The pushed URL reloads to the same selection.
    page.goto(page.url)
    expect(_titles(page)).to_have_text(["Conférence payante"])


def test_register_swaps_the_registration_box(live, page, agenda):
    log_in(page, "alice@example.org")
    page.goto(agenda["workshop"])
    page.evaluate("window.__marker = 1")
    box = page.locator(f"#registration-{agenda['workshop_id']}")
    box.get_by_role("button", name="Register").click()
    expect(box).to_contain_text("You are registered.")
    expect(box.get_by_role("button", name="Cancel my registration")).to_be_visible()
    assert page.evaluate("window.__marker") == 1, "swapped in place, without a reload"
    box.get_by_role("button", name="Cancel my registration").click()
    expect(box).to_contain_text("Your registration is cancelled.")
    expect(box.get_by_role("button", name="Register")).to_be_visible()
