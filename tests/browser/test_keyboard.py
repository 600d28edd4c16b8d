"""Keyboard use: the skip link is the first stop and takes the focus to the content."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/actors"])
def test_first_tab_reaches_the_skip_link_and_enter_goes_to_main(live, page, path):
    with live.data() as f:
        f.territory(slug="bretagne", name="Bretagne")  # something to focus in the content
    page.goto(path)
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_attribute("href", "#main")
    box = skip.bounding_box()
    assert box and box["width"] > 1 and box["height"] > 1 and box["y"] >= 0, \
        "the focused skip link is visible on screen"

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues from the content, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")
